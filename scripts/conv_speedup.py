"""Rule conv_speedup: time the Halide talk's 3x3 box blur, naive against scheduled, and more."""

from hundreddays.atomic import write_text
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import conv_speedup as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    print(f"blurring a {cfg['height']}x{cfg['width']} image with {sm.threads} threads")
    result = study.measure(cfg["height"], cfg["width"], cfg["tile_rows"], cfg["tile_cols"],
                           cfg["python_crop"], cfg["timing_repeats"], cfg["tolerance"],
                           sm.params.seed, sm.threads, cfg["threading_layer"])
    print(f"numba threading layer: {result['threading_layer']}")
    for row in result["rows"]:
        print(f"{row['method']}: {row['seconds']:.4g} s, {row['speedup_vs_naive']:.3g}x naive")
    print(result["metrics"])
    write_text(sm.output.table, study.table_csv(result["rows"]))
    study.plot(result, sm.params.log_speedup, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
