"""A toy "photometry -> distance" simulator (simulated analogue of the log's private galaxy data).

Each galaxy has a redshift-like target z, a type t in [0, 1] mixing a red template (a strong
4000 A break) with a blue one (emission lines), and a brightness. Its rest-frame spectrum, moved
to wavelength lambda * (1 + z), is integrated through a few broad Gaussian band filters. The
features are the natural logarithms of the band fluxes (day 28: logs train better), with Gaussian
noise in ln-flux, i.e. a fractional flux error.

A "real" sky is the same simulator with a slightly different template (`stretch`, `tilt`): a
domain shift between the pretraining simulations and the small "real" set of day 52.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

BAND_RANGE = (3800.0, 9500.0)  # centres of the bluest and reddest filter, Angstrom
BAND_WIDTH = 0.06  # Gaussian filter sigma as a fraction of its centre (FWHM ~ 14 %)
OBSERVED = np.linspace(2500.0, 12500.0, 2001)  # observed-frame grid the filters are sampled on
LINES = ((3727.0, 1.0), (4861.0, 0.5), (5007.0, 1.2), (6563.0, 1.5))  # (centre, height)
LINE_SIGMA = 20.0  # Angstrom
Z_TABLE = 1501  # redshifts tabulated between 0 and z_max; fluxes are interpolated in between


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def red_template(rest: np.ndarray) -> np.ndarray:
    """Flux density of an old, red galaxy: a rising continuum with a strong 4000 A break."""
    return (rest / 5000.0) ** 1.5 * (0.25 + 0.75 * _sigmoid((rest - 4000.0) / 60.0))


def blue_template(rest: np.ndarray) -> np.ndarray:
    """Flux density of a young, blue galaxy: a falling continuum, a weak break, emission lines."""
    sed = (rest / 5000.0) ** -0.5 * (0.8 + 0.2 * _sigmoid((rest - 4000.0) / 150.0))
    for centre, height in LINES:
        sed = sed + height * np.exp(-0.5 * ((rest - centre) / LINE_SIGMA) ** 2)
    return sed


def band_filters(n_bands: int) -> np.ndarray:
    """Return the (n_bands, len(OBSERVED)) Gaussian transmissions, centres log-spaced."""
    if n_bands < 2:
        raise ValueError(f"galaxy_analogues: bands must be >= 2, got {n_bands}")
    centres = np.geomspace(*BAND_RANGE, n_bands)[:, None]
    return np.exp(-0.5 * ((OBSERVED - centres) / (BAND_WIDTH * centres)) ** 2)


def template_flux(z: float, n_bands: int, red: bool, stretch: float = 0.0,
                  tilt: float = 0.0) -> np.ndarray:
    """Band fluxes (transmission-weighted mean flux density) of one template at redshift z."""
    rest = OBSERVED / (1.0 + z) / (1.0 + stretch)
    sed = (red_template if red else blue_template)(rest) * (rest / 5000.0) ** tilt
    filters = band_filters(n_bands)
    return (filters @ sed) / filters.sum(1)


@lru_cache(maxsize=8)
def flux_table(n_bands: int, z_max: float, stretch: float = 0.0, tilt: float = 0.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (z grid, red fluxes, blue fluxes), the fluxes of shape (Z_TABLE, n_bands)."""
    z = np.linspace(0.0, z_max, Z_TABLE)
    rest = OBSERVED[None, :] / (1.0 + z[:, None]) / (1.0 + stretch)
    filters = band_filters(n_bands)
    norm = filters.sum(1)
    tables = []
    for template in (red_template, blue_template):
        sed = template(rest) * (rest / 5000.0) ** tilt
        tables.append((sed @ filters.T) / norm)
    return z, tables[0], tables[1]


def simulate(n: int, rng: np.random.Generator, *, n_bands: int, z_max: float, noise: float,
             stretch: float = 0.0, tilt: float = 0.0) -> dict[str, np.ndarray]:
    """Draw `n` galaxies. Returns z (n,), type (n,), clean and noisy ln-flux features (n, bands)."""
    if n < 1 or z_max <= 0 or noise < 0:
        raise ValueError(f"galaxy_analogues: need n >= 1, z_max > 0, noise >= 0; got n={n}, "
                         f"z_max={z_max}, noise={noise}")
    z = rng.uniform(0.0, z_max, n)
    kind = rng.uniform(0.0, 1.0, n)
    ln_brightness = rng.normal(0.0, 0.5, n)
    grid, red, blue = flux_table(n_bands, float(z_max), float(stretch), float(tilt))
    flux = np.empty((n, n_bands))
    for b in range(n_bands):
        red_b, blue_b = np.interp(z, grid, red[:, b]), np.interp(z, grid, blue[:, b])
        flux[:, b] = kind * red_b + (1 - kind) * blue_b
    clean = np.log(flux) + ln_brightness[:, None]
    noisy = clean + noise * rng.standard_normal(clean.shape)
    return {"z": z, "type": kind, "clean": clean, "features": noisy}


def z_classes(z: np.ndarray, z_max: float, n_classes: int) -> np.ndarray:
    """Index of the equal-width z bin (of `n_classes` over [0, z_max]) holding each z."""
    return np.clip((np.asarray(z) / z_max * n_classes).astype(np.int64), 0, n_classes - 1)


def standardizer(features: np.ndarray):
    """Return a function scaling features by the mean and std of `features` (float32 out)."""
    mean, std = features.mean(0), features.std(0) + 1e-12
    return lambda x: ((x - mean) / std).astype(np.float32)
