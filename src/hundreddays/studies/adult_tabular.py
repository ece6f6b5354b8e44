"""Day 26: fastai lesson 4's tabular model on the adult census sample (salary <50k / >=50k).

The lesson's recipe: procs FillMissing, Categorify, Normalize; its categorical and continuous
columns; an MLP with layers [200, 100] (fastai's tabular_learner: embeddings, batch norm, ReLU);
`learn.fit(1, 1e-2)` (constant learning rate) with batch size 64; validation on rows 800-1000.
The log found 84 % (the lesson 82 %) and no gain from more epochs or other layers.

Here: the lesson's 200-row validation split (`lesson_split_accuracy`), then a larger seeded
random validation split (`accuracy`) for the baseline and a sweep over layer sizes and epochs.
With a constant learning rate, the model after k epochs of an n-epoch fit is the k-epoch model
(same seed, same batches), so each layer configuration is trained once for the largest epoch
count and its validation accuracy read after every epoch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from matplotlib.ticker import MaxNLocator

from .. import timing
from ..fastai_support import (
    EpochLog,
    dataloader_kwargs,
    mixed_precision,
    no_downloads,
    quiet,
    v1_learner_kwargs,
)
from ..figures import new_figure, save_figure
from ..loaders.adult import TARGET, load_source, with_sample_blanks
from ..seeds import seed_everything

CAT_NAMES = ["workclass", "education", "marital-status", "occupation", "relationship", "race"]
CONT_NAMES = ["age", "fnlwgt", "education-num"]


def lesson_split(n_rows: int, rows: list[int]) -> tuple[list[int], list[int]]:
    """Return (train, valid) row indices with rows[0]:rows[1] as validation (the lesson's)."""
    start, stop = rows
    if not 0 <= start < stop <= n_rows:
        raise ValueError(f"lesson_valid_rows {rows} outside the {n_rows} rows of adult.csv")
    valid = list(range(start, stop))
    return [i for i in range(n_rows) if not start <= i < stop], valid


def random_split(n_rows: int, valid_pct: float, seed: int) -> tuple[list[int], list[int]]:
    """Return (train, valid) sorted row indices, a seeded random `valid_pct` share validating."""
    if not 0 < valid_pct < 1:
        raise ValueError(f"valid_pct must lie in (0, 1), got {valid_pct}")
    order = np.random.default_rng(seed).permutation(n_rows)
    n_valid = int(round(valid_pct * n_rows))
    if n_valid < 1 or n_valid >= n_rows:
        raise ValueError(f"valid_pct {valid_pct} of {n_rows} rows leaves an empty split")
    return sorted(order[n_valid:].tolist()), sorted(order[:n_valid].tolist())


def majority_accuracy(df: pd.DataFrame, train: list[int], valid: list[int]) -> float:
    """Accuracy on `valid` of always predicting the training rows' most common salary."""
    majority = df[TARGET].iloc[train].mode().iloc[0]
    return float((df[TARGET].iloc[valid] == majority).mean())


def train_tabular(df: pd.DataFrame, splits: tuple[list[int], list[int]], layers: list[int],
                  epochs: int, cfg: dict, seed: int, threads: int = 1, device: str = "cpu"
                  ) -> dict:
    """Train the lesson's tabular learner with `layers` for `epochs` epochs of fit(lr), from
    `seed` as a separate run would, and return {"accuracy": validation accuracy after each
    epoch, "seconds": seconds of each epoch}."""
    from fastai.tabular.all import (
        Categorify,
        CategoryBlock,
        FillMissing,
        Normalize,
        TabularPandas,
        accuracy,
        tabular_learner,
    )

    seed_everything(seed, threads)
    # copies: FillMissing appends its <column>_na flags to the list it is given, which would
    # leak into the next frame trained in the same process (one without missing values fails)
    to = TabularPandas(df, procs=[FillMissing, Categorify, Normalize], cat_names=list(CAT_NAMES),
                       cont_names=list(CONT_NAMES), y_names=TARGET, y_block=CategoryBlock(),
                       splits=splits)
    dls = to.dataloaders(bs=cfg["batch_size"], **dataloader_kwargs(torch.device(device)))
    log = EpochLog(every=cfg.get("log_every", 200))
    log.phase = f"layers {layers}"
    learn = quiet(mixed_precision(tabular_learner(dls, layers=list(layers), metrics=accuracy,
                                                  cbs=[log], **v1_learner_kwargs())))
    with no_downloads():
        learn.fit(epochs, cfg["lr"])
    return {"accuracy": [float(v[2]) for v in learn.recorder.values], "seconds": log.seconds}


def variants(cfg: dict) -> list[list[int]]:
    """The layer configurations to train: the baseline's first, then the sweep's others."""
    out = [list(cfg["layers"])]
    out += [list(v) for v in cfg["sweep_layers"] if list(v) != out[0]]
    return out


def sweep_rows(runs: dict[str, list[float]], epochs: list[int]) -> list[dict]:
    """Rows of the sweep table: {"layers", "epochs", "accuracy"} for every run and epoch count."""
    return [{"layers": name, "epochs": e, "accuracy": acc[e - 1]}
            for name, acc in runs.items() for e in epochs]


def layer_name(layers: list[int]) -> str:
    return "[" + ", ".join(map(str, layers)) + "]"


def measure(df: pd.DataFrame, cfg: dict, seed: int, threads: int = 1, device: str = "cpu"
            ) -> dict:
    """The study on `df`; return {"metrics", "runs" {layer name: accuracy per epoch}, "table",
    "lesson", "majority", "best", and the baseline's "layers" and "epochs"}."""
    lesson = train_tabular(df, lesson_split(len(df), cfg["lesson_valid_rows"]), cfg["layers"],
                           cfg["epochs"], cfg, seed, threads, device)
    splits = random_split(len(df), cfg["valid_pct"], seed)
    sweep_epochs = sorted(set(cfg["sweep_epochs"]) | {cfg["epochs"]})
    runs, seconds = {}, []
    for layers in variants(cfg):
        result = train_tabular(df, splits, layers, max(sweep_epochs), cfg, seed, threads, device)
        runs[layer_name(layers)] = result["accuracy"]
        seconds += result["seconds"]
    table = sweep_rows(runs, sweep_epochs)
    baseline = runs[layer_name(cfg["layers"])][cfg["epochs"] - 1]
    best = max(table, key=lambda r: r["accuracy"])
    majority = majority_accuracy(df, *splits)
    metrics = {
        "lesson_split_accuracy": lesson["accuracy"][-1],
        "accuracy": baseline,
        "best_variant_accuracy": best["accuracy"],
        "best_variant_accuracy_gain": best["accuracy"] - baseline,
        "best_variant_epochs": best["epochs"],
        "majority_class_accuracy": majority,
        "valid_rows": len(splits[1]),
        "train_rows": len(splits[0]),
        "seconds_per_epoch": timing.seconds_per_epoch(seconds),
    }
    return {"metrics": metrics, "runs": runs, "table": table, "sweep_epochs": sweep_epochs,
            "lesson": lesson["accuracy"][-1], "majority": majority, "best": best,
            "layers": list(cfg["layers"]), "epochs": cfg["epochs"]}


def sample_blanks_change(df: pd.DataFrame, cfg: dict, seed: int, baseline: float,
                         threads: int = 1, device: str = "cpu") -> dict[str, float]:
    """What fastai's sample's emptied cells change (source uci): the baseline trained again, same
    split and seed, on `df` with the sample's share of cells emptied (with_sample_blanks);
    returns its accuracy and the change from `baseline`."""
    blanked = with_sample_blanks(df, seed)
    accuracy = train_tabular(blanked, random_split(len(df), cfg["valid_pct"], seed),
                             cfg["layers"], cfg["epochs"], cfg, seed, threads,
                             device)["accuracy"][-1]
    return {"sample_blanks_accuracy": accuracy,
            "sample_blanks_accuracy_change": accuracy - baseline}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): measure() on ctx.inputs["data"], read as the
    config's source lays it out (fastai's adult.csv or UCI's adult.data); on UCI's file also
    what the sample's emptied cells would change (sample_blanks_change)."""
    df = load_source(ctx.inputs["data"], ctx.cfg["source"])
    ctx.log(f"adult ({ctx.cfg['source']}): {len(df)} rows, "
            f"salary {df['salary'].value_counts().to_dict()}")
    result = measure(df, ctx.cfg, ctx.seed, ctx.threads, ctx.device)
    if ctx.cfg["source"] == "uci":
        result["metrics"].update(sample_blanks_change(df, ctx.cfg, ctx.seed,
                                                      result["metrics"]["accuracy"],
                                                      ctx.threads, ctx.device))
    ctx.log(str(result["metrics"]))
    return result


