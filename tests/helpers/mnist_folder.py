"""Tiny MNIST folders for the run(ctx) tests of the MNIST studies: arrays written as the four
IDX files that hundreddays.loaders.mnist.load_mnist reads."""

from pathlib import Path

import numpy as np

from hundreddays.demo_mirror.mnist import idx_bytes, make_split
from hundreddays.loaders.mnist import FILES


def miniature(seed: int, train: int, test: int) -> dict[str, np.ndarray]:
    """Digits drawn by the demo mirror's MNIST miniature (pen strokes, jitter, noise)."""
    xtr, ytr = make_split(np.random.default_rng([seed, 0]), train)
    xte, yte = make_split(np.random.default_rng([seed, 1]), test)
    return {"train_images": xtr, "train_labels": ytr, "test_images": xte, "test_labels": yte}


def write_mnist(folder: Path, data: dict[str, np.ndarray]) -> Path:
    """Write load_mnist's dict `data` into `folder` as raw IDX files; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in FILES.items():
        (folder / name).write_bytes(idx_bytes(np.asarray(data[key]).astype(np.uint8)))
    return folder
