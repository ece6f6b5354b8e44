"""Days 5-6: randomized SVD against the full LAPACK SVD and two library randomized SVDs.

Four ways to the top-k singular triplets of a tall matrix, each timed and scored by its
reconstruction error against the Eckart-Young optimum (the full SVD truncated to rank k):

- lapack:  numpy.linalg.svd (full decomposition, then truncated)
- ours:    hundreddays.linalg.randomized_svd (range finder + power iterations)
- sklearn: sklearn.utils.extmath.randomized_svd
- torch:   torch.svd_lowrank

on two matrices: the pedestrian video as (pixels x frames) and a synthetic low rank plus noise
(the claims' matrix; the only one where the frames cannot be read here: studies.yaml data_free).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch  # imported here, so that the runner sets its threads

from ..linalg.randomized_svd import randomized_svd
from ..loaders.ucsd import load_ucsd_videos, video_matrix
from ..timing import timed

METHODS = ("lapack", "ours", "sklearn", "torch")
COLORS = {"lapack": "#444444", "ours": "#1f77b4", "sklearn": "#ff7f0e", "torch": "#2ca02c"}
Triplet = tuple[np.ndarray, np.ndarray, np.ndarray]
TABLE_COLUMNS = ("matrix", "rows", "cols", "rank", "method", "seconds", "rel_error",
                 "excess_over_optimal", "sv_rel_error")


def low_rank_plus_noise(m: int, n: int, rank: int, noise: float, seed: int) -> np.ndarray:
    """Return an m x n matrix of exact rank `rank` (singular values decaying from 1 to 0.1)
    plus i.i.d. Gaussian noise of standard deviation `noise`."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((m, rank)))
    v, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    s = np.geomspace(1.0, 0.1, rank) * np.sqrt(m * n)
    return (u * s) @ v.T + noise * rng.standard_normal((m, n))


def decomposers(rank: int, oversample: int, power_iterations: int, seed: int
                ) -> dict[str, Callable[[np.ndarray], Triplet]]:
    """Return {method: a -> (U_k, s_k, Vt_k)} with the same rank, oversampling and power
    iterations for the three randomized methods, each drawing from `seed` on every call."""
    from sklearn.utils.extmath import randomized_svd as sk_randomized_svd

    def lapack(a):
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        return u[:, :rank], s[:rank], vt[:rank]

    def ours(a):
        return randomized_svd(a, rank, oversample, power_iterations, seed)

    def sklearn(a):
        return sk_randomized_svd(a, rank, n_oversamples=oversample, n_iter=power_iterations,
                                 random_state=seed)

    def torch_lowrank(a):
        torch.manual_seed(seed)
        u, s, v = torch.svd_lowrank(torch.from_numpy(a), q=rank + oversample,
                                    niter=power_iterations)
        return u[:, :rank].numpy(), s[:rank].numpy(), v[:, :rank].T.numpy()

    return {"lapack": lapack, "ours": ours, "sklearn": sklearn, "torch": torch_lowrank}


def score(a: np.ndarray, triplet: Triplet, s_exact: np.ndarray, rank: int) -> dict[str, float]:
    """Errors of one rank-k decomposition: relative reconstruction error, its excess over the
    optimum, and the largest relative error of the top-k singular values."""
    u, s, vt = triplet
    norm = np.linalg.norm(a)
    rel_error = float(np.linalg.norm(a - (u * s) @ vt) / norm)
    optimal = float(np.sqrt((s_exact[rank:] ** 2).sum()) / norm)  # Eckart-Young
    return {
        "rel_error": rel_error,
        "excess_over_optimal": rel_error / optimal - 1.0 if optimal > 0 else 0.0,
        "sv_rel_error": float(np.max(np.abs(s - s_exact[:rank]) / s_exact[:rank])),
    }


def compare(matrices: dict[str, np.ndarray], rank: int, oversample: int, power_iterations: int,
            repeats: int, seed: int, log=print) -> list[dict]:
    """Run every method on every matrix; return one row per (matrix, method): its shape, rank,
    median seconds, score() and the relative errors of its singular values ("sv_errors")."""
    methods = decomposers(rank, oversample, power_iterations, seed)
    rows = []
    for name, a in matrices.items():
        s_exact = np.linalg.svd(a, compute_uv=False)
        for method, fn in methods.items():
            triplet, seconds = timed(lambda fn=fn, a=a: fn(a), repeats)
            row = {"matrix": name, "method": method, "rows": a.shape[0], "cols": a.shape[1],
                   "rank": rank, "seconds": seconds, **score(a, triplet, s_exact, rank),
                   "sv_errors": np.abs(triplet[1] - s_exact[:rank]) / s_exact[:rank]}
            rows.append(row)
            log(f"{name:>9} {method:>8}: {seconds:8.4f} s  rel error {row['rel_error']:.3e}  "
                f"top-{rank} singular values within {row['sv_rel_error']:.1e}")
    return rows


