"""Miniature fastai planet sample: planet_sample.tgz with planet_sample/labels.csv (image_name,
tags; tags space-separated, alphabetical) and planet_sample/train/<image_name>.jpg.

Each chip is drawn from its tags: one weather tag (clear, partly_cloudy, haze or cloudy; a
cloudy chip has no other tag, as in the competition data), rainforest ('primary') as a dark green
texture, and each land-use tag a visible feature of its own colour and shape (fields, rivers,
roads, houses, mines, burn scars, ...), placed and sized at random. A small CNN can learn the
frequent tags; the rare ones stay hard, as in the real data.
"""

from __future__ import annotations

import numpy as np

from . import raster
from .archive import tar_gz_bytes

DATASET = "planet_sample"
ARCHIVE = "planet_sample.tgz"
TOP = "planet_sample"
SIZE = 64  # the real chips are 256x256; the miniature keeps them small
TAGS = ("agriculture", "artisinal_mine", "bare_ground", "blooming", "blow_down", "clear",
        "cloudy", "conventional_mine", "cultivation", "habitation", "haze", "partly_cloudy",
        "primary", "road", "selective_logging", "slash_burn", "water")
WEATHER = {"clear": 0.55, "partly_cloudy": 0.2, "haze": 0.1, "cloudy": 0.15}
LAND = {  # probability of each land tag on a chip that is not cloudy
    "agriculture": 0.35, "cultivation": 0.15, "habitation": 0.12, "road": 0.3, "water": 0.25,
    "bare_ground": 0.06, "artisinal_mine": 0.04, "blooming": 0.04, "blow_down": 0.03,
    "conventional_mine": 0.03, "selective_logging": 0.04, "slash_burn": 0.04,
}
RGB = {
    "forest": (0.10, 0.30, 0.12), "soil": (0.62, 0.52, 0.38), "field": (0.60, 0.72, 0.35),
    "cultivation": (0.50, 0.36, 0.20), "house": (0.85, 0.85, 0.82), "road": (0.78, 0.66, 0.50),
    "water": (0.12, 0.22, 0.55), "mine": (0.90, 0.55, 0.15), "bloom": (0.90, 0.55, 0.75),
    "blowdown": (0.55, 0.80, 0.45), "quarry": (0.55, 0.55, 0.58), "burn": (0.05, 0.04, 0.03),
    "cloud": (0.95, 0.95, 0.96), "haze": (0.62, 0.64, 0.68),
}


def draw_tags(rng: np.random.Generator) -> list[str]:
    """Return the sorted tags of one chip."""
    weather = str(rng.choice(list(WEATHER), p=list(WEATHER.values())))
    if weather == "cloudy":
        return ["cloudy"]
    tags = [weather] + [tag for tag, p in LAND.items() if rng.random() < p]
    if rng.random() < 0.92:
        tags.append("primary")
    return sorted(tags)


def _rect(rng, lo: float, hi: float) -> np.ndarray:
    h, w = rng.uniform(lo, hi, size=2) * SIZE
    top, left = rng.uniform(0, SIZE - h), rng.uniform(0, SIZE - w)
    return raster.rectangle((SIZE, SIZE), top, left, h, w)


def _blobs(rng, count: int, radius: float) -> np.ndarray:
    alpha = np.zeros((SIZE, SIZE))
    for _ in range(count):
        cy, cx = rng.uniform(0, SIZE, size=2)
        r = radius * rng.uniform(0.7, 1.3)
        alpha = np.maximum(alpha, raster.ellipse((SIZE, SIZE), cy, cx, r, r * rng.uniform(
            0.6, 1.4), rng.uniform(0, np.pi)))
    return alpha


def _line(rng, half_width: float) -> np.ndarray:
    slope, offset = rng.uniform(-1.5, 1.5), rng.uniform(0.2, 0.8) * SIZE
    curve = rng.uniform(-0.01, 0.01)
    return raster.band((SIZE, SIZE), lambda y, x: (y - offset - slope * (x - SIZE / 2)
                                                   - curve * (x - SIZE / 2) ** 2)
                       / np.sqrt(1 + slope ** 2), half_width)


