"""Day 14: "the Householder algorithm" behind QR, against Gram-Schmidt and the library.

For matrices of growing condition number kappa (A = U diag(s) V^T, s log-spaced from 1 to
1/kappa), each method's loss of orthogonality ||Q^T Q - I||_F and backward error
||A - Q R||_F / ||A||_F. Textbook behaviour: Householder and LAPACK stay at machine precision in
both; modified Gram-Schmidt loses orthogonality like eps * kappa; classical Gram-Schmidt like
eps * kappa^2 (until it breaks down completely). The claim checks that our Householder QR gives the
library's factors.
"""

from __future__ import annotations

import numpy as np

from ..linalg.qr import (
    classical_gram_schmidt,
    householder_qr,
    modified_gram_schmidt,
    numpy_qr,
    sign_fixed,
)

METHODS = {
    "householder": householder_qr,
    "numpy": numpy_qr,
    "mgs": modified_gram_schmidt,
    "cgs": classical_gram_schmidt,
}
LABELS = {
    "householder": "Householder (ours)",
    "numpy": "numpy.linalg.qr (LAPACK)",
    "mgs": "modified Gram-Schmidt",
    "cgs": "classical Gram-Schmidt",
}
EPS = float(np.finfo(np.float64).eps)


def matrix_with_condition(m: int, n: int, kappa: float, rng: np.random.Generator) -> np.ndarray:
    """Return an m x n matrix with singular values log-spaced from 1 to 1/kappa."""
    u, _ = np.linalg.qr(rng.standard_normal((m, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (u * np.geomspace(1.0, 1.0 / kappa, n)) @ v.T


def errors(a: np.ndarray, q: np.ndarray, r: np.ndarray) -> dict[str, float]:
    """Loss of orthogonality and relative backward error of one factorisation."""
    n = a.shape[1]
    with np.errstate(all="ignore"):
        orth = np.linalg.norm(q.T @ q - np.eye(n))
        backward = np.linalg.norm(a - q @ r) / np.linalg.norm(a)
    # a breakdown (division by a zero norm) gives NaNs: count it as total loss of orthogonality
    return {"orthogonality_loss": float(orth) if np.isfinite(orth) else float(np.sqrt(n)),
            "backward_error": float(backward) if np.isfinite(backward) else 1.0}


def sweep(m: int, n: int, log10_conditions: list[float], seed: int) -> list[dict]:
    """Return one row per (condition number, method) with both errors."""
    rng = np.random.default_rng(seed)
    rows = []
    for exponent in log10_conditions:
        a = matrix_with_condition(m, n, 10.0**exponent, rng)
        kappa = float(np.linalg.cond(a))
        for method, qr in METHODS.items():
            with np.errstate(all="ignore"):
                q, r = qr(a)
            rows.append({"log10_condition": exponent, "condition": kappa, "method": method,
                         "cols": n, **errors(a, q, r)})
    return rows


def library_rel_diff(m: int, n: int, samples: int, seed: int) -> float:
    """Largest relative difference ||R_ours - R_numpy|| / ||R_numpy|| (both with a positive
    diagonal) over `samples` random Gaussian matrices."""
    rng = np.random.default_rng([seed, 1])
    worst = 0.0
    for _ in range(samples):
        a = rng.standard_normal((m, n))
        _, r_ours = sign_fixed(*householder_qr(a))
        _, r_lib = sign_fixed(*numpy_qr(a))
        worst = max(worst, float(np.linalg.norm(r_ours - r_lib) / np.linalg.norm(r_lib)))
    return worst


def loglog_slope(rows: list[dict], method: str, max_loss: float = 1e-2) -> float:
    """Slope of log10(orthogonality loss) against log10(condition) for `method`, over the
    points where the loss is still below `max_loss` (before a method breaks down completely)."""
    pts = [(np.log10(r["condition"]), np.log10(max(r["orthogonality_loss"], EPS)))
           for r in rows if r["method"] == method and r["orthogonality_loss"] < max_loss]
    if len(pts) < 2:
        return float("nan")
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def metrics(rows: list[dict], rel_diff: float) -> dict[str, float]:
    """Flat metrics: the claim's library difference, and per method the worst errors and the
    growth of the orthogonality loss with the condition number."""
    out: dict[str, float] = {"library_qr_rel_diff": rel_diff}
    top = max(r["log10_condition"] for r in rows)
    for method in METHODS:
        own = [r for r in rows if r["method"] == method]
        out[f"{method}_max_orthogonality_loss"] = max(r["orthogonality_loss"] for r in own)
        out[f"{method}_max_backward_error"] = max(r["backward_error"] for r in own)
        out[f"{method}_orthogonality_loss_at_max_condition"] = next(
            r["orthogonality_loss"] for r in own if r["log10_condition"] == top)
        slope = loglog_slope(rows, method)
        if np.isfinite(slope):
            out[f"{method}_orthogonality_loss_slope"] = slope
    out["max_log10_condition"] = top
    return out


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): sweep() and library_rel_diff() with the config
    block's shape, conditions and samples, drawing from ctx.seed. Returns {"metrics", "rows"
    (sweep), "library_rel_diff"}."""
    cfg, seed = ctx.cfg, ctx.seed
    rows = sweep(cfg["rows"], cfg["cols"], cfg["log10_conditions"], seed)
    for r in rows:
        ctx.log(f"kappa {r['condition']:9.2e} {r['method']:>11}: orthogonality loss "
                f"{r['orthogonality_loss']:.2e}, backward error {r['backward_error']:.2e}")
    rel_diff = library_rel_diff(cfg["rows"], cfg["cols"], cfg["library_samples"], seed)
    ctx.log(f"R of our Householder QR vs numpy.linalg.qr: largest relative difference "
            f"{rel_diff:.2e}")
    return {"metrics": metrics(rows, rel_diff), "rows": rows, "library_rel_diff": rel_diff}


def plot(result: dict, path, reference) -> None:
    """Orthogonality loss and backward error against the condition number, per method, with the
    textbook slopes eps*kappa and eps*kappa^2 drawn for reference (no value of the log)."""
    from ..figures import new_figure, save_figure

    rows, rel_diff = result["rows"], result["library_rel_diff"]
    fig, (ax_o, ax_b) = new_figure(1, 2, size=(13, 4.8))
    styles = {"householder": ("o-", 7), "numpy": ("x--", 7), "mgs": ("s-", 5), "cgs": ("^-", 5)}
    for method in METHODS:
        own = sorted((r for r in rows if r["method"] == method), key=lambda r: r["condition"])
        kappa = [r["condition"] for r in own]
        marker, size = styles[method]
        ax_o.loglog(kappa, [max(r["orthogonality_loss"], EPS / 10) for r in own], marker,
                    ms=size, label=LABELS[method])
        ax_b.loglog(kappa, [max(r["backward_error"], EPS / 10) for r in own], marker, ms=size,
                    label=LABELS[method])
    kappas = np.array(sorted({r["condition"] for r in rows}))
    ax_o.loglog(kappas, EPS * kappas, ":", color="grey", label="eps * kappa")
    n = rows[0]["cols"]  # ||Q^T Q - I||_F is about n when all columns of Q coincide
    ax_o.loglog(kappas, np.minimum(EPS * kappas**2, n), "-.", color="grey",
                label="eps * kappa^2 (capped at n)")
    ax_o.set_ylabel("||Q^T Q - I||_F")
    ax_o.set_title("Loss of orthogonality")
    ax_b.set_ylabel("||A - QR||_F / ||A||_F")
    ax_b.set_title(f"Backward error (ours vs LAPACK's R: {rel_diff:.1e} apart)")
    for ax in (ax_o, ax_b):
        ax.set_xlabel("condition number kappa(A)")
        ax.axhline(EPS, color="black", lw=0.6, alpha=0.5, label="float64 eps")
        ax.legend(fontsize=8)
    save_figure(fig, path)
