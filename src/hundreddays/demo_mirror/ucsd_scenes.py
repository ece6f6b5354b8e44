"""The miniature UCSD videos as float frames (T, H, W) in [0, 1]: two steady cameras with
foreground that moves (peds, freeway), one steady camera on moving water (boats), and one camera
that pans and zooms after a landing plane (landing), whose background no low rank can hold."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .raster import (
    band,
    bilinear_sample,
    ellipse,
    gaussian_blur,
    grid,
    paint,
    rectangle,
    smooth_noise,
)


def sensor_noise(rng: np.random.Generator, frame: np.ndarray, sigma: float = 0.006) -> np.ndarray:
    """Return `frame` with a little camera noise, clipped to [0, 1]."""
    return np.clip(frame + rng.normal(0.0, sigma, frame.shape), 0.0, 1.0)


# ------------------------------------------------------------------------------------- peds


def park(rng: np.random.Generator, shape) -> tuple[np.ndarray, Callable]:
    """Return a park seen from above (lawn, gravel paths, trees and their shadows, a bench) and
    the centre line y(x) of the main path."""
    h, w = shape
    lawn = 0.46 + 0.06 * smooth_noise(rng, shape, 6) + 0.035 * smooth_noise(rng, shape, 0.9)

    def path_y(x):
        return 0.48 * h + 0.12 * h * np.sin(x / w * 2.6 + 0.5)

    gravel = 0.74 + 0.03 * smooth_noise(rng, shape, 0.8)
    scene = paint(lawn, gaussian_blur(band(shape, lambda y, x: y - path_y(x), 7.5), 0.6), gravel)
    side = band(shape, lambda y, x: x - (0.62 * w + 0.25 * y), 4.0) * (grid(shape)[0] > path_y(0))
    scene = paint(scene, gaussian_blur(side, 0.6), gravel - 0.03)
    for cy, cx, r in ((0.1 * h, 0.12 * w, 11), (0.92 * h, 0.85 * w, 13), (0.05 * h, 0.8 * w, 8)):
        shadow = gaussian_blur(ellipse(shape, cy + 0.6 * r, cx + 0.8 * r, 0.8 * r, 1.1 * r), 2.0)
        scene = scene * (1 - 0.35 * shadow)
        canopy = 0.24 + 0.05 * smooth_noise(rng, shape, 1.5)
        scene = paint(scene, gaussian_blur(ellipse(shape, cy, cx, r, r), 0.8), canopy)
    scene = paint(scene, rectangle(shape, path_y(0.3 * w) - 12, 0.3 * w, 2.5, 9), 0.3)
    return np.clip(scene, 0, 1), path_y


def walker(shape, cy: float, cx: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the (shadow, body) coverages of one person at (cy, cx), legs at phase `step`."""
    swing = 1.5 + 0.35 * np.sin(step)
    body = np.maximum(ellipse(shape, cy, cx, 3.0, swing), ellipse(shape, cy - 3.4, cx, 1.3, 1.3))
    shadow = ellipse(shape, cy + 1.8, cx + 2.6, 1.2, 3.0)
    return shadow, body


def peds(rng: np.random.Generator, frames: int = 48, shape=(72, 108), people: int = 8):
    """Return the steady-camera park video with `people` dark walkers on the paths."""
    h, w = shape
    scene, path_y = park(rng, shape)
    on_side = rng.random(people) < 0.25
    direction = rng.choice([-1.0, 1.0], people)
    speed = rng.uniform(0.5, 1.7, people)
    start = rng.uniform(-0.1, 1.1, people)
    lane = rng.uniform(-4.5, 4.5, people)
    shade = rng.uniform(0.1, 0.35, people)
    video = []
    for t in range(frames):
        frame = scene.copy()
        for k in range(people):
            along = start[k] * (w if not on_side[k] else h) + direction[k] * speed[k] * t
            if on_side[k]:
                cy, cx = along, 0.62 * w + 0.25 * along + 0.4 * lane[k]
            else:
                cy, cx = path_y(along) + lane[k], along
            shadow, body = walker(shape, cy, cx, 0.9 * speed[k] * t + k)
            frame = paint(frame * (1 - 0.25 * shadow), body, shade[k])
        video.append(sensor_noise(rng, frame))
    return np.stack(video)


# ----------------------------------------------------------------------------------- landing


