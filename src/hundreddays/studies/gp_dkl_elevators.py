"""Day 47: deep kernel learning (gpytorch) against the same network trained with MSE, on UCI
elevators; and the warm-up of the day, gpytorch's simple exact-GP regression of a sine curve.

Preprocessing as the gpytorch DKL example: every feature min-max scaled to [-1, 1] over all rows
(a constant column becomes 0), first `train_fraction` of the rows for training, the rest for
testing. In addition the target is standardised with the training rows' mean and standard
deviation (population std), so RMSEs are in units of the training target's std.

DKL: a feature extractor Linear(d, 1000)-ReLU-Linear(1000, 500)-ReLU-Linear(500, 50)-ReLU-
Linear(50, 2), its 2-D output rescaled to [-1, 1] (ScaleToBounds), feeding an exact GP with a
constant mean and a ScaleKernel(RBF, one lengthscale per dimension), through KISS-GP grid
interpolation (`kernel: grid`, as the tutorial) or not (`exact`); network and GP hyperparameters
trained jointly with Adam on the exact marginal log likelihood, full batch. The MSE baseline is
the same extractor plus Linear(2, 1), trained with Adam on the mean squared error in
mini-batches.
"""

from __future__ import annotations

import math
import time

import gpytorch
import numpy as np
import torch
from torch import nn

from .. import rehearsal
from ..checkpoint import remove as remove_checkpoint
from ..timing import seconds_per_epoch
from ..training import fit, part_checkpoint, train_epoch

KERNELS = ("grid", "exact")
# KISS-GP grid: [-GRID_BOUND, GRID_BOUND] in every feature dimension. gpytorch 1.15.2's
# GridInterpolationKernel gives wrong covariances (errors of ~0.02-0.5 that do not shrink with
# the grid size) when its grid bounds differ between dimensions, which its default, data-driven
# bounds do; equal fixed bounds agree with the exact kernel to ~1e-5 (tests/test_gp_dkl_elevators).
# The margin beyond the clamped features' +-1 leaves room for the cubic interpolation stencil.
GRID_BOUND = 1.1


# --------------------------------------------------------------------------- data preparation


def minmax_scale(x: np.ndarray) -> np.ndarray:
    """Return every column of `x` scaled to [-1, 1] by its min and max (constant columns -> 0)."""
    low, span = x.min(axis=0), np.ptp(x, axis=0)
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, 2.0 * (x - low) / safe - 1.0, 0.0)


def prepare(x: np.ndarray, y: np.ndarray, train_fraction: float) -> dict:
    """Return {"train_x", "train_y", "test_x", "test_y", "y_mean", "y_std"} as float32 arrays:
    X min-max scaled to [-1, 1], the first floor(fraction * rows) rows for training, y
    standardised with the training mean and std."""
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must lie in (0, 1), got {train_fraction}")
    n_train = int(math.floor(train_fraction * len(x)))
    if n_train < 2 or n_train >= len(x):
        raise ValueError(f"train_fraction {train_fraction} of {len(x)} rows leaves an empty split")
    xs = minmax_scale(np.asarray(x, dtype=np.float64))
    y = np.asarray(y, dtype=np.float64)
    mean, std = float(y[:n_train].mean()), float(y[:n_train].std())
    if std == 0:
        raise ValueError("the training targets are constant: nothing to regress")
    ys = (y - mean) / std
    f32 = np.float32
    return {"train_x": xs[:n_train].astype(f32), "train_y": ys[:n_train].astype(f32),
            "test_x": xs[n_train:].astype(f32), "test_y": ys[n_train:].astype(f32),
            "y_mean": mean, "y_std": std}


