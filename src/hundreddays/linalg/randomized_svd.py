"""Randomized SVD (Halko, Martinsson & Tropp 2011): a random range finder with power
iterations, then an exact SVD of the small projected matrix."""

from __future__ import annotations

import numpy as np


def randomized_range(
    a: np.ndarray, size: int, power_iterations: int, rng: np.random.Generator
) -> np.ndarray:
    """Return an orthonormal basis Q (m x size) whose span approximates the range of `a`.

    Each power iteration multiplies by a a^T, sharpening the decay of the spectrum; the QR after
    every product keeps the columns from collapsing onto the top singular vector in floating point.
    """
    omega = rng.standard_normal((a.shape[1], size)).astype(a.dtype, copy=False)
    q, _ = np.linalg.qr(a @ omega)
    for _ in range(power_iterations):
        z, _ = np.linalg.qr(a.T @ q)
        q, _ = np.linalg.qr(a @ z)
    return q


def randomized_svd(
    a: np.ndarray, rank: int, oversample: int = 10, power_iterations: int = 2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (U, s, Vt) of the best rank-`rank` approximation of `a`, found randomly."""
    if not 1 <= rank <= min(a.shape):
        raise ValueError(f"rank must be in [1, {min(a.shape)}], got {rank}")
    size = min(rank + oversample, min(a.shape))
    q = randomized_range(a, size, power_iterations, np.random.default_rng(seed))
    u_small, s, vt = np.linalg.svd(q.T @ a, full_matrices=False)
    return (q @ u_small)[:, :rank], s[:rank], vt[:rank]
