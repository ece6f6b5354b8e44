"""Rule ct_compressed_sensing: CT reconstruction from few projections, Ridge against Lasso."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import ct_compressed_sensing as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    print(f"{cfg['size']} x {cfg['size']} phantom, {cfg['size'] // cfg['angle_divisor']} angles")
    result = study.run(cfg["size"], cfg["angle_divisor"], cfg["phantom_points"],
                       cfg["noise_std"], cfg["ridge_alpha"], cfg["lasso_alpha"],
                       cfg["lasso_max_iter"], cfg["threshold"], cfg["timing_repeats"],
                       sm.params.seed)
    metrics = study.summarize(result)
    print(metrics)
    study.plot(result, sm.output.figure)
    write_metrics(sm.output.metrics, metrics)