def rmse(prediction: np.ndarray, target: np.ndarray) -> float:
    """Return the root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(prediction) - np.asarray(target)) ** 2)))


def coverage(mean: np.ndarray, std: np.ndarray, target: np.ndarray, k: float = 2.0) -> float:
    """Return the share of targets inside mean +- k * std."""
    return float(np.mean(np.abs(np.asarray(target) - mean) <= k * np.asarray(std)))


# --------------------------------------------------------------------------------- the models


def feature_extractor(in_dim: int, widths: list[int]) -> nn.Sequential:
    """Return the MLP in_dim -> widths[0] -> ... -> widths[-1], ReLU between layers (not after
    the last one)."""
    layers: list[nn.Module] = []
    sizes = [in_dim, *widths]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def mse_network(in_dim: int, widths: list[int]) -> nn.Sequential:
    """Return the feature extractor followed by Linear(widths[-1], 1) (output shape (n,))."""
    return nn.Sequential(feature_extractor(in_dim, widths), nn.Linear(widths[-1], 1),
                         nn.Flatten(0))


class DKLModel(gpytorch.models.ExactGP):
    """Exact GP on the network's features: ConstantMean, ScaleKernel(RBF with ARD), through a
    KISS-GP grid of `grid_size` points per feature dimension when kernel == "grid"."""

    def __init__(self, train_x, train_y, likelihood, extractor: nn.Module, feature_dim: int,
                 kernel: str = "grid", grid_size: int = 100):
        super().__init__(train_x, train_y, likelihood)
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
        self.feature_extractor = extractor
        self.scale_to_bounds = gpytorch.utils.grid.ScaleToBounds(-1.0, 1.0)
        self.mean_module = gpytorch.means.ConstantMean()
        rbf = gpytorch.kernels.RBFKernel(ard_num_dims=feature_dim)
        self.grid = kernel == "grid"
        if self.grid:  # the same fixed bounds in every dimension: see GRID_BOUND
            rbf = gpytorch.kernels.GridInterpolationKernel(
                rbf, grid_size=grid_size, num_dims=feature_dim,
                grid_bounds=[(-GRID_BOUND, GRID_BOUND)] * feature_dim)
        self.covar_module = gpytorch.kernels.ScaleKernel(rbf)

    def forward(self, x):
        z = self.scale_to_bounds(self.feature_extractor(x))  # training features in +-0.95
        if self.grid:  # test features may leave the training range: keep them on the grid
            z = z.clamp(-1.0, 1.0)
        return gpytorch.distributions.MultivariateNormal(self.mean_module(z),
                                                         self.covar_module(z))


class ExactGPModel(gpytorch.models.ExactGP):
    """gpytorch's simple regression model: ConstantMean and ScaleKernel(RBF)."""

    def __init__(self, train_x, train_y, likelihood):
        super().__init__(train_x, train_y, likelihood)
        self.mean_module = gpytorch.means.ConstantMean()
        self.covar_module = gpytorch.kernels.ScaleKernel(gpytorch.kernels.RBFKernel())

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x),
                                                         self.covar_module(x))


