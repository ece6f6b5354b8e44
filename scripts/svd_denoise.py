"""Rule svd_denoise: denoise a photo by truncated SVD, rank by fixed, Frobenius and GD rules."""

from hundreddays.atomic import write_text
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import svd_denoise as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    clean = study.load_image(cfg["downsample"])
    print(f"{study.SAMPLE_IMAGE}: {clean.shape[0]} x {clean.shape[1]} pixels, "
          f"downsampled by {cfg['downsample']}")
    results = study.sweep(clean, cfg["sigmas"], cfg["fixed_rank"], sm.params.seed)
    for r in results:
        print(f"sigma {r['sigma']:g} (estimated {r['sigma_estimate']:.4f}): ranks {r['ranks']}")
    write_text(sm.output.table, study.table_csv(study.table_rows(results, clean)))
    study.plot(results, clean, cfg["shown_sigma"], sm.output.figure)
    metrics = study.summarize(results, clean, cfg["shown_sigma"])
    print(metrics)
    write_metrics(sm.output.metrics, metrics)
