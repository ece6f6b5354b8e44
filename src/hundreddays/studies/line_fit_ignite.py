"""Day 39: PyTorch Ignite trains a two-layer network to read slope and intercept off lines.

Noiseless lines y = a x + b, sampled on a fixed grid of x in [0, 1], with a and b uniform in
[0, 1], are the input; the network (Linear → ReLU → Linear) returns (a, b) and is trained on the
mean squared error of the two. The training loop is Ignite's: create_supervised_trainer and
create_supervised_evaluator, ignite.metrics, and event handlers for evaluation and logging. The
study then asks where the slope errors are large, as the log's figure does. (Ignite's Engine is
the point of the study, so it keeps Ignite's epoch loop, not hundreddays.training.fit.)

The same network, from the same initial weights and batch order, is trained under each learning
rate schedule of SCHEDULES: "constant" (Ignite's trainer leaves the optimizer's rate alone, as
the log's test presumably did: it names no schedule) and "cosine" (annealed to lr / 100, added
here after the small-slope ratio swung with the seed). The config's `lr_schedule` picks the
run whose numbers are the study's main metrics; both are reported and drawn.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from ignite.handlers import CosineAnnealingScheduler
from ignite.metrics import Loss, MeanAbsoluteError
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .. import rehearsal
from ..timing import seconds_per_epoch

SCHEDULES = ("constant", "cosine")
# The colour range of the log's day-39 figure (its colourbar's ends, read against its ticks 10 ...
# 35): our map uses the same, so that the same colour means the same error in both figures.
LOG_COLOUR_RANGE = (5.9, 37.8)


def make_lines(n: int, points: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (samples (n, points), parameters (n, 2) = (a, b)) of noiseless lines y = a x + b
    on x = linspace(0, 1, points), with a and b drawn uniform in [0, 1]."""
    if n < 1 or points < 2:
        raise ValueError(f"need n >= 1 lines and points >= 2 samples, got {n} and {points}")
    params = rng.uniform(0.0, 1.0, size=(n, 2))
    x = np.linspace(0.0, 1.0, points)
    return params[:, :1] * x + params[:, 1:], params


def least_squares_lines(samples: np.ndarray) -> np.ndarray:
    """Return the exact (a, b) of each row of `samples` by least squares on x = linspace(0, 1)
    (the reference a perfect model would reach on noiseless lines)."""
    x = np.linspace(0.0, 1.0, samples.shape[1])
    design = np.stack([x, np.ones_like(x)], axis=1)
    return np.linalg.lstsq(design, samples.T, rcond=None)[0].T


def two_layer_net(points: int, hidden: int) -> nn.Module:
    """Return Linear(points, hidden) → ReLU → Linear(hidden, 2): the log's two-layer network."""
    return nn.Sequential(nn.Linear(points, hidden), nn.ReLU(), nn.Linear(hidden, 2))


def _slope(output):
    y_pred, y = output
    return y_pred[:, 0], y[:, 0]


def train(model: nn.Module, train_xy, test_xy, epochs: int, batch_size: int, lr: float,
          seed: int, log=print, device: str | torch.device = "cpu",
          schedule: str = "cosine") -> list[dict]:
    """Train `model` with Ignite on (inputs, targets) float tensors, on `device`: Adam on the
    MSE, learning rate `lr` held ("constant") or annealed ("cosine") from `lr` to lr / 100,
    batch order drawn from `seed`.
    Returns one record per epoch (epoch, train_loss of the last batch, test_mse,
    test_slope_mae, seconds of training)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"config studies.line_fit_ignite.lr_schedule: {schedule!r} is not one "
                         f"of {SCHEDULES}")
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(*train_xy), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    test_loader = DataLoader(TensorDataset(*test_xy), batch_size=4096)
    trainer = create_supervised_trainer(model, optimizer, nn.MSELoss(), device=device)
    evaluator = create_supervised_evaluator(
        model, device=device,
        metrics={"mse": Loss(nn.MSELoss()), "slope_mae": MeanAbsoluteError(_slope)})
    if schedule == "cosine":  # anneal from lr to lr / 100 over the run
        trainer.add_event_handler(Events.ITERATION_STARTED, CosineAnnealingScheduler(
            optimizer, "lr", start_value=lr, end_value=lr / 100,
            cycle_size=epochs * len(loader)))
    history: list[dict] = []

    @trainer.on(Events.EPOCH_COMPLETED)
    def evaluate(engine):
        seconds = engine.state.times[Events.EPOCH_COMPLETED.name]  # training time of the epoch
        metrics = evaluator.run(test_loader).metrics
        history.append({"epoch": engine.state.epoch, "train_loss": engine.state.output,
                        "test_mse": metrics["mse"], "test_slope_mae": metrics["slope_mae"],
                        "seconds": seconds})
        if engine.state.epoch % max(epochs // 10, 1) == 0 or engine.state.epoch == epochs:
            log(f"epoch {engine.state.epoch}/{epochs}: last batch loss {engine.state.output:.2e}"
                f"  test MSE {metrics['mse']:.2e}  slope MAE {metrics['slope_mae']:.2e}"
                f"  ({seconds:.2f} s)")

    with rehearsal.phase("ignite", epochs=epochs) as capped:  # a rehearsal's cap on the steps
        trainer.add_event_handler(Events.EPOCH_STARTED, lambda _: capped.epoch())
        trainer.run(rehearsal.loader(loader, items=len(train_xy[0]), batch_size=batch_size),
                    max_epochs=epochs)
    return history


@torch.no_grad()
def predict(model: nn.Module, samples: np.ndarray) -> np.ndarray:
    """Return the model's (a, b) for each row of `samples`."""
    model.eval()
    device = next(model.parameters()).device
    x = torch.as_tensor(samples, dtype=torch.float32, device=device)
    return model(x).cpu().double().numpy()