def farmland(rng: np.random.Generator, shape) -> np.ndarray:
    """Return a patchwork of rectangular fields seen from above: each its own brightness, some
    ploughed in its own direction, with dark hedges between them and a fine grain."""
    y, x = grid(shape)
    tilt = 0.2
    u, v = x * np.cos(tilt) + y * np.sin(tilt), y * np.cos(tilt) - x * np.sin(tilt)
    cuts_u = np.cumsum(rng.uniform(18, 45, 20)) - 100
    cuts_v = np.cumsum(rng.uniform(14, 35, 20)) - 100
    iu, iv = np.searchsorted(cuts_u, u), np.searchsorted(cuts_v, v)
    cell = (iu * 21 + iv) % 97
    tone = rng.uniform(0.32, 0.68, 97)[cell]
    direction = rng.uniform(0, np.pi, 97)[cell]
    furrows = np.sin((x * np.cos(direction) + y * np.sin(direction)) / 1.3) * (cell % 3 == 0)
    hedge = np.minimum(np.abs(u[..., None] - cuts_u).min(-1), np.abs(v[..., None] - cuts_v).min(-1))
    fields = tone + 0.05 * furrows + 0.03 * smooth_noise(rng, shape, 1.0)
    return gaussian_blur(paint(fields, np.clip(1.2 - hedge, 0, 1), 0.22), 0.6)


def airport(rng: np.random.Generator, shape=(220, 340)) -> tuple[np.ndarray, Callable]:
    """Return a large airport scene (fields, runway with markings, taxiway, apron, terminal,
    hangars) and the runway centre line y(x)."""
    h, w = shape
    y, x = grid(shape)
    fields = farmland(rng, shape)

    def runway_y(xx):
        return 0.5 * h + 0.1 * (xx - w / 2)

    scene = paint(fields, band(shape, lambda y, x: y - runway_y(x), 11), 0.3)
    scene += 0.02 * smooth_noise(rng, shape, 0.8) * band(shape, lambda y, x: y - runway_y(x), 11)
    for edge in (-9.5, 9.5):
        scene = paint(scene, band(shape, lambda y, x, e=edge: y - runway_y(x) - e, 0.5), 0.85)
    dashes = band(shape, lambda y, x: y - runway_y(x), 0.6) * ((x % 16) < 9)
    scene = paint(scene, dashes * (x > 30) * (x < w - 30), 0.9)
    for bar in range(-7, 8, 3):  # threshold "piano keys" at both ends
        keys = band(shape, lambda y, x, b=bar: y - runway_y(x) - b, 0.7)
        scene = paint(scene, keys * ((x % (w - 40)) < 12) * (x > 10), 0.88)
    taxiway = band(shape, lambda y, x: y - runway_y(x) - 38, 4)
    for link in (0.25 * w, 0.7 * w):
        taxiway = np.maximum(taxiway, band(shape, lambda y, x, c=link: x - c, 3.5)
                             * (y > runway_y(x)) * (y < runway_y(x) + 40))
    scene = paint(scene, taxiway, 0.36)
    scene = paint(scene, rectangle(shape, 0.78 * h, 0.2 * w, 0.12 * h, 0.6 * w), 0.58)
    scene = paint(scene, rectangle(shape, 0.86 * h, 0.3 * w, 0.1 * h, 0.32 * w), 0.7)
    windows = ((x % 6) < 3) * (np.abs(y - 0.88 * h) < 1.2) * (x > 0.31 * w) * (x < 0.61 * w)
    scene = paint(scene, windows.astype(float), 0.35)
    for left in (0.7 * w, 0.77 * w):
        scene = paint(scene, rectangle(shape, 0.8 * h, left, 0.1 * h, 0.06 * w), 0.64)
    return np.clip(gaussian_blur(scene, 0.6), 0, 1), runway_y


def plane(shape, cy: float, cx: float, angle: float, size: float) -> np.ndarray:
    """Return the coverage of a plane seen from above, nose towards +x rotated by `angle`."""
    c, s = np.cos(angle), np.sin(angle)

    def part(dx, ry, rx):
        return ellipse(shape, cy + s * dx * size, cx + c * dx * size, ry * size, rx * size, angle)

    return np.maximum.reduce([part(0, 1.6, 11), part(-1, 10, 2.2), part(-9, 4, 1.2)])