def plot(result: dict, path, reference) -> None:
    """Left: validation accuracy against epochs for each layer configuration (sweep points
    marked) with the log's and the lesson's accuracies; right: the accuracies side by side."""
    log_accuracy = reference["accuracy"]
    fig, (ax, bars) = new_figure(1, 2, size=(10.5, 4.4), width_ratios=[1.6, 1])
    for name, acc in result["runs"].items():
        epochs = np.arange(1, len(acc) + 1)
        line, = ax.plot(epochs, acc, alpha=0.5)
        marked = [e for e in result["sweep_epochs"] if e <= len(acc)]
        ax.plot(marked, [acc[e - 1] for e in marked], "o", color=line.get_color(),
                label=f"layers {name}")
    refs = [(log_accuracy, "log (day 26)", "k"),
            (reference["lesson_split_accuracy"], "lesson", "C3"),
            (result["majority"], "always <50k", "grey")]
    for value, label, colour in refs:
        ax.axhline(value, color=colour, ls="--", lw=1, label=f"{label}: {value:.1%}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epochs of fit(lr)")
    ax.set_ylabel(f"validation accuracy ({result['metrics']['valid_rows']} random rows)")
    ax.set_title("Adult income, fastai tabular model: more epochs, other layers")
    ax.legend(fontsize=8)
    m = result["metrics"]
    best = result["best"]
    names = ["lesson split\n(rows 800-1000)", "random split",
             f"best variant\n{best['layers']}, {best['epochs']} ep.", "always <50k"]
    values = [m["lesson_split_accuracy"], m["accuracy"], m["best_variant_accuracy"],
              m["majority_class_accuracy"]]
    bars.bar(names, values, color=["C3", "C0", "C2", "grey"])
    for x, v in enumerate(values):
        bars.text(x, v + 0.005, f"{v:.1%}", ha="center", fontsize=9)
    bars.axhline(log_accuracy, color="k", ls="--", lw=1, label="log (day 26)")
    bars.legend(fontsize=8, loc="upper right")
    bars.set_ylim(min(0.5, min(values) - 0.05), 1.0)
    bars.set_ylabel("validation accuracy")
    bars.set_title(f"baseline: layers {layer_name(result['layers'])}, {result['epochs']} "
                   f"epoch(s)")
    bars.tick_params(axis="x", labelsize=8)
    save_figure(fig, path)