def _paint(image, alpha, colour, rng, grain: float = 0.05) -> np.ndarray:
    texture = 1.0 + grain * raster.smooth_noise(rng, (SIZE, SIZE), 1.0)
    return raster.paint(image, alpha[..., None], np.asarray(colour) * texture[..., None])


FEATURES = {  # tag -> (alpha mask maker, colour)
    "agriculture": (lambda rng: _rect(rng, 0.3, 0.6), "field"),
    "cultivation": (lambda rng: _rect(rng, 0.15, 0.3) * (np.arange(SIZE) % 4 < 2)[None, :],
                    "cultivation"),
    "bare_ground": (lambda rng: _blobs(rng, 1, SIZE * 0.18), "soil"),
    "habitation": (lambda rng: np.maximum.reduce([_rect(rng, 0.04, 0.08) for _ in range(6)]),
                   "house"),
    "road": (lambda rng: _line(rng, 1.0), "road"),
    "water": (lambda rng: _line(rng, 3.0), "water"),
    "artisinal_mine": (lambda rng: _blobs(rng, 2, SIZE * 0.06), "mine"),
    "blooming": (lambda rng: _blobs(rng, 8, SIZE * 0.025), "bloom"),
    "blow_down": (lambda rng: _blobs(rng, 1, SIZE * 0.12), "blowdown"),
    "conventional_mine": (lambda rng: _rect(rng, 0.2, 0.3), "quarry"),
    "selective_logging": (lambda rng: np.maximum(_line(rng, 0.5), _line(rng, 0.5)), "soil"),
    "slash_burn": (lambda rng: _blobs(rng, 3, SIZE * 0.05), "burn"),
}


def render_chip(rng: np.random.Generator, tags: list[str]) -> np.ndarray:
    """Return one SIZE x SIZE RGB chip (uint8) showing `tags`."""
    base = RGB["forest"] if "primary" in tags else RGB["soil"]
    image = _paint(np.zeros((SIZE, SIZE, 3)), np.ones((SIZE, SIZE)), base, rng, grain=0.25)
    for tag in tags:
        if tag in FEATURES:
            make, colour = FEATURES[tag]
            image = _paint(image, make(rng), RGB[colour], rng)
    if "cloudy" in tags:
        image = _paint(image, np.clip(0.85 + 0.1 * raster.smooth_noise(rng, (SIZE, SIZE), 6),
                                      0, 1), RGB["cloud"], rng)
    elif "partly_cloudy" in tags:
        clouds = raster.gaussian_blur(_blobs(rng, 3, SIZE * 0.15), 2.0)
        image = _paint(image, clouds, RGB["cloud"], rng)
    elif "haze" in tags:
        image = _paint(image, np.full((SIZE, SIZE), rng.uniform(0.45, 0.6)), RGB["haze"], rng)
    image = image * rng.uniform(0.9, 1.1) + rng.normal(0, 0.02, image.shape)
    return raster.to_uint8(image)


def chips(seed: int, count: int, size: int | None = None) -> tuple[dict[str, bytes], str]:
    """`count` chips deterministic in `seed`: ({image name: JPEG bytes}, the labels CSV with
    columns image_name,tags); `size`: the chips drawn, then resized to size x size (the rehearsal
    mirror: the real 256). Both packagings (this sample's, Kaggle's) are built from them."""
    rng = np.random.default_rng([seed, 21])
    images, rows = {}, ["image_name,tags"]
    for i in range(count):
        tags = draw_tags(rng)
        name = f"train_{i}"
        chip = render_chip(rng, tags)
        chip = raster.resized(chip, None if size is None else (size, size))
        images[name] = raster.jpeg_bytes(chip, quality=90)
        rows.append(f"{name},{' '.join(tags)}")
    return images, "\n".join(rows) + "\n"


def build_files(seed: int, count: int = 240, size: int | None = None) -> dict[str, bytes]:
    """Return {planet_sample.tgz: bytes} holding `count` chips (see chips)."""
    images, labels = chips(seed, count, size)
    members = {f"{TOP}/train/{name}.jpg": data for name, data in images.items()}
    members[f"{TOP}/labels.csv"] = labels.encode()
    return {ARCHIVE: tar_gz_bytes(members)}
