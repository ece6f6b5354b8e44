"""Days 28 and 35: PyTorch's CrossEntropyLoss applies the (log-)softmax itself, so a network
trained with it must end in logits, not in an nn.Softmax layer.

Where the log met the pitfall (day 28: fitting the galaxy simulations; day 33: galaxy distances
posed as classes "since we need the probability distribution of the distance"), so on the task
of the galaxy analogues (a SIMULATED ANALOGUE: the author's simulations are private): band
fluxes of the toy photometry simulator (hundreddays.analogues.photometry) -> one of `classes`
redshift bins. The same MLP, from the same initial weights and on the same minibatches, is
trained with Adam once ending in logits and once with an extra nn.Softmax before the loss.

What the extra softmax spoils is judged on what the log needs from the net, its probability
distribution: the test negative log-likelihood of the probabilities each net gives
(double_to_single_test_nll_ratio). The extra softmax squeezes the loss's inputs into [0, 1], so
its loss never falls below log(e + K - 1) - 1 and its gradient never fades: it keeps pushing the
probabilities towards one-hot, confident where the photometry cannot be. Accuracy (the argmax)
is reported, not judged.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn

from ..analogues.nets import mlp
from ..analogues.photometry import simulate, standardizer, z_classes
from ..timing import seconds_per_epoch
from ..training import fit, train_epoch

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}  # the float64 check of CE(z) == NLL(log_softmax(z))
RATIO = "double_to_single_test_nll_ratio"  # the metric that judges "spoils the training"
LOST = "test_accuracy_lost_to_extra_softmax"
NAMES = {"single": "logits → CrossEntropyLoss", "double": "extra nn.Softmax → CrossEntropyLoss"}
EXAMPLES = 3  # test galaxies whose predicted distributions the figure shows
CONFIDENCE_BINS = 10


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
    one-hot on y, -1 + log(e + K - 1)."""
    return math.log(math.e + classes - 1) - 1.0


def double_softmax_loss(p_true: np.ndarray, classes: int) -> np.ndarray:
    """Return CrossEntropyLoss(softmax(z), y) when softmax(z) gives p_true to the true class and
    spreads the rest evenly over the other K - 1 classes."""
    rest = (1.0 - p_true) / (classes - 1)
    return -p_true + np.log(np.exp(p_true) + (classes - 1) * np.exp(rest))


def make_data(cfg: dict, seed: int) -> dict:
    """Simulate the training and test galaxies (another random stream than galaxy_analogues'),
    standardise the features with the training set's mean and std. Returns {"train": (x, y),
    "test": (x, y)} as tensors (float32 features, int64 classes) and "test_z" (numpy)."""
    rng = np.random.default_rng([seed, 28])
    sims = [simulate(n, rng, n_bands=cfg["bands"], z_max=cfg["z_max"], noise=cfg["flux_noise"])
            for n in (cfg["n_train"], cfg["n_test"])]
    scale = standardizer(sims[0]["features"])
    split = lambda s: (torch.from_numpy(scale(s["features"])),  # noqa: E731
                       torch.from_numpy(z_classes(s["z"], cfg["z_max"], cfg["classes"])))
    return {"train": split(sims[0]), "test": split(sims[1]), "test_z": sims[1]["z"]}


@torch.no_grad()
def log_probabilities(model: nn.Module, x: torch.Tensor, extra_softmax: bool) -> torch.Tensor:
    """Log of the probability vector the model gives, in eval mode: log_softmax of the logits
    for the net ending in logits; for the net ending in nn.Softmax (whose output IS its
    probability vector) log_softmax of its inner net's logits, the exact log of that output
    (no clamp where the output underflows to 0)."""
    model.eval()
    device = next(model.parameters()).device
    net = model[0] if extra_softmax else model
    return torch.log_softmax(net(x.to(device)), dim=1).cpu()


def scores(log_p: torch.Tensor, y: torch.Tensor) -> dict:
    """Test NLL (mean -log p_y), accuracy and mean confidence (max probability) of log_p."""
    p = log_p.exp()
    return {"nll": float(-log_p[torch.arange(len(y)), y].mean()),
            "accuracy": float((log_p.argmax(1) == y).float().mean()),
            "confidence": float(p.max(1).values.mean())}


