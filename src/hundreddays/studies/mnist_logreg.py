"""Day 35: logistic regression on MNIST — one linear layer, the softmax left to the loss."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .mnist_mlp import fit


def logistic_regression() -> nn.Module:
    """Return the model: flatten 28x28 → one Linear(784, 10) giving logits."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))


def run(data: dict[str, np.ndarray], epochs: int, batch_size: int, lr: float, seed: int,
        train_limit: int | None = None, test_limit: int | None = None, log=print,
        checkpoint=None) -> dict:
    """Train and evaluate on `data` (load_mnist's dict), resuming from `checkpoint` if an
    interrupted run left one. Returns {"model", "history", "metrics", "test"} (see
    mnist_mlp.fit, the loop the three MNIST studies share)."""
    torch.manual_seed(seed)
    return fit(logistic_regression(), data, epochs, batch_size, lr, seed, train_limit,
               test_limit, log, checkpoint)


def plot(result: dict, path, log_accuracy: float) -> None:
    """Draw the loss and accuracy per epoch (with the log's `log_accuracy` as a reference), and
    the ten learned weight templates."""
    from ..figures import new_figure, save_figure, show_image

    hist = result["history"]
    epochs = [h["epoch"] for h in hist]
    fig = new_figure(size=(12, 4.2))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 9)
    ax_loss, ax_acc = fig.add_subplot(grid[:, :2]), fig.add_subplot(grid[:, 2:4])
    ax_loss.plot(epochs, [h["train_loss"] for h in hist], "o-", label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in hist], "o-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [h["test_accuracy"] for h in hist], "o-", color="C1", label="measured")
    ax_acc.axhline(log_accuracy, color="grey", ls=":", label=f"log: {log_accuracy:.1%}")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy", title="Accuracy")
    ax_acc.legend()
    weights = result["model"][1].weight.detach().cpu().numpy().reshape(10, 28, 28)
    scale = float(abs(weights).max())
    for digit, w in enumerate(weights):  # red pushes towards the digit, blue away from it
        ax = fig.add_subplot(grid[digit // 5, 4 + digit % 5])
        show_image(ax, w, f"w[{digit}]", cmap="RdBu_r", vmin=-scale, vmax=scale)
        ax.set_xticks([])
        ax.set_yticks([])
    save_figure(fig, path)
