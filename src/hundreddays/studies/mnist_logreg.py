"""Day 35: logistic regression on MNIST — one linear layer, the softmax left to the loss."""

from __future__ import annotations

from ..mnist_support import fit_study, logistic_regression


def run(ctx) -> dict:
    """Train and evaluate logistic regression on the MNIST folder ctx.inputs["data"], resuming
    from ctx.checkpoint if an interrupted run left one. Returns {"model", "history", "metrics",
    "test"} (see mnist_support.fit, the loop the MNIST studies share)."""
    return fit_study(logistic_regression(), ctx)


def plot(result: dict, path, reference) -> None:
    """Draw the loss and accuracy per epoch (with the log's test accuracy as a reference), and
    the ten learned weight templates."""
    import numpy as np

    from ..figures import new_figure, save_figure, show_image

    log_accuracy = reference["test_accuracy"]
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
    # the colour scale: the 99th percentile of |w|, so that a few large weights do not leave
    # every template pale (the full scale did, on the genuine MNIST); larger ones saturate
    scale = float(np.percentile(abs(weights), 99))
    templates = grid[:, 4:].subgridspec(2, 5, wspace=0.02, hspace=0.15)
    for digit, w in enumerate(weights):  # red pushes towards the digit, blue away from it
        ax = fig.add_subplot(templates[digit // 5, digit % 5])
        show_image(ax, w, f"weights of {digit}", cmap="RdBu_r", vmin=-scale, vmax=scale)
        ax.title.set_fontsize(9)
        ax.set_xticks([])
        ax.set_yticks([])
    save_figure(fig, path)
