"""Miniature Kaggle humpback-whale-identification data: train.zip and test.zip (bare <hex>.jpg
files, no folder), train.csv (Image,Id; Id a whale id w_<7 hex> or new_whale) and
sample_submission.csv (Image,Id with 5 space-separated ids).

Each whale is a fluke (two dark lobes) whose identity is a fixed pattern of pale spots on the
lobes; every photo of it is shifted, rotated, scaled and lit differently. new_whale photos get a
pattern of their own. Test photos are of known whales and of new ones.
"""

from __future__ import annotations

import numpy as np

from . import raster
from .archive import zip_bytes

DATASET = "humpback_whale"
HEIGHT, WIDTH = 48, 64
SPOTS = 6


def _pattern(rng: np.random.Generator) -> np.ndarray:
    """Return a whale's spots: (SPOTS, 3) = (x along the span -1..1, y 0..1 down a lobe, size)."""
    return np.column_stack([rng.uniform(-0.9, 0.9, SPOTS), rng.uniform(0.1, 0.8, SPOTS),
                            rng.uniform(0.6, 1.2, SPOTS)])


def render_fluke(rng: np.random.Generator, pattern: np.ndarray) -> np.ndarray:
    """Return one HEIGHT x WIDTH RGB photo (uint8) of the fluke with `pattern`."""
    shape = (HEIGHT, WIDTH)
    sea = 0.45 + 0.08 * raster.smooth_noise(rng, shape, 3.0)
    cx, cy = WIDTH / 2 + rng.normal(0, 2.5), HEIGHT * 0.45 + rng.normal(0, 2.0)
    span = WIDTH * rng.uniform(0.36, 0.44)
    tilt = rng.normal(0, 0.12)
    lobe_h = HEIGHT * 0.17
    c, s = np.cos(tilt), np.sin(tilt)
    fluke = np.zeros(shape)
    for side in (-1, 1):
        lx, ly = cx + side * span / 2 * c, cy + side * span / 2 * s
        fluke = np.maximum(fluke, raster.ellipse(shape, ly, lx, lobe_h, span / 2, tilt + side
                                                 * 0.15))
    fluke = np.maximum(fluke, raster.rectangle(shape, cy, cx - 2, HEIGHT * 0.5, 4))
    image = raster.paint(sea, fluke, 0.12)
    for x, y, size in pattern:
        px, py = cx + x * span * c - y * lobe_h * s, cy + x * span * s + y * lobe_h * c
        spot = raster.ellipse(shape, py, px, 1.6 * size, 2.2 * size)
        image = raster.paint(image, spot * fluke, 0.85)
    image = image * rng.uniform(0.8, 1.2) + rng.normal(0, 0.03, shape)
    tint = np.array([0.92, 1.0, 1.08]) * rng.uniform(0.95, 1.05, 3)
    return raster.to_uint8(np.clip(image[..., None] * tint, 0, 1))


def _names(rng: np.random.Generator, count: int, digits: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(rng.choice(list("0123456789abcdef"), digits)))
    ordered = sorted(names)  # a set's order changes with Python's hash seed: sort, then shuffle
    rng.shuffle(ordered)
    return ordered


def build_files(seed: int, whales: int = 24, photos: int = 5, new_train: int = 24,
                test_known: int = 24, test_new: int = 8, size: tuple[int, int] | None = None
                ) -> dict[str, bytes]:
    """Return {train.zip, test.zip, train.csv, sample_submission.csv: bytes} for `seed`;
    `size` (rows, columns): each photo drawn, then resized to it (the rehearsal mirror; the
    competition does not document its photos' size, which varies: the rehearsal's is assumed)."""

    def jpeg(photo: np.ndarray) -> bytes:
        return raster.jpeg_bytes(raster.resized(photo, size), quality=90)

    rng = np.random.default_rng([seed, 17])
    ids = [f"w_{h}" for h in _names(rng, whales, 7)]
    patterns = {whale: _pattern(rng) for whale in ids}
    n_train = whales * photos + new_train
    images = [f"{h}.jpg" for h in _names(rng, n_train + test_known + test_new, 8)]
    labels = [ids[i % whales] for i in range(whales * photos)] + ["new_whale"] * new_train
    labels = [labels[i] for i in rng.permutation(n_train)]
    train, rows = {}, ["Image,Id"]
    for name, label in zip(images[:n_train], labels, strict=True):
        pattern = _pattern(rng) if label == "new_whale" else patterns[label]
        train[name] = jpeg(render_fluke(rng, pattern))
        rows.append(f"{name},{label}")
    test = {}
    for k, name in enumerate(images[n_train:]):
        pattern = patterns[ids[k % whales]] if k < test_known else _pattern(rng)
        test[name] = jpeg(render_fluke(rng, pattern))
    guess = " ".join(["new_whale", *ids[:4]])
    submission = ["Image,Id"] + [f"{name},{guess}" for name in sorted(test)]
    return {"train.zip": zip_bytes(train), "test.zip": zip_bytes(test),
            "train.csv": ("\n".join(rows) + "\n").encode(),
            "sample_submission.csv": ("\n".join(submission) + "\n").encode()}
