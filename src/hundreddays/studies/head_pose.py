"""Day 25: BIWI head-centre regression, fastai lesson 3 (head pose), plus the log's unfreezing.

Recipe (course-v3 lesson3-head-pose): points = the projected head centre, validation = sequence
13, images resized to 120x160 with the lesson's transforms, cnn_learner(resnet34) with the
regression's MSE loss (on fastai's [-1, 1] point scale), fit_one_cycle(5, slice(2e-2)); fastai v2's
version of the lesson (fastbook ch. 6) bounds the output with y_range=(-1, 1) (config key). Then, as
the log did and the lesson did not, unfreeze and fit all layers (epochs and lrs in the config).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

# fastai_support at the top: importing fastai draws from Python's random, so it must come
# before the runner seeds (hundreddays.runner imports the study, then seeds, then runs it).
from ..fastai_support import (
    V1_ONE_CYCLE,
    EpochLog,
    dataloader_kwargs,
    mixed_precision,
    no_downloads,
    quiet,
    seconds_per_epoch,
    v1_learner_kwargs,
    weights_in,
)
from ..fastai_vision import encoder
from ..figures import new_figure, save_figure
from ..loaders.biwi import Biwi


def pixel_errors(pred: torch.Tensor, target: torch.Tensor, sizes: np.ndarray) -> np.ndarray:
    """Return each image's distance in pixels between predicted and true centre, from fastai's
    scaled points (-1..1 over the image) and the images' (width, height) `sizes`."""
    diff = (pred.reshape(-1, 2).double() - target.reshape(-1, 2).double()).numpy()
    return np.hypot(diff[:, 0] * sizes[:, 0] / 2, diff[:, 1] * sizes[:, 1] / 2)


def to_pixels(points: torch.Tensor, sizes: np.ndarray) -> np.ndarray:
    """Return fastai's scaled points (n, 1, 2) as pixel coordinates (n, 2) of the images."""
    return (points.reshape(-1, 2).double().numpy() + 1) * sizes / 2


def dataloaders(data: Biwi, valid_sequence: str, size, bs: int, augment: bool, device: str):
    """fastai DataLoaders: image -> head centre point, split by sequence, lesson transforms."""
    from fastai.vision.all import (
        DataBlock,
        FuncSplitter,
        ImageBlock,
        Normalize,
        PointBlock,
        Resize,
        aug_transforms,
        imagenet_stats,
    )

    block = DataBlock(blocks=(ImageBlock, PointBlock), get_items=lambda _: data.images,
                      get_y=lambda image: torch.tensor(data.centre(image)[None], dtype=torch.float),
                      splitter=FuncSplitter(lambda image: image.parent.name == valid_sequence),
                      item_tfms=Resize(size),
                      batch_tfms=[*(aug_transforms() if augment else []),
                                  Normalize.from_stats(*imagenet_stats)])
    return block.dataloaders(data.root, bs=bs, **dataloader_kwargs(torch.device(device)))


def _epoch_values(learn) -> list[tuple[float, float]]:
    return [(float(v[0]), float(v[1])) for v in learn.recorder.values]


def train(data: Biwi, cfg: dict, weights, device: str) -> dict:
    """Fit frozen, then unfrozen (torch already seeded); return losses per epoch, validation
    losses and predictions."""
    from fastai.vision.all import vision_learner
    from PIL import Image


    with no_downloads():
        size = (int(cfg["image_height"]), int(cfg["image_width"]))
        dls = dataloaders(data, cfg["valid_sequence"], size, cfg["batch_size"], cfg["augment"],
                          device)
        arch = encoder(cfg["arch"], weights, cfg["pretrained"])
        log = EpochLog(every=cfg["log_every"])
        y_range = tuple(cfg["y_range"]) if cfg["y_range"] else None
        learn = vision_learner(dls, arch, pretrained=cfg["pretrained"], y_range=y_range,
                               cbs=[log], **v1_learner_kwargs())
        learn = quiet(mixed_precision(learn))
        out = {"log": log}
        stages = (("frozen", cfg["frozen_epochs"], slice(cfg["lr"])),
                  ("unfrozen", cfg["unfrozen_epochs"],
                   slice(cfg["lr"] / cfg["unfrozen_lr_divisors"][0],
                         cfg["lr"] / cfg["unfrozen_lr_divisors"][1])))
        for phase, epochs, lrs in stages:
            if phase == "unfrozen":
                learn.unfreeze()
            log.phase = phase
            learn.fit_one_cycle(epochs, lrs, **V1_ONE_CYCLE)
            epoch_values = _epoch_values(learn)  # before get_preds, which adds a row
            pred, target = learn.get_preds(dl=dls.valid)
            out[phase] = {"epochs": epoch_values, "pred": pred, "target": target,
                          "valid_loss": float(learn.loss_func(pred, target))}
    items = list(dls.valid.items)
    out["items"] = items
    out["sizes"] = np.array([Image.open(p).size for p in items], dtype=np.float64)
    return out


