"""Day 19: gradient descent on a noisy line y = a x + b + noise (fast.ai lesson 2's SGD notebook),
first in NumPy with the gradient derived by hand, then in PyTorch with autograd.

The lesson's data: x uniform on [-1, 1], noise torch.rand (uniform on [0, 1), mean 0.5), so the
points scatter about the line y = a x + b + 0.5, the line a fit can find; the fits are compared
with that line ("true").

Loss: the mean squared error L(a, b) = mean((a x + b - y)^2), whose gradient by hand is
dL/da = 2 mean(r x), dL/db = 2 mean(r) with the residual r = a x + b - y. Both loops start from
the same parameters and take the same full-batch steps p <- p - lr grad, in float64.
"""

from __future__ import annotations

import numpy as np
import torch

NOISE_MEAN = {"uniform": 0.5, "normal": 0.0}  # times noise_scale


def make_line(n_points: int, slope: float, intercept: float, noise: str, noise_scale: float,
              x_range: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y): x uniform in [-x_range, x_range], y = slope x + intercept + noise, drawn
    from `seed`; noise "uniform" on [0, noise_scale) (the lesson's torch.rand for scale 1) or
    "normal" N(0, noise_scale²)."""
    if n_points < 2:
        raise ValueError(f"n_points = {n_points}: a line needs at least 2 points")
    if noise not in NOISE_MEAN:
        raise ValueError(f"sgd_line.noise {noise!r} must be one of {sorted(NOISE_MEAN)}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-x_range, x_range, n_points)
    draw = (rng.uniform(0.0, noise_scale, n_points) if noise == "uniform"
            else rng.normal(0.0, noise_scale, n_points))
    return x, slope * x + intercept + draw


def points_line(slope: float, intercept: float, noise: str, noise_scale: float) -> np.ndarray:
    """The (slope, intercept) of the line the points scatter about: the noise's mean shifts the
    intercept."""
    return np.array([slope, intercept + NOISE_MEAN[noise] * noise_scale], dtype=np.float64)


def mse(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Return the mean squared error of the line params = (slope, intercept) on (x, y)."""
    return float(np.mean((params[0] * x + params[1] - y) ** 2))


def hand_gradient(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return (dL/da, dL/db) of the mean squared error, derived by hand: 2 mean(r x), 2 mean(r)."""
    r = params[0] * x + params[1] - y
    return np.array([2.0 * np.mean(r * x), 2.0 * np.mean(r)])


def fit_numpy(x: np.ndarray, y: np.ndarray, init: np.ndarray, lr: float, steps: int) -> dict:
    """Gradient descent with the hand gradient. Returns {"params", "losses", "path"} where
    losses[k] and path[k] are the loss and parameters before step k (steps + 1 entries)."""
    p = np.array(init, dtype=np.float64)
    losses, path = [mse(p, x, y)], [p.copy()]
    for _ in range(steps):
        p = p - lr * hand_gradient(p, x, y)
        losses.append(mse(p, x, y))
        path.append(p.copy())
    return {"params": p, "losses": np.array(losses), "path": np.array(path)}


def fit_autograd(x: np.ndarray, y: np.ndarray, init: np.ndarray, lr: float, steps: int,
                 device: str | torch.device = "cpu") -> dict:
    """Gradient descent with PyTorch autograd (float64, on `device`).

    At every step the autograd gradient is compared with `hand_gradient` at the same parameters.
    Returns {"params", "losses", "path", "grad_diffs"} (grad_diffs: max |autograd - hand| per
    step).
    """
    xt = torch.as_tensor(x, dtype=torch.float64, device=device)
    yt = torch.as_tensor(y, dtype=torch.float64, device=device)
    p = torch.tensor(np.asarray(init, dtype=np.float64), device=device, requires_grad=True)
    losses, path, grad_diffs = [], [], []
    for step in range(steps + 1):
        loss = ((p[0] * xt + p[1] - yt) ** 2).mean()
        losses.append(loss.item())
        now = p.detach().cpu().numpy().copy()
        path.append(now)
        if step == steps:
            break
        loss.backward()
        grad = p.grad.detach().cpu().numpy()
        grad_diffs.append(float(np.max(np.abs(grad - hand_gradient(now, x, y)))))
        with torch.no_grad():
            p -= lr * p.grad
        p.grad = None
    return {"params": path[-1], "losses": np.array(losses), "path": np.array(path),
            "grad_diffs": np.array(grad_diffs)}


def least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the exact minimiser (slope, intercept) of the mean squared error (np.linalg.lstsq)."""
    design = np.column_stack([x, np.ones_like(x)])
    return np.linalg.lstsq(design, y, rcond=None)[0]


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): generate the line from the seed, fit it both ways.
    Returns {"x", "y", "true", "numpy", "autograd", "lstsq", "metrics"}."""
    cfg, seed, log = ctx.cfg, ctx.seed, ctx.log
    x, y = make_line(cfg["n_points"], cfg["slope"], cfg["intercept"], cfg["noise"],
                     cfg["noise_scale"], cfg["x_range"], seed)
    true = points_line(cfg["slope"], cfg["intercept"], cfg["noise"], cfg["noise_scale"])
    init = np.array(cfg["init"], dtype=np.float64)
    by_hand = fit_numpy(x, y, init, cfg["lr"], cfg["steps"])
    auto = fit_autograd(x, y, init, cfg["lr"], cfg["steps"], ctx.device)
    exact = least_squares(x, y)
    for name, fit in (("numpy", by_hand), ("autograd", auto)):
        log(f"{name}: slope {fit['params'][0]:.5f}  intercept {fit['params'][1]:.5f}  "
            f"loss {fit['losses'][-1]:.6f} after {cfg['steps']} steps")
    log(f"the points' line: slope {true[0]}  intercept {true[1]};  "
        f"least squares: {exact[0]:.5f} {exact[1]:.5f}")
    rel = np.abs(auto["params"] - true) / np.abs(true)
    metrics = {
        "max_param_rel_error": float(rel.max()),
        "numpy_max_param_rel_error": float((np.abs(by_hand["params"] - true) / np.abs(true)).max()),
        "autograd_vs_hand_gradient_max_diff": float(auto["grad_diffs"].max()),
        "numpy_vs_autograd_param_max_diff": float(np.abs(by_hand["path"] - auto["path"]).max()),
        "autograd_vs_lstsq_param_max_diff": float(np.abs(auto["params"] - exact).max()),
        "true_slope": float(true[0]), "true_intercept": float(true[1]),
        "generating_intercept": float(cfg["intercept"]),
        "numpy_slope": float(by_hand["params"][0]), "numpy_intercept": float(by_hand["params"][1]),
        "torch_slope": float(auto["params"][0]), "torch_intercept": float(auto["params"][1]),
        "lstsq_slope": float(exact[0]), "lstsq_intercept": float(exact[1]),
        "numpy_final_loss": float(by_hand["losses"][-1]),
        "torch_final_loss": float(auto["losses"][-1]),
        "lstsq_loss": mse(exact, x, y),
        "steps": int(cfg["steps"]), "n_points": int(cfg["n_points"]),
    }
    return {"x": x, "y": y, "true": true, "numpy": by_hand, "autograd": auto, "lstsq": exact,
            "metrics": metrics}


def plot(result: dict, path, reference) -> None:
    """Draw the data with the true and fitted lines, the loss per step (log y) of both loops, and
    the descent path over the loss contours in the (slope, intercept) plane. The log's claims
    here are qualitative (reported 1), so `reference` is not drawn."""
    from ..figures import new_figure, save_figure

    x, y, true, m = result["x"], result["y"], result["true"], result["metrics"]
    by_hand, auto = result["numpy"], result["autograd"]
    fig, (ax_data, ax_loss, ax_path) = new_figure(1, 3, size=(15, 4.6))
    grid = np.linspace(x.min(), x.max(), 2)
    ax_data.scatter(x, y, s=12, alpha=0.6, color="grey", label="noisy points")
    ax_data.plot(grid, true[0] * grid + true[1], "k--", lw=1.5,
                 label=f"the points' line: y = {true[0]:g} x + {true[1]:g}")
    ax_data.plot(grid, by_hand["params"][0] * grid + by_hand["params"][1], color="C0", lw=3,
                 alpha=0.6, label=f"NumPy, hand gradient: {m['numpy_slope']:.3f} x + "
                 f"{m['numpy_intercept']:.3f}")
    ax_data.plot(grid, auto["params"][0] * grid + auto["params"][1], color="C1", lw=1.2,
                 label=f"PyTorch autograd: {m['torch_slope']:.3f} x + {m['torch_intercept']:.3f}")
    ax_data.set(xlabel="x", ylabel="y", title=f"{m['n_points']} noisy points and the fitted lines")
    ax_data.legend(fontsize=8)

    steps = np.arange(len(by_hand["losses"]))
    floor = m["lstsq_loss"]  # the excess over the exact minimum shows the linear convergence
    ax_loss.semilogy(steps, by_hand["losses"] - floor, color="C0", lw=3, alpha=0.6,
                     label="NumPy, hand gradient")
    ax_loss.semilogy(steps, auto["losses"] - floor, color="C1", lw=1.2, label="PyTorch autograd")
    ax_loss.set(xlabel="gradient-descent step",
                ylabel=f"MSE - least-squares minimum ({floor:.4f})",
                title=f"Excess loss per step (max |autograd - hand grad| = "
                      f"{m['autograd_vs_hand_gradient_max_diff']:.1e})")
    ax_loss.legend(fontsize=8)

    pts = np.vstack([by_hand["path"], true[None], result["lstsq"][None]])
    lo, hi = pts.min(0), pts.max(0)
    pad = 0.15 * (hi - lo) + 1e-3
    aa, bb = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], 120),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], 120))
    resid = aa[..., None] * x + bb[..., None] - y
    surface = np.mean(resid**2, axis=-1)
    levels = np.geomspace(surface.min(), surface.max(), 14)
    ax_path.contour(aa, bb, surface, levels=levels, cmap="viridis", linewidths=0.8)
    ax_path.plot(*by_hand["path"].T, "o-", color="C0", ms=3, lw=1, label="descent path")
    ax_path.plot(*true, "k*", ms=12, label="the points' (slope, intercept)")
    ax_path.plot(*result["lstsq"], "rx", ms=9, mew=2, label="least-squares minimum")
    ax_path.set(xlabel="slope a", ylabel="intercept b",
                title="Descent path over the loss contours (log-spaced)")
    ax_path.legend(fontsize=8)
    save_figure(fig, path)
