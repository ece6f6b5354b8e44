"""Day 50: a small linear network reads the three parameters of noisy parabolas.

Parabolas y = a x² + b x + c, with a, b, c uniform in [-1, 1], are sampled on a fixed grid of x
in [-2, 2] (as in the log's figure) with Gaussian noise at a signal-to-noise ratio `snr` (noise
sigma = root-mean-square of the clean samples / snr, per parabola). A network of linear layers
(with ReLU between them) maps the samples to (a, b, c), trained with Adam on the MSE of the
parameters. Each epoch the R² of every parameter is measured on test parabolas; least squares on
the same noisy samples gives the best R² one can expect.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..timing import seconds_per_epoch
from ..training import fit, train_epoch

PARAMS = ("a", "b", "c")  # y = a x² + b x + c
X_RANGE = (-2.0, 2.0)


def grid(points: int) -> np.ndarray:
    """Return the fixed sampling grid: `points` values of x evenly over X_RANGE."""
    return np.linspace(*X_RANGE, points)


def parabolas(params: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return y = a x² + b x + c for each row (a, b, c) of `params`, at every x."""
    return params[:, :1] * x**2 + params[:, 1:2] * x + params[:, 2:]


def make_parabolas(n: int, points: int, snr: float, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Return (noisy samples (n, points), parameters (n, 3)); noise sigma = RMS(clean) / snr."""
    if n < 1 or points < 3 or not snr > 0:
        raise ValueError(f"need n >= 1, points >= 3 and snr > 0, got {n}, {points}, {snr}")
    params = rng.uniform(-1.0, 1.0, size=(n, 3))
    clean = parabolas(params, grid(points))
    sigma = np.sqrt((clean**2).mean(axis=1, keepdims=True)) / snr
    return clean + sigma * rng.standard_normal(clean.shape), params


def r2_scores(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Return the coefficient of determination of each column: 1 - SS_res / SS_tot."""
    ss_res = ((true - pred) ** 2).sum(axis=0)
    ss_tot = ((true - true.mean(axis=0)) ** 2).sum(axis=0)
    return 1.0 - ss_res / ss_tot


def least_squares(samples: np.ndarray) -> np.ndarray:
    """Return the least-squares (a, b, c) of each row of `samples` on the grid."""
    x = grid(samples.shape[1])
    design = np.stack([x**2, x, np.ones_like(x)], axis=1)
    return np.linalg.lstsq(design, samples.T, rcond=None)[0].T


def linear_net(points: int, hidden: int) -> nn.Module:
    """Return Linear(points, hidden) → ReLU → Linear(hidden, 3): the small linear network."""
    return nn.Sequential(nn.Linear(points, hidden), nn.ReLU(), nn.Linear(hidden, 3))


@torch.no_grad()
def predict(model: nn.Module, samples: np.ndarray) -> np.ndarray:
    """Return the model's (a, b, c) for each row of `samples`."""
    model.eval()
    device = next(model.parameters()).device
    return model(torch.as_tensor(samples, dtype=torch.float32, device=device)).cpu().double(
    ).numpy()


def epochs_to(history: list[dict], level: float) -> int:
    """Return the first epoch whose smallest parameter R² reaches `level`, or len(history) + 1
    (a sentinel: never within the run)."""
    for h in history:
        if h["min_r2"] >= level:
            return h["epoch"]
    return len(history) + 1


def train(model: nn.Module, train_xy, test_xy, epochs: int, batch_size: int, lr: float,
          seed: int, log=print, device: str | torch.device = "cpu") -> list[dict]:
    """Train on `device` with Adam on the MSE of the parameters, batch order drawn from `seed`;
    return one record per epoch (see hundreddays.training.fit): epoch, train_loss, test_mse,
    r2 per parameter, min_r2, seconds."""
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    x, y = (torch.as_tensor(a, dtype=torch.float32) for a in train_xy)

    def epoch(_n: int) -> dict:
        train_loss = train_epoch(model, opt, x, y, batch_size, gen, nn.functional.mse_loss)
        pred = predict(model, test_xy[0])
        r2 = r2_scores(test_xy[1], pred)
        return {"train_loss": train_loss, "test_mse": float(((pred - test_xy[1]) ** 2).mean()),
                **{f"r2_{p}": float(v) for p, v in zip(PARAMS, r2, strict=True)},
                "min_r2": float(r2.min())}

    return fit(model, opt, epochs, epoch, gen=gen, log=log, describe=lambda r: (
        f"train MSE {r['train_loss']:.2e}  test MSE {r['test_mse']:.2e}  "
        + "  ".join(f"R² {p} {r[f'r2_{p}']:.3f}" for p in PARAMS)))


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): generate parabolas from the seed, train (initial
    weights from torch's generator as the runner seeded it), evaluate. Returns {"model",
    "history", "test", "predicted", "metrics", "snr"} with test = (samples, parameters)."""
    cfg, seed, log = ctx.cfg, ctx.seed, ctx.log
    rng = np.random.default_rng(seed)
    points, snr = cfg["points"], cfg["snr"]
    train_xy = make_parabolas(cfg["train_curves"], points, snr, rng)
    test_xy = make_parabolas(cfg["test_curves"], points, snr, rng)
    model = linear_net(points, cfg["hidden"])
    history = train(model, train_xy, test_xy, cfg["epochs"], cfg["batch_size"], cfg["lr"], seed,
                    log=log, device=ctx.device)
    predicted = predict(model, test_xy[0])
    r2 = r2_scores(test_xy[1], predicted)
    r2_lstsq = r2_scores(test_xy[1], least_squares(test_xy[0]))
    metrics = {
        **{f"r2_{p}": float(v) for p, v in zip(PARAMS, r2, strict=True)},
        "min_param_r2": float(r2.min()),
        "epochs_to_r2_0_9": epochs_to(history, 0.9),
        "least_squares_min_param_r2": float(r2_lstsq.min()),
        "test_mse": float(((predicted - test_xy[1]) ** 2).mean()),
        "epochs": len(history),
        "seconds_per_epoch": seconds_per_epoch(h["seconds"] for h in history),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    log(f"R² a {r2[0]:.4f} b {r2[1]:.4f} c {r2[2]:.4f} (least squares: "
        f"{', '.join(f'{v:.4f}' for v in r2_lstsq)}); every R² >= 0.9 from epoch "
        f"{metrics['epochs_to_r2_0_9']}")
    return {"model": model, "history": history, "test": test_xy, "predicted": predicted,
            "metrics": metrics, "snr": snr}


def plot(result: dict, path, reference, examples: int = 3) -> None:
    """Draw a few test parabolas with the model's curve, 1 - R² per epoch and predicted against
    true parameters. The log's claims here are qualitative (reported 1), so `reference` is not
    drawn."""
    from ..figures import new_figure, save_figure

    samples, truth = result["test"]
    pred = result["predicted"]
    x = grid(samples.shape[1])
    fig = new_figure(size=(14, 8))[0]
    fig.clf()
    layout = fig.add_gridspec(2, examples)
    for k in range(examples):
        ax = fig.add_subplot(layout[0, k])
        ax.plot(x, samples[k], color="C0", lw=1, label=f"data (SNR {result['snr']:g})")
        ax.plot(x, parabolas(pred[k:k + 1], x)[0], color="C1", lw=2, label="model")
        ax.plot(x, parabolas(truth[k:k + 1], x)[0], "k:", lw=1, label="truth")
        ax.set(xlabel="x", ylabel="y", title="test parabola: " + ", ".join(
            f"{p} {t:+.2f} ({q:+.2f})" for p, t, q in zip(PARAMS, truth[k], pred[k],
                                                          strict=True)))
        ax.title.set_fontsize(9)
        ax.legend(fontsize=8)
    hist = result["history"]
    epochs = [h["epoch"] for h in hist]
    ax = fig.add_subplot(layout[1, : examples - 1])
    for i, p in enumerate(PARAMS):
        ax.plot(epochs, [1.0 - h[f"r2_{p}"] for h in hist], "o-", ms=3, color=f"C{i}",
                label=f"{p}: final R² {result['metrics'][f'r2_{p}']:.4f}")
    ax.axhline(0.1, color="grey", ls=":", label="R² = 0.9")
    ax.axhline(1.0 - result["metrics"]["least_squares_min_param_r2"], color="k", ls="--",
               lw=1, label="least squares, worst parameter")
    ax.set(xlabel="epoch", ylabel="1 - R² on test parabolas (log)", yscale="log",
           title=f"Learning: every R² >= 0.9 from epoch {result['metrics']['epochs_to_r2_0_9']}")
    ax.legend(fontsize=8)
    ax = fig.add_subplot(layout[1, examples - 1])
    for i, p in enumerate(PARAMS):
        ax.scatter(truth[:, i], pred[:, i], s=4, alpha=0.4, color=f"C{i}", label=p)
    ax.plot([-1, 1], [-1, 1], "k:", lw=1)
    ax.set(xlabel="true parameter", ylabel="predicted parameter", title="Test parabolas",
           aspect="equal")
    ax.legend(markerscale=3)
    fig.suptitle("Day 50 - a small linear network (Linear-ReLU-Linear) recovers a, b, c of "
                 "y = a x² + b x + c from samples at SNR "
                 f"{result['snr']:g} (titles: true (predicted))")
    save_figure(fig, path)
