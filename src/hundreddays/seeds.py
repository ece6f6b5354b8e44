"""Seeds and device, set once per study process: every random generator of a study starts from
config's seed, and the device is chosen in one place."""

from __future__ import annotations

import os
import random
import sys

import numpy as np


def seed_everything(seed: int, threads: int | None = None, with_torch: bool = True
                   ) -> np.random.Generator:
    """Seed Python, NumPy and torch (if imported or installed), make torch deterministic (on CPU,
    and cuDNN's choice of kernels on CUDA, as fastai's set_seed(reproducible=True) does), limit
    torch to `threads` threads and return a NumPy Generator for the study's own draws.
    `with_torch=False` leaves torch alone (and unimported)."""
    random.seed(seed)
    np.random.seed(seed)
    if not with_torch:
        return np.random.default_rng(seed)
    # cuBLAS is deterministic only with a fixed workspace, set before CUDA starts (torch docs,
    # "Reproducibility"); without it deterministic mode warns on every matmul on the GPU.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    try:
        import torch
    except ImportError:
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    if threads:
        torch.set_num_threads(threads)
    return np.random.default_rng(seed)


def torch_loaded() -> bool:
    """True when torch has been imported in this process (importing it costs seconds)."""
    return "torch" in sys.modules


def device_name() -> str:
    """"cuda" when torch is loaded and sees a GPU, else "cpu" (never imports torch itself)."""
    if not torch_loaded():
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
