"""Days 28 and 35: PyTorch's CrossEntropyLoss applies the (log-)softmax itself, so a network
trained with it must end in logits, not in an nn.Softmax layer.

The same MLP, from the same initial weights and on the same minibatches, is trained on seeded
Gaussian blobs once ending in logits and once with an extra nn.Softmax before the loss. The
extra softmax squeezes the loss's inputs into [0, 1], so its loss can never fall below
log(e + K - 1) - 1 (the probabilities one-hot on the true class), far above 0: the two losses
are not comparable, so whether the extra softmax spoils the training is measured as what a
user sees, the test accuracy lost after the same epochs (test_accuracy_lost_to_extra_softmax).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn

from ..timing import seconds_per_epoch
from ..training import evaluate, train_classifier

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}  # the float64 check of CE(z) == NLL(log_softmax(z))
LOST = "test_accuracy_lost_to_extra_softmax"  # the metric that judges "spoils the training"


def cross_entropy_check(n: int, classes: int, scale: float, seed: int) -> dict:
    """Compare nn.CrossEntropyLoss(z) with nn.NLLLoss(log_softmax(z)) per sample on random
    float64 logits z ~ N(0, scale²) of shape (n, classes).

    Returns {"equal": allclose at TOLERANCE, "max_abs_diff", "extra_softmax_max_abs_diff"}: the
    last is |CE(softmax(z)) - CE(z)|, what an extra softmax layer changes.
    """
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, classes, generator=gen, dtype=torch.float64) * scale
    y = torch.randint(0, classes, (n,), generator=gen)
    ce = nn.CrossEntropyLoss(reduction="none")(z, y)
    nll = nn.NLLLoss(reduction="none")(torch.log_softmax(z, dim=1), y)
    doubled = nn.CrossEntropyLoss(reduction="none")(torch.softmax(z, dim=1), y)
    return {"equal": bool(torch.allclose(ce, nll, **TOLERANCE)),
            "max_abs_diff": float((ce - nll).abs().max()),
            "extra_softmax_max_abs_diff": float((doubled - ce).abs().max())}


def double_softmax_floor(classes: int) -> float:
    """Return the smallest value of CrossEntropyLoss(softmax(z), y): the loss of probabilities
    one-hot on y, -1 + log(e + K - 1) (the bound log(K) - ... of the log's warning)."""
    return math.log(math.e + classes - 1) - 1.0


def double_softmax_loss(p_true: np.ndarray, classes: int) -> np.ndarray:
    """Return CrossEntropyLoss(softmax(z), y) when softmax(z) gives p_true to the true class and
    spreads the rest evenly over the other K - 1 classes."""
    rest = (1.0 - p_true) / (classes - 1)
    return -p_true + np.log(np.exp(p_true) + (classes - 1) * np.exp(rest))


def make_blobs(n_train: int, n_test: int, classes: int, dim: int, separation: float, seed: int
               ) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Return the (train, test) splits, each (x float32 (n, dim), y int64 (n,)), of Gaussian
    blobs: class centres ~ N(0, separation²) per coordinate, unit-variance noise, from `seed`."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, separation, (classes, dim))
    return _sample(rng, centres, n_train), _sample(rng, centres, n_test)


def _sample(rng: np.random.Generator, centres: np.ndarray, n: int
            ) -> tuple[torch.Tensor, torch.Tensor]:
    y = rng.integers(0, len(centres), n)
    x = centres[y] + rng.normal(0.0, 1.0, (n, centres.shape[1]))
    return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.int64))


def mlp(dim: int, hidden: int, classes: int) -> nn.Sequential:
    """Return the classifier ending in logits: Linear(dim, hidden), ReLU, Linear(hidden, K)."""
    return nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, classes))


