"""Day 30: fastai lesson 4's collaborative filtering on MovieLens 100K.

The lesson's recipe: ratings joined with the movie titles, CollabDataLoaders with a seeded
random 10 % validation split and the title as the item, collab_learner with n_factors 40,
y_range (0, 5.5), weight decay 0.1, fit_one_cycle(5, 5e-3); the loss is the mean squared error.
Besides that dot-product model (user and movie embeddings and biases), fastai's embedding net
(use_nn=True: concatenated embeddings through an MLP) is trained the same way, and both are
compared with always predicting the training ratings' mean. The movie biases of the most-rated
movies are listed as in the lesson.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from matplotlib.ticker import MaxNLocator

from .. import timing
from ..fastai_support import (
    V1_ONE_CYCLE,
    EpochLog,
    dataloader_kwargs,
    mixed_precision,
    no_downloads,
    quiet,
    v1_learner_kwargs,
)
from ..figures import new_figure, save_figure
from ..loaders.movielens import load_rating_movie
from ..seeds import seed_everything

USER, ITEM, RATING = "user", "title", "rating"


def split(n_rows: int, valid_pct: float, seed: int) -> tuple[list[int], list[int]]:
    """Return (train, valid) row indices exactly as CollabDataLoaders.from_df splits them."""
    from fastai.data.transforms import RandomSplitter

    if not 0 < valid_pct < 1:
        raise ValueError(f"valid_pct must lie in (0, 1), got {valid_pct}")
    train, valid = RandomSplitter(valid_pct=valid_pct, seed=seed)(range(n_rows))
    return list(train), list(valid)


def mean_rating_mse(ratings: np.ndarray, train: list[int], valid: list[int]) -> float:
    """MSE on `valid` of predicting the mean rating of `train`."""
    ratings = np.asarray(ratings, dtype=np.float64)
    return float(np.mean((ratings[valid] - ratings[train].mean()) ** 2))


def train_collab(df: pd.DataFrame, cfg: dict, seed: int, use_nn: bool, threads: int = 1,
                 device: str = "cpu"):
    """Train the lesson's collab learner (dot product, or the embedding net if use_nn) from
    `seed`, as a separate run would, and return (learner, dls, {"valid_mse": per epoch,
    "seconds": per epoch})."""
    from fastai.collab import CollabDataLoaders, collab_learner

    seed_everything(seed, threads)
    dls = CollabDataLoaders.from_df(df[[USER, ITEM, RATING]], valid_pct=cfg["valid_pct"],
                                    seed=seed, item_name=ITEM, bs=cfg["batch_size"],
                                    **dataloader_kwargs(torch.device(device)))
    log = EpochLog(every=cfg.get("log_every", 500))
    log.phase = "embedding net" if use_nn else "dot product"
    extra = {"layers": list(cfg["nn_layers"])} if use_nn else {"n_factors": cfg["n_factors"]}
    learn = quiet(mixed_precision(collab_learner(dls, use_nn=use_nn,
                                                 y_range=tuple(cfg["y_range"]), wd=cfg["wd"],
                                                 cbs=[log], **extra,
                                                 **v1_learner_kwargs())))
    with no_downloads():
        learn.fit_one_cycle(cfg["epochs"], cfg["lr"], **V1_ONE_CYCLE)
    history = {"valid_mse": [float(v[1]) for v in learn.recorder.values],
               "seconds": log.seconds}
    return learn, dls, history


def movie_biases(learn, dls, df: pd.DataFrame, top_n: int) -> pd.Series:
    """Return the learned bias of each of the `top_n` most-rated movies (title -> bias),
    sorted from lowest to highest, as the lesson lists them."""
    counts = df.groupby(ITEM)[RATING].count().sort_values(ascending=False, kind="stable")
    top = counts.index[:top_n]
    vocab = dls.classes[ITEM]
    idx = [vocab.o2i[t] for t in top]
    bias = learn.model.i_bias.weight.detach().cpu().numpy()[idx, 0]
    return pd.Series(bias, index=top).sort_values(kind="stable")


def measure(df: pd.DataFrame, cfg: dict, seed: int, threads: int = 1, device: str = "cpu"
            ) -> dict:
    """The study on `df`; return {"metrics", "dot", "nn" (histories), "baseline", "biases",
    and the models' "n_factors" and "nn_layers"}."""
    dot_learn, dls, dot = train_collab(df, cfg, seed, use_nn=False, threads=threads,
                                       device=device)
    _, _, nn = train_collab(df, cfg, seed, use_nn=True, threads=threads, device=device)
    train, valid = split(len(df), cfg["valid_pct"], seed)
    baseline = mean_rating_mse(df[RATING].to_numpy(), train, valid)
    biases = movie_biases(dot_learn, dls, df, cfg["bias_top_movies"])
    metrics = {
        "valid_mse": dot["valid_mse"][-1],
        "nn_valid_mse": nn["valid_mse"][-1],
        "mean_rating_mse": baseline,
        "valid_mse_over_mean_rating_mse": dot["valid_mse"][-1] / baseline,
        "valid_ratings": len(valid),
        "train_ratings": len(train),
        "seconds_per_epoch": timing.seconds_per_epoch(dot["seconds"]),
        "nn_seconds_per_epoch": timing.seconds_per_epoch(nn["seconds"]),
    }
    return {"metrics": metrics, "dot": dot, "nn": nn, "baseline": baseline, "biases": biases,
            "n_factors": cfg["n_factors"], "nn_layers": list(cfg["nn_layers"])}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): measure() on ctx.inputs["data"]'s ratings."""
    df = load_rating_movie(ctx.inputs["data"])
    ctx.log(f"u.data: {len(df)} ratings, {df['user'].nunique()} users, "
            f"{df['title'].nunique()} titles")
    result = measure(df, ctx.cfg, ctx.seed, ctx.threads, ctx.device)
    ctx.log(str(result["metrics"]))
    return result


