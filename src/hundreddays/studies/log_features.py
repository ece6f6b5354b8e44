"""Day 28: a network trains much better on the logarithm of flux-like inputs than on the usual
standardised inputs. The log's galaxy fluxes are private: this is a SIMULATED ANALOGUE.

The catalogue: each galaxy has a redshift-like target z ~ U(z_min, z_max) and a spectrum that is
a power law with a smooth break at a rest wavelength, redshifted by (1 + z) and observed in
`bands` bands; its brightness is log-normal (spanning several decades) and dimmed with distance.
Sky-subtracted measurement noise, Gaussian with the same std in every band, makes some faint
fluxes negative. The target depends on flux ratios (colours), which a log transform makes
linear. Three input transforms feed the same small MLP regressor (MSE on z):
  - standardised: each band's flux minus its training mean, over its training std;
  - log: natural log of the flux, with fluxes below `log_floor` x noise std (negatives included)
    CLIPPED to that floor (no galaxy is dropped, so all variants see the same rows), then
    standardised;
  - asinh: asinh(flux / (asinh_softening x noise std)), which is linear near zero and handles
    negatives, then standardised.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..timing import seconds_per_epoch
from ..training import fit, train_epoch

TRANSFORMS = ("standardized", "log", "asinh")
LABELS = {"standardized": "standardised flux", "log": "log(flux), clipped at a floor",
          "asinh": "asinh(flux / softening)"}


# -------------------------------------------------------------------------------- simulation


def band_centres(bands: int, low: float = 350.0, high: float = 1000.0) -> np.ndarray:
    """Return `bands` observed band centres (nm), log-spaced from `low` to `high`."""
    return np.geomspace(low, high, bands)


def simulate(n: int, bands: int, seed: int, brightness_sigma: float, noise_std: float,
             z_range: tuple[float, float] = (0.05, 1.5)) -> dict[str, np.ndarray]:
    """Return {"z" (n,), "true_flux" (n, bands), "flux" (n, bands) with noise} as float64."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(*z_range, n)
    rest = band_centres(bands)[None, :] / (1.0 + z[:, None])  # rest-frame wavelength seen
    slope = rng.normal(1.0, 0.3, n)[:, None]  # spectral slope: red to blue galaxies
    strength = rng.uniform(1.0, 3.0, n)[:, None]  # break amplitude (a 4000 A-like break)
    shape = (rest / 400.0) ** slope * (1.0 + (strength - 1.0) / (1.0 + np.exp(-(rest - 400.0)
                                                                           / 15.0)))
    brightness = np.exp(rng.normal(0.0, brightness_sigma, n)) / (z / z_range[0])
    true_flux = 1000.0 * brightness[:, None] * shape / shape.mean(axis=1, keepdims=True)
    flux = true_flux + rng.normal(0.0, noise_std, true_flux.shape)
    return {"z": z, "true_flux": true_flux, "flux": flux}


def negative_fraction(flux: np.ndarray) -> float:
    """Return the share of flux values below zero."""
    return float(np.mean(np.asarray(flux) < 0))


# -------------------------------------------------------------------------------- transforms


def transform(flux: np.ndarray, kind: str, noise_std: float, log_floor: float,
              asinh_softening: float) -> np.ndarray:
    """Return the un-standardised input of variant `kind` (see the module docstring)."""
    if kind == "standardized":
        return np.asarray(flux, dtype=np.float64)
    if kind == "log":
        return np.log(np.maximum(flux, log_floor * noise_std))
    if kind == "asinh":
        return np.arcsinh(flux / (asinh_softening * noise_std))
    raise ValueError(f"unknown transform {kind!r}; known: {TRANSFORMS}")


def standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Return [train, *others] minus train's column mean, over train's column std (population);
    a constant column is only centred."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return [(a - mean) / std for a in (train, *others)]


# ---------------------------------------------------------------------------------- training


def regressor(bands: int, hidden: list[int]) -> nn.Sequential:
    """Return the small MLP bands -> hidden... -> 1 with ReLU, output shape (n,)."""
    layers: list[nn.Module] = []
    sizes = [bands, *hidden]
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], 1), nn.Flatten(0))


@torch.no_grad()
def mse(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 65536) -> float:
    """Return the model's mean squared error on (x, y), in eval mode."""
    model.eval()
    total = sum(nn.functional.mse_loss(model(x[i:i + batch]), y[i:i + batch], reduction="sum")
                .item() for i in range(0, len(x), batch))
    model.train()
    return total / len(x)


