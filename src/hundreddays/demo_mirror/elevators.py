"""Miniature UCI elevators: `elevators.mat` in the gpytorch examples' format (MATLAB v5, one
2-D double array `data`: 18 feature columns, then the target).

The features mimic the real ones' mix of scales (rates, integer-valued counters, heavy-tailed
absolute values, near-duplicate time columns); the target is a smooth nonlinear function of a
few of them plus Gaussian noise, so a network beats a linear fit but cannot reach zero error.
scipy's MAT writer stamps the creation time into the 116-byte text header; that header is
replaced by a fixed text so the bytes depend on the seed only.
"""

from __future__ import annotations

import io

import numpy as np
import scipy.io

DATASET = "elevators"
FILE = "elevators.mat"
FEATURES = 18  # as the real file (16599 rows)
HEADER_BYTES = 116  # MAT v5: descriptive text, then subsystem offset, version, endian marker
HEADER_TEXT = b"MATLAB 5.0 MAT-file, hundreddays demo mirror: miniature UCI elevators"
NOISE = 0.25  # target noise, in units of the target's standard deviation before noise


def make_data(seed: int, rows: int = 600) -> np.ndarray:
    """Return a (rows, FEATURES + 1) float64 array: features, then the target."""
    rng = np.random.default_rng([seed, 47])
    climb = rng.normal(0.0, 1.0, rows) * 300.0  # climb-rate-like, wide range
    pitch = rng.normal(0.0, 0.3, rows)
    roll = rng.uniform(-2.5, 2.5, rows)
    abs_roll = np.abs(roll) + rng.exponential(0.2, rows)
    counters = rng.integers(-20, 21, (rows, 4)).astype(np.float64)  # integer-valued columns
    times = rng.gamma(2.0, 0.01, rows)[:, None] * (1 + rng.normal(0, 0.05, (rows, 4)))
    diffs = rng.normal(0.0, 1.0, (rows, 4)) * [0.1, 0.5, 1.0, 5.0]
    rest = rng.normal(0.0, 1.0, (rows, 2))
    x = np.column_stack([climb, pitch, roll, abs_roll, counters, times, diffs, rest])
    signal = (np.tanh(climb / 300.0 + 2.0 * pitch) + 0.6 * np.sin(roll) * abs_roll
              + 0.05 * counters[:, 0] - 20.0 * times[:, 0] + 0.3 * rest[:, 0] ** 2)
    signal = (signal - signal.mean()) / signal.std()
    target = 0.3 * (signal + NOISE * rng.normal(0.0, 1.0, rows)) + 0.2  # "scaled" like the real one
    return np.column_stack([x, target])


def mat_bytes(data: np.ndarray) -> bytes:
    """Return `data` saved as MATLAB v5 bytes under the key 'data', with a fixed header text."""
    stream = io.BytesIO()
    scipy.io.savemat(stream, {"data": data}, format="5", do_compression=False)
    raw = stream.getvalue()
    header = HEADER_TEXT.ljust(HEADER_BYTES, b" ")
    return header + raw[HEADER_BYTES:]


def build_files(seed: int, rows: int = 600) -> dict[str, bytes]:
    """Return {"elevators.mat": bytes}, deterministic in `seed`."""
    return {FILE: mat_bytes(make_data(seed, rows))}
