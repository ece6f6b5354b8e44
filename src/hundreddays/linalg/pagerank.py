"""PageRank of a directed graph: the leading eigenvector of the Google matrix.

For a 0/1 adjacency A (A[i, j] = 1 when page i links to page j, n pages) and damping d,

    G = d (P^T + (1/n) 1 m^T) + (1 - d)/n 1 1^T,   P = D^-1 A (row-stochastic),

where D holds the out-degrees and m marks the dangling pages (no out-link; their surfer jumps to
a uniformly random page). G is column-stochastic and positive, so its leading eigenvalue is 1,
simple, and the PageRank vector is its eigenvector normalised to sum 1. The power method applies
G without forming it: one sparse product with P^T per iteration. Self-loops are ordinary links.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, eigs

from .. import rehearsal


@dataclass
class PowerResult:
    scores: np.ndarray  # PageRank vector, sums to 1
    residuals: np.ndarray  # L1 norm of x_{k+1} - x_k, one per iteration
    iterations: int
    converged: bool


def _check(adjacency, damping: float) -> sp.csr_array:
    if not 0.0 < damping < 1.0:
        raise ValueError(f"damping must be in (0, 1), got {damping}")
    a = sp.csr_array(adjacency)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"adjacency must be a non-empty square matrix, got shape {a.shape}")
    return a


def transition_transpose(adjacency) -> tuple[sp.csr_array, np.ndarray]:
    """Return (P^T as CSR, dangling mask): P = D^-1 A row-normalised by the out-degrees (row
    sums of the weighted adjacency), and the boolean mask of rows with no out-link."""
    a = sp.csr_array(adjacency, dtype=np.float64)
    out_degree = np.asarray(a.sum(axis=1)).ravel()
    dangling = out_degree == 0
    inv = np.zeros_like(out_degree)
    inv[~dangling] = 1.0 / out_degree[~dangling]
    pt = a.T.tocsr(copy=True)  # one copy of the matrix, scaled in place below
    pt.data *= inv[pt.indices]  # P^T[j, i] = A[i, j] / out_degree[i]
    return pt, dangling


def google_apply(pt: sp.csr_array, dangling: np.ndarray, damping: float, x: np.ndarray):
    """Return G x for any vector x (not only probability vectors)."""
    n = x.shape[0]
    return damping * (pt @ x + x[dangling].sum() / n) + (1.0 - damping) * x.sum() / n


def pagerank_power(adjacency, damping: float = 0.85, tol: float = 1e-10,
                   max_iter: int = 1000) -> PowerResult:
    """Return the PageRank vector by power iteration from the uniform vector.

    Stops when the L1 residual ||x_{k+1} - x_k||_1 drops below `tol` (then the L1 error to the
    fixed point is at most tol * d / (1 - d)) or after `max_iter` iterations (converged False).
    """
    a = _check(adjacency, damping)
    if tol <= 0 or max_iter < 1:
        raise ValueError(f"need tol > 0 and max_iter >= 1, got tol={tol}, max_iter={max_iter}")
    pt, dangling = transition_transpose(a)
    n = a.shape[0]
    x = np.full(n, 1.0 / n)
    residuals = []
    for _ in rehearsal.steps(range(max_iter), name="power", full=max_iter, bound=True,
                             items=a.nnz, per_item=True, whole=True):
        x_new = google_apply(pt, dangling, damping, x)
        x_new /= x_new.sum()  # G preserves the sum; this only removes rounding drift
        residuals.append(float(np.abs(x_new - x).sum()))
        x = x_new
        if residuals[-1] < tol:
            break
    return PowerResult(x, np.array(residuals), len(residuals), residuals[-1] < tol)


def google_operator(adjacency, damping: float = 0.85) -> LinearOperator:
    """Return the Google matrix G as a scipy LinearOperator (never formed)."""
    a = _check(adjacency, damping)
    pt, dangling = transition_transpose(a)
    n = a.shape[0]
    return LinearOperator((n, n), matvec=lambda x: google_apply(pt, dangling, damping,
                                                                np.ravel(x)),
                          dtype=np.float64)


def pagerank_eigs(adjacency, damping: float = 0.85, seed: int = 0,
                  tol: float = 0.0) -> tuple[np.ndarray, float]:
    """Return (leading eigenvector of G normalised to sum 1, its eigenvalue) by ARPACK
    (scipy.sparse.linalg.eigs, largest magnitude) on the LinearOperator; needs n >= 3."""
    op = google_operator(adjacency, damping)
    n = op.shape[0]
    if n < 3:
        raise ValueError(f"ARPACK needs at least 3 pages, got {n}")
    v0 = np.random.default_rng(seed).uniform(0.5, 1.5, n)
    values, vectors = eigs(op, k=1, which="LM", v0=v0, tol=tol)
    v = np.real(vectors[:, 0])
    return v / v.sum(), float(np.real(values[0]))


def google_matrix_dense(adjacency, damping: float = 0.85) -> np.ndarray:
    """Return G as a dense array (for tests on small graphs)."""
    a = _check(adjacency, damping)
    pt, dangling = transition_transpose(a)
    n = a.shape[0]
    return (damping * (pt.toarray() + np.outer(np.ones(n), dangling) / n)
            + (1.0 - damping) / n)


def rel_diff_l1(x: np.ndarray, reference: np.ndarray) -> float:
    """Return ||x - reference||_1 / ||reference||_1."""
    return float(np.abs(x - reference).sum() / np.abs(reference).sum())
