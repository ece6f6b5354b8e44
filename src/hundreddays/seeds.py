"""One seed helper: every random generator of a study starts from config's seed."""

from __future__ import annotations

import random

import numpy as np


def seed_everything(seed: int, threads: int | None = None) -> np.random.Generator:
    """Seed Python, NumPy and torch (if installed), make torch deterministic on CPU, and return
    a NumPy Generator for the study's own draws."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    if threads:
        torch.set_num_threads(threads)
    return np.random.default_rng(seed)