def train_regressor(train: tuple[np.ndarray, np.ndarray], valid: tuple[np.ndarray, np.ndarray],
                    hidden: list[int], epochs: int, batch_size: int, lr: float, seed: int,
                    log=print, device: str | torch.device = "cpu") -> list[dict]:
    """Train a fresh regressor, its weights drawn from `seed` (so every input variant starts
    from the same weights), with Adam on the MSE, on `device`; return per-epoch records (see
    hundreddays.training.fit): epoch, train_loss, valid_loss, seconds."""
    torch.manual_seed(seed)
    x, y = (torch.as_tensor(a, dtype=torch.float32, device=device) for a in train)
    vx, vy = (torch.as_tensor(a, dtype=torch.float32, device=device) for a in valid)
    model = regressor(x.shape[1], hidden).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)

    def epoch(_n: int) -> dict:
        train_loss = train_epoch(model, opt, x, y, batch_size, gen, nn.functional.mse_loss)
        return {"train_loss": train_loss, "valid_loss": mse(model, vx, vy)}

    return fit(model, opt, epochs, epoch, gen=gen, log=log, describe=lambda r: (
        f"train MSE {r['train_loss']:.5f}  valid MSE {r['valid_loss']:.5f}"))


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): simulate the catalogue and train the regressor on
    each input transform. Returns {"catalogue", "histories" {kind: records}, "metrics",
    "n_train"}."""
    cfg, seed, log = ctx.cfg, ctx.seed, ctx.log
    cat = simulate(cfg["galaxies"], cfg["bands"], seed, cfg["brightness_sigma"], cfg["noise_std"])
    flux, z = cat["flux"], cat["z"]
    n_valid = int(round(cfg["valid_fraction"] * len(z)))
    if not 0 < n_valid < len(z):
        raise ValueError(f"valid_fraction {cfg['valid_fraction']} of {len(z)} galaxies leaves an "
                         "empty split")
    n_train = len(z) - n_valid
    neg = negative_fraction(flux)
    positive = cat["true_flux"][:, -1]
    decades = float(np.log10(np.percentile(positive, 99.5) / np.percentile(positive, 0.5)))
    log(f"SIMULATED ANALOGUE: {len(z)} galaxies, {cfg['bands']} bands; true fluxes of the last "
        f"band span {decades:.1f} decades (0.5-99.5 %); {neg:.2%} of noisy fluxes are negative")
    histories = {}
    for kind in TRANSFORMS:
        feats = transform(flux, kind, cfg["noise_std"], cfg["log_floor"], cfg["asinh_softening"])
        xtr, xva = standardize(feats[:n_train], feats[n_train:])
        log(f"  inputs: {LABELS[kind]}")
        histories[kind] = train_regressor((xtr, z[:n_train]), (xva, z[n_train:]),
                                          list(cfg["hidden"]), cfg["epochs"], cfg["batch_size"],
                                          cfg["lr"], seed, log=log, device=ctx.device)
    best = {k: min(h["valid_loss"] for h in hist) for k, hist in histories.items()}
    metrics = {
        "noisy_negative_flux_fraction": neg,
        "clipped_log_flux_fraction": float(np.mean(flux < cfg["log_floor"] * cfg["noise_std"])),
        "true_flux_decades": decades,
        **{f"{k}_valid_loss": v for k, v in best.items()},
        "standardized_to_log_valid_loss_ratio": best["standardized"] / best["log"],
        "standardized_to_asinh_valid_loss_ratio": best["standardized"] / best["asinh"],
        "asinh_to_log_valid_loss_ratio": best["asinh"] / best["log"],
        "target_variance": float(z[n_train:].var()),
        "galaxies": len(z),
        "epochs": cfg["epochs"],
        "seconds_per_epoch": seconds_per_epoch(
            h["seconds"] for hist in histories.values() for h in hist),
    }
    return {"catalogue": cat, "histories": histories, "metrics": metrics, "n_train": n_train}


# ------------------------------------------------------------------------------------ figure


def plot(result: dict, path, reference, bins: int = 70) -> None:
    """The log's histogram of log(feature) (last band, positive noisy fluxes), the raw flux
    histogram, and the validation loss per epoch of the three input transforms. The log's
    claims here are qualitative (reported 1), so `reference` is not drawn."""
    from ..figures import new_figure, save_figure

    flux = result["catalogue"]["flux"][:, -1]
    m = result["metrics"]
    fig, axes = new_figure(1, 3, size=(16, 4.4))
    ax = axes[0]
    ax.hist(flux, bins=bins, color="C0")
    ax.set_yscale("log")
    ax.set(xlabel="flux (last band, arbitrary units)", ylabel="galaxies",
           title=f"Simulated analogue: raw flux, {np.mean(flux < 0):.2%} negative")
    ax = axes[1]
    positive = flux[flux > 0]
    ax.hist(np.log(positive), bins=bins, color="C0")
    ax.set(xlabel="log(Feature)", ylabel="galaxies",
           title=f"Simulated analogue: log(flux) of the {len(positive)} positive values")
    ax = axes[2]
    for i, kind in enumerate(("standardized", "log", "asinh")):
        hist = result["histories"][kind]
        ax.plot([h["epoch"] for h in hist], [h["valid_loss"] for h in hist], "o-", ms=3,
                color=f"C{i}", label=f"{LABELS[kind]}: best {m[f'{kind}_valid_loss']:.4f}")
    ax.axhline(m["target_variance"], color="grey", ls=":", label="predicting the mean")
    ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="validation MSE of z",
           title=f"Same regressor, three inputs: standardised / log = "
                 f"{m['standardized_to_log_valid_loss_ratio']:.2f}")
    ax.legend(fontsize=8)
    save_figure(fig, path)