def slope_error_summary(a_true: np.ndarray, a_error: np.ndarray, small: float) -> dict:
    """Return median |error| and the mean |error| below / above `small` true slope, and their
    ratio (small over rest)."""
    err = np.abs(a_error)
    low = a_true < small
    if low.all() or not low.any():
        raise ValueError(f"small_slope={small}: need test lines on both sides of it")
    mean_small, mean_rest = float(err[low].mean()), float(err[~low].mean())
    return {"median_slope_abs_error": float(np.median(err)),
            "mean_slope_abs_error_small": mean_small,
            "mean_slope_abs_error_rest": mean_rest,
            "small_slope_to_rest_error_ratio": mean_small / mean_rest,
            "small_slope_lines": int(low.sum())}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): generate lines from the seed, train with Ignite
    under each schedule of SCHEDULES from the same initial weights (torch's generator as the
    runner seeded it), evaluate. Returns {"model", "history", "test_params", "predicted",
    "metrics", "small_slope", "schedule", "runs" {schedule: {history, predicted, metrics}}};
    the unprefixed entries are those of the config's `lr_schedule`."""
    cfg, seed, log = ctx.cfg, ctx.seed, ctx.log
    judged = cfg["lr_schedule"]
    if judged not in SCHEDULES:
        raise ValueError(f"config studies.line_fit_ignite.lr_schedule: {judged!r} is not one of "
                         f"{SCHEDULES}")
    rng = np.random.default_rng(seed)
    points = cfg["points"]
    x_train, p_train = make_lines(cfg["train_lines"], points, rng)
    x_test, p_test = make_lines(cfg["test_lines"], points, rng)
    initial = two_layer_net(points, cfg["hidden"]).state_dict()
    as_tensors = [torch.as_tensor(a, dtype=torch.float32) for a in (x_train, p_train)]
    test_tensors = [torch.as_tensor(a, dtype=torch.float32) for a in (x_test, p_test)]
    runs, models = {}, {}
    for schedule in SCHEDULES:
        log(f"learning rate schedule: {schedule}")
        model = two_layer_net(points, cfg["hidden"])
        model.load_state_dict(copy.deepcopy(initial))
        history = train(model, as_tensors, test_tensors, cfg["epochs"], cfg["batch_size"],
                        cfg["lr"], seed, log=log, device=ctx.device, schedule=schedule)
        predicted = predict(model, x_test)
        error = predicted - p_test
        metrics = slope_error_summary(p_test[:, 0], error[:, 0], cfg["small_slope"])
        metrics.update({
            "median_intercept_abs_error": float(np.median(np.abs(error[:, 1]))),
            "test_mse": history[-1]["test_mse"],
        })
        log(f"{schedule}: median |a error| {metrics['median_slope_abs_error']:.2e}; mean |a "
            f"error| for a < {cfg['small_slope']}: {metrics['mean_slope_abs_error_small']:.2e}, "
            f"others {metrics['mean_slope_abs_error_rest']:.2e} (ratio "
            f"{metrics['small_slope_to_rest_error_ratio']:.2f})")
        runs[schedule] = {"history": history, "predicted": predicted, "metrics": metrics}
        models[schedule] = model
    main = runs[judged]
    metrics = dict(main["metrics"])
    for schedule, r in runs.items():
        for key in ("small_slope_to_rest_error_ratio", "median_slope_abs_error"):
            metrics[f"{schedule}_lr_{key}"] = r["metrics"][key]
    metrics.update({
        "epochs": len(main["history"]),
        "seconds_per_epoch": seconds_per_epoch(h["seconds"] for r in runs.values()
                                               for h in r["history"]),
        "parameters": sum(p.numel() for p in models[judged].parameters()),
    })
    return {"model": models[judged], "history": main["history"], "test_params": p_test,
            "predicted": main["predicted"], "metrics": metrics,
            "small_slope": cfg["small_slope"], "schedule": judged, "runs": runs}


