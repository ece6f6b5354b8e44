"""What the MNIST classifier studies share (days 34-36: weight_decay, mnist_logreg, mnist_mlp,
mnist_cnn): the logistic-regression model, the data check, `fit` (training.train_classifier on
load_mnist's dict, plus the metrics the three classifier studies report), `fit_study` (the same
from a study's Context) and the figure pieces `plot_curves` and `tile`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from .timing import seconds_per_epoch
from .training import evaluate, to_tensors, train_classifier


def logistic_regression() -> nn.Module:
    """Return the model: flatten 28x28 → one Linear(784, 10) giving logits."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))


def count_parameters(model: nn.Module) -> int:
    """Return the number of trainable parameters of `model`."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def check_data(data: dict[str, np.ndarray]) -> None:
    """Raise ValueError unless `data` holds 28x28 images and matching labels for both splits."""
    for split in ("train", "test"):
        images, labels = data[f"{split}_images"], data[f"{split}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(f"{split}_images must be (N, 28, 28), got {images.shape}")
        if len(images) != len(labels) or len(images) == 0:
            raise ValueError(f"{split}: {len(images)} images but {len(labels)} labels")


def fit(model: nn.Module, data: dict[str, np.ndarray], epochs: int, batch_size: int, lr: float,
        seed: int, train_limit: int | None = None, test_limit: int | None = None,
        log=print, checkpoint=None, device: str | torch.device | None = None) -> dict:
    """Train `model` on `data` (load_mnist's dict) with training.train_classifier (Adam on
    cross-entropy) on `device`, resuming from `checkpoint` if an interrupted run left one.

    Returns {"model", "history", "metrics", "test": (x, y) tensors used for testing}.
    """
    check_data(data)
    # training's own draws (dropout) start from the seed, whatever the model's construction drew
    torch.manual_seed(seed)
    train = to_tensors(data["train_images"][:train_limit], data["train_labels"][:train_limit])
    test = to_tensors(data["test_images"][:test_limit], data["test_labels"][:test_limit])
    log(f"{count_parameters(model)} parameters, {len(train[0])} training and "
        f"{len(test[0])} test images")
    history = train_classifier(model, train, test, epochs, batch_size, lr, seed, log=log,
                               checkpoint=checkpoint, device=device)
    _, train_acc = evaluate(model, *train)
    last = history[-1]
    metrics = {
        "test_accuracy": last["test_accuracy"],
        "test_loss": last["test_loss"],
        "train_accuracy": train_acc,
        "best_test_accuracy": max(h["test_accuracy"] for h in history),
        "train_images": len(train[0]),
        "test_images": len(test[0]),
        "epochs": len(history),
        "seconds_per_epoch": seconds_per_epoch(h["seconds"] for h in history),
        "parameters": count_parameters(model),
    }
    return {"model": model, "history": history, "metrics": metrics, "test": test}


def fit_study(model: nn.Module, ctx) -> dict:
    """`fit` as a study's run does it: the MNIST folder ctx.inputs["data"], the config block's
    epochs, batch_size, lr, train_limit and test_limit, and the context's seed, log, checkpoint
    and device."""
    from .loaders.mnist import load_mnist

    cfg = ctx.cfg
    missing = [k for k in ("epochs", "batch_size", "lr", "train_limit", "test_limit")
               if k not in cfg]
    if missing:
        raise KeyError(f"config studies.{ctx.study}: missing key(s) {missing}")
    data = load_mnist(Path(ctx.inputs["data"]))
    return fit(model, data, cfg["epochs"], cfg["batch_size"], cfg["lr"], ctx.seed,
               cfg["train_limit"], cfg["test_limit"], log=ctx.log, checkpoint=ctx.checkpoint,
               device=ctx.device)


def plot_curves(ax_loss, ax_acc, history: list[dict], log_accuracy: float) -> None:
    """Draw train/test loss and test accuracy per epoch, the log's accuracy as a dotted line."""
    epochs = [h["epoch"] for h in history]
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "o-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss", yscale="log")
    ax_loss.legend()
    ax_acc.plot(epochs, [h["test_accuracy"] for h in history], "o-", color="C1",
                label=f"measured (last {history[-1]['test_accuracy']:.1%})")
    ax_acc.axhline(log_accuracy, color="grey", ls=":", label=f"log: {log_accuracy:.1%}")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy", title="Test accuracy")
    ax_acc.legend(loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.get_major_locator().set_params(integer=True)


def tile(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Return images (n, h, w) laid out in rows of `columns`, separated by `gap` NaN pixels."""
    n, h, w = images.shape
    rows = max(-(-n // columns), 1)
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap), np.nan)
    for k, image in enumerate(images):
        r, c = divmod(k, columns)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = image
    return out
