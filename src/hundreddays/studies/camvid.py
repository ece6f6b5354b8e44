"""Day 23: CamVid dashcam segmentation, fastai lesson 3 (U-Net on a ResNet, half-size images).

Recipe (course-v3 lesson3-camvid, first stage): unet_learner(resnet34, wd=1e-2), metric
acc_camvid (pixel accuracy ignoring 'Void'), fit_one_cycle(10, slice(3e-3), pct_start=0.9)
frozen, then unfreeze and fit_one_cycle(12, slice(3e-3/400, 3e-3/4), pct_start=0.8).
Scores come from one confusion matrix over the validation pixels (void pixels left out):
per-class IoU and accuracy (recall), their means, the pole's IoU over the mean IoU.
"""

from __future__ import annotations

import re

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
from ..loaders.camvid import Camvid

POLE = "Column_Pole"


def snake(name: str) -> str:
    """Return a class name as a metric-key part: 'Column_Pole' -> 'column_pole',
    'SUVPickupTruck' -> 'suv_pickup_truck'."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def void_accuracy(void: int):
    """Return fastai's metric acc_camvid: pixel accuracy over the pixels not labelled `void`."""

    def acc_camvid(inp: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        targ = targ.squeeze(1) if targ.ndim == inp.ndim else targ
        keep = targ != void
        return (inp.argmax(dim=1)[keep] == targ[keep]).float().mean()

    return acc_camvid


def confusion(pred: torch.Tensor, target: torch.Tensor, n_classes: int) -> np.ndarray:
    """Return the (true, predicted) pixel-count matrix of two integer label tensors."""
    idx = target.reshape(-1).long() * n_classes + pred.reshape(-1).long()
    counts = torch.bincount(idx, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).numpy().astype(np.int64)


def class_scores(conf: np.ndarray, codes: list[str], void: int) -> list[dict]:
    """Return per-class rows (class, iou, accuracy, true_pixels, predicted_pixels) for the
    non-void classes with validation pixels; void pixels are left out of every count."""
    conf = conf.copy()
    conf[void, :] = 0
    true, predicted, hit = conf.sum(1), conf.sum(0), np.diag(conf)
    rows = []
    for c, name in enumerate(codes):
        if c == void or true[c] == 0:
            continue
        rows.append({"class": name, "iou": hit[c] / (true[c] + predicted[c] - hit[c]),
                     "accuracy": hit[c] / true[c], "true_pixels": int(true[c]),
                     "predicted_pixels": int(predicted[c])})
    return rows


def summarize(conf: np.ndarray, codes: list[str], void: int) -> dict[str, float]:
    """Return pixel accuracy, mean IoU / accuracy, per-class keys and pole_to_mean_iou."""
    rows = class_scores(conf, codes, void)
    if not rows:
        raise ValueError("no non-void pixel in the validation set")
    keep = np.arange(len(codes)) != void
    metrics = {"pixel_accuracy": float(np.diag(conf)[keep].sum() / conf[keep].sum()),
               "mean_iou": float(np.mean([r["iou"] for r in rows])),
               "mean_class_accuracy": float(np.mean([r["accuracy"] for r in rows])),
               "n_classes_present": len(rows)}
    for r in rows:
        metrics[f"iou_{snake(r['class'])}"] = float(r["iou"])
        metrics[f"accuracy_{snake(r['class'])}"] = float(r["accuracy"])
    pole = next((r for r in rows if r["class"] == POLE), None)
    if pole is None:
        raise ValueError(f"class {POLE!r} has no validation pixel: pole_to_mean_iou undefined")
    metrics["pole_to_mean_iou"] = float(pole["iou"] / metrics["mean_iou"])
    return metrics


def dataloaders(data: Camvid, size: tuple[int, int], bs: int, augment: bool, device: str):
    """fastai DataLoaders: images + masks, valid.txt split, Resize(size), lesson transforms,
    ImageNet normalisation."""
    from fastai.vision.all import (
        DataBlock,
        FuncSplitter,
        ImageBlock,
        MaskBlock,
        Normalize,
        Resize,
        aug_transforms,
        imagenet_stats,
    )

    block = DataBlock(blocks=(ImageBlock, MaskBlock(data.codes)),
                      get_items=lambda _: data.images, get_y=lambda image: data.label_path(image),
                      splitter=FuncSplitter(data.is_valid), item_tfms=Resize(size),
                      batch_tfms=[*(aug_transforms() if augment else []),
                                  Normalize.from_stats(*imagenet_stats)])
    return block.dataloaders(data.root, bs=bs, **dataloader_kwargs(torch.device(device)))


def train(data: Camvid, cfg: dict, weights, device: str) -> dict:
    """Train the lesson's U-Net (frozen, then unfrozen; torch already seeded); return the
    validation confusion matrix, predictions of the first validation images, and the epoch log."""
    from fastai.vision.all import unet_learner
    from PIL import Image


    with no_downloads():
        width, height = Image.open(data.images[0]).size  # the lesson's src_size, from a frame
        size = (height // cfg["size_divisor"], width // cfg["size_divisor"])
        dls = dataloaders(data, size, cfg["batch_size"], cfg["augment"], device)
        arch = encoder(cfg["arch"], weights, cfg["pretrained"])
        log = EpochLog(every=cfg["log_every"])
        learn = unet_learner(dls, arch, pretrained=cfg["pretrained"], n_out=len(data.codes),
                             metrics=void_accuracy(data.void), wd=cfg["weight_decay"], cbs=[log],
                             **v1_learner_kwargs())
        learn = quiet(mixed_precision(learn))
        lr = cfg["lr"]
        log.phase = "frozen"
        learn.fit_one_cycle(cfg["frozen_epochs"], slice(lr), **{
            **V1_ONE_CYCLE, "pct_start": cfg["frozen_pct_start"]})
        learn.unfreeze()
        log.phase = "unfrozen"
        learn.fit_one_cycle(cfg["unfrozen_epochs"],
                            slice(lr / cfg["unfrozen_lr_divisors"][0],
                                  lr / cfg["unfrozen_lr_divisors"][1]),
                            **{**V1_ONE_CYCLE, "pct_start": cfg["unfrozen_pct_start"]})
        probs, targets = learn.get_preds(dl=dls.valid)
    pred = probs.float().argmax(dim=1)
    targets = targets.long().reshape(pred.shape)
    n_show = min(cfg["figure_images"], len(pred))
    return {"confusion": confusion(pred, targets, len(data.codes)), "log": log,
            "show": [(dls.valid.items[i], pred[i].numpy(), targets[i].numpy())
                     for i in range(n_show)], "size": size}


# Colours of the common classes (what a viewer expects: green trees, blue sky, a bright pole).
COLOURS = {"Building": (0.55, 0.27, 0.07), "Tree": (0.13, 0.55, 0.13), "Sky": (0.45, 0.75, 0.95),
           "Road": (0.5, 0.25, 0.5), "Sidewalk": (0.95, 0.5, 0.75), "Column_Pole": (1.0, 0.85, 0.0),
           "Car": (0.1, 0.1, 0.8), "LaneMkgsDriv": (1.0, 1.0, 1.0), "Pedestrian": (0.9, 0.1, 0.1)}


def class_colours(codes: list[str]) -> np.ndarray:
    """Return one RGB colour per class: COLOURS for the common ones, tab20/tab20b otherwise."""
    import matplotlib

    palette = [*matplotlib.colormaps["tab20"].colors, *matplotlib.colormaps["tab20b"].colors]
    return np.array([COLOURS.get(c, palette[i % len(palette)]) for i, c in enumerate(codes)])


def overlay(image: np.ndarray, labels: np.ndarray, colours: np.ndarray, void: int) -> np.ndarray:
    """Return the RGB image (floats) with class colours blended over it (void left black)."""
    mix = 0.45 * image + 0.55 * colours[labels]
    mix[labels == void] = 0.0
    return mix


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): train on the prepared CamVid folder and score the
    validation pixels; the table is the per-class scores, weakest IoU first."""
    from ..loaders.camvid import load_camvid

    cfg = ctx.cfg
    data = load_camvid(ctx.inputs["data"])
    ctx.log(f"camvid: {len(data.images)} images, {len(data.valid)} validation, "
            f"{len(data.codes)} classes")
    weights = weights_in(ctx.inputs["weights"]) if cfg["pretrained"] else None
    result = train(data, cfg, weights, ctx.device)
    rows = class_scores(result["confusion"], data.codes, data.void)
    metrics = summarize(result["confusion"], data.codes, data.void)
    log = result["log"]
    metrics["seconds_per_epoch"] = seconds_per_epoch(log)
    metrics["frozen_seconds_per_epoch"] = seconds_per_epoch(log, "frozen")
    metrics["unfrozen_seconds_per_epoch"] = seconds_per_epoch(log, "unfrozen")
    ctx.log(f"pixel accuracy {metrics['pixel_accuracy']:.4f}, mean IoU "
            f"{metrics['mean_iou']:.4f}, pole/mean IoU {metrics['pole_to_mean_iou']:.3f}")
    table = [{k: float(v) if k in ("iou", "accuracy") else v for k, v in r.items()}
             for r in sorted(rows, key=lambda r: r["iou"])]
    return {"metrics": metrics, "table": table, "show": result["show"], "codes": data.codes,
            "void": data.void}


def plot(result: dict, path, reference) -> None:
    """Ground truth and prediction of a validation image (class colours, legend) and a bar
    panel of per-class IoU / accuracy (result's table) with the pixel accuracy and the log's
    value (reference["pixel_accuracy"])."""
    from PIL import Image

    show, codes, void, rows = result["show"], result["codes"], result["void"], result["table"]
    metrics, log_pixel_accuracy = result["metrics"], reference["pixel_accuracy"]
    item, pred, target = show[0]
    size = pred.shape[::-1]
    image = np.asarray(Image.open(item).convert("RGB").resize(size, Image.BILINEAR)) / 255.0
    colours = class_colours(codes)
    fig, axes = new_figure(2, 2, size=(11, 8.4), gridspec_kw={"height_ratios": [1, 1.1]})
    for ax, labels, title in ((axes[0, 0], target, "ground truth"),
                              (axes[0, 1], pred, "prediction")):
        ax.imshow(overlay(image, labels, colours, void))
        ax.set_title(f"{title}: {item.name}")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    shown = sorted(set(np.unique(target)) | set(np.unique(pred)))
    from matplotlib.patches import Patch

    handles = [Patch(color="black" if c == void else colours[c], label=codes[c]) for c in shown]
    axes[0, 1].legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5),
                      fontsize=8)
    gs = axes[1, 0].get_gridspec()
    axes[1, 0].remove()
    axes[1, 1].remove()
    bars = fig.add_subplot(gs[1, :])
    order = sorted(rows, key=lambda r: r["iou"])
    x = np.arange(len(order))
    bars.bar(x - 0.2, [r["iou"] for r in order], 0.4, label="IoU",
             color=[colours[codes.index(r["class"])] for r in order], edgecolor="k")
    bars.bar(x + 0.2, [r["accuracy"] for r in order], 0.4, label="accuracy (recall)",
             color="lightgray", edgecolor="k")
    bars.axhline(metrics["pixel_accuracy"], color="C3",
                 label=f"our pixel accuracy (non-void) {metrics['pixel_accuracy']:.3f}")
    bars.axhline(log_pixel_accuracy, color="k", ls="--",
                 label=f"log's pixel accuracy ~{log_pixel_accuracy:.2f}")
    bars.axhline(metrics["mean_iou"], color="C0", ls=":",
                 label=f"mean IoU {metrics['mean_iou']:.3f}")
    bars.set_xticks(x, [r["class"] + (" (pole)" if r["class"] == POLE else "")
                        for r in order], rotation=40, ha="right")
    bars.set_ylim(0, 1.05)
    bars.set_ylabel("validation score (fraction of pixels)")
    bars.set_title(f"per-class scores, weakest first; pole IoU / mean IoU = "
                   f"{metrics['pole_to_mean_iou']:.2f}")
    bars.legend(fontsize=8, loc="upper left")
    fig.suptitle("CamVid U-Net segmentation (validation image): ground truth vs prediction")
    save_figure(fig, path)