@torch.no_grad()
def nll_of_probabilities(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Return the mean -log p_y of a model whose output is already a probability vector."""
    model.eval()
    device = next(model.parameters()).device
    p = model(x.to(device)).clamp_min(1e-300)
    return float(nn.functional.nll_loss(p.log(), y.to(device)))


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): train both models from the same initial weights
    (torch's generator as the runner seeded it). Returns {"single", "double" (per-epoch
    histories), "floor", "check", "metrics", "classes"}."""
    cfg, seed, log = ctx.cfg, ctx.seed, ctx.log
    k = cfg["classes"]
    check = cross_entropy_check(cfg["check_logits"], k, cfg["check_scale"], seed)
    log(f"CrossEntropyLoss(z) vs NLLLoss(log_softmax(z)): max |diff| {check['max_abs_diff']:.2e}"
        f", allclose(rtol=atol=1e-12): {check['equal']}")
    train, test = make_blobs(cfg["n_train"], cfg["n_test"], k, cfg["dim"], cfg["separation"],
                             seed)
    single = mlp(cfg["dim"], cfg["hidden"], k)
    double = nn.Sequential(copy.deepcopy(single), nn.Softmax(dim=1))  # the pitfall
    histories, finals = {}, {}
    for name, model in (("single", single), ("double", double)):
        log(f"-- {name} softmax ({'logits' if name == 'single' else 'extra nn.Softmax'}) --")
        histories[name] = train_classifier(model, train, test, cfg["epochs"], cfg["batch_size"],
                                           cfg["lr"], seed, log=log, device=ctx.device)
        finals[name] = evaluate(model, *train)  # (loss, accuracy) on the training set
    floor = double_softmax_floor(k)
    accuracy = {name: histories[name][-1]["test_accuracy"] for name in histories}
    seconds = [h["seconds"] for name in histories for h in histories[name]]
    metrics = {
        "ce_equals_nll_of_log_softmax": int(check["equal"]),
        "ce_vs_nll_max_abs_diff": check["max_abs_diff"],
        "extra_softmax_loss_max_abs_change": check["extra_softmax_max_abs_diff"],
        "double_to_single_softmax_loss_ratio": finals["double"][0] / finals["single"][0],
        "single_softmax_train_loss": finals["single"][0],
        "double_softmax_train_loss": finals["double"][0],
        "single_softmax_train_accuracy": finals["single"][1],
        "double_softmax_train_accuracy": finals["double"][1],
        "single_softmax_test_accuracy": accuracy["single"],
        "double_softmax_test_accuracy": accuracy["double"],
        LOST: accuracy["single"] - accuracy["double"],
        "single_softmax_first_epoch_test_accuracy": histories["single"][0]["test_accuracy"],
        "double_softmax_first_epoch_test_accuracy": histories["double"][0]["test_accuracy"],
        "single_softmax_test_loss": histories["single"][-1]["test_loss"],
        "double_softmax_test_loss": histories["double"][-1]["test_loss"],
        "double_softmax_test_nll_of_probabilities": nll_of_probabilities(double, *test),
        "double_softmax_loss_floor": floor,
        "log_classes": math.log(k),
        "classes": k,
        "epochs": cfg["epochs"],
        "seconds_per_epoch": seconds_per_epoch(seconds),
    }
    log(str({key: round(v, 4) for key, v in metrics.items()}))
    return {"single": histories["single"], "double": histories["double"], "floor": floor,
            "check": check, "metrics": metrics, "classes": k}


def plot(result: dict, path, reference) -> None:
    """Draw the training loss and test accuracy per epoch of both models (the double softmax's
    floor marked), and the two losses as a function of the probability of the true class.
    The log's claims are qualitative (reported 1); where `reference` has the threshold of the
    accuracy lost, the accuracy panel marks the level below which the extra softmax spoils."""
    from ..figures import new_figure, save_figure

    m, k = result["metrics"], result["classes"]
    fig, (ax_loss, ax_acc, ax_curve) = new_figure(1, 3, size=(15, 4.6))
    styles = {"single": ("C0", "logits → CrossEntropyLoss"),
              "double": ("C3", "extra nn.Softmax → CrossEntropyLoss")}
    for name in ("single", "double"):
        color, label = styles[name]
        hist = result[name]
        epochs = [h["epoch"] for h in hist]
        ax_loss.semilogy(epochs, [h["train_loss"] for h in hist], "o-", color=color, label=label)
        ax_acc.plot(epochs, [h["test_accuracy"] for h in hist], "o-", color=color, label=label)
    floor_label = f"floor with the extra softmax: log(e+{k - 1}) - 1 = {result['floor']:.3f}"
    ax_loss.axhline(result["floor"], color="C3", ls=":", label=floor_label)
    ratio = m["double_to_single_softmax_loss_ratio"]
    ax_loss.set(xlabel="epoch", ylabel="training cross-entropy (as optimised)",
                title=f"Training loss (extra/none {ratio:.1f}: set by the floor)")
    ax_loss.legend(fontsize=8)
    for ax in (ax_loss, ax_acc):
        ax.xaxis.get_major_locator().set_params(integer=True)
    accuracies = [h["test_accuracy"] for name in ("single", "double") for h in result[name]]
    if LOST in reference:
        margin = reference.threshold(LOST)
        spoiled_below = m["single_softmax_test_accuracy"] - margin
        accuracies.append(spoiled_below)
        ax_acc.axhline(spoiled_below, color="0.3", ls="--",
                       label=f"spoiled below: logits' final accuracy - {margin:g}")
    bottom = max(0.0, min(accuracies) - 0.05)
    if 1 / k >= bottom:
        ax_acc.axhline(1 / k, color="grey", ls=":", label=f"chance: 1/{k}")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy", ylim=(bottom, 1.0 + (1 - bottom) * 0.02),
               title=f"Test accuracy: {100 * m[LOST]:.2f} points lost in {m['epochs']} epochs")
    ax_acc.legend(fontsize=8)
    p = np.linspace(1e-3, 0.999, 400)
    ax_curve.semilogy(p, -np.log(p), color="C0", label="CrossEntropyLoss(logits) = -log p")
    ax_curve.semilogy(p, double_softmax_loss(p, k), color="C3",
                      label="CrossEntropyLoss(softmax(logits))")
    ax_curve.axhline(result["floor"], color="C3", ls=":")
    ax_curve.set(xlabel="model probability of the true class p",
                 ylabel="loss of one sample",
                 ylim=(5e-4, 10), title=f"Why: an extra softmax bounds the loss (K = {k})")
    ax_curve.legend(fontsize=8, loc="lower left")
    ax_curve.text(0.98, 0.97, f"check: CrossEntropyLoss(z) = NLLLoss(log_softmax(z))\n"
                  f"max |diff| {m['ce_vs_nll_max_abs_diff']:.1e} on random float64 logits",
                  transform=ax_curve.transAxes, ha="right", va="top", fontsize=8)
    save_figure(fig, path)