@torch.no_grad()
def gp_predict(model, likelihood, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Return the predictive mean and std (observation noise included) at `x`."""
    model.eval()
    likelihood.eval()
    with gpytorch.settings.fast_pred_var():
        out = likelihood(model(x))
        mean, var = out.mean, out.variance
    model.train()
    likelihood.train()
    return mean.cpu().numpy(), var.clamp_min(0).sqrt().cpu().numpy()


def train_gp(model, likelihood, x, y, iterations: int, lr: float, evaluate=None, every: int = 1,
             log=print) -> list[dict]:
    """Train `model` and `likelihood` jointly with Adam on the exact marginal log likelihood,
    full batch. `evaluate()` (optional, untimed) adds its dict to every `every`-th iteration's
    record. Returns records: iteration, loss (negative MLL per point), seconds, and evaluate's
    keys.

    Its own loop, not training.fit: one full-batch step per iteration, no epochs of minibatches
    (the tutorial's 60 steps; nothing to resume that is worth a checkpoint per step)."""
    model.train()
    likelihood.train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)  # the likelihood is a submodule of model
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
    history = []
    for it in rehearsal.steps(range(1, iterations + 1), name="gp", full=iterations,
                              items=len(x), per_item=True):
        start = time.perf_counter()
        opt.zero_grad()
        loss = -mll(model(x), y)
        loss.backward()
        opt.step()
        record = {"iteration": it, "loss": loss.item(), "seconds": time.perf_counter() - start}
        if evaluate is not None and it % every == 0:
            record.update(evaluate())
        history.append(record)
        if it == 1 or it % max(iterations // 10, 1) == 0 or it == iterations:
            extra = "  ".join(f"{k} {v:.4f}" for k, v in record.items()
                              if k not in ("iteration", "loss", "seconds"))
            log(f"  GP iteration {it}/{iterations}: -mll {record['loss']:.4f}  {extra}  "
                f"({record['seconds']:.3f} s)")
    return history


def train_mse(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, batch_size: int,
              lr: float, seed: int, evaluate=None, every: int = 1, log=print,
              checkpoint=None) -> list[dict]:
    """Train `model` with Adam on the MSE in shuffled mini-batches (training.fit: with
    `checkpoint`, an interrupted run resumes). Returns per-epoch records: epoch, loss (mean train
    MSE), seconds, and on every `every`-th epoch evaluate()'s keys."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)

    def epoch(n: int) -> dict:
        record = {"loss": train_epoch(model, opt, x, y, batch_size, gen, nn.functional.mse_loss)}
        if evaluate is not None and n % every == 0:
            record.update(evaluate())
        return record

    settings = {"batch_size": batch_size, "lr": lr, "seed": seed, "train": list(x.shape),
                "every": every}
    return fit(model, opt, epochs, epoch, checkpoint=checkpoint, settings=settings, gen=gen,
               log=log, describe=lambda r: f"MSE net: train MSE {r['loss']:.4f}" + (
                   f"  test RMSE {r['test_rmse']:.4f}" if "test_rmse" in r else ""))


@torch.no_grad()
def net_predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Return the network's predictions at `x` as a numpy array (eval mode)."""
    model.eval()
    out = model(x).cpu().numpy()
    model.train()
    return out


# ------------------------------------------------------------------------------- experiments


def sine_data(seed: int, n_train: int = 100, n_test: int = 51, noise_std: float = 0.2):
    """Return the simple-regression tutorial's data: x = linspace(0, 1, n_train),
    y = sin(2 pi x) + N(0, noise_std^2), and the noise-free curve at linspace(0, 1, n_test)."""
    gen = torch.Generator().manual_seed(seed)
    train_x = torch.linspace(0, 1, n_train)
    train_y = torch.sin(2 * math.pi * train_x) + noise_std * torch.randn(n_train, generator=gen)
    test_x = torch.linspace(0, 1, n_test)
    return train_x, train_y, test_x, torch.sin(2 * math.pi * test_x)


def run_warmup(cfg: dict, seed: int, log=print) -> dict:
    """Fit the simple exact GP to a noisy sine; return metrics and the curves for the figure."""
    torch.manual_seed(seed)
    train_x, train_y, test_x, test_f = sine_data(seed, cfg["points"], cfg["test_points"],
                                                 cfg["noise_std"])
    likelihood = gpytorch.likelihoods.GaussianLikelihood()
    model = ExactGPModel(train_x, train_y, likelihood)
    history = train_gp(model, likelihood, train_x, train_y, cfg["iterations"], cfg["lr"],
                       log=log)
    mean, std = gp_predict(model, likelihood, test_x)
    return {"train_x": train_x.numpy(), "train_y": train_y.numpy(), "test_x": test_x.numpy(),
            "test_f": test_f.numpy(), "mean": mean, "std": std, "history": history,
            "test_rmse": rmse(mean, test_f.numpy()),
            "noise_std": float(likelihood.noise.sqrt().item())}


def run_dkl(data: dict, cfg: dict, seed: int, device: str | torch.device, log=print) -> dict:
    """Train the DKL model; return predictions on the test rows, history and the model."""
    torch.manual_seed(seed)
    tx, ty = (torch.from_numpy(data[k]).to(device) for k in ("train_x", "train_y"))
    vx = torch.from_numpy(data["test_x"]).to(device)
    widths = list(cfg["widths"])
    likelihood = gpytorch.likelihoods.GaussianLikelihood()
    model = DKLModel(tx, ty, likelihood, feature_extractor(tx.shape[1], widths), widths[-1],
                     cfg["kernel"], cfg["grid_size"]).to(device)

    def evaluate():
        return {"test_rmse": rmse(gp_predict(model, likelihood, vx)[0], data["test_y"])}

    history = train_gp(model, likelihood, tx, ty, cfg["gp_iterations"], cfg["gp_lr"],
                       evaluate=evaluate, every=cfg["eval_every"], log=log)
    mean, std = gp_predict(model, likelihood, vx)
    return {"mean": mean, "std": std, "history": history, "model": model,
            "likelihood": likelihood}


def run_mse(data: dict, cfg: dict, seed: int, device: str | torch.device, log=print,
            checkpoint=None) -> dict:
    """Train the MSE network (resumable from `checkpoint`); return its test predictions,
    history and the model."""
    torch.manual_seed(seed)
    tx, ty = (torch.from_numpy(data[k]).to(device) for k in ("train_x", "train_y"))
    vx = torch.from_numpy(data["test_x"]).to(device)
    model = mse_network(tx.shape[1], list(cfg["widths"])).to(device)

    def evaluate():
        return {"test_rmse": rmse(net_predict(model, vx), data["test_y"])}

    history = train_mse(model, tx, ty, cfg["mse_epochs"], cfg["mse_batch_size"], cfg["mse_lr"],
                        seed, evaluate=evaluate, every=cfg["eval_every"], log=log,
                        checkpoint=checkpoint)
    return {"prediction": net_predict(model, vx), "history": history, "model": model}


def run(ctx) -> dict:
    """The whole study on the elevators folder ctx.inputs["data"] (its .mat or its CSV, as the
    config's `source` says; the same rows either way): warm-up GP, DKL (its own
    full-batch loop, train_gp) and the MSE network (training.fit, resumable from a checkpoint
    beside ctx.checkpoint), each from ctx.seed. Returns {"data", "warmup", "dkl", "mse",
    "metrics"}."""
    from ..loaders.elevators import load_elevators

    cfg, seed, log, device = ctx.cfg, ctx.seed, ctx.log, ctx.device
    x, y = load_elevators(ctx.inputs["data"], cfg["source"])
    log(f"device {device}; {len(x)} rows, {x.shape[1]} features ({cfg['source']} file)")
    data = prepare(x, y, cfg["train_fraction"])
    log(f"train {len(data['train_x'])} rows, test {len(data['test_x'])}; target mean "
        f"{data['y_mean']:.4g}, std {data['y_std']:.4g} (standardised with these)")
    log("warm-up: exact GP on a noisy sine")
    warmup = run_warmup(cfg["warmup"], seed, log=log)
    log(f"warm-up test RMSE against the noise-free sine: {warmup['test_rmse']:.4f}")
    log(f"deep kernel learning ({cfg['kernel']} kernel)")
    dkl = run_dkl(data, cfg, seed, device, log=log)
    log("the same network with a linear output, MSE loss")
    mse_checkpoint = part_checkpoint(ctx.checkpoint, "mse")
    mse = run_mse(data, cfg, seed, device, log=log, checkpoint=mse_checkpoint)
    remove_checkpoint(mse_checkpoint)
    dkl_rmse = rmse(dkl["mean"], data["test_y"])
    mse_rmse = rmse(mse["prediction"], data["test_y"])
    metrics = {
        "dkl_test_rmse": dkl_rmse,
        "mse_test_rmse": mse_rmse,
        "dkl_to_mse_rmse_ratio": dkl_rmse / mse_rmse,
        "coverage_2sigma": coverage(dkl["mean"], dkl["std"], data["test_y"], 2.0),
        "coverage_1sigma": coverage(dkl["mean"], dkl["std"], data["test_y"], 1.0),
        "mean_predictive_std": float(np.mean(dkl["std"])),
        "dkl_noise_std": float(dkl["likelihood"].noise.sqrt().item()),
        "dkl_test_mae": float(np.mean(np.abs(dkl["mean"] - data["test_y"]))),
        "mse_test_mae": float(np.mean(np.abs(mse["prediction"] - data["test_y"]))),
        "target_std": data["y_std"],
        "warmup_test_rmse": warmup["test_rmse"],
        "warmup_noise_std": warmup["noise_std"],
        # seconds per full-batch GP iteration, and per epoch of the MSE network
        "seconds_per_epoch": seconds_per_epoch(h["seconds"] for h in dkl["history"]),
        "mse_seconds_per_epoch": seconds_per_epoch(h["seconds"] for h in mse["history"]),
        "train_rows": len(data["train_x"]),
        "test_rows": len(data["test_x"]),
        "gp_iterations": len(dkl["history"]),
        "mse_epochs": len(mse["history"]),
    }
    return {"data": data, "warmup": warmup, "dkl": dkl, "mse": mse, "metrics": metrics}


# ----------------------------------------------------------------------------------- figure


def plot(result: dict, path, reference) -> None:
    """Label-vs-prediction scatter for DKL and for the MSE network (as the log's figure, with the
    log's coverage from `reference` when it has one), the warm-up GP on the sine, and the test
    RMSE during training of both models."""
    from ..figures import new_figure, save_figure

    data, m = result["data"], result["metrics"]
    y = data["test_y"]
    fig, axes = new_figure(1, 4, size=(17, 4.4))
    lo, hi = float(min(y.min(), result["dkl"]["mean"].min(), result["mse"]["prediction"].min())), \
        float(max(y.max(), result["dkl"]["mean"].max(), result["mse"]["prediction"].max()))
    size = 2 if len(y) > 1000 else 8
    log_coverage = (f" (log: {reference['coverage_2sigma']:.0%})"
                    if "coverage_2sigma" in reference else "")
    for ax, pred, title in (
            (axes[0], result["dkl"]["mean"],
             f"GP + deep learning (DKL): RMSE {m['dkl_test_rmse']:.3f}\n"
             f"{m['coverage_2sigma']:.1%} of targets within mean ± 2σ{log_coverage}"),
            (axes[1], result["mse"]["prediction"],
             f"Deep learning (MSE loss): RMSE {m['mse_test_rmse']:.3f}\n"
             f"DKL / MSE RMSE ratio {m['dkl_to_mse_rmse_ratio']:.3f}")):
        ax.scatter(y, pred, s=size, alpha=0.5, lw=0)
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="prediction = label")
        ax.set(xlabel="label (standardised target)", ylabel="prediction (standardised)",
               title=title, xlim=(lo, hi), ylim=(lo, hi))
        ax.legend(loc="upper left")
    w = result["warmup"]
    ax = axes[2]
    ax.plot(w["train_x"], w["train_y"], "k.", ms=4, label="training points")
    ax.plot(w["test_x"], w["test_f"], "C2-", lw=1, label="sin(2πx)")
    ax.plot(w["test_x"], w["mean"], "C0-", label="GP mean")
    ax.fill_between(w["test_x"], w["mean"] - 2 * w["std"], w["mean"] + 2 * w["std"],
                    color="C0", alpha=0.2, label="± 2σ (noise incl.)")
    ax.set(xlabel="x", ylabel="y", title=f"Warm-up exact GP: RMSE {w['test_rmse']:.3f} vs sin(2πx)")
    ax.legend(loc="lower left", fontsize=8)
    ax = axes[3]
    for key, label, color in (("dkl", "DKL (per full-batch iteration)", "C0"),
                              ("mse", "MSE net (per epoch)", "C1")):
        hist = [h for h in result[key]["history"] if "test_rmse" in h]
        steps = [h.get("iteration", h.get("epoch")) for h in hist]
        ax.plot(steps, [h["test_rmse"] for h in hist], "-", color=color, label=label)
    ax.set(xlabel="iteration / epoch", ylabel="test RMSE (standardised)",
           title="Test RMSE during training")
    ax.legend()
    save_figure(fig, path)
