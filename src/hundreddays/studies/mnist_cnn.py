"""Day 36: a small CNN "with some tweaks" on MNIST (log: above 99 %).

Two 5x5 convolution blocks (16 and 32 channels), each with batch normalisation, ReLU and 2x2
max-pooling, then dropout and one linear layer: the usual tweaks (batch norm, dropout, padding)
that carry a small CNN past 99 % on MNIST. Trained with the loop the MNIST studies share
(hundreddays.mnist_support).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..mnist_support import fit_study, plot_curves, tile


def cnn(channels: tuple[int, int] = (16, 32), dropout: float = 0.25) -> nn.Module:
    """Return the CNN: (N, 28, 28) images in, 10 logits out."""
    c1, c2 = channels
    return nn.Sequential(
        nn.Unflatten(1, (1, 28)),  # (N, 28, 28) -> (N, 1, 28, 28)
        nn.Conv2d(1, c1, 5, padding=2), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 5, padding=2), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(c2 * 7 * 7, 10),
    )


def run(ctx) -> dict:
    """Train the CNN (ctx.cfg's channels and dropout) on the MNIST folder ctx.inputs["data"];
    see mnist_support.fit for the result."""
    missing = [k for k in ("channels", "dropout") if k not in ctx.cfg]
    if missing:
        raise KeyError(f"config studies.{ctx.study}: missing key(s) {missing}")
    return fit_study(cnn(tuple(ctx.cfg["channels"]), ctx.cfg["dropout"]), ctx)


@torch.no_grad()
def predictions(model: nn.Module, x: torch.Tensor, batch_size: int = 1024) -> np.ndarray:
    """Return the predicted class of every image of `x`."""
    model.eval()
    device = next(model.parameters()).device
    return torch.cat([model(x[i:i + batch_size].to(device)).argmax(1).cpu()
                      for i in range(0, len(x), batch_size)]).numpy()


def plot(result: dict, path, reference, columns: int = 8) -> None:
    """Draw loss and accuracy per epoch (the log's test accuracy as a reference), the first
    layer's filters and misclassified digits."""
    from ..figures import new_figure, save_figure, show_image

    model = result["model"]
    fig = new_figure(size=(14, 5.2))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.6])
    ax_loss, ax_acc = fig.add_subplot(grid[:, 0]), fig.add_subplot(grid[:, 1])
    plot_curves(ax_loss, ax_acc, result["history"], reference["test_accuracy"])
    filters = model[1].weight.detach().cpu().numpy()[:, 0]
    scale = float(abs(filters).max())
    ax = fig.add_subplot(grid[0, 2])
    image = ax.imshow(tile(filters[: 2 * columns], columns), cmap="RdBu_r", vmin=-scale,
                      vmax=scale)
    ax.set_title(f"First layer: {min(len(filters), 2 * columns)} of {len(filters)} 5x5 filters")
    ax.grid(False)
    ax.set_axis_off()
    fig.colorbar(image, ax=ax, label="weight", shrink=0.8)
    x, y = result["test"]
    pred = predictions(model, x)
    wrong = np.flatnonzero(pred != y.numpy())
    shown = wrong[: 2 * columns]
    ax = fig.add_subplot(grid[1, 2])
    show_image(ax, tile(x[shown].numpy().reshape(-1, 28, 28), columns, gap=4),
               f"Misclassified test digits ({len(wrong)} of {len(y)}): true → predicted",
               cmap="gray_r")
    for k, i in enumerate(shown):
        r, c = divmod(k, columns)
        ax.text(c * 32 + 1, r * 32 + 4, f"{int(y[i])}→{pred[i]}", color="C3", fontsize=9)
    ax.set_axis_off()
    fig.suptitle(f"Day 36 - MNIST, small CNN ({result['metrics']['parameters']:,} parameters): "
                 "loss and test accuracy per epoch, what the first layer learned, what it gets "
                 "wrong")
    save_figure(fig, path)
