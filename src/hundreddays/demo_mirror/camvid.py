"""Miniature CamVid (fastai's camvid.tgz): synthetic dashcam street scenes with class-index masks.

Layout as fastai ships it: camvid/images/<name>.png (RGB), camvid/labels/<name>_P.png (8-bit
class indices into codes.txt), camvid/codes.txt (the 32 class names, one a line) and
camvid/valid.txt (the validation images' file names). Names follow CamVid's sequences: training
frames from 0001TP and 0006R0, validation frames from 0016E5, as in the real split.

Each scene: sky, buildings on both sides, a road converging to a vanishing point with dashed lane
markings, sidewalks, trees, cars, a pedestrian, thin lamp posts (Column_Pole) and a 'Void' strip
(the car's bonnet). Every class has its own colour with texture noise, so a small U-Net learns
the big classes quickly while the thin poles stay hard, as in the real data.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from .archive import tar_gz_bytes
from .raster import gaussian_blur, resized, smooth_noise

DATASET = "camvid"
FILE = "camvid.tgz"
TOP = "camvid"
WIDTH, HEIGHT = 128, 96  # the real frames are 960x720 (same 4:3 aspect)
CODES = [
    "Animal", "Archway", "Bicyclist", "Bridge", "Building", "Car", "CartLuggagePram", "Child",
    "Column_Pole", "Fence", "LaneMkgsDriv", "LaneMkgsNonDriv", "Misc_Text", "MotorcycleScooter",
    "OtherMoving", "ParkingBlock", "Pedestrian", "Road", "RoadShoulder", "Sidewalk", "SignSymbol",
    "Sky", "SUVPickupTruck", "TrafficCone", "TrafficLight", "Train", "Tree", "Truck_Bus",
    "Tunnel", "VegetationMisc", "Void", "Wall",
]
C = {name: i for i, name in enumerate(CODES)}
# Base colour (RGB in [0, 1]) and texture strength of each class drawn in the scenes.
LOOK = {
    "Sky": ((0.85, 0.80, 0.90), 0.02),
    "Building": ((0.60, 0.40, 0.25), 0.10),
    "Road": ((0.35, 0.33, 0.36), 0.04),
    "Sidewalk": ((0.70, 0.50, 0.65), 0.05),
    "LaneMkgsDriv": ((0.92, 0.90, 0.85), 0.03),
    "Tree": ((0.25, 0.50, 0.20), 0.12),
    "Car": ((0.20, 0.25, 0.60), 0.05),
    "Column_Pole": ((0.55, 0.60, 0.55), 0.03),
    "Pedestrian": ((0.75, 0.30, 0.25), 0.05),
    "Void": ((0.05, 0.05, 0.05), 0.02),
}


def _scene(rng: np.random.Generator) -> np.ndarray:
    """Return the class-index map (HEIGHT, WIDTH) uint8 of one random street scene."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    labels = np.full((HEIGHT, WIDTH), C["Sky"], np.uint8)
    horizon = HEIGHT * rng.uniform(0.40, 0.50)
    vanish = WIDTH * rng.uniform(0.40, 0.60)
    below = y > horizon
    depth = np.clip((y - horizon) / (HEIGHT - horizon), 0.0, 1.0)  # 0 at horizon, 1 at bottom
    road_half = depth * WIDTH * rng.uniform(0.38, 0.48)
    on_road = below & (np.abs(x - vanish) < road_half)
    labels[below] = C["Sidewalk"]
    # Buildings: a row of blocks of random height on each side, down to just below the horizon.
    for side in (-1, 1):
        edge = vanish + side * WIDTH * rng.uniform(0.12, 0.2)
        left, right = (0.0, edge) if side < 0 else (edge, float(WIDTH))
        start = left
        while start < right:
            stop = min(right, start + rng.uniform(12, 30))
            top = HEIGHT * rng.uniform(0.05, 0.35)
            block = (x >= start) & (x < stop) & (y > top) & (y < horizon + 4 * (1 - depth))
            labels[block & ~below] = C["Building"]
            start = stop
    # Trees between buildings and road near the horizon.
    for _ in range(rng.integers(1, 4)):
        cx, cy = rng.uniform(0, WIDTH), horizon - rng.uniform(2, 10)
        r = rng.uniform(4, 9)
        labels[((x - cx) / r) ** 2 + ((y - cy) / (1.3 * r)) ** 2 < 1] = C["Tree"]
    labels[on_road] = C["Road"]
    # Dashed lane markings along the middle of the road.
    dash = (np.floor(np.log1p(8 * depth) * 6) % 2 == 0) & below
    labels[dash & (np.abs(x - vanish) < 0.3 + 1.5 * depth)] = C["LaneMkgsDriv"]
    # Cars on the road: boxes whose size grows with depth.
    for _ in range(rng.integers(0, 3)):
        d = rng.uniform(0.15, 0.6)
        cy = horizon + d * (HEIGHT - horizon)
        cx = vanish + rng.uniform(-0.8, 0.8) * d * WIDTH * 0.4
        w, h = 30 * d + 3, 18 * d + 2
        labels[(np.abs(x - cx) < w / 2) & (y > cy - h) & (y < cy)] = C["Car"]
    # A pedestrian on a sidewalk.
    if rng.uniform() < 0.7:
        d = rng.uniform(0.2, 0.6)
        foot = horizon + d * (HEIGHT - horizon)
        side = rng.choice([-1, 1])
        cx = vanish + side * (d * WIDTH * 0.48 + rng.uniform(2, 6))
        labels[(np.abs(x - cx) < 1 + 2 * d) & (y > foot - 6 - 25 * d) & (y < foot)] = (
            C["Pedestrian"])
    # Lamp posts: thin vertical poles standing on the sidewalk edges, 1-2 pixels wide.
    for _ in range(rng.integers(1, 4)):
        d = rng.uniform(0.25, 0.9)
        foot = horizon + d * (HEIGHT - horizon)
        side = rng.choice([-1, 1])
        cx = vanish + side * (d * WIDTH * 0.45 + rng.uniform(1, 4))
        half = 0.5 + 0.8 * d
        labels[(np.abs(x - cx) < half) & (y > foot - HEIGHT * (0.3 + 0.5 * d)) & (y < foot)] = (
            C["Column_Pole"])
    # The car's bonnet at the bottom, labelled Void as in CamVid.
    bonnet = HEIGHT - rng.uniform(2, 6) + 0.002 * (x - WIDTH / 2) ** 2
    labels[y > bonnet] = C["Void"]
    return labels


