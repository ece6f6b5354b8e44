"""Rule whale: days 17, 22, 23, Kaggle humpback whale identification (MAP@5 of three runs)."""

import tempfile
from pathlib import Path

from hundreddays import fastai_support as fs
from hundreddays.atomic import write_text
from hundreddays.data import kaggle
from hundreddays.loaders.whale import load
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import whale as study

COMPETITION = "humpback-whale-identification"
KAGGLE_KEYS = {"first": "first_submission_map5", "improved": "improved_map5",
               "longer": "longer_midway_map5"}

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    device = fs.setup(sm.params.seed, sm.threads)
    weights = fs.weights_in(sm.input.weights) if cfg["pretrained"] else None
    out = Path(sm.output.metrics).parent
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".whale-images-", dir=out) as workdir:
        data = load(sm.input.data, workdir)
        print(f"whale: {len(data['train'])} train / {len(data['test'])} test images on {device}",
              flush=True)
        with fs.no_downloads():
            result = study.run(data, cfg, sm.params.seed, weights, device,
                               log_every=cfg.get("log_every", 50))
        metrics = result["metrics"]
        if cfg.get("predict_test", False):
            for name, run in result["runs"].items():
                csv_path = out / f"submission_{name}.csv"
                write_text(csv_path, study.submission_csv(list(data["test"]["Image"]), run["test"]))
                print(f"whale: wrote {csv_path}")
                if cfg.get("submit", False):
                    reason = kaggle.not_run_reason()
                    if reason:
                        raise RuntimeError(f"whale: config submit is true but {reason}")
                    message = f"hundreddays whale {name} (seed {sm.params.seed})"
                    kaggle.submit(COMPETITION, csv_path, message)
                    metrics[KAGGLE_KEYS[name]] = kaggle.poll_score(COMPETITION, message)
                    print(f"whale: Kaggle public MAP@5 of {name}: {metrics[KAGGLE_KEYS[name]]}")
            if cfg.get("submit", False):
                metrics["longer_run_midway_gain"] = (metrics["longer_midway_map5"]
                                                     - metrics["improved_map5"])
        not_measured = {}
        if not cfg.get("submit", False):
            reason = (f"no Kaggle submission at {sm.params.scale} scale (whale.submit: false); "
                      f"the same runs' MAP@5 on held-out train images is in local_*_map5")
            not_measured = {key: reason for key in ("first_submission_map5", "improved_map5",
                                                    "longer_run_midway_gain")}
        for key, value in sorted(metrics.items()):
            print(f"whale: {key} = {value}")
        study.plot(result, sm.params.log_scores, sm.output.figure)  # reads the photos
    write_metrics(sm.output.metrics, metrics, not_measured=not_measured)