def summarize(out: dict) -> dict[str, float]:
    """Return the validation losses before/after unfreezing, their ratio and pixel errors."""
    metrics = {}
    for phase in ("frozen", "unfrozen"):
        metrics[f"{phase}_valid_loss"] = out[phase]["valid_loss"]
        errors = pixel_errors(out[phase]["pred"], out[phase]["target"], out["sizes"])
        metrics[f"{phase}_centre_error_px"] = float(errors.mean())
        metrics[f"{phase}_centre_error_median_px"] = float(np.median(errors))
    metrics["unfrozen_to_frozen_valid_loss"] = (metrics["unfrozen_valid_loss"]
                                                / metrics["frozen_valid_loss"])
    metrics["n_valid_images"] = len(out["items"])
    return metrics


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): train on the prepared BIWI folder, frozen then
    unfrozen, and score the validation sequence."""
    from ..loaders.biwi import load_biwi

    cfg = ctx.cfg
    data = load_biwi(Path(ctx.inputs["data"]), cfg["valid_sequence"])
    ctx.log(f"biwi: {len(data.images)} frames in {len(data.calibrations)} sequences, "
            f"validation sequence {cfg['valid_sequence']}")
    weights = weights_in(ctx.inputs["weights"]) if cfg["pretrained"] else None
    out = train(data, cfg, weights, ctx.device)
    metrics = summarize(out)
    log = out["log"]
    metrics["seconds_per_epoch"] = seconds_per_epoch(log)
    metrics["frozen_seconds_per_epoch"] = seconds_per_epoch(log, "frozen")
    metrics["unfrozen_seconds_per_epoch"] = seconds_per_epoch(log, "unfrozen")
    ctx.log(f"valid loss {metrics['frozen_valid_loss']:.5f} -> "
            f"{metrics['unfrozen_valid_loss']:.5f} "
            f"(ratio {metrics['unfrozen_to_frozen_valid_loss']:.3f})")
    return {**out, "metrics": metrics, "figure_images": cfg["figure_images"]}


def plot(result: dict, path, reference) -> None:
    """Validation frames (result's figure_images of them) with the true and predicted centres,
    and the loss curves. `reference` is unused: the claim is on the loss ratio in the title."""
    from PIL import Image

    out, metrics, n_images = result, result["metrics"], result["figure_images"]

    n = min(n_images, len(out["items"]))
    fig, axes = new_figure(2, n, size=(3.6 * n, 6.4), squeeze=False)
    picks = np.linspace(0, len(out["items"]) - 1, n).round().astype(int)
    truth = to_pixels(out["frozen"]["target"], out["sizes"])
    frozen = to_pixels(out["frozen"]["pred"], out["sizes"])
    unfrozen = to_pixels(out["unfrozen"]["pred"], out["sizes"])
    for ax, i in zip(axes[0], picks, strict=True):
        ax.imshow(Image.open(out["items"][i]).convert("RGB"))
        ax.plot(*truth[i], "o", mfc="none", mec="lime", ms=10, mew=2, label="true centre")
        ax.plot(*frozen[i], "+", color="C1", ms=10, mew=2, label="frozen (head only)")
        ax.plot(*unfrozen[i], "x", color="red", ms=9, mew=2, label="unfrozen (all layers)")
        ax.set_title(f"{out['items'][i].parent.name}/{out['items'][i].name}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    axes[0, 0].legend(fontsize=7, loc="lower left")
    gs = axes[1, 0].get_gridspec()
    for ax in axes[1]:
        ax.remove()
    curve = fig.add_subplot(gs[1, :])
    start = 1
    for phase, colour in (("frozen", "C1"), ("unfrozen", "C3")):
        values = np.array(out[phase]["epochs"])
        epochs = np.arange(start, start + len(values))
        curve.plot(epochs, values[:, 0], "--", color=colour, label=f"{phase}: training loss")
        curve.plot(epochs, values[:, 1], "o-", color=colour, label=f"{phase}: validation loss")
        start += len(values)
    curve.set_yscale("log")
    curve.set_xlabel("epoch")
    curve.set_ylabel("MSE loss (points scaled to [-1, 1])")
    curve.set_title(f"validation loss after unfreezing / before = "
                    f"{metrics['unfrozen_to_frozen_valid_loss']:.2f}; mean centre error "
                    f"{metrics['frozen_centre_error_px']:.1f} -> "
                    f"{metrics['unfrozen_centre_error_px']:.1f} px")
    curve.legend(fontsize=8)
    fig.suptitle("BIWI head-centre regression, validation sequence: true vs predicted centre")
    save_figure(fig, path)
