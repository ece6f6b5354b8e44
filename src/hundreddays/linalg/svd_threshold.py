"""How many singular values to keep when a matrix is signal plus white noise.

Y = X + sigma Z, Y of shape m x n, Z with i.i.d. N(0, 1) entries. Two rules:

- Frobenius (discrepancy) rule: keep the smallest rank k whose residual ||Y - Y_k||_F^2 (the
  energy of the dropped singular values) is within the expected noise energy m n sigma^2.
- Gavish & Donoho (2014, arXiv 1305.5870) optimal hard threshold: keep the singular values above
  lambda*(beta) sqrt(N) sigma, beta = min(m, n) / max(m, n), N = max(m, n); with sigma unknown,
  above omega(beta) * median singular value, omega(beta) = lambda*(beta) / sqrt(mu_beta), where
  mu_beta is the median of the Marchenko-Pastur law of ratio beta.

Sigma is estimated, as Gavish & Donoho do, from the median singular value: for pure noise the
squared singular values divided by N follow the Marchenko-Pastur law, so
median(s) ~ sigma sqrt(N mu_beta).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import integrate, optimize


def aspect(shape: tuple[int, int]) -> tuple[float, int]:
    """Return (beta, N): the aspect ratio min/max in (0, 1] and the larger dimension."""
    m, n = shape
    if min(m, n) < 1:
        raise ValueError(f"matrix shape must be positive, got {shape}")
    return min(m, n) / max(m, n), max(m, n)


def lambda_star(beta: float) -> float:
    """Gavish-Donoho optimal hard-threshold coefficient for known noise level (4/sqrt(3) at 1)."""
    if not 0 < beta <= 1:
        raise ValueError(f"beta must be in (0, 1], got {beta}")
    return math.sqrt(2 * (beta + 1) + 8 * beta / ((beta + 1) + math.sqrt(beta**2 + 14 * beta + 1)))


def marchenko_pastur_cdf(x: float, beta: float) -> float:
    """P(lambda <= x) for the Marchenko-Pastur law of ratio beta in (0, 1] and unit variance.

    The density is sqrt((b - t)(t - a)) / (2 pi beta t) on [a, b] = [(1 -+ sqrt(beta))^2]. The
    substitution t = a + (b - a)(1 - cos phi)/2 removes the square-root end points.
    """
    a, b = (1 - math.sqrt(beta)) ** 2, (1 + math.sqrt(beta)) ** 2
    if x <= a:
        return 0.0
    if x >= b:
        return 1.0
    half = (b - a) / 2

    def integrand(phi: float) -> float:
        # t = a + 2 half sin^2(phi/2) and sqrt((b - t)(t - a)) dt = half^2 sin^2(phi) dphi;
        # at beta = 1 (a = 0) the quotient is 2 half cos^2(phi/2), finite at phi = 0
        sin_half, cos_half = math.sin(phi / 2), math.cos(phi / 2)
        t = a + 2 * half * sin_half**2
        num = 4 * half**2 * sin_half**2 * cos_half**2
        quotient = 2 * half * cos_half**2 if a == 0 else num / t
        return quotient / (2 * math.pi * beta)

    phi_x = math.acos(1 - (x - a) / half)
    return integrate.quad(integrand, 0.0, phi_x, epsabs=1e-13, epsrel=1e-12)[0]


@functools.lru_cache(maxsize=256)
def marchenko_pastur_median(beta: float) -> float:
    """Median of the Marchenko-Pastur law of ratio beta (solved numerically)."""
    if not 0 < beta <= 1:
        raise ValueError(f"beta must be in (0, 1], got {beta}")
    a, b = (1 - math.sqrt(beta)) ** 2, (1 + math.sqrt(beta)) ** 2
    return optimize.brentq(lambda x: marchenko_pastur_cdf(x, beta) - 0.5, a, b, xtol=1e-13)


def omega(beta: float) -> float:
    """Gavish-Donoho coefficient for unknown noise: threshold = omega(beta) * median(s)."""
    return lambda_star(beta) / math.sqrt(marchenko_pastur_median(beta))


def omega_approx(beta: float) -> float:
    """The paper's cubic fit of omega(beta): 0.56 b^3 - 0.95 b^2 + 1.82 b + 1.43."""
    return 0.56 * beta**3 - 0.95 * beta**2 + 1.82 * beta + 1.43


def estimate_sigma(s: np.ndarray, shape: tuple[int, int]) -> float:
    """Noise level from the median of the singular values `s` of an m x n matrix."""
    beta, big = aspect(shape)
    if len(s) != min(shape):
        raise ValueError(f"need all {min(shape)} singular values, got {len(s)}")
    return float(np.median(s) / math.sqrt(big * marchenko_pastur_median(beta)))


def gavish_donoho_rank(s: np.ndarray, shape: tuple[int, int], sigma: float | None = None) -> int:
    """Number of singular values above the optimal hard threshold (sigma None: estimated)."""
    beta, big = aspect(shape)
    if sigma is None:
        threshold = omega(beta) * float(np.median(s))
    else:
        threshold = lambda_star(beta) * math.sqrt(big) * sigma
    return int(np.count_nonzero(np.asarray(s) > threshold))


def frobenius_rank(s: np.ndarray, shape: tuple[int, int], sigma: float) -> int:
    """Smallest k with sum_{i>k} s_i^2 <= m n sigma^2 (`s` sorted descending, all of them)."""
    s = np.asarray(s, dtype=np.float64)
    if len(s) != min(shape):
        raise ValueError(f"need all {min(shape)} singular values, got {len(s)}")
    # tail[k] = energy left out by the rank-k truncation, k = 0 .. len(s)
    tail = np.append(np.cumsum((s**2)[::-1])[::-1], 0.0)
    return int(np.argmax(tail <= shape[0] * shape[1] * sigma**2))


def truncation_errors(
    u: np.ndarray, s: np.ndarray, vt: np.ndarray, clean: np.ndarray
) -> np.ndarray:
    """||U_k S_k Vt_k - clean||_F for every rank k = 0 .. len(s), without forming U_k S_k Vt_k.

    ||Y_k - X||^2 = ||X||^2 - 2 sum_{i<=k} s_i u_i^T X v_i + sum_{i<=k} s_i^2.
    """
    overlap = np.einsum("ij,ij->j", u, clean @ vt.T)  # u_i^T X v_i
    steps = np.cumsum(s * s - 2 * s * overlap)
    squared = float(np.sum(clean * clean)) + np.append(0.0, steps)
    return np.sqrt(np.maximum(squared, 0.0))