def landing(rng: np.random.Generator, frames: int = 48, shape=(64, 96)):
    """Return the moving-camera video: the camera follows a landing plane, panning and zooming."""
    h, w = shape
    world, runway_y = airport(rng)
    angle = np.arctan(0.1)
    rows, cols = np.mgrid[0:h, 0:w] / np.array([h - 1, w - 1])[:, None, None] - 0.5
    video = []
    for t in range(frames):
        px = 80 + 4.0 * t
        height = max(0.0, 24.0 - 0.8 * t)  # in the air: the shadow lags below and behind
        py = runway_y(px) - 0.5 * height
        scene = world * (1 - 0.45 * plane(world.shape, py + height, px - 0.6 * height, angle, 1))
        scene = paint(scene, plane(world.shape, py, px, angle, 1 + 0.012 * height), 0.92)
        view_h = 100.0 - 1.0 * t
        cam_x = px - 8 + 6 * np.sin(t / 9)
        cam_y = runway_y(cam_x) + 10 * np.cos(t / 10) - 0.3 * height
        frame = bilinear_sample(scene, cam_y + rows * view_h, cam_x + cols * view_h * w / h)
        video.append(sensor_noise(rng, frame))
    return np.stack(video)


# ------------------------------------------------------------------------------ boats, freeway


def boats(rng: np.random.Generator, frames: int = 36, shape=(60, 90)):
    """Return a steady camera on a harbour: wooded shore, rippling water, one boat and its wake."""
    h, w = shape
    y, x = grid(shape)
    shore = 0.3 + 0.08 * smooth_noise(rng, shape, 2.0)
    shore_mask = np.clip(0.2 * h + 2 * np.sin(x / 11) - y + 0.5, 0, 1)
    swell = smooth_noise(rng, shape, 4)
    speed = rng.uniform(0.6, 1.0)
    video = []
    for t in range(frames):
        waves = 0.04 * np.sin(0.9 * y + 0.25 * x - 0.6 * t) + 0.025 * np.sin(1.7 * y - 0.8 * t)
        water = 0.55 + 0.03 * swell + waves * (0.6 + 0.4 * y / h)
        frame = paint(water, shore_mask, shore)
        bx, by = 10 + speed * t, 0.62 * h
        wake = ellipse(shape, by, bx - 12, 1.8, 10) * np.clip((bx - x) / 20, 0, 1)
        frame = paint(frame, wake, 0.75)
        frame = paint(frame, ellipse(shape, by, bx, 2.6, 8), 0.88)
        frame = paint(frame, rectangle(shape, by - 1.5, bx - 4, 3, 4.5), 0.4)
        video.append(sensor_noise(rng, frame))
    return np.stack(video)


def freeway(rng: np.random.Generator, frames: int = 36, shape=(60, 90)):
    """Return a steady camera over a four-lane road with cars of many shades in both directions."""
    w = shape[1]
    y, x = grid(shape)
    verge = 0.48 + 0.05 * smooth_noise(rng, shape, 5) + 0.03 * smooth_noise(rng, shape, 0.9)
    asphalt = 0.3 + 0.015 * smooth_noise(rng, shape, 1)
    road = paint(verge, rectangle(shape, 17, -1, 28, w + 2), asphalt)
    for line_y, dashed in ((24, True), (30.5, False), (31.5, False), (38, True)):
        line = np.clip(0.6 - np.abs(y - line_y), 0, 1) * (((x % 10) < 5) if dashed else 1)
        road = paint(road, line, 0.85)
    lanes = [(20.5, 1), (27.0, 1), (34.5, -1), (41.0, -1)]
    cars = [(lane, rng.uniform(0, w + 20), rng.uniform(2.0, 3.5), rng.uniform(0.1, 0.95))
            for lane in lanes for _ in range(2)]
    video = []
    for t in range(frames):
        frame = road.copy()
        for (cy, direction), x0, speed, shade in cars:
            cx = (x0 + direction * speed * t) % (w + 20) - 10
            frame = paint(frame, rectangle(shape, cy - 1.7, cx - 3.5, 3.4, 7), shade)
            frame = paint(frame, rectangle(shape, cy - 1.2, cx + direction * 1.2 - 0.6, 2.4, 1.2),
                          0.15)
        video.append(sensor_noise(rng, frame))
    return np.stack(video)
