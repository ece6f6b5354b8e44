"""Parallel-beam tomography as a sparse matrix: image (size x size, raveled) -> sinogram.

Geometry: pixel (row i, column j) has its centre at x = j - (size - 1)/2, y = i - (size - 1)/2.
For the angle theta the detector line has `size` unit bins centred on t = -(size - 1)/2 ... and
the pixel centre projects to t = x cos(theta) + y sin(theta). The pixel's value is split between
the two nearest bins by linear interpolation (weights summing to 1); a weight falling off the
detector is dropped. At theta = 0 the projection is the column sums, at 90 degrees the row sums.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def projection_angles(n_angles: int) -> np.ndarray:
    """`n_angles` equally spaced angles in [0, pi) (radians)."""
    if n_angles < 1:
        raise ValueError(f"need at least one projection angle, got {n_angles}")
    return np.arange(n_angles) * (np.pi / n_angles)


def projection_operator(size: int, angles: np.ndarray) -> sparse.csr_matrix:
    """Return the (len(angles) * size) x (size * size) projection matrix, row a * size + bin."""
    if size < 2:
        raise ValueError(f"image size must be at least 2, got {size}")
    half = (size - 1) / 2
    rows, cols = np.divmod(np.arange(size * size), size)
    x, y = cols - half, rows - half
    pixel = np.arange(size * size)
    r_idx, c_idx, vals = [], [], []
    for a, theta in enumerate(np.asarray(angles, dtype=np.float64)):
        u = x * np.cos(theta) + y * np.sin(theta) + half  # position in bin units from bin 0
        u = np.round(u, 12)  # keep exact grid positions exact (cos(pi/2) is 6e-17, not 0)
        lower = np.floor(u).astype(np.int64)
        frac = u - lower
        for bins, weight in ((lower, 1.0 - frac), (lower + 1, frac)):
            keep = (bins >= 0) & (bins < size) & (weight > 0)
            r_idx.append(a * size + bins[keep])
            c_idx.append(pixel[keep])
            vals.append(weight[keep])
    shape = (len(angles) * size, size * size)
    matrix = sparse.coo_matrix(
        (np.concatenate(vals), (np.concatenate(r_idx), np.concatenate(c_idx))), shape=shape
    )
    return matrix.tocsr()


def sinogram(operator: sparse.spmatrix, image: np.ndarray) -> np.ndarray:
    """Project `image` and return the sinogram as (angles, bins)."""
    size = image.shape[0]
    return (operator @ image.ravel()).reshape(-1, size)
