"""Days 20-21: fast.ai lesson 3 "planet", multi-label tagging of Amazon satellite chips.

The lesson's recipe (course-v3 nbs/dl1/lesson3-planet.ipynb) in fastai's current API: a random
20 % validation split, tags as a multi-label target (label_delim ' '), aug_transforms with
vertical flips (the chips have no "up"), max_lighting 0.1, max_zoom 1.05, no warping; a ResNet-50
from ImageNet weights; metrics accuracy_multi and F2 (both at threshold 0.2, F2 averaged over
samples as in the Kaggle competition). At each image size (128 then 256 px in the lesson) the
head is trained with the body frozen (fit_one_cycle, lr), then all layers with discriminative
rates slice(1e-5, lr / 5). Our own F2 / accuracy on the final validation predictions give the
metrics (tested against scikit-learn); fastai's per-epoch F2 gives the curve.
"""

from __future__ import annotations

import textwrap
from functools import partial

import numpy as np
import pandas as pd
import torch

from .. import fastai_support as fs
from .. import timing
from ..loaders.planet import load_labels, tag_vocabulary

THRESH = 0.2  # the lesson's threshold for both metrics


def fbeta_samples(y_true: np.ndarray, probs: np.ndarray, thresh: float = THRESH,
                  beta: float = 2.0) -> float:
    """Mean over samples of the F-beta score of the tags predicted with prob > `thresh`.

    A sample with neither true nor predicted tags scores 0 (scikit-learn's zero_division=0).
    """
    y, p = np.asarray(y_true, bool), np.asarray(probs) > thresh
    tp = (y & p).sum(1)
    b2 = beta * beta
    denominator = (1 + b2) * tp + b2 * (y & ~p).sum(1) + (~y & p).sum(1)
    scores = np.divide((1 + b2) * tp, denominator, out=np.zeros(len(y)),
                       where=denominator > 0)
    return float(scores.mean())


def accuracy_thresh(y_true: np.ndarray, probs: np.ndarray, thresh: float = THRESH) -> float:
    """Fraction of (sample, tag) decisions right at `thresh` (fastai's accuracy_multi)."""
    return float(((np.asarray(probs) > thresh) == np.asarray(y_true, bool)).mean())


def per_tag_table(y_true: np.ndarray, probs: np.ndarray, vocab: list[str],
                  thresh: float = THRESH, beta: float = 2.0) -> pd.DataFrame:
    """Per tag: validation count, predicted count, precision, recall and F-beta."""
    y, p = np.asarray(y_true, bool), np.asarray(probs) > thresh
    tp, fp, fn = (y & p).sum(0), (~y & p).sum(0), (y & ~p).sum(0)
    b2 = beta * beta
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f = np.where((1 + b2) * tp + b2 * fn + fp > 0,
                     (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp), 0.0)
    return pd.DataFrame({"tag": vocab, "valid_count": y.sum(0), "predicted_count": p.sum(0),
                         "precision": precision, "recall": recall, "f2": f})


def dataloaders(table: pd.DataFrame, vocab: list[str], size: int, batch_size: int,
                valid_pct: float, seed: int, device):
    """The lesson's DataBlock: random split (seeded), Resize(size), planet augmentations."""
    from fastai.vision.all import (
        ColReader,
        DataBlock,
        ImageBlock,
        MultiCategoryBlock,
        RandomSplitter,
        Resize,
        aug_transforms,
    )

    block = DataBlock(
        blocks=(ImageBlock, MultiCategoryBlock(vocab=vocab)),
        get_x=ColReader("path"), get_y=ColReader("tags", label_delim=" "),
        splitter=RandomSplitter(valid_pct=valid_pct, seed=seed),
        item_tfms=Resize(size),
        batch_tfms=aug_transforms(flip_vert=True, max_lighting=0.1, max_zoom=1.05,
                                  max_warp=0.0))
    return block.dataloaders(table, bs=batch_size, **fs.dataloader_kwargs(device))


