"""Day 36: MNIST with one hidden layer of 100 units (log: 97.4 %), trained with the loop the
MNIST studies share (hundreddays.mnist_support)."""

from __future__ import annotations

from torch import nn

from ..mnist_support import fit_study, plot_curves, tile

HIDDEN = 100  # the log's hidden layer


def mlp(hidden: int = HIDDEN) -> nn.Module:
    """Return flatten 28x28 → Linear(784, hidden) → ReLU → Linear(hidden, 10) giving logits."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(),
                         nn.Linear(hidden, 10))


def run(ctx) -> dict:
    """Train the one-hidden-layer network of ctx.cfg["hidden"] units on the MNIST folder
    ctx.inputs["data"]; see mnist_support.fit for the result."""
    if "hidden" not in ctx.cfg:
        raise KeyError(f"config studies.{ctx.study}: missing key 'hidden'")
    return fit_study(mlp(ctx.cfg["hidden"]), ctx)


def plot(result: dict, path, reference, units_shown: int = 20) -> None:
    """Draw loss and accuracy per epoch (the log's test accuracy as a reference) and the input
    weights of the first hidden units."""
    from ..figures import new_figure, save_figure

    fig = new_figure(size=(13, 4.6))[0]
    fig.clf()
    grid = fig.add_gridspec(1, 3, width_ratios=[1, 1, 1.3])
    ax_loss, ax_acc = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    plot_curves(ax_loss, ax_acc, result["history"], reference["test_accuracy"])
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
