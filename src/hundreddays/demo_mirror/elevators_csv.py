"""Miniature UCI elevators as the uci_datasets collection ships it: `data.csv.gz`, a gzipped CSV
without header, one row per sample, the 18 features then the target, comma-separated.

The rows are the `elevators.mat` miniature's (demo_mirror.elevators), in the same order, each
number written with 17 significant digits so that it reads back exactly; the gzip header carries
no file name and a zero time stamp, so the bytes depend on the seed only.
"""

from __future__ import annotations

import numpy as np

from .archive import gzip_bytes
from .elevators import make_data

DATASET = "elevators_csv"
FILE = "data.csv.gz"


def csv_bytes(data: np.ndarray) -> bytes:
    """Return `data` as gzipped CSV bytes (no header, "%.17g" numbers, "\\n" line ends)."""
    lines = [",".join(f"{value:.17g}" for value in row) for row in data]
    return gzip_bytes(("\n".join(lines) + "\n").encode("ascii"))


def build_files(seed: int, rows: int = 600) -> dict[str, bytes]:
    """Return {"data.csv.gz": bytes}, deterministic in `seed`."""
    return {FILE: csv_bytes(make_data(seed, rows))}