def render(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """Return the RGB uint8 image of a class map: class colours, texture, light, blur, noise."""
    image = np.zeros((*labels.shape, 3))
    light = rng.uniform(0.85, 1.1)
    for name, (colour, texture) in LOOK.items():
        where = labels == C[name]
        if not where.any():
            continue
        tint = np.asarray(colour) + rng.normal(0.0, 0.04, 3)
        grain = smooth_noise(rng, labels.shape, 1.0)[..., None] * texture
        image[where] = (tint + grain)[where]
    image = np.stack([gaussian_blur(image[..., k], 0.6) for k in range(3)], axis=-1) * light
    image += rng.normal(0.0, 0.02, image.shape)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def png_bytes(array: np.ndarray, level: int = 9) -> bytes:
    """Return PNG bytes of an RGB (h, w, 3) or grayscale (h, w) uint8 array (no metadata);
    zlib `level` 9, or 1 for the rehearsal's full-size frames (level 9 takes seconds a frame, and
    decoding takes as long either way)."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", optimize=False, compress_level=level)
    return buffer.getvalue()


def frame_names(n_train: int, n_valid: int) -> dict[str, list[str]]:
    """Return {"train": [...], "valid": [...]} image stems in CamVid's naming."""
    train = [f"0001TP_{6690 + 30 * i:06d}" if i % 2 == 0 else f"0006R0_f{930 + 30 * i:05d}"
             for i in range(n_train)]
    valid = [f"0016E5_{7959 + 30 * i:05d}" for i in range(n_valid)]
    return {"train": train, "valid": valid}


def build_files(seed: int, n_train: int = 24, n_valid: int = 8,
                size: tuple[int, int] | None = None) -> dict[str, bytes]:
    """Return {"camvid.tgz": bytes} of the miniature, deterministic in `seed`; `size` (rows,
    columns): the frames and their label maps drawn, then resized to it (the rehearsal mirror:
    CamVid's 720 x 960)."""
    rng = np.random.default_rng([seed, 23])
    names = frame_names(n_train, n_valid)
    level = 9 if size is None else 1
    members = {f"{TOP}/codes.txt": "".join(f"{c}\n" for c in CODES).encode(),
               f"{TOP}/valid.txt": "".join(f"{n}.png\n" for n in names["valid"]).encode()}
    for stem in names["train"] + names["valid"]:
        labels = _scene(rng)
        members[f"{TOP}/images/{stem}.png"] = png_bytes(resized(render(rng, labels), size), level)
        members[f"{TOP}/labels/{stem}_P.png"] = png_bytes(resized(labels, size, labels=True),
                                                          level)
    return {FILE: tar_gz_bytes(members)}
