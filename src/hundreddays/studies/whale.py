"""Days 17, 22, 23: Kaggle humpback whale identification with fastai (MAP@5).

The log gives scores only: a first submission 0.284, "some improvements" 0.456, and a longer run
stopped halfway that did not score better. Our three runs, each a fresh ImageNet ResNet on the
whales of the training part (new_whale photos left out of training, a common choice then):
- first: the lesson-1 recipe, head only (body frozen) for a few epochs at a small size;
- improved: bigger images, then all layers unfrozen with discriminative rates, more epochs;
- longer: the improved recipe with twice the unfrozen epochs, aborted at the midpoint of its
  one-cycle schedule (rates still high), which is the model scored.
Predictions are the 5 most probable ids with new_whale inserted where the probability drops
below a threshold, as the submissions were made. MAP@5 is scored locally on a held-out part of
train.csv (a whale not seen in the training part counts as new_whale there) and, with Kaggle
credentials, by Kaggle on the submitted test predictions.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import fastai_support as fs
from .. import rehearsal
from ..atomic import write_text
from ..data import kaggle
from ..loaders.whale import NEW_WHALE, load
from ..seeds import seed_everything

VARIANTS = ("first", "improved", "longer")
COMPETITION = "humpback-whale-identification"
# the metric each run's Kaggle public score is reported as
KAGGLE_KEYS = {"first": "first_submission_map5", "improved": "improved_map5",
               "longer": "longer_midway_map5"}
# the metrics that only Kaggle's scores give
KAGGLE_METRICS = ("first_submission_map5", "improved_map5", "longer_run_midway_gain")


def map5(actual: list[str], predicted: list[list[str]]) -> float:
    """Mean average precision at 5 with one true label: 1 / rank of the truth in the first 5
    predictions (0 if absent), averaged over images."""
    if len(actual) != len(predicted):
        raise ValueError(f"{len(actual)} labels but {len(predicted)} predictions")
    scores = []
    for truth, guesses in zip(actual, predicted, strict=True):
        top = list(dict.fromkeys(guesses))[:5]
        scores.append(1.0 / (top.index(truth) + 1) if truth in top else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def top5(probs: np.ndarray, classes: list[str], threshold: float) -> list[list[str]]:
    """Per row of `probs`: the 5 most probable classes, new_whale inserted before the first
    class whose probability is below `threshold`."""
    out = []
    for row in np.asarray(probs):
        order = np.argsort(-row, kind="stable")[:5]
        ids = [classes[i] for i in order]
        position = int((row[order] >= threshold).sum())
        out.append((ids[:position] + [NEW_WHALE] + ids[position:])[:5])
    return out


def local_split(train: pd.DataFrame, valid_pct: float, seed: int) -> tuple[pd.DataFrame,
                                                                            pd.DataFrame]:
    """Split train.csv's images at random; in the held-out part a whale absent from the
    training part becomes new_whale (as a new whale in the test set)."""
    rng = np.random.default_rng(seed)
    held = rng.random(len(train)) < valid_pct
    fit, valid = train[~held].copy(), train[held].copy()
    known = set(fit["Id"]) - {NEW_WHALE}
    valid["truth"] = [i if i in known else NEW_WHALE for i in valid["Id"]]
    return fit.reset_index(drop=True), valid.reset_index(drop=True)


class _StopAfter:
    """Build a fastai callback that aborts the fit after `epochs` epochs (the aborted run)."""

    def __new__(cls, epochs: int):
        from fastai.callback.core import Callback, CancelFitException

        class StopAfter(Callback):
            order = 90  # after EpochLog and the Recorder

            def after_epoch(self):
                if self.epoch + 1 >= epochs:
                    raise CancelFitException()
        return StopAfter()


def train_variant(name: str, fit: pd.DataFrame, valid: pd.DataFrame, vcfg: dict, cfg: dict,
                  weights, device, log) -> object:
    """Train one variant on `fit`; fastai's validation set = held-out photos of known whales."""
    from fastai.vision.all import (
        CategoryBlock,
        ColReader,
        DataBlock,
        ImageBlock,
        IndexSplitter,
        Resize,
        accuracy,
        aug_transforms,
        vision_learner,
    )

    train = fit[fit["Id"] != NEW_WHALE]
    known = valid[valid["truth"] != NEW_WHALE]
    table = pd.concat([train, known], ignore_index=True)
    classes = sorted(set(train["Id"]))
    block = DataBlock(blocks=(ImageBlock, CategoryBlock(vocab=classes)),
                      get_x=ColReader("path"), get_y=ColReader("Id"),
                      splitter=IndexSplitter(list(range(len(train), len(table)))),
                      item_tfms=Resize(vcfg["size"]),
                      batch_tfms=aug_transforms(do_flip=False, max_rotate=10.0))
    dls = block.dataloaders(table, bs=cfg["batch_size"], **fs.dataloader_kwargs(device))
    arch = fs.resnet_from_file(cfg["arch"], weights if cfg["pretrained"] else None)
    learn = fs.quiet(fs.mixed_precision(vision_learner(dls, arch, pretrained=cfg["pretrained"],
                                                       metrics=accuracy, cbs=[log])))
    lr = vcfg["lr"]
    if vcfg["frozen_epochs"] > 0:
        log.phase = f"{name}-frozen"
        learn.fit_one_cycle(vcfg["frozen_epochs"], lr)
    if vcfg.get("unfrozen_epochs", 0) > 0:
        learn.unfreeze()
        log.phase = f"{name}-unfrozen"
        stop = vcfg.get("stop_after")
        learn.fit_one_cycle(vcfg["unfrozen_epochs"], slice(cfg["min_lr"], lr / 5),
                            cbs=[_StopAfter(stop)] if stop else None)
    return learn