def train(table: pd.DataFrame, vocab: list[str], cfg: dict, seed: int, weights, device,
          log_every: int = 50) -> dict:
    """Train as the lesson does at each size of cfg['sizes']; return history and predictions.

    cfg keys: arch, pretrained, sizes, lrs (one per size), frozen_epochs, unfrozen_epochs,
    batch_size, valid_pct, min_lr (the body's rate when unfrozen, 1e-5 in the lesson).
    """
    from fastai.vision.all import FBetaMulti, accuracy_multi, vision_learner

    if len(cfg["sizes"]) != len(cfg["lrs"]):
        raise ValueError(f"planet config: sizes {cfg['sizes']} and lrs {cfg['lrs']} differ in "
                         f"length (one learning rate per image size)")
    arch = fs.resnet_from_file(cfg["arch"], weights if cfg["pretrained"] else None)
    log = fs.EpochLog(every=log_every)
    learn, history = None, []
    for size, lr in zip(cfg["sizes"], cfg["lrs"], strict=True):
        dls = dataloaders(table, vocab, size, cfg["batch_size"], cfg["valid_pct"], seed, device)
        if learn is None:
            learn = vision_learner(
                dls, arch, pretrained=cfg["pretrained"], cbs=[log],
                metrics=[partial(accuracy_multi, thresh=THRESH),
                         FBetaMulti(2.0, thresh=THRESH, average="samples")],
                **fs.v1_learner_kwargs())
            learn = fs.quiet(fs.mixed_precision(learn))
        else:
            learn.dls = dls
        steps = [("frozen", cfg["frozen_epochs"], slice(lr)),
                 ("unfrozen", cfg["unfrozen_epochs"], slice(cfg["min_lr"], lr / 5))]
        for phase, epochs, rates in steps:
            if epochs <= 0:
                continue
            learn.freeze() if phase == "frozen" else learn.unfreeze()
            log.phase = f"{size}px-{phase}"
            learn.fit_one_cycle(epochs, rates, **fs.V1_ONE_CYCLE)
            for values in learn.recorder.values:
                history.append({"phase": log.phase, "size": size, "train_loss": values[0],
                                "valid_loss": values[1], "accuracy_thresh": values[2],
                                "f2": values[3]})
    probs, targets = learn.get_preds(ds_idx=1)
    valid = learn.dls.valid.items
    return {"learn": learn, "log": log, "history": pd.DataFrame(history),
            "probs": probs.float().numpy(), "targets": targets.numpy().astype(bool),
            "valid_paths": list(valid["path"]), "n_train": len(learn.dls.train.items),
            "seconds_per_epoch": fs.seconds_per_epoch(log)}


def summarize(result: dict, vocab: list[str], sizes: list[int]) -> tuple[dict, pd.DataFrame]:
    """Return (flat metrics, per-tag table) of a `train` result."""
    y, probs = result["targets"], result["probs"]
    table = per_tag_table(y, probs, vocab)
    log = result["log"]
    metrics = {
        "valid_f2": fbeta_samples(y, probs),
        "valid_accuracy_thresh": accuracy_thresh(y, probs),
        "valid_f2_first_size": float(
            result["history"].loc[result["history"]["size"] == sizes[0], "f2"].iloc[-1]),
        "n_train": result["n_train"], "n_valid": len(y), "epochs": len(result["history"]),
        "seconds_per_epoch": result["seconds_per_epoch"],
    }
    for size in sizes:
        times = [s for s, p in zip(log.seconds, log.phases, strict=True)
                 if p.startswith(f"{size}px")]
        if times:
            metrics[f"seconds_per_epoch_{size}px"] = timing.seconds_per_epoch(times)
    for row in table.itertuples():
        metrics[f"f2_{row.tag}"] = float(row.f2)
    return metrics, table


