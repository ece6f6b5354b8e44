"""Rule fibonacci: time four Fibonacci methods against n, check them against exact integers."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import fibonacci as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    result = study.measure(cfg["naive_max_n"], cfg["fast_max_n"], cfg["timing_repeats"])
    print(result["metrics"])
    study.plot(result, sm.output.figure, sm.params.log_seconds)
    write_metrics(sm.output.metrics, result["metrics"])
