"""Bootstrap intervals of the analogues' loss ratios, for claims judged on one seed (issue 20:
a paired comparison with an interval where five seeds do not fit): resampling the test galaxies
gives the spread a ratio would have over another test set from the same simulator. Paired: both
arms' per-galaxy losses are resampled with the same indices (the same galaxies); grouped: two
separate groups of galaxies, each resampled on its own."""

from __future__ import annotations

import numpy as np

LEVEL = 0.95
RESAMPLES = 2000
CHUNK = 200  # resamples drawn at a time (memory: CHUNK x galaxies indices)


def _ratio(a_mean: np.ndarray, b_mean: np.ndarray, root: bool) -> np.ndarray:
    ratio = a_mean / b_mean
    return np.sqrt(ratio) if root else ratio


def _interval(ratio: float, boot: np.ndarray, level: float) -> dict:
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(boot, [tail, 100 - tail])
    return {"ratio": float(ratio), "low": float(low), "high": float(high)}


def paired_ratio(a, b, seed, root: bool = False, resamples: int = RESAMPLES,
                 level: float = LEVEL) -> dict:
    """mean(a) / mean(b) (its square root with `root`: an RMSE ratio from squared errors) of two
    per-galaxy losses on the same galaxies, and the percentile bootstrap interval at `level`
    over `resamples` resamples of the galaxies (the same indices for both). Returns {"ratio",
    "low", "high"}."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(f"paired_ratio: need two 1-D arrays of the same length >= 2, got "
                         f"{a.shape} and {b.shape}")
    rng = np.random.default_rng(seed)
    boot = []
    for n in _chunks(resamples):
        idx = rng.integers(0, len(a), (n, len(a)))
        boot.append(_ratio(a[idx].mean(1), b[idx].mean(1), root))
    return _interval(_ratio(a.mean(), b.mean(), root), np.concatenate(boot), level)


def grouped_ratio(a, b, seed, resamples: int = RESAMPLES, level: float = LEVEL) -> dict:
    """mean(a) / mean(b) of two separate groups of galaxies, and its percentile bootstrap
    interval (each group resampled on its own). Returns {"ratio", "low", "high"}."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or b.ndim != 1 or len(a) < 2 or len(b) < 2:
        raise ValueError(f"grouped_ratio: need two 1-D arrays of length >= 2, got {a.shape} and "
                         f"{b.shape}")
    rng = np.random.default_rng(seed)
    boot = []
    for n in _chunks(resamples):
        boot_a = a[rng.integers(0, len(a), (n, len(a)))].mean(1)
        boot.append(boot_a / b[rng.integers(0, len(b), (n, len(b)))].mean(1))
    return _interval(a.mean() / b.mean(), np.concatenate(boot), level)


def _chunks(total: int) -> list[int]:
    return [min(CHUNK, total - start) for start in range(0, total, CHUNK)]


def change_bound(interval: dict) -> float:
    """The largest relative change |ratio - 1| within the interval: the bound a claim of "hardly
    changes" is judged on."""
    return float(max(abs(interval["low"] - 1), abs(interval["high"] - 1)))


def as_metrics(name: str, interval: dict) -> dict:
    """{name: ratio, name_low95: low, name_high95: high} (for LEVEL = 0.95)."""
    return {name: interval["ratio"], f"{name}_low95": interval["low"],
            f"{name}_high95": interval["high"]}