def predict(learn, paths: list[str], threshold: float) -> tuple[np.ndarray, list]:
    """Return (probabilities, top-5 lists with new_whale) for the images at `paths`."""
    dl = learn.dls.test_dl(pd.DataFrame({"path": paths}))
    probs = learn.get_preds(dl=dl)[0].float().numpy()
    return probs, top5(probs, list(learn.dls.vocab), threshold)


def train_runs(data: dict, cfg: dict, seed: int, weights, device, threads: int = 1,
               log_every: int = 50) -> dict:
    """Train the three variants, each from `seed` as separate runs would; score each on the
    held-out part (and predict the test set when cfg["predict_test"])."""
    fit, valid = local_split(data["train"], cfg["valid_pct"], seed)
    counts = fit.loc[fit["Id"] != NEW_WHALE, "Id"].value_counts()
    baseline = [[NEW_WHALE, *counts.index[:4]]] * len(valid)
    metrics = {"n_fit": len(fit), "n_local_valid": len(valid),
               "n_whales": int(len(counts)),
               "local_new_whale_fraction": float((valid["truth"] == NEW_WHALE).mean()),
               "local_baseline_map5": map5(list(valid["truth"]), baseline)}
    runs = {}
    for name in VARIANTS:
        seed_everything(seed, threads)  # each variant from the same seed, as separate runs
        log = fs.EpochLog(every=log_every)
        learn = train_variant(name, fit, valid, cfg[name], cfg, weights, device, log)
        probs, guesses = predict(learn, list(valid["path"]), cfg["new_whale_threshold"])
        key = "longer_midway" if name == "longer" else name
        metrics[f"local_{key}_map5"] = map5(list(valid["truth"]), guesses)
        metrics[f"{name}_seconds_per_epoch"] = fs.seconds_per_epoch(log)
        metrics[f"{name}_epochs"] = len(log.seconds)
        test = None
        if cfg.get("predict_test", False):
            test = predict(learn, list(data["test"]["path"]), cfg["new_whale_threshold"])[1]
        runs[name] = {"guesses": guesses, "probs": probs, "test": test}
    metrics["local_longer_run_midway_gain"] = (metrics["local_longer_midway_map5"]
                                               - metrics["local_improved_map5"])
    return {"metrics": metrics, "runs": runs, "valid": valid}


def submitting(cfg: dict) -> bool:
    """Whether the runs are submitted to Kaggle: config submit, and never in a rehearsal (a capped
    run's predictions are no submission)."""
    return bool(cfg.get("submit", False)) and rehearsal.active() is None


def check_submit(cfg: dict) -> None:
    """Fail before any training when cfg asks for Kaggle scores that cannot be had."""
    if not submitting(cfg):
        return
    if not cfg.get("predict_test", False):
        raise ValueError("config whale.submit is true but whale.predict_test is not: the "
                         "submissions are the test-set predictions")
    reason = kaggle.not_run_reason()
    if reason:
        raise RuntimeError(f"whale: config submit is true but {reason}")


def write_submissions(runs: dict, images: list[str], folder: str | Path, log=print
                      ) -> dict[str, Path]:
    """Write each run's test predictions as folder/submission_<run>.csv; {run: path}."""
    paths = {}
    for name, run in runs.items():
        paths[name] = Path(folder) / f"submission_{name}.csv"
        write_text(paths[name], submission_csv(images, run["test"]))
        log(f"whale: wrote {paths[name]}")
    return paths


def kaggle_scores(submissions: dict[str, Path], seed: int, log=print) -> dict[str, float]:
    """Submit each run's CSV, wait for its public MAP@5, and derive the midway gain of the
    aborted longer run over the improved one."""
    scores = {}
    for name, csv_path in submissions.items():
        message = f"hundreddays whale {name} (seed {seed})"
        kaggle.submit(COMPETITION, csv_path, message)
        scores[KAGGLE_KEYS[name]] = kaggle.poll_score(COMPETITION, message)
        log(f"whale: Kaggle public MAP@5 of {name}: {scores[KAGGLE_KEYS[name]]}")
    scores["longer_run_midway_gain"] = scores["longer_midway_map5"] - scores["improved_map5"]
    return scores


