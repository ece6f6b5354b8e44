"""Day 16: fastai lesson 1 (course-v3 lesson1-pets) - 37 cat and dog breeds with a ResNet50.

The lesson's ResNet50 recipe: labels from the file names by regex, a seeded 20 % validation
split, item resize then batch augmentation at 299 px, ImageNet normalisation; one-cycle training
of the head on the frozen pretrained body, then unfreeze, run the learning-rate finder (the log's
figure) and fine-tune the whole net with discriminative rates slice(1e-6, 1e-4).

The dataloaders and learner are built from a plain `recipe` dict (hundreddays.fastai_vision),
written beside the weights as model.json, so onnx_export rebuilds exactly the same learner and
preprocessing without unpickling anything.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

# fastai_support at the top: importing fastai draws from Python's random, so it must come
# before the runner seeds (hundreddays.runner imports the study, then seeds, then runs it).
from .. import rehearsal
from ..fastai_support import V1_ONE_CYCLE, EpochLog, no_downloads, seconds_per_epoch, weights_in
from ..fastai_vision import make_dataloaders, make_learner
from ..loaders.pets import LABEL_PATTERN, breed_of, is_cat


def split_names(files: list[Path], valid_pct: float, seed: int) -> list[str]:
    """Return the sorted file names of the validation split: the first int(valid_pct * n) of a
    seeded random permutation of `files`, as fastai's RandomSplitter(valid_pct, seed) picks them
    (without reseeding torch's global generator)."""
    if not 0 < valid_pct < 1:
        raise ValueError(f"valid_pct must be in (0, 1), got {valid_pct}")
    order = torch.randperm(len(files), generator=torch.Generator().manual_seed(seed)).tolist()
    cut = int(valid_pct * len(files))
    return sorted(files[i].name for i in order[:cut])


def lr_finder_ratio(losses: np.ndarray, skip_end: int) -> float:
    """Return the loss at the largest learning rate of the plotted sweep over its smallest loss
    (fastai's plot drops the last `skip_end` points, where the finder stopped on divergence)."""
    curve = np.asarray(losses, dtype=np.float64)
    if skip_end:
        curve = curve[:-skip_end]
    if curve.size == 0:
        raise ValueError("learning-rate sweep too short to plot")
    return float(curve[-1] / curve.min())


def group_accuracy(preds: np.ndarray, targets: np.ndarray, vocab: list[str]) -> dict:
    """Return accuracy on all images, on cat breeds and on dog breeds (by the true breed)."""
    right = preds == targets
    cats = np.array([is_cat(vocab[t]) for t in targets], dtype=bool)
    nan = float("nan")
    return {"accuracy": float(right.mean()),
            "cat_breed_accuracy": float(right[cats].mean()) if cats.any() else nan,
            "dog_breed_accuracy": float(right[~cats].mean()) if (~cats).any() else nan,
            "valid_cats": int(cats.sum()), "valid_dogs": int((~cats).sum())}


def train(files: list[Path], cfg: dict, seed: int, device: str, weights: str | Path | None,
          workdir: str | Path) -> dict:
    """Run the lesson: frozen one-cycle fit, unfreeze, LR finder, unfrozen one-cycle fit (torch
    already seeded; `seed` draws the validation split). Returns the recipe (model.json), the
    trained learner, the LR sweep and the measurements."""
    from fastai.vision.core import imagenet_stats

    vocab = sorted({breed_of(f) for f in files})
    recipe = {
        "arch": cfg["arch"], "pretrained": bool(cfg["pretrained"]), "n_out": len(vocab),
        "item_size": int(cfg["item_size"]), "size": int(cfg["size"]),
        "mean": [float(v) for v in imagenet_stats[0]], "std": [float(v) for v in imagenet_stats[1]],
        "vocab": vocab, "seed": seed, "valid_pct": float(cfg["valid_pct"]),
        "valid_files": split_names(files, cfg["valid_pct"], seed),
        "label_pattern": LABEL_PATTERN, "resize": "centre crop to square (PIL bilinear) at "
        "item_size, then bilinear (align_corners) to size", "channels": "RGB", "layout": "NCHW",
        "scale": 1 / 255,
    }
    dls = make_dataloaders(files, recipe, device, cfg["bs"])
    print(f"{len(dls.train_ds)} training / {len(dls.valid_ds)} validation images, "
          f"{len(vocab)} breeds, device {device}", flush=True)
    log = EpochLog(every=cfg["log_every"])
    with no_downloads():
        learn = make_learner(dls, recipe, weights, workdir)
        learn.freeze()
        log.phase = "frozen"
        # the lesson's fit_one_cycle(8) takes fastai 1's default max_lr, slice(3e-3): the head at
        # frozen_lr, the body's (trainable) batch norm at a tenth of it
        learn.fit_one_cycle(cfg["frozen_epochs"], slice(cfg["frozen_lr"]), cbs=[log],
                            **V1_ONE_CYCLE)
        history = [list(map(float, v)) for v in learn.recorder.values]
        learn.unfreeze()
        learn.lr_find(start_lr=cfg["lr_find_start"], end_lr=cfg["lr_find_end"],
                      num_it=cfg["lr_find_iterations"], show_plot=False, suggest_funcs=None)
        sweep = {"lr": np.array([float(v) for v in learn.recorder.lrs]),
                 "loss": np.array([float(v) for v in learn.recorder.losses])}
        print(f"LR finder: {len(sweep['lr'])} rates from {sweep['lr'][0]:.2g} to "
              f"{sweep['lr'][-1]:.2g}", flush=True)
        log.phase = "unfrozen"
        learn.fit_one_cycle(cfg["unfrozen_epochs"],
                            slice(cfg["unfrozen_lr_min"], cfg["unfrozen_lr_max"]), cbs=[log],
                            **V1_ONE_CYCLE)
        history += [list(map(float, v)) for v in learn.recorder.values]
        probs, targets = learn.get_preds(dl=dls.valid)
    preds = probs.argmax(dim=1).numpy()
    measured = group_accuracy(preds, targets.numpy(), vocab)
    error_rates = [row[2] for row in history]  # train_loss, valid_loss, error_rate, accuracy
    # a rehearsal cuts the sweep to a few points: all of them count (hundreddays.rehearsal)
    skip_end = cfg["lr_plot_skip_end"] if rehearsal.active() is None else 0
    measured.update({
        "classes": len(vocab), "error_rate": 1.0 - measured["accuracy"],
        "train_images": len(dls.train_ds), "valid_images": len(dls.valid_ds),
        "lr_finder_end_to_min_loss_ratio": lr_finder_ratio(sweep["loss"], skip_end),
        "lr_finder_min_loss_lr": float(sweep["lr"][np.argmin(sweep["loss"])]),
        "frozen_seconds_per_epoch": seconds_per_epoch(log, "frozen"),
        "unfrozen_seconds_per_epoch": seconds_per_epoch(log, "unfrozen"),
        "seconds_per_epoch": seconds_per_epoch(log, "unfrozen"),
        # the log's figure: after the last unfrozen epoch the (smoothed) training loss is above
        # the validation loss (0.1819 / 0.1506)
        "unfrozen_final_train_to_valid_loss": history[-1][0] / history[-1][1],
    })
    for epoch, value in enumerate(error_rates, start=1):
        measured[f"error_rate_epoch_{epoch}"] = value
    return {"recipe": recipe, "learn": learn, "sweep": sweep, "history": history,
            "phases": ["frozen"] * cfg["frozen_epochs"] + ["unfrozen"] * cfg["unfrozen_epochs"],
            "metrics": measured}


def save_model(learn, recipe: dict, model_path: str | Path, recipe_path: str | Path) -> None:
    """Write the trained weights as a CPU state dict (torch.save) and the recipe as JSON.
    torch.save gets an open file, not the temporary path: given a path it names the archive's
    records after that (random) file name, and the same weights would give other bytes."""
    from ..atomic import atomic_path, write_json

    state = {k: v.detach().cpu() for k, v in learn.model.state_dict().items()}
    with atomic_path(model_path, suffix=".pth") as tmp, open(tmp, "wb") as out:
        torch.save(state, out)
    write_json(recipe_path, recipe)


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): train on the prepared pets folder, write the
    weights and the recipe (the outputs model and recipe, read by onnx_export)."""
    from ..loaders.pets import list_images

    cfg = ctx.cfg
    weights = weights_in(ctx.inputs["weights"]) if cfg["pretrained"] else None
    files = list_images(ctx.inputs["data"])
    ctx.log(f"{len(files)} images in {ctx.inputs['data']}; {cfg['arch']} "
            f"pretrained={cfg['pretrained']}")
    result = train(files, cfg, ctx.seed, ctx.device, weights, ctx.workdir)
    metrics = result["metrics"]
    ctx.log(f"error rate {metrics['error_rate']:.4f}, cats {metrics['cat_breed_accuracy']:.3f}, "
            f"dogs {metrics['dog_breed_accuracy']:.3f}")
    save_model(result.pop("learn"), result["recipe"], ctx.outputs["model"],
               ctx.outputs["recipe"])
    return {**result, "skip_end": cfg["lr_plot_skip_end"]}


def plot(result: dict, path, reference) -> None:
    """Left: the LR finder's loss against the learning rate (log x), as the log's figure.
    Middle: validation error rate per epoch (frozen, then unfrozen) with the log's value.
    Right: training and validation loss per epoch, as the log's figure's table lists them."""
    from matplotlib.ticker import MaxNLocator

    from ..figures import new_figure, save_figure

    sweep, history, phases, metrics = (result[k] for k in ("sweep", "history", "phases",
                                                           "metrics"))
    skip_end, log_error_rate = result["skip_end"], reference["error_rate"]
    fig, (left, right, losses) = new_figure(1, 3, size=(16.0, 4.2))
    end = len(sweep["lr"]) - skip_end if skip_end else len(sweep["lr"])
    left.plot(sweep["lr"][:end], sweep["loss"][:end], color="C0")
    left.set_xscale("log")
    left.set_xlabel("learning rate")
    left.set_ylabel("training loss (smoothed)")
    left.set_title(f"LR finder after unfreezing: end / min loss = "
                   f"{metrics['lr_finder_end_to_min_loss_ratio']:.2f}")
    epochs = np.arange(1, len(history) + 1)
    errors = [row[2] for row in history]
    for phase, colour in (("frozen", "C1"), ("unfrozen", "C2")):
        mask = np.array([p == phase for p in phases])
        if mask.any():
            right.plot(epochs[mask], np.asarray(errors)[mask], "o-", color=colour,
                       label=f"{phase} body")
    right.axhline(log_error_rate, color="0.3", ls="--", label=f"log: {log_error_rate:.3f}")
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_xlabel("epoch")
    right.set_ylabel("validation error rate")
    if max(errors) / max(min(errors), 1e-6) > 20:
        right.set_yscale("log")
    right.set_title(f"{metrics['classes']} breeds: error {metrics['error_rate']:.3f}, "
                    f"cats {metrics['cat_breed_accuracy']:.2f} / dogs "
                    f"{metrics['dog_breed_accuracy']:.2f} acc.")
    right.legend()
    for column, name, style in ((0, "training (smoothed)", "--"), (1, "validation", "o-")):
        for phase, colour in (("frozen", "C1"), ("unfrozen", "C2")):
            mask = np.array([p == phase for p in phases])
            if mask.any():
                losses.plot(epochs[mask], np.array([row[column] for row in history])[mask],
                            style, color=colour, label=f"{name}, {phase}")
    ratio_key = "unfrozen_final_train_to_valid_loss"
    logged = f" (log {reference[ratio_key]:.2f})" if ratio_key in reference else ""
    losses.xaxis.set_major_locator(MaxNLocator(integer=True))
    losses.set(xlabel="epoch", ylabel="loss",
               title=f"last epoch: training / validation loss = {metrics[ratio_key]:.2f}{logged}")
    losses.legend(fontsize=8)
    if not all(math.isfinite(e) for e in errors):
        raise ValueError("non-finite error rate in the training history")
    save_figure(fig, path)
