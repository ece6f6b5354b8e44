"""Rule float_stability: iterate the course's map exactly, in float64 and in float32."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import float_stability as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    result = study.measure(cfg["start_numerator"], cfg["start_denominator"], cfg["steps"],
                           cfg["departure_threshold"])
    for fmt, values in result["orbits"].items():
        print(f"{fmt}: " + ", ".join(f"{float(v):.4g}" for v in values))
    print("exact: " + ", ".join(str(v) for v in result["exact"]))
    print(result["metrics"])
    study.plot(result, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
