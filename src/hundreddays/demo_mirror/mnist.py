"""Miniature MNIST: the four gzipped IDX files, with digits drawn from hand-made pen strokes.

Each digit 0-9 is a few polylines in a unit box. Every sample bends the strokes a little, then
rotates, shears, scales and shifts them, renders them as white anti-aliased pen strokes of random
width on a black 28x28 canvas (the digit in a ~20x20 box, as in MNIST) and adds noise. Linear
models learn these well above chance, but the jitter keeps them below 100 %.
"""

from __future__ import annotations

import struct

import numpy as np

from .archive import gzip_bytes

DATASET = "mnist"
SIZE = 28
IMAGES_MAGIC = 0x00000803  # IDX: unsigned byte, 3 dimensions
LABELS_MAGIC = 0x00000801  # IDX: unsigned byte, 1 dimension
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _arc(cx, cy, rx, ry, start_deg, end_deg, points=10) -> np.ndarray:
    """Return points (x, y) on an elliptic arc; angles count anticlockwise, 90 = up (y down)."""
    a = np.radians(np.linspace(start_deg, end_deg, points))
    return np.stack([cx + rx * np.cos(a), cy - ry * np.sin(a)], axis=1)


def _line(*points) -> np.ndarray:
    """Return the polyline through `points` as an (n, 2) array of (x, y)."""
    return np.array(points, dtype=np.float64)


# Each digit: a list of polylines (x right, y down, in a unit box).
STROKES: dict[int, list[np.ndarray]] = {
    0: [_arc(0.5, 0.5, 0.3, 0.45, 0, 360, 18)],
    1: [_line((0.35, 0.2), (0.55, 0.04), (0.55, 0.96))],
    2: [np.vstack([_arc(0.5, 0.3, 0.27, 0.25, 160, -35), _line((0.18, 0.95), (0.85, 0.95))])],
    3: [_arc(0.48, 0.27, 0.24, 0.22, 150, -90), _arc(0.48, 0.72, 0.27, 0.24, 90, -155)],
    4: [_line((0.65, 0.96), (0.65, 0.04), (0.12, 0.66), (0.88, 0.66))],
    5: [np.vstack([_line((0.8, 0.04), (0.3, 0.04), (0.26, 0.46)),
                   _arc(0.5, 0.68, 0.28, 0.27, 130, -155)])],
    6: [np.vstack([_arc(0.75, 0.62, 0.5, 0.58, 105, 180, 6),
                   _arc(0.5, 0.71, 0.25, 0.24, 180, -180, 16)])],
    7: [_line((0.15, 0.04), (0.85, 0.04), (0.4, 0.96))],
    8: [_arc(0.5, 0.27, 0.22, 0.22, 0, 360, 14), _arc(0.5, 0.72, 0.26, 0.24, 0, 360, 16)],
    9: [_arc(0.5, 0.3, 0.26, 0.25, 0, 360, 14), _line((0.76, 0.3), (0.7, 0.65), (0.6, 0.96))],
}


def _transform(rng: np.random.Generator, strokes: list[np.ndarray]) -> list[np.ndarray]:
    """Return the strokes bent, rotated, sheared, scaled and shifted into 28x28 pixel space."""
    angle = rng.normal(0.0, 0.12)
    shear = rng.normal(0.0, 0.15)
    height = rng.uniform(15.0, 21.0)
    width = height * rng.uniform(0.55, 0.95)
    centre = SIZE / 2 + rng.normal(0.0, 1.0, size=2)
    c, s = np.cos(angle), np.sin(angle)
    out = []
    for line in strokes:
        p = line + rng.normal(0.0, 0.035, size=line.shape)  # wobbly hand
        x, y = (p[:, 0] - 0.5) * width, (p[:, 1] - 0.5) * height
        x = x + shear * y
        out.append(np.stack([c * x - s * y + centre[0], s * x + c * y + centre[1]], axis=1))
    return out


def _segment_distance(px: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return, for each point of px (P, 2), the distance to the nearest segment a[i]-b[i]."""
    abx, aby = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    apx, apy = px[:, :1] - a[:, 0], px[:, 1:] - a[:, 1]
    t = np.clip((apx * abx + apy * aby) / np.maximum(abx * abx + aby * aby, 1e-12), 0.0, 1.0)
    return np.sqrt(((apx - t * abx) ** 2 + (apy - t * aby) ** 2).min(axis=1))


PIXELS = np.stack(np.meshgrid(np.arange(SIZE) + 0.5, np.arange(SIZE) + 0.5), -1).reshape(-1, 2)


def render_digit(rng: np.random.Generator, digit: int) -> np.ndarray:
    """Return one 28x28 uint8 image of `digit`: white strokes on black, with noise."""
    strokes = _transform(rng, STROKES[digit])
    a = np.vstack([line[:-1] for line in strokes])
    b = np.vstack([line[1:] for line in strokes])
    distance = _segment_distance(PIXELS, a, b).reshape(SIZE, SIZE)
    pen = rng.uniform(0.8, 1.9)  # half-width of the pen in pixels
    ink = np.clip(pen + 0.6 - distance, 0.0, 1.0) * rng.uniform(0.75, 1.0)
    ink = ink + rng.normal(0.0, 0.08, ink.shape) * (ink > 0)  # uneven ink on the strokes
    ink = ink + np.clip(rng.normal(-0.25, 0.12, ink.shape), 0.0, None)  # faint speckles
    return np.clip(np.rint(ink * 255.0), 0, 255).astype(np.uint8)


def balanced_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return `n` labels 0-9 in random order, each class n/10 times (+1 for the first n % 10)."""
    return rng.permutation(np.arange(n) % 10).astype(np.uint8)


def idx_bytes(array: np.ndarray) -> bytes:
    """Return the IDX encoding of a uint8 array of 1 or 3 dimensions (big-endian header)."""
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise ValueError(f"IDX writer takes uint8 arrays of 1 or 3 dims, got {array.dtype} "
                         f"{array.shape}")
    magic = LABELS_MAGIC if array.ndim == 1 else IMAGES_MAGIC
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def make_split(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (images (n, 28, 28) uint8, labels (n,) uint8) of one split."""
    labels = balanced_labels(rng, n)
    images = np.stack([render_digit(rng, int(d)) for d in labels])
    return images, labels


def build_files(seed: int, train_size: int = 2000, test_size: int = 500) -> dict[str, bytes]:
    """Return {file name: gzip bytes} for the four MNIST files, deterministic in `seed`."""
    files = {}
    for stream, (split, n) in enumerate((("train", train_size), ("test", test_size))):
        images, labels = make_split(np.random.default_rng([seed, stream]), n)
        image_name, label_name = FILES[split]
        files[image_name] = gzip_bytes(idx_bytes(images))
        files[label_name] = gzip_bytes(idx_bytes(labels))
    return files
