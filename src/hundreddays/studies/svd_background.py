"""Days 7-8: background removal by a low-rank SVD of a video (pixels x frames).

A steady camera makes the background the same column in every frame, so rank 1 holds it and the
residual is the moving foreground. A moving camera shifts the background between frames: no low
rank holds it and most of the scene lands in the "foreground"."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..linalg.randomized_svd import randomized_svd
from ..loaders.ucsd import load_ucsd_videos, video_matrix
from ..timing import timed


def low_rank(u: np.ndarray, s: np.ndarray, vt: np.ndarray, rank: int) -> np.ndarray:
    """Return U_k diag(s_k) Vt_k, the rank-k reconstruction."""
    return (u[:, :rank] * s[:rank]) @ vt[:rank]


def separate(video: np.ndarray, rank: int, threshold: float, oversample: int, power_iterations: int,
             seed: int) -> dict:
    """Split `video` into a rank-`rank` background and a foreground, by full LAPACK SVD and by our
    randomized SVD. Returns the backgrounds and foregrounds as videos, plus the measurements."""
    m = video_matrix(video)
    (u, s, vt), svd_seconds = timed(lambda: np.linalg.svd(m, full_matrices=False), 1,
                                    warmup=None)
    background = low_rank(u, s, vt, rank)

    (ur, sr, vtr), randomized_seconds = timed(
        lambda: randomized_svd(m, rank, oversample, power_iterations, seed), 1, warmup=None)
    background_r = low_rank(ur, sr, vtr, rank)

    foreground = m - background
    energy = s**2
    shape = video.shape
    return {
        "background": background.T.reshape(shape),
        "background_randomized": background_r.T.reshape(shape),
        "foreground": foreground.T.reshape(shape),
        "measurements": {
            "foreground_fraction": float(np.mean(np.abs(foreground) > threshold)),
            "residual_rel": float(np.linalg.norm(foreground) / np.linalg.norm(m)),
            "low_rank_energy_fraction": float(energy[:rank].sum() / energy.sum()),
            "randomized_vs_full_rel_diff": float(
                np.linalg.norm(background_r - background) / np.linalg.norm(background)
            ),
            "svd_seconds": svd_seconds,
            "randomized_svd_seconds": randomized_seconds,
            "frames": shape[0],
            "pixels": shape[1] * shape[2],
        },
    }


def summarize(results: dict[str, dict], steady: str = "peds", moving: str = "landing") -> dict:
    """Return flat metrics "<video>_<measurement>" plus two moving/steady ratios: of the
    foreground pixel share, and of the energy the low-rank background leaves unexplained
    (1 - low_rank_energy_fraction). The energy fraction alone is high for any video, the mean
    brightness dominating it; what a steady camera buys is a small remainder."""
    metrics = {f"{name}_{key}": value for name, r in results.items()
               for key, value in r["measurements"].items()}
    if steady in results and moving in results:
        ms, mm = results[steady]["measurements"], results[moving]["measurements"]
        metrics[f"{moving}_to_{steady}_foreground_ratio"] = (
            mm["foreground_fraction"] / max(ms["foreground_fraction"], 1e-12))
        metrics[f"{moving}_to_{steady}_residual_energy_ratio"] = (
            (1.0 - mm["low_rank_energy_fraction"])
            / max(1.0 - ms["low_rank_energy_fraction"], 1e-12))
    return metrics


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): separate() each of the config block's UCSD videos
    (from the prepared dataset ctx.inputs["data"]), the randomized SVD drawing from ctx.seed.
    Returns {"metrics" (summarize), "videos", "results" (video -> separate()), "figure_frame"}."""
    cfg = ctx.cfg
    videos = load_ucsd_videos(Path(ctx.inputs["data"]), cfg["videos"], cfg["max_frames"])
    results = {}
    for name, video in videos.items():
        ctx.log(f"{name}: {video.shape[0]} frames of {video.shape[1]}x{video.shape[2]} pixels")
        results[name] = separate(video, cfg["rank"], cfg["foreground_threshold"],
                                 cfg["randomized_oversample"], cfg["randomized_power_iterations"],
                                 ctx.seed)
        ctx.log(f"{name}: {results[name]['measurements']}")
    return {"metrics": summarize(results), "videos": videos, "results": results,
            "figure_frame": cfg["figure_frame"]}


def plot(result: dict, path, reference) -> None:
    """Draw, per video, frame result["figure_frame"], its low-rank background by LAPACK SVD and by
    randomized SVD, and |foreground| (the log's figure, with the randomized background beside the
    exact one; no reference value is drawn)."""
    from ..figures import new_figure, save_figure, show_image

    videos, results, frame = result["videos"], result["results"], result["figure_frame"]
    names = list(results)
    fig, axes = new_figure(len(names), 4, size=(15, 3.2 * len(names)), squeeze=False)
    for row, name in zip(axes, names, strict=True):
        f = min(frame, videos[name].shape[0] - 1)
        frac = results[name]["measurements"]["foreground_fraction"]
        show_image(row[0], videos[name][f], f"{name}: frame {f}", vmin=0, vmax=1)
        show_image(row[1], results[name]["background"][f], "background (SVD)", vmin=0, vmax=1)
        show_image(row[2], results[name]["background_randomized"][f],
                   "background (randomized SVD)", vmin=0, vmax=1)
        show_image(row[3], np.abs(results[name]["foreground"][f]),
                   f"|frame - background|\n{frac:.1%} of pixels foreground")
    save_figure(fig, path)