def table_rows(table: pd.DataFrame) -> list[dict]:
    """The per-tag table as rows of plain Python values (the runner writes them)."""
    return [{"tag": str(row.tag), "valid_count": int(row.valid_count),
             "predicted_count": int(row.predicted_count), "precision": float(row.precision),
             "recall": float(row.recall), "f2": float(row.f2)} for row in table.itertuples()]


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): the lesson's training on the chips of
    ctx.inputs["data"], then the metrics, the per-tag table and what the figure shows."""
    cfg = ctx.cfg
    labels = load_labels(ctx.inputs["data"])
    vocab = tag_vocabulary(labels)
    ctx.log(f"planet: {len(labels)} chips, {len(vocab)} tags, {cfg['arch']} "
            f"(pretrained {cfg['pretrained']}) on {ctx.device}")
    weights = fs.weights_in(ctx.inputs["weights"]) if cfg["pretrained"] else None
    with fs.no_downloads():
        result = train(labels, vocab, cfg, ctx.seed, weights, torch.device(ctx.device),
                       log_every=cfg.get("log_every", 50))
    metrics, per_tag = summarize(result, vocab, cfg["sizes"])
    ctx.log(f"planet: valid F2 {metrics['valid_f2']:.4f}, accuracy_thresh "
            f"{metrics['valid_accuracy_thresh']:.4f}, {metrics['seconds_per_epoch']:.1f} s/epoch")
    return {"metrics": metrics, "table": table_rows(per_tag), "per_tag": per_tag,
            "vocab": vocab, "history": result["history"], "probs": result["probs"],
            "targets": result["targets"], "valid_paths": result["valid_paths"]}


def plot(result: dict, path, reference, columns: int = 4, rows: int = 2) -> None:
    """Validation chips with true / predicted tags, F2 per epoch (with the claim's threshold),
    and F2 per tag."""
    from PIL import Image

    from ..figures import new_figure, save_figure

    vocab, table, metrics = result["vocab"], result["per_tag"], result["metrics"]
    threshold = reference.threshold("valid_f2")

    fig = new_figure(size=(17, 7.5))[0]
    fig.clf()
    grid = fig.add_gridspec(rows, columns + 3, width_ratios=[1] * columns + [0.15, 1.8, 1.6])
    vocab_arr = np.asarray(vocab)
    for k in range(min(rows * columns, len(result["valid_paths"]))):
        ax = fig.add_subplot(grid[k // columns, k % columns])
        with Image.open(result["valid_paths"][k]) as im:
            ax.imshow(np.asarray(im.convert("RGB")))
        true = set(vocab_arr[result["targets"][k]])
        pred = set(vocab_arr[result["probs"][k] > THRESH])
        ax.set_title(textwrap.fill("true: " + " ".join(sorted(true)), 34) + "\n" + textwrap.fill(
            f"pred ({len(pred)}): " + " ".join(sorted(pred)), 34), fontsize=6.5,
            color="C2" if true == pred else "C3", loc="left")
        ax.set_axis_off()
    history = result["history"]
    ax = fig.add_subplot(grid[:, columns + 1])
    epochs = np.arange(1, len(history) + 1)
    ax.plot(epochs, history["f2"], "o-", label="F2 (samples, thresh 0.2)")
    ax.plot(epochs, history["accuracy_thresh"], "s--", label="accuracy_multi (thresh 0.2)")
    starts = history.groupby("phase", sort=False).head(1).index
    for i in starts:
        ax.axvline(i + 0.5, color="grey", lw=0.8)
        ax.text(i + 0.6, 0.02, history.loc[i, "phase"], rotation=90, fontsize=8,
                color="grey", va="bottom")
    ax.axhline(threshold, color="C3", ls=":", label=f"claim: F2 >= {threshold}")
    ax.set(xlabel="epoch", ylabel="validation score", ylim=(0, 1.02),
           title=f"Validation F2 per epoch\n(final {metrics['valid_f2']:.3f}; "
                 f"{metrics['seconds_per_epoch']:.1f} s/epoch)")
    ax.legend(loc="lower right", fontsize=8)
    ax = fig.add_subplot(grid[:, columns + 2])
    order = table.sort_values("valid_count")
    ax.barh(order["tag"], order["f2"], color="C0")
    for y_pos, row in enumerate(order.itertuples()):
        ax.text(1.01, y_pos, f"n={row.valid_count}", va="center", fontsize=7)
    ax.set(xlim=(0, 1.15), xlabel="F2 on the validation split",
           title="F2 per tag\n(n = validation chips with the tag)")
    ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"Days 20-21 - Planet: multi-label tags of satellite chips "
                 f"({metrics['n_train']} train / {metrics['n_valid']} validation chips); "
                 "green title = all tags right")
    save_figure(fig, path)