def metrics(rows: list[dict]) -> dict[str, float]:
    """Flat metrics "<matrix>_<method>_<measure>" plus, per matrix, full / randomized time."""
    out: dict[str, float] = {}
    timing = {(r["matrix"], r["method"]): r["seconds"] for r in rows}
    for r in rows:
        for key in ("seconds", "rel_error", "excess_over_optimal", "sv_rel_error"):
            out[f"{r['matrix']}_{r['method']}_{key}"] = r[key]
    for matrix in dict.fromkeys(r["matrix"] for r in rows):
        out[f"{matrix}_full_to_randomized_time_ratio"] = (
            timing[matrix, "lapack"] / timing[matrix, "ours"])
    # the claims read the synthetic matrix: it is the same at every scale
    out["top_singular_values_rel_error"] = out["synthetic_ours_sv_rel_error"]
    out["full_to_randomized_time_ratio"] = out["synthetic_full_to_randomized_time_ratio"]
    return out


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): the config block's UCSD video (from the prepared
    dataset ctx.inputs["data"]) as a (pixels x frames) matrix and a synthetic low rank plus noise
    drawn from ctx.seed, decomposed by every method; the synthetic matrix only where the frames
    cannot be read here (ctx.data_missing). Returns {"metrics", "table", "rows"}."""
    cfg, seed = ctx.cfg, ctx.seed
    name, synthetic = cfg["video"], cfg["synthetic"]
    matrices = {}
    if not ctx.data_missing:
        video = load_ucsd_videos(Path(ctx.inputs["data"]), [name], cfg["max_frames"])[name]
        matrices[name] = video_matrix(video)
    matrices["synthetic"] = low_rank_plus_noise(synthetic["rows"], synthetic["cols"],
                                                synthetic["rank"], synthetic["noise"], seed)
    rows = compare(matrices, cfg["rank"], cfg["oversample"], cfg["power_iterations"],
                   cfg["timing_repeats"], seed, log=ctx.log)
    return {"metrics": metrics(rows), "table": [{c: r[c] for c in TABLE_COLUMNS} for r in rows],
            "rows": rows}


def plot(result: dict, path, reference) -> None:
    """Time per method, error excess per method, and the spectra the randomized methods find
    (no reference value is drawn)."""
    from ..figures import new_figure, save_figure

    rows = result["rows"]
    matrices = list(dict.fromkeys(r["matrix"] for r in rows))
    fig, (ax_t, ax_e, ax_s) = new_figure(1, 3, size=(16, 4.6))
    width = 0.8 / len(METHODS)
    x = np.arange(len(matrices))
    for k, method in enumerate(METHODS):
        sel = [next(r for r in rows if r["matrix"] == m and r["method"] == method)
               for m in matrices]
        pos = x + (k - (len(METHODS) - 1) / 2) * width
        ax_t.bar(pos, [r["seconds"] for r in sel], width, color=COLORS[method], label=method)
        ax_e.bar(pos, [max(r["excess_over_optimal"], 1e-16) for r in sel], width,
                 color=COLORS[method], label=method)
    shape = {r["matrix"]: f"{r['rows']}x{r['cols']}" for r in rows}
    rank = rows[0]["rank"]
    for ax in (ax_t, ax_e):
        ax.set_xticks(x, [f"{m}\n{shape[m]}" for m in matrices])
        ax.set_yscale("log")
        ax.legend()
    ax_t.set_ylabel("seconds (median)")
    ax_t.set_title(f"Time to the top {rank} singular triplets")
    ax_e.set_ylabel("reconstruction error / optimal error - 1")
    ax_e.set_title(f"Rank-{rank} error above the Eckart-Young optimum")

    markers = {"ours": "o", "sklearn": "s", "torch": "^"}
    for matrix, ls in zip(matrices, ["-", "--", ":"], strict=False):
        for method in METHODS[1:]:
            r = next(r for r in rows if r["matrix"] == matrix and r["method"] == method)
            ax_s.semilogy(np.arange(1, rank + 1), np.maximum(r["sv_errors"], 1e-17), ls,
                          marker=markers[method], color=COLORS[method], label=f"{method}, {matrix}")
    ax_s.axhline(np.finfo(np.float64).eps, color="grey", lw=0.8, label="float64 epsilon")
    ax_s.set_xticks(np.arange(1, rank + 1))
    ax_s.set_xlabel("singular value index i")
    ax_s.set_ylabel("relative error of s_i against LAPACK")
    ax_s.set_title(f"Top {rank} singular values of each matrix")
    ax_s.legend(fontsize=7, ncol=2)
    save_figure(fig, path)
