"""QR factorisations written out: Householder reflections, classical and modified Gram-Schmidt.

Each returns the reduced factors (Q m x n with orthonormal columns in exact arithmetic, R n x n
upper triangular) of an m x n matrix with m >= n.
"""

from __future__ import annotations

import numpy as np


def _check(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < a.shape[1]:
        raise ValueError(f"QR here takes an m x n matrix with m >= n, got shape {a.shape}")
    return a


def householder_vectors(a: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Return the unit Householder vectors v_k and R such that
    (I - 2 v_n v_n^T) ... (I - 2 v_1 v_1^T) A = [R; 0].

    Each reflection maps the column below the diagonal onto -sign(x_0) |x| e_1: reflecting away
    from x_0's sign never subtracts two nearly equal numbers (the stable choice)."""
    r = _check(a).copy()
    m, n = r.shape
    vectors = []
    for k in range(n):
        x = r[k:, k]
        v = x.copy()
        v[0] += np.copysign(np.linalg.norm(x), x[0])
        norm_v = np.linalg.norm(v)
        if norm_v == 0.0:  # the column is already zero below the diagonal
            vectors.append(np.zeros(m - k))
            continue
        v /= norm_v
        r[k:, k:] -= 2.0 * np.outer(v, v @ r[k:, k:])
        vectors.append(v)
    return vectors, np.triu(r[:n])


def householder_qr(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reduced QR by Householder reflections; Q is formed by applying the reflections in reverse
    order to the first n columns of the identity."""
    vectors, r = householder_vectors(a)
    m, n = np.shape(a)
    q = np.eye(m, n)
    for k in reversed(range(n)):
        v = vectors[k]
        q[k:, k:] -= 2.0 * np.outer(v, v @ q[k:, k:])
    return q, r


def classical_gram_schmidt(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reduced QR by classical Gram-Schmidt: each column minus its projections onto the
    previous q's, all projections taken from the ORIGINAL column."""
    a = _check(a)
    m, n = a.shape
    q, r = np.zeros((m, n)), np.zeros((n, n))
    for j in range(n):
        r[:j, j] = q[:, :j].T @ a[:, j]
        v = a[:, j] - q[:, :j] @ r[:j, j]
        r[j, j] = np.linalg.norm(v)
        q[:, j] = v / r[j, j]
    return q, r


def modified_gram_schmidt(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reduced QR by modified Gram-Schmidt: each projection is taken from the column as already
    reduced by the earlier ones, so rounding errors are projected out as they arise."""
    v = _check(a).copy()
    m, n = v.shape
    q, r = np.zeros((m, n)), np.zeros((n, n))
    for j in range(n):
        r[j, j] = np.linalg.norm(v[:, j])
        q[:, j] = v[:, j] / r[j, j]
        r[j, j + 1:] = q[:, j] @ v[:, j + 1:]
        v[:, j + 1:] -= np.outer(q[:, j], r[j, j + 1:])
    return q, r


def numpy_qr(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """numpy.linalg.qr (LAPACK geqrf + orgqr: Householder), reduced."""
    return np.linalg.qr(_check(a), mode="reduced")


def sign_fixed(q: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (Q D, D R) with D = diag(sign(R_kk)): the QR factors with a positive diagonal, the
    unique form in which two correct factorisations of a full-rank matrix must agree."""
    d = np.where(np.diag(r) < 0, -1.0, 1.0)
    return q * d, r * d[:, None]