def short_title(title: str, width: int = 38) -> str:
    """A movie title cut to `width` characters with an ellipsis, keeping its year ("(1996)"),
    so that a cut title still reads as one."""
    if len(title) <= width:
        return title
    year = title[-6:] if title.endswith(")") and title[-6:-5] == "(" else ""
    return title[:width - len(year) - 2].rstrip() + "… " + year


def plot(result: dict, path, reference, shown: int = 8) -> None:
    """Left: validation MSE per epoch of both models and the mean-rating baseline; right: the
    lowest and highest movie biases among the most-rated movies."""
    fig, (ax, bx) = new_figure(1, 2, size=(11.5, 4.6), width_ratios=[1, 1.2])
    for key, label in (("dot", f"dot product + biases ({result['n_factors']} factors)"),
                       ("nn", f"embedding net, layers {result['nn_layers']}")):
        mse = result[key]["valid_mse"]
        ax.plot(np.arange(1, len(mse) + 1), mse, "o-", label=f"{label}: {mse[-1]:.3f}")
    ax.axhline(result["baseline"], color="grey", ls="--",
               label=f"mean training rating: {result['baseline']:.3f}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch of fit_one_cycle")
    ax.set_ylabel("validation MSE (stars²)")
    ax.set_title(f"MovieLens: validation MSE ({result['metrics']['valid_ratings']} ratings)")
    ax.legend(fontsize=8)
    biases = result["biases"]
    shown = min(shown, len(biases) // 2)
    picked = pd.concat([biases.iloc[:shown], biases.iloc[-shown:]])
    colours = ["C3"] * shown + ["C2"] * shown
    bx.barh(np.arange(len(picked)), picked.to_numpy(), color=colours)
    bx.set_yticks(np.arange(len(picked)), [short_title(t) for t in picked.index], fontsize=7.5)
    bx.axvline(0, color="k", lw=0.8)
    bx.set_xlabel("learned movie bias (added before the sigmoid onto y_range)")
    bx.set_title(f"lowest and highest movie bias, {len(biases)} most-rated movies")
    save_figure(fig, path)