def not_submitted(scale: str) -> dict[str, str]:
    """not_measured reasons of the Kaggle metrics when nothing is submitted."""
    reason = (f"no Kaggle submission at {scale} scale (whale.submit: false); "
              f"the same runs' MAP@5 on held-out train images is in local_*_map5")
    return {key: reason for key in KAGGLE_METRICS}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): unzip the photos into the scratch folder, train
    the three runs, write the submission CSVs beside metrics.json (predict_test) and, with
    submit: true, have Kaggle score them."""
    cfg = ctx.cfg
    check_submit(cfg)
    weights = fs.weights_in(ctx.inputs["weights"]) if cfg["pretrained"] else None
    data = load(ctx.inputs["data"], ctx.workdir)
    ctx.log(f"whale: {len(data['train'])} train / {len(data['test'])} test images on "
            f"{ctx.device}")
    with fs.no_downloads():
        result = train_runs(data, cfg, ctx.seed, weights, torch.device(ctx.device), ctx.threads,
                            log_every=cfg.get("log_every", 50))
    metrics = result["metrics"]
    if cfg.get("predict_test", False):
        submissions = write_submissions(result["runs"], list(data["test"]["Image"]),
                                        Path(ctx.outputs["metrics"]).parent, ctx.log)
        if submitting(cfg):
            metrics.update(kaggle_scores(submissions, ctx.seed, ctx.log))
    if not submitting(cfg):
        result["not_measured"] = not_submitted(ctx.scale)
    for key, value in sorted(metrics.items()):
        ctx.log(f"whale: {key} = {value}")
    return result


def submission_csv(images: list[str], guesses: list[list[str]]) -> str:
    """Return a Kaggle submission (Image,Id with 5 space-separated ids)."""
    return "Image,Id\n" + "".join(f"{im},{' '.join(g)}\n" for im, g in
                                  zip(images, guesses, strict=True))


def plot(result: dict, path, reference, examples: int = 6) -> None:
    """MAP@5 of our three runs (locally, and by Kaggle if scored) + held-out photos with their
    top-5 (the true id in green). The log's scores are not drawn: its models are not ours
    (`reference` is unused)."""
    from PIL import Image

    from ..figures import new_figure, save_figure

    m = result["metrics"]
    fig = new_figure(size=(15, 6))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 1 + (examples + 1) // 2, width_ratios=[2.2] + [1] * (
        (examples + 1) // 2))
    ax = fig.add_subplot(grid[:, 0])
    labels = ["first (day 17)", "improved (day 22)", "longer, midway (day 23)"]
    x = np.arange(3)
    ours = [m["local_first_map5"], m["local_improved_map5"], m["local_longer_midway_map5"]]
    ax.bar(x - 0.15, ours, 0.3, label="ours, local held-out MAP@5", color="C0")
    kaggle = [m.get(k, np.nan) for k in ("first_submission_map5", "improved_map5",
                                         "longer_midway_map5")]
    if not np.all(np.isnan(kaggle)):
        ax.bar(x + 0.15, kaggle, 0.3, label="ours, Kaggle public score", color="C1")
    ax.axhline(m["local_baseline_map5"], color="C3", ls=":",
               label="baseline: new_whale + 4 commonest ids")
    for xi, value in zip(x, ours, strict=True):
        ax.text(xi - 0.15, value + 0.01, f"{value:.3f}", ha="center", fontsize=8)
    ax.set_xticks(x, labels)
    ax.set(ylabel="MAP@5", ylim=(0, 1),
           title="Whale: MAP@5 of our three recipes (the log's models are not described)")
    ax.legend(fontsize=8, loc="upper left")
    valid, guesses = result["valid"], result["runs"]["improved"]["guesses"]
    for k in range(min(examples, len(valid))):
        ax = fig.add_subplot(grid[k % 2, 1 + k // 2])
        with Image.open(valid["path"][k]) as im:
            ax.imshow(np.asarray(im.convert("RGB")))
        truth = valid["truth"][k]
        ranked = [f"{r + 1}.{g}" + ("*" if g == truth else "") for r, g in enumerate(guesses[k])]
        ax.set_title(f"true: {truth}\n" + textwrap.fill(" ".join(ranked), 36), fontsize=7,
                     color="C2" if truth in guesses[k] else "black")
        ax.set_axis_off()
    fig.suptitle("Days 17, 22, 23 - Humpback whale identification: MAP@5 of the first, improved "
                 "and aborted longer run;\nheld-out photos with the improved run's top 5 "
                 "(* = true id)")
    save_figure(fig, path)
