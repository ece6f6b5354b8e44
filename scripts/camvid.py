"""Rule camvid: lesson 3's U-Net segmentation of CamVid dashcam frames (day 23)."""

from pathlib import Path

from hundreddays.fastai_support import seconds_per_epoch, weights_in
from hundreddays.loaders.camvid import load_camvid
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import camvid as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    data = load_camvid(Path(sm.input.data))
    print(f"camvid: {len(data.images)} images, {len(data.valid)} validation, "
          f"{len(data.codes)} classes")
    weights = weights_in(sm.input.weights) if cfg["pretrained"] else None
    result = study.train(data, cfg, weights, sm.params.seed, sm.threads)
    rows = study.class_scores(result["confusion"], data.codes, data.void)
    metrics = study.summarize(result["confusion"], data.codes, data.void)
    log = result["log"]
    metrics["seconds_per_epoch"] = seconds_per_epoch(log)
    metrics["frozen_seconds_per_epoch"] = seconds_per_epoch(log, "frozen")
    metrics["unfrozen_seconds_per_epoch"] = seconds_per_epoch(log, "unfrozen")
    print(f"pixel accuracy {metrics['pixel_accuracy']:.4f}, mean IoU {metrics['mean_iou']:.4f}, "
          f"pole/mean IoU {metrics['pole_to_mean_iou']:.3f}")
    study.write_table(sm.output.table, rows)
    study.plot(result["show"], data.codes, data.void, rows, metrics,
               sm.params.log_pixel_accuracy, sm.output.figure)
    write_metrics(sm.output.metrics, metrics)