def reliability(log_p: torch.Tensor, y: torch.Tensor, bins: int = CONFIDENCE_BINS) -> dict:
    """Per confidence bin (max probability in [k/bins, (k+1)/bins)): mean confidence, accuracy
    and count: a calibrated model has accuracy = confidence."""
    conf, pred = log_p.exp().max(1)
    conf, correct = conf.numpy(), (pred == y).numpy()
    which = np.minimum((conf * bins).astype(int), bins - 1)
    count = np.bincount(which, minlength=bins)
    mean = lambda v: np.bincount(which, v, bins) / np.maximum(count, 1)  # noqa: E731
    return {"confidence": mean(conf), "accuracy": mean(correct.astype(float)), "count": count}


def train(model: nn.Module, data: dict, cfg: dict, seed: int, extra_softmax: bool, log,
          device) -> list[dict]:
    """Adam on CrossEntropyLoss of the model's output for cfg's epochs, batch order from `seed`;
    per epoch: the training loss as optimised, and the test NLL, accuracy and confidence."""
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    gen = torch.Generator().manual_seed(seed)
    (x, y), (tx, ty) = data["train"], data["test"]

    def epoch(_n: int) -> dict:
        loss = train_epoch(model, opt, x, y, cfg["batch_size"], gen, nn.functional.cross_entropy)
        test = scores(log_probabilities(model, tx, extra_softmax), ty)
        return {"train_loss": loss, **{f"test_{k}": v for k, v in test.items()}}

    return fit(model, opt, cfg["epochs"], epoch, gen=gen, log=log, describe=lambda r: (
        f"train loss {r['train_loss']:.4f}  test NLL {r['test_nll']:.4f}  accuracy "
        f"{r['test_accuracy']:.4f}  confidence {r['test_confidence']:.3f}"))


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): the float64 identity check, then both nets from
    the same initial weights (torch's generator as the runner seeded it). Returns {"single",
    "double" (per-epoch records), "floor", "metrics", "classes", "z_max", "reliability",
    "examples"}."""
    cfg, seed, log = ctx.cfg, ctx.seed, ctx.log
    k = cfg["classes"]
    check = cross_entropy_check(cfg["check_logits"], k, cfg["check_scale"], seed)
    log(f"CrossEntropyLoss(z) vs NLLLoss(log_softmax(z)): max |diff| {check['max_abs_diff']:.2e}"
        f", allclose(rtol=atol=1e-12): {check['equal']}")
    data = make_data(cfg, seed)
    single = mlp(cfg["bands"], cfg["hidden"], k)
    double = nn.Sequential(copy.deepcopy(single), nn.Softmax(dim=1))  # the pitfall
    histories, final, curves = {}, {}, {}
    tx, ty = data["test"]
    pick = np.linspace(0, len(ty) - 1, EXAMPLES).astype(int)
    examples = {"z": data["test_z"][pick], "class": ty[pick].numpy()}
    for name, model in (("single", single), ("double", double)):
        log(f"-- {NAMES[name]} --")
        histories[name] = train(model, data, cfg, seed, name == "double", log, ctx.device)
        log_p = log_probabilities(model, tx, name == "double")
        final[name], curves[name] = scores(log_p, ty), reliability(log_p, ty)
        examples[name] = log_p[pick].exp().numpy()
    floor = double_softmax_floor(k)
    seconds = [h["seconds"] for hist in histories.values() for h in hist]
    metrics = {
        "ce_equals_nll_of_log_softmax": int(check["equal"]),
        "ce_vs_nll_max_abs_diff": check["max_abs_diff"],
        "extra_softmax_loss_max_abs_change": check["extra_softmax_max_abs_diff"],
        **{f"{n}_softmax_{key}": final[n][short] for n in final
           for key, short in (("test_nll", "nll"), ("test_accuracy", "accuracy"),
                              ("mean_confidence", "confidence"))},
        RATIO: final["double"]["nll"] / final["single"]["nll"],
        LOST: final["single"]["accuracy"] - final["double"]["accuracy"],
        **{f"{n}_softmax_overconfidence": final[n]["confidence"] - final[n]["accuracy"]
           for n in final},
        "single_softmax_train_loss": histories["single"][-1]["train_loss"],
        "double_softmax_train_loss": histories["double"][-1]["train_loss"],
        "double_softmax_loss_floor": floor,
        "log_classes": math.log(k),
        "classes": k,
        "train_galaxies": len(data["train"][1]),
        "test_galaxies": len(ty),
        "epochs": cfg["epochs"],
        "seconds_per_epoch": seconds_per_epoch(seconds),
    }
    log(str({key: round(v, 4) for key, v in metrics.items()}))
    return {**histories, "floor": floor, "metrics": metrics, "classes": k, "z_max": cfg["z_max"],
            "reliability": curves, "examples": examples}


def plot(result: dict, path, reference) -> None:
    """Four panels: test NLL per epoch of both nets (where `reference` has the claim, the level
    at which the extra softmax spoils), the reliability diagram, the predicted distance
    distributions of a few test galaxies, and the loss of one sample against the probability of
    its true class (why)."""
    from ..figures import new_figure, save_figure

    m, k = result["metrics"], result["classes"]
    fig, (ax_nll, ax_rel, ax_ex, ax_why) = new_figure(1, 4, size=(20, 4.6))
    colors = {"single": "C0", "double": "C3"}
    for name, color in colors.items():
        hist = result[name]
        ax_nll.plot([h["epoch"] for h in hist], [h["test_nll"] for h in hist], "o-", ms=3,
                    color=color, label=f"{NAMES[name]}: {m[f'{name}_softmax_test_nll']:.3f}")
    if RATIO in reference:
        spoiled = m["single_softmax_test_nll"] * reference.threshold(RATIO)
        ax_nll.axhline(spoiled, color="0.3", ls="--",
                       label=f"spoiled above: logits' NLL x {reference.threshold(RATIO):g}")
    ax_nll.set(xlabel="epoch", ylabel="test NLL of the predicted distribution", yscale="log",
               title=f"Test NLL: extra softmax / logits = {m[RATIO]:.2f}")
    ax_nll.legend(fontsize=8)
    ax_nll.xaxis.get_major_locator().set_params(integer=True)
    ax_rel.plot([0, 1], [0, 1], color="grey", ls=":", label="calibrated")
    for name, color in colors.items():
        r = result["reliability"][name]
        used = r["count"] > 0
        conf, acc = (m[f"{name}_softmax_{k}"] for k in ("mean_confidence", "test_accuracy"))
        ax_rel.plot(r["confidence"][used], r["accuracy"][used], "o-", color=color,
                    label=f"{NAMES[name]}: mean confidence {conf:.2f}, accuracy {acc:.2f}")
    ax_rel.set(xlabel="confidence (largest class probability)", ylabel="accuracy",
               xlim=(0, 1), ylim=(0, 1), title="Reliability of the predicted class")
    ax_rel.legend(fontsize=7, loc="upper left")
    ex = result["examples"]
    width = result["z_max"] / k
    centres = (np.arange(k) + 0.5) * width
    for i, z in enumerate(ex["z"]):
        for name, ls in (("single", "-"), ("double", "--")):
            ax_ex.step(centres, ex[name][i], where="mid", ls=ls, color=f"C{i}",
                       label=f"galaxy {i + 1}, {'logits' if name == 'single' else 'extra softmax'}")
        ax_ex.axvline(z, color=f"C{i}", lw=0.8, ls=":")
    ax_ex.set(xlabel="z (class centres; dotted: the true z)", ylabel="predicted probability",
              title="Predicted distance distributions (simulated analogue)")
    ax_ex.legend(fontsize=7, ncol=2)
    p = np.linspace(1e-3, 0.999, 400)
    ax_why.semilogy(p, -np.log(p), color="C0", label="CrossEntropyLoss(logits) = -log p")
    ax_why.semilogy(p, double_softmax_loss(p, k), color="C3",
                    label="CrossEntropyLoss(softmax(logits))")
    ax_why.axhline(result["floor"], color="C3", ls=":",
                   label=f"its floor log(e+{k - 1}) - 1 = {result['floor']:.3f}")
    ax_why.set(xlabel="model probability of the true class p", ylabel="loss of one sample",
               ylim=(5e-4, 10), title=f"Why: an extra softmax bounds the loss (K = {k})")
    ax_why.legend(fontsize=8, loc="lower left")
    ax_why.text(0.98, 0.97, f"check: CrossEntropyLoss(z) = NLLLoss(log_softmax(z))\n"
                f"max |diff| {m['ce_vs_nll_max_abs_diff']:.1e} on random float64 logits",
                transform=ax_why.transAxes, ha="right", va="top", fontsize=8)
    save_figure(fig, path)
