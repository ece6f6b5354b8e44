"""Small numpy raster helpers for the miniature images: smooth textures and anti-aliased shapes.

Everything works on float images in [0, 1] (row = y, column = x) and is deterministic given the
random generator passed in.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Return `image` blurred by a separable Gaussian of std `sigma` pixels (edges reflected)."""
    if sigma <= 0:
        return image.astype(np.float64)
    radius = max(1, int(3 * sigma + 0.5))
    taps = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (taps / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(image.astype(np.float64), radius, mode="reflect")
    rows = np.apply_along_axis(np.convolve, 1, padded, kernel, mode="valid")
    return np.apply_along_axis(np.convolve, 0, rows, kernel, mode="valid")


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Return a smooth random field of `shape`, blurred white noise scaled to mean 0, std 1.

    `sigma` is the feature size in pixels: ~1 gives grass or gravel grain, ~10 gives patches.
    """
    field = gaussian_blur(rng.standard_normal(shape), sigma)
    return (field - field.mean()) / (field.std() + 1e-12)


def grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return the (y, x) pixel-centre coordinate arrays of an image of `shape`."""
    return np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)


def coverage(distance: np.ndarray) -> np.ndarray:
    """Return anti-aliased coverage in [0, 1] from a signed distance (negative = inside)."""
    return np.clip(0.5 - distance, 0.0, 1.0)


def ellipse(shape, cy: float, cx: float, ry: float, rx: float, angle: float = 0.0) -> np.ndarray:
    """Return the coverage of an ellipse centred at (cy, cx), rotated by `angle` radians."""
    y, x = grid(shape)
    c, s = np.cos(angle), np.sin(angle)
    u = (x - cx) * c + (y - cy) * s
    v = -(x - cx) * s + (y - cy) * c
    q = np.sqrt((u / rx) ** 2 + (v / ry) ** 2)
    return coverage((q - 1.0) * min(rx, ry))


def rectangle(shape, top: float, left: float, height: float, width: float) -> np.ndarray:
    """Return the coverage of an axis-aligned rectangle."""
    y, x = grid(shape)
    dy = np.abs(y - (top + height / 2)) - height / 2
    dx = np.abs(x - (left + width / 2)) - width / 2
    return coverage(np.maximum(dx, dy))


def band(shape, offset, half_width: float) -> np.ndarray:
    """Return the coverage of a strip of `half_width` around the curve offset(y, x) = 0, where
    `offset` gives each pixel's signed distance from it (e.g. lambda y, x: y - 0.1 * x - 5)."""
    y, x = grid(shape)
    return coverage(np.abs(offset(y, x)) - half_width)


def paint(image: np.ndarray, alpha: np.ndarray, value) -> np.ndarray:
    """Return `image` with `value` (a number or an image) laid over it with opacity `alpha`."""
    return image * (1.0 - alpha) + np.asarray(value) * alpha


def bilinear_sample(image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Return `image` sampled at fractional coordinates (ys, xs), clamped at the borders."""
    h, w = image.shape
    ys = np.clip(ys, 0, h - 1.000001)
    xs = np.clip(xs, 0, w - 1.000001)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    fy, fx = ys - y0, xs - x0
    top = image[y0, x0] * (1 - fx) + image[y0, x0 + 1] * fx
    bottom = image[y0 + 1, x0] * (1 - fx) + image[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Return `image` (values in [0, 1]) clipped and rounded to uint8."""
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)


def jpeg_bytes(image: np.ndarray, quality: int) -> bytes:
    """Return a uint8 image (H, W grey or H, W, 3 RGB) as baseline JPEG bytes, no metadata
    (the same bytes for the same pixels)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def resized(image: np.ndarray, shape: tuple[int, int] | None, labels: bool = False
            ) -> np.ndarray:
    """`image` (uint8, H x W or H x W x 3) at `shape` (rows, columns): bilinear, or nearest for
    a class map (`labels`); `image` itself when `shape` is None or its own. The rehearsal mirror
    draws each scene at the demo's size and resizes it to the publisher's item size."""
    if shape is None or tuple(shape) == image.shape[:2]:
        return image
    method = Image.Resampling.NEAREST if labels else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(image).resize((shape[1], shape[0]), method))
