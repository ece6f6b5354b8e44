"""The Halide talk's 3x3 box blur (blur_x, then blur_y) as compiled loop nests.

Both kernels compute the "valid" interior only: for an (h, w) image the result is (h - 2, w - 2),
out[i, j] = mean of image[i:i + 3, j:j + 3], as two passes of "sum of three, divided by three".

- `blur_naive`: the talk's clean C++ loop nest, compiled by numba; a full temporary image, no
  threads, no fastmath. Its temporary and output are allocated by numpy, like the scheduled
  kernel's output, so that the two differ in their loops only (numpy asks Linux for transparent
  huge pages; numba's allocator does not, and first-touching a fresh 25 MB temporary in 4 KiB
  pages can cost more than the blur itself).
- `blur_scheduled`: the talk's hand schedule, compiled by numba; tiles of `tile_h` rows by `tile_w`
  columns, blur_x of a tile (plus two halo rows) into a small buffer that stays in cache, then
  blur_y from it; the inner loops are plain unit-stride loops LLVM vectorises (fastmath), and the
  row tiles are spread over the threads with numba.prange.
- `blur_python`: the same loop nest interpreted by CPython (the slowest version of the table).
"""

from __future__ import annotations

import numba
import numpy as np


def _check_image(image: np.ndarray) -> None:
    if image.ndim != 2 or image.shape[0] < 3 or image.shape[1] < 3:
        raise ValueError(f"the blur needs a 2-D image of at least 3x3 pixels, got {image.shape}")
    if not np.issubdtype(image.dtype, np.floating):
        raise ValueError(f"the blur needs a floating-point image, got {image.dtype}")


@numba.njit(cache=False)
def _blur_naive(image, tmp, out, three):
    h, w = image.shape
    for y in range(h):
        for x in range(w - 2):
            tmp[y, x] = (image[y, x] + image[y, x + 1] + image[y, x + 2]) / three
    for y in range(h - 2):
        for x in range(w - 2):
            out[y, x] = (tmp[y, x] + tmp[y + 1, x] + tmp[y + 2, x]) / three


@numba.njit(parallel=True, fastmath={"nnan", "ninf", "nsz", "contract"}, cache=False)
def _blur_scheduled(image, out, tile_h, tile_w, three):
    h, w = image.shape
    oh, ow = h - 2, w - 2
    n_tiles = (oh + tile_h - 1) // tile_h
    for t in numba.prange(n_tiles):
        y0 = t * tile_h
        rows = min(tile_h, oh - y0)
        tmp = np.empty((tile_h + 2, tile_w), dtype=image.dtype)
        for x0 in range(0, ow, tile_w):
            cols = min(tile_w, ow - x0)
            for r in range(rows + 2):  # blur_x of the tile and its two halo rows
                src = image[y0 + r, x0:x0 + cols + 2]
                dst = tmp[r]
                for x in range(cols):
                    dst[x] = (src[x] + src[x + 1] + src[x + 2]) / three
            for r in range(rows):  # blur_y from the cached tile
                a, b, c = tmp[r], tmp[r + 1], tmp[r + 2]
                dst = out[y0 + r, x0:x0 + cols]
                for x in range(cols):
                    dst[x] = (a[x] + b[x] + c[x]) / three


def blur_naive(image: np.ndarray) -> np.ndarray:
    """Return the valid 3x3 box blur of `image` by the clean compiled loop nest (one thread)."""
    _check_image(image)
    h, w = image.shape
    tmp = np.empty((h, w - 2), dtype=image.dtype)
    out = np.empty((h - 2, w - 2), dtype=image.dtype)
    _blur_naive(np.ascontiguousarray(image), tmp, out, image.dtype.type(3))
    return out


def blur_scheduled(image: np.ndarray, tile_h: int = 32, tile_w: int = 256) -> np.ndarray:
    """Return the valid 3x3 box blur of `image` by the tiled, vectorised, parallel loop nest.

    The number of threads is numba's (numba.set_num_threads)."""
    _check_image(image)
    if tile_h < 1 or tile_w < 1:
        raise ValueError(f"tile sizes must be positive, got {tile_h} x {tile_w}")
    out = np.empty((image.shape[0] - 2, image.shape[1] - 2), dtype=image.dtype)
    three = image.dtype.type(3)
    _blur_scheduled(np.ascontiguousarray(image), out, tile_h, tile_w, three)
    return out


def blur_python(image: np.ndarray) -> np.ndarray:
    """Return the valid 3x3 box blur of `image` by the same loop nest in plain Python."""
    _check_image(image)
    h, w = image.shape
    src = image.tolist()
    tmp = [[0.0] * (w - 2) for _ in range(h)]
    for y in range(h):
        for x in range(w - 2):
            tmp[y][x] = (src[y][x] + src[y][x + 1] + src[y][x + 2]) / 3
    out = [[0.0] * (w - 2) for _ in range(h - 2)]
    for y in range(h - 2):
        for x in range(w - 2):
            out[y][x] = (tmp[y][x] + tmp[y + 1][x] + tmp[y + 2][x]) / 3
    return np.asarray(out, dtype=image.dtype)
