"""Day 16: fastai lesson 1 (course-v3 lesson1-pets) - 37 cat and dog breeds with a ResNet50.

The lesson's ResNet50 recipe: labels from the file names by regex, a seeded 20 % validation
split, item resize then batch augmentation at 299 px, ImageNet normalisation; one-cycle training
of the head on the frozen pretrained body, then unfreeze, run the learning-rate finder (the log's
figure) and fine-tune the whole net with discriminative rates slice(1e-6, 1e-4).

The dataloaders and learner are built from a plain `recipe` dict (also written as model.json),
so onnx_export rebuilds exactly the same learner and preprocessing without unpickling anything.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

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


def make_dataloaders(files: list[Path], recipe: dict, device: torch.device, bs: int):
    """Return fastai DataLoaders for `files` following `recipe` (valid_files, vocab, item_size,
    size, mean, std): labels by lesson 1's regex, Resize(item_size) per item (centre crop on
    validation), aug_transforms(size) and Normalize per batch."""
    from fastai.data.block import CategoryBlock, DataBlock
    from fastai.data.transforms import FuncSplitter, Normalize
    from fastai.vision.augment import Resize, aug_transforms
    from fastai.vision.data import ImageBlock

    from ..fastai_support import dataloader_kwargs

    valid = set(recipe["valid_files"])
    missing = valid - {f.name for f in files}
    if missing:
        raise ValueError(f"valid_files names {len(missing)} images absent from the data, "
                         f"e.g. {sorted(missing)[0]}")
    block = DataBlock(
        blocks=(ImageBlock, CategoryBlock(vocab=recipe.get("vocab"))),
        get_items=lambda _: list(files),
        splitter=FuncSplitter(lambda p: Path(p).name in valid),
        get_y=breed_of,  # lesson 1's regex on the file name
        item_tfms=Resize(recipe["item_size"]),
        batch_tfms=[*aug_transforms(size=recipe["size"]),
                    Normalize.from_stats(recipe["mean"], recipe["std"])],
    )
    return block.dataloaders(None, bs=bs, **dataloader_kwargs(device))


def make_learner(dls, recipe: dict, weights: str | Path | None, workdir: str | Path,
                 mixed: bool = True):
    """Return fastai's vision_learner for `recipe['arch']` with error_rate and accuracy metrics;
    pretrained from the fetched ImageNet `weights` file when recipe['pretrained']; in mixed
    precision on CUDA when `mixed`."""
    import fastai.callback.schedule  # noqa: F401 (patches fit_one_cycle, lr_find onto Learner)
    from fastai.metrics import accuracy, error_rate
    from fastai.vision.learner import vision_learner

    from ..fastai_support import mixed_precision, quiet, resnet_from_file

    pretrained = bool(recipe["pretrained"])
    arch = resnet_from_file(recipe["arch"], weights if pretrained else None)
    learn = vision_learner(dls, arch, pretrained=pretrained, metrics=[error_rate, accuracy],
                           path=Path(workdir), model_dir="models")
    quiet(learn)
    return mixed_precision(learn) if mixed else learn


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


def train(files: list[Path], cfg: dict, seed: int, threads: int, weights: str | Path | None,
          workdir: str | Path) -> dict:
    """Run the lesson: frozen one-cycle fit, unfreeze, LR finder, unfrozen one-cycle fit.
    Returns the recipe (model.json), the trained learner, the LR sweep and the measurements."""
    from fastai.vision.core import imagenet_stats

    from ..fastai_support import EpochLog, no_downloads, seconds_per_epoch, setup

    device = setup(seed, threads)
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
        learn.fit_one_cycle(cfg["frozen_epochs"], cfg["frozen_lr"], cbs=[log])
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
                            slice(cfg["unfrozen_lr_min"], cfg["unfrozen_lr_max"]), cbs=[log])
        history += [list(map(float, v)) for v in learn.recorder.values]
        probs, targets = learn.get_preds(dl=dls.valid)
    preds = probs.argmax(dim=1).numpy()
    measured = group_accuracy(preds, targets.numpy(), vocab)
    error_rates = [row[2] for row in history]  # train_loss, valid_loss, error_rate, accuracy
    measured.update({
        "classes": len(vocab), "error_rate": 1.0 - measured["accuracy"],
        "train_images": len(dls.train_ds), "valid_images": len(dls.valid_ds),
        "lr_finder_end_to_min_loss_ratio": lr_finder_ratio(sweep["loss"], cfg["lr_plot_skip_end"]),
        "lr_finder_min_loss_lr": float(sweep["lr"][np.argmin(sweep["loss"])]),
        "frozen_seconds_per_epoch": seconds_per_epoch(log, "frozen"),
        "unfrozen_seconds_per_epoch": seconds_per_epoch(log, "unfrozen"),
        "seconds_per_epoch": seconds_per_epoch(log, "unfrozen"),
    })
    for epoch, value in enumerate(error_rates, start=1):
        measured[f"error_rate_epoch_{epoch}"] = value
    return {"recipe": recipe, "learn": learn, "sweep": sweep, "history": history,
            "phases": ["frozen"] * cfg["frozen_epochs"] + ["unfrozen"] * cfg["unfrozen_epochs"],
            "metrics": measured}


def save_model(learn, recipe: dict, model_path: str | Path, recipe_path: str | Path) -> None:
    """Write the trained weights as a CPU state dict (torch.save) and the recipe as JSON."""
    from ..atomic import atomic_path, write_json

    state = {k: v.detach().cpu() for k, v in learn.model.state_dict().items()}
    with atomic_path(model_path, suffix=".pth") as tmp:
        torch.save(state, tmp)
    write_json(recipe_path, recipe)


def plot(sweep: dict, history: list, phases: list[str], skip_end: int, log_error_rate: float,
         metrics: dict, path) -> None:
    """Left: the LR finder's loss against the learning rate (log x), as the log's figure.
    Right: validation error rate per epoch (frozen, then unfrozen) with the log's value."""
    from matplotlib.ticker import MaxNLocator

    from ..figures import new_figure, save_figure

    fig, (left, right) = new_figure(1, 2, size=(11.0, 4.2))
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
    if not all(math.isfinite(e) for e in errors):
        raise ValueError("non-finite error rate in the training history")
    save_figure(fig, path)