def log_colour(error: np.ndarray) -> np.ndarray:
    """The colour of the log's day-39 figure: 3 ln(1e7 |error|) (its colourbar reads
    "3*log(10^7|a_pred - a_true|)", numpy's natural log: 6 to 38 there, errors 7e-7 to 0.03)."""
    return 3 * np.log(1e7 * np.asarray(error))


def plot(result: dict, path, reference, bins: int = 20) -> None:
    """Draw |a error| over the (a_true, b_true) plane (in the log's colour scale, log_colour),
    the mean |a error| against a_true and the test error per epoch (all of the config's
    schedule), and the small-slope ratio under every schedule, with the log's values read off
    its figure where `reference` has them."""
    from ..figures import new_figure, save_figure

    truth, pred, small_slope = result["test_params"], result["predicted"], result["small_slope"]
    err = np.abs(pred[:, 0] - truth[:, 0])
    fig, (ax_map, ax_bins, ax_hist, ax_sched) = new_figure(
        1, 4, size=(19, 4.6), gridspec_kw={"width_ratios": [1.2, 1, 1, 0.7]})
    floor = max(float(err[err > 0].min()) if (err > 0).any() else 1e-12, 1e-12)
    dots = ax_map.scatter(truth[:, 0], truth[:, 1], c=log_colour(np.maximum(err, floor)), s=12,
                          cmap="viridis", vmin=LOG_COLOUR_RANGE[0], vmax=LOG_COLOUR_RANGE[1])
    fig.colorbar(dots, ax=ax_map, label=r"$3\,\ln(10^7|a_{pred} - a_{true}|)$ (the log's scale)")
    ax_map.set(xlabel=r"$a_{true}$ (slope)", ylabel=r"$b_{true}$ (intercept)",
               title=f"Slope error of {len(err)} test lines ({result['schedule']} lr)")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(truth[:, 0], edges) - 1, 0, bins - 1)
    means = np.array([err[which == k].mean() if (which == k).any() else np.nan
                      for k in range(bins)])
    ax_bins.scatter(truth[:, 0], np.maximum(err, floor), s=3, alpha=0.25, color="grey",
                    label="one test line")
    ax_bins.step(edges, np.append(means, means[-1]), where="post", color="C0", lw=2,
                 label=f"mean per bin (width {1 / bins:g})")
    ax_bins.axvline(small_slope, color="C3", ls=":",
                    label=f"a = {small_slope}: mean below / above = "
                          f"{result['metrics']['small_slope_to_rest_error_ratio']:.2f}")
    if "median_slope_abs_error" in reference:
        ax_bins.axhline(reference["median_slope_abs_error"], color="k", ls="--",
                        label=f"the log's figure: median {reference['median_slope_abs_error']:.1e}")
    ax_bins.set(xlabel=r"$a_{true}$", ylabel=r"$|a_{pred} - a_{true}|$", yscale="log",
                title="Is the slope error larger at small slope?")
    ax_bins.legend(fontsize=8, loc="lower right")
    hist = result["history"]
    epochs = [h["epoch"] for h in hist]
    ax_hist.plot(epochs, [h["test_mse"] for h in hist], label="test MSE of (a, b)")
    ax_hist.plot(epochs, [h["test_slope_mae"] for h in hist], label="test mean |a error|")
    ax_hist.set(xlabel="epoch", ylabel="error", yscale="log", title="Ignite evaluator per epoch")
    ax_hist.legend()
    names = list(result["runs"])
    ratios = [result["runs"][n]["metrics"]["small_slope_to_rest_error_ratio"] for n in names]
    bars = ax_sched.bar(names, ratios, color=["C3" if n == result["schedule"] else "grey"
                                              for n in names])
    ax_sched.bar_label(bars, fmt="%.2f")
    ax_sched.axhline(1.0, color="k", lw=0.8, ls=":")
    if "small_slope_to_rest_error_ratio" in reference:
        ax_sched.axhline(reference["small_slope_to_rest_error_ratio"], color="k", ls="--",
                         label="the log's figure")
        ax_sched.legend(fontsize=8)
    ax_sched.set(xlabel="learning rate schedule (red: judged)",
                 ylabel=f"mean |a error|, a < {small_slope} over the rest",
                 title="Small-slope ratio per schedule")
    fig.suptitle("Day 39 - a two-layer network trained with PyTorch Ignite reads slope a and "
                 "intercept b off noiseless lines y = a x + b")
    save_figure(fig, path)
