"""Day 36: MNIST with one hidden layer of 100 units (log: 97.4 %).

Also holds what the day's two studies share (mnist_mlp and mnist_cnn): `fit`, which trains any
classifier with the training loop of mnist_logreg and returns its history and metrics, and
`plot_curves`, the loss and accuracy panels.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..training import evaluate, to_tensors, train_classifier

HIDDEN = 100  # the log's hidden layer


def mlp(hidden: int = HIDDEN) -> nn.Module:
    """Return flatten 28x28 → Linear(784, hidden) → ReLU → Linear(hidden, 10) giving logits."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(),
                         nn.Linear(hidden, 10))


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
        log=print, checkpoint=None) -> dict:
    """Train `model` on `data` (load_mnist's dict) with the shared Adam loop, resuming from
    `checkpoint` if an interrupted run left one.

    Returns {"model", "history", "metrics", "test": (x, y) tensors used for testing}.
    """
    check_data(data)
    torch.manual_seed(seed)
    train = to_tensors(data["train_images"][:train_limit], data["train_labels"][:train_limit])
    test = to_tensors(data["test_images"][:test_limit], data["test_labels"][:test_limit])
    log(f"{count_parameters(model)} parameters, {len(train[0])} training and "
        f"{len(test[0])} test images")
    history = train_classifier(model, train, test, epochs, batch_size, lr, seed, log=log,
                               checkpoint=checkpoint)
    _, train_acc = evaluate(model, *train)
    last = history[-1]
    seconds = [h["seconds"] for h in history]
    metrics = {
        "test_accuracy": last["test_accuracy"],
        "test_loss": last["test_loss"],
        "train_accuracy": train_acc,
        "best_test_accuracy": max(h["test_accuracy"] for h in history),
        "train_images": len(train[0]),
        "test_images": len(test[0]),
        "epochs": len(history),
        # the first epoch carries one-off costs (allocations, kernels); leave it out when we can
        "seconds_per_epoch": float(np.median(seconds[1:] if len(seconds) > 1 else seconds)),
        "parameters": count_parameters(model),
    }
    return {"model": model, "history": history, "metrics": metrics, "test": test}


def run(data: dict[str, np.ndarray], epochs: int, batch_size: int, lr: float, seed: int,
        train_limit: int | None = None, test_limit: int | None = None, hidden: int = HIDDEN,
        log=print, checkpoint=None) -> dict:
    """Train the one-hidden-layer network; see `fit` for the result."""
    torch.manual_seed(seed)
    return fit(mlp(hidden), data, epochs, batch_size, lr, seed, train_limit, test_limit, log,
               checkpoint)


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


def plot(result: dict, path, log_accuracy: float, units_shown: int = 20) -> None:
    """Draw loss and accuracy per epoch and the input weights of the first hidden units."""
    from ..figures import new_figure, save_figure

    fig = new_figure(size=(13, 4.6))[0]
    fig.clf()
    grid = fig.add_gridspec(1, 3, width_ratios=[1, 1, 1.3])
    ax_loss, ax_acc = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    plot_curves(ax_loss, ax_acc, result["history"], log_accuracy)
    weights = result["model"][1].weight.detach().cpu().numpy()
    shown = weights[:units_shown].reshape(-1, 28, 28)
    scale = float(abs(shown).max())
    ax = fig.add_subplot(grid[2])
    image = ax.imshow(tile(shown, 5, gap=2), cmap="RdBu_r", vmin=-scale, vmax=scale)
    ax.set_title(f"Input weights of {len(shown)} of the {weights.shape[0]} hidden units")
    ax.grid(False)
    ax.set_axis_off()
    fig.colorbar(image, ax=ax, label="weight (red excites the unit)", shrink=0.8)
    fig.suptitle(f"Day 36 - MNIST, one hidden layer of {weights.shape[0]} units "
                 f"({result['metrics']['parameters']:,} parameters): loss and test accuracy "
                 "per epoch, what the hidden units look at")
    save_figure(fig, path)
