"""Rule head_pose: lesson 3's BIWI head-centre regression, then unfrozen as the log did (day 25)."""

from pathlib import Path

from hundreddays.fastai_support import seconds_per_epoch, weights_in
from hundreddays.loaders.biwi import load_biwi
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import head_pose as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    data = load_biwi(Path(sm.input.data), cfg["valid_sequence"])
    print(f"biwi: {len(data.images)} frames in {len(data.calibrations)} sequences, "
          f"validation sequence {cfg['valid_sequence']}")
    weights = weights_in(sm.input.weights) if cfg["pretrained"] else None
    out = study.train(data, cfg, weights, sm.params.seed, sm.threads)
    metrics = study.summarize(out)
    log = out["log"]
    metrics["seconds_per_epoch"] = seconds_per_epoch(log)
    metrics["frozen_seconds_per_epoch"] = seconds_per_epoch(log, "frozen")
    metrics["unfrozen_seconds_per_epoch"] = seconds_per_epoch(log, "unfrozen")
    print(f"valid loss {metrics['frozen_valid_loss']:.5f} -> {metrics['unfrozen_valid_loss']:.5f}"
          f" (ratio {metrics['unfrozen_to_frozen_valid_loss']:.3f})")
    study.plot(out, metrics, cfg["figure_images"], sm.output.figure)
    write_metrics(sm.output.metrics, metrics)
