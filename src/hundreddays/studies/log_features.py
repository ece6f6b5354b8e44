"""Day 28: a network trains much better on the logarithm of flux-like inputs than on the usual
standardised inputs. The log's galaxy fluxes are private: this is a SIMULATED ANALOGUE.

The catalogue: each galaxy has a redshift-like target z ~ U(z_min, z_max) and a spectrum that is
a power law with a smooth break at a rest wavelength, redshifted by (1 + z) and observed in
`bands` bands; its brightness is log-normal (spread: see below) and dimmed with distance.
Sky-subtracted measurement noise, Gaussian with the same std in every band, makes some faint
fluxes negative. The target depends on flux ratios (colours), which a log transform makes
linear. Three input transforms feed the same small MLP regressor (MSE on z):
  - standardised: each band's flux minus its training mean, over its training std;
  - log: natural log of the flux, with fluxes below `log_floor` x noise std (negatives included)
    CLIPPED to that floor (no galaxy is dropped, so all variants see the same rows), then
    standardised;
  - asinh: asinh(flux / (asinh_softening x noise std)), which is linear near zero and handles
    negatives, then standardised.

Splits: training and validation galaxies come from one catalogue (valid_fraction of it kept for
validation); a separate test catalogue of as many galaxies as the validation split is drawn from
the same simulator on another random stream. Each variant's epoch is chosen on the validation
split; the reported loss is the test loss at that epoch.

Brightness spread: the judged catalogue's log-normal spread (brightness_sigma) is not a free
setting but solved from the log's own day-28 histogram (LOG_HISTOGRAM, read off the pixels of
the log's log_features.png): the spread whose catalogue's log(Feature) - the natural log of the
positive noisy fluxes of the last band, what the log's cell histograms - spans as many decades
between the config's `solved_percentiles` (the bulk: 5 and 95) as the log's histogram does. The
wider 0.5-99.5 percentile range (the tails) is not solved for: it is measured
(log_feature_range_decades) and set beside the log's in a claim on the figure. The
standardised-to-log comparison is also run over `spread_sweep.brightness_sigmas` on smaller
catalogues (`spread_sweep.galaxies`), for the figure.
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


def simulate(n: int, bands: int, seed, brightness_sigma: float, noise_std: float,
             z_range: tuple[float, float] = (0.05, 1.5)) -> dict[str, np.ndarray]:
    """Return {"z" (n,), "true_flux" (n, bands), "flux" (n, bands) with noise} as float64;
    `seed` is anything numpy's default_rng takes (an int, or a list for a separate stream)."""
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


# The log's day-28 histogram (reference-figures/log_features.png: pandas' hist of
# torch.log(flux[:, -1]), 70 bins over the data range). Read off its pixels: the bar tops in pixel
# rows against the y gridlines (25000 galaxies every 27.25 px: 200000 / 218 per pixel), the bin
# edges from the x gridlines (-40 ... 30 at x px 193 ... 469: 3.947 px per unit) and the axes'
# 5 % margins (data from -45.21 to 31.94, bin width 1.102). Only the bins with a visible bar; a
# 1-px bar holds 460-1380 galaxies.
LOG_HISTOGRAM = {
    "first_edge": -5.53,  # the left edge of bin 36 of 70
    "width": 1.102,
    "pixels": [1, 1, 7, 53, 154, 207, 203, 166, 115, 73, 44, 26, 16, 10, 6, 4, 2, 1, 1, 1],
    "galaxies_per_pixel": 200000 / 218,
}


def histogram_percentile(first_edge: float, width: float, counts, q: float) -> float:
    """Return the q-th percentile of a histogram of equal bins (counts from `first_edge`),
    linear within the bin that holds it (the values spread evenly over a bin)."""
    counts = np.asarray(counts, dtype=float)
    cum = np.cumsum(counts)
    target = q / 100 * cum[-1]
    k = int(np.searchsorted(cum, target))
    before = cum[k - 1] if k else 0.0
    return first_edge + width * (k + (target - before) / counts[k])


def log_histogram_decades(low: float, high: float, hist: dict = LOG_HISTOGRAM) -> float:
    """Decades between the `low` and `high` percentiles of the log's histogram of log(Feature)
    (natural log, so the range over ln 10)."""
    counts = np.asarray(hist["pixels"]) * hist["galaxies_per_pixel"]
    p = [histogram_percentile(hist["first_edge"], hist["width"], counts, q) for q in (low, high)]
    return float((p[1] - p[0]) / np.log(10))


def log_feature(flux: np.ndarray) -> np.ndarray:
    """The log's log(Feature): the natural log of the last band's positive fluxes (torch.log
    gives NaN for the negative ones, which pandas' hist drops)."""
    last = np.asarray(flux)[:, -1]
    return np.log(last[last > 0])


def feature_decades(flux: np.ndarray, low: float, high: float) -> float:
    """Decades between the `low` and `high` percentiles of log_feature(flux)."""
    p = np.percentile(log_feature(flux), [low, high])
    return float((p[1] - p[0]) / np.log(10))


def flux_decades(true_flux: np.ndarray) -> float:
    """Return log10 of the 99.5 over the 0.5 percentile of the last band's true flux: the
    catalogue's noise-free dynamic range in decades."""
    last = np.asarray(true_flux)[:, -1]
    return float(np.log10(np.percentile(last, 99.5) / np.percentile(last, 0.5)))


def sigma_for_decades(decades: float, percentiles: tuple[float, float], bands: int,
                      noise_std: float, seed, galaxies: int = 50_000, tol: float = 1e-3) -> float:
    """Return the brightness_sigma whose noisy catalogue (`galaxies` drawn from `seed`) spans
    `decades` decades between the `percentiles` of its log(Feature) (feature_decades), by
    bisection on [0, 10]; raise ValueError naming solved_percentiles when the simulator cannot
    span that (the distance dimming and noise alone span more, or no spread reaches it)."""
    span = lambda sigma: feature_decades(  # noqa: E731
        simulate(galaxies, bands, seed, sigma, noise_std)["flux"], *percentiles)
    low, high = 0.0, 10.0
    if not span(low) <= decades <= span(high):
        raise ValueError(f"config studies.log_features.solved_percentiles: the log's histogram "
                         f"spans {decades:.2f} decades between {percentiles}, outside what the "
                         f"simulator spans ({span(low):.2f} with no brightness spread to "
                         f"{span(high):.2f})")
    while high - low > tol:
        mid = 0.5 * (low + high)
        low, high = (mid, high) if span(mid) < decades else (low, mid)
    return 0.5 * (low + high)


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
                    log=print, device: str | torch.device = "cpu",
                    test: tuple[np.ndarray, np.ndarray] | None = None) -> list[dict]:
    """Train a fresh regressor, its weights drawn from `seed` (so every input variant starts
    from the same weights), with Adam on the MSE, on `device`; return per-epoch records (see
    hundreddays.training.fit): epoch, train_loss, valid_loss, seconds, and test_loss when a
    `test` split is given (measured every epoch, never used to choose one)."""
    torch.manual_seed(seed)
    x, y = (torch.as_tensor(a, dtype=torch.float32, device=device) for a in train)
    vx, vy = (torch.as_tensor(a, dtype=torch.float32, device=device) for a in valid)
    tx, ty = ((torch.as_tensor(a, dtype=torch.float32, device=device) for a in test)
              if test is not None else (None, None))
    model = regressor(x.shape[1], hidden).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)

    def epoch(_n: int) -> dict:
        train_loss = train_epoch(model, opt, x, y, batch_size, gen, nn.functional.mse_loss)
        record = {"train_loss": train_loss, "valid_loss": mse(model, vx, vy)}
        if tx is not None:
            record["test_loss"] = mse(model, tx, ty)
        return record

    return fit(model, opt, epochs, epoch, gen=gen, log=log, describe=lambda r: (
        f"train MSE {r['train_loss']:.5f}  valid MSE {r['valid_loss']:.5f}"))


def chosen_epoch(history: list[dict]) -> dict:
    """Return the record of the epoch with the lowest validation loss (the first on a tie)."""
    return min(history, key=lambda h: h["valid_loss"])


def compare(cfg: dict, seed: int, sigma: float, galaxies: int, kinds=TRANSFORMS, log=print,
            device: str | torch.device = "cpu") -> dict:
    """Simulate a catalogue of `galaxies` (train + valid) and a separate test catalogue of as
    many galaxies as the validation split, both with brightness spread `sigma`; train the
    regressor on each input transform of `kinds`. Returns {"catalogue", "test_catalogue",
    "histories" {kind: records}, "n_train", "n_valid"}."""
    cat = simulate(galaxies, cfg["bands"], seed, sigma, cfg["noise_std"])
    n_valid = int(round(cfg["valid_fraction"] * galaxies))
    if not 0 < n_valid < galaxies:
        raise ValueError(f"config studies.log_features.valid_fraction: {cfg['valid_fraction']} "
                         f"of {galaxies} galaxies leaves an empty split")
    test = simulate(n_valid, cfg["bands"], [seed, 1], sigma, cfg["noise_std"])
    n_train = galaxies - n_valid
    z = cat["z"]
    histories = {}
    for kind in kinds:
        feats, test_feats = (transform(c["flux"], kind, cfg["noise_std"], cfg["log_floor"],
                                       cfg["asinh_softening"]) for c in (cat, test))
        xtr, xva, xte = standardize(feats[:n_train], feats[n_train:], test_feats)
        log(f"  inputs: {LABELS[kind]}")
        histories[kind] = train_regressor((xtr, z[:n_train]), (xva, z[n_train:]),
                                          list(cfg["hidden"]), cfg["epochs"], cfg["batch_size"],
                                          cfg["lr"], seed, log=log, device=device,
                                          test=(xte, test["z"]))
    return {"catalogue": cat, "test_catalogue": test, "histories": histories,
            "n_train": n_train, "n_valid": n_valid}


def sweep_key(sigma: float) -> str:
    """Return the metrics prefix of one spread of the sweep: 1.5 -> "sweep_sigma1p50"."""
    return "sweep_sigma" + f"{sigma:.2f}".replace(".", "p")


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): solve the brightness spread from the log's
    histogram, simulate the catalogue and train the regressor on each input transform, then
    the standardised and log inputs over the spread sweep. Returns {"catalogue",
    "test_catalogue", "histories" {kind: records}, "metrics", "n_train", "sweep"
    [(sigma, test ratio)]}."""
    cfg, seed, log = ctx.cfg, ctx.seed, ctx.log
    solved = tuple(cfg["solved_percentiles"])
    target = log_histogram_decades(*solved)
    sigma = sigma_for_decades(target, solved, cfg["bands"], cfg["noise_std"], [seed, 2])
    log(f"brightness_sigma {sigma:.3f}: log(Feature) spans {target:.2f} decades between the "
        f"{solved[0]:g} and {solved[1]:g} percentiles, as the log's day-28 histogram does")
    main = compare(cfg, seed, sigma, cfg["galaxies"], log=log, device=ctx.device)
    cat, histories = main["catalogue"], main["histories"]
    flux = cat["flux"]
    neg = negative_fraction(flux)
    decades = flux_decades(cat["true_flux"])
    log(f"SIMULATED ANALOGUE: {len(flux)} galaxies (+ {main['n_valid']} test), {cfg['bands']} "
        f"bands; true fluxes of the last band span {decades:.1f} decades (0.5-99.5 %), "
        f"log(Feature) {feature_decades(flux, 0.5, 99.5):.2f} (the log's histogram "
        f"{log_histogram_decades(0.5, 99.5):.2f}); {neg:.2%} of noisy fluxes are negative")
    chosen = {k: chosen_epoch(hist) for k, hist in histories.items()}
    test = {k: c["test_loss"] for k, c in chosen.items()}
    metrics = {
        "noisy_negative_flux_fraction": neg,
        "clipped_log_flux_fraction": float(np.mean(flux < cfg["log_floor"] * cfg["noise_std"])),
        "true_flux_decades": decades,
        "brightness_sigma": sigma,
        "log_histogram_solved_decades": target,
        "log_feature_solved_decades": feature_decades(flux, *solved),
        "log_feature_range_decades": feature_decades(flux, 0.5, 99.5),
        "log_histogram_range_decades": log_histogram_decades(0.5, 99.5),
        **{f"{k}_valid_loss": c["valid_loss"] for k, c in chosen.items()},
        **{f"{k}_best_epoch": c["epoch"] for k, c in chosen.items()},
        **{f"{k}_test_loss": v for k, v in test.items()},
        "standardized_to_log_test_loss_ratio": test["standardized"] / test["log"],
        "standardized_to_asinh_test_loss_ratio": test["standardized"] / test["asinh"],
        "asinh_to_log_test_loss_ratio": test["asinh"] / test["log"],
        "target_variance": float(main["test_catalogue"]["z"].var()),
        "galaxies": len(flux),
        "test_galaxies": main["n_valid"],
        "epochs": cfg["epochs"],
    }
    seconds = [h["seconds"] for hist in histories.values() for h in hist]
    sweep = []
    for s in cfg["spread_sweep"]["brightness_sigmas"]:
        log(f"spread sweep: brightness_sigma {s}")
        r = compare(cfg, seed, s, cfg["spread_sweep"]["galaxies"], kinds=("standardized", "log"),
                    log=log, device=ctx.device)
        t = {k: chosen_epoch(h)["test_loss"] for k, h in r["histories"].items()}
        ratio = t["standardized"] / t["log"]
        sweep.append((float(s), ratio, flux_decades(r["catalogue"]["true_flux"])))
        metrics[f"{sweep_key(s)}_standardized_to_log_test_loss_ratio"] = ratio
        seconds += [h["seconds"] for hist in r["histories"].values() for h in hist]
    metrics["seconds_per_epoch"] = seconds_per_epoch(seconds)
    return {"catalogue": cat, "test_catalogue": main["test_catalogue"], "histories": histories,
            "metrics": metrics, "n_train": main["n_train"], "sweep": sweep,
            "solved_percentiles": solved}


# ------------------------------------------------------------------------------------ figure


def plot(result: dict, path, reference, bins: int = 70) -> None:
    """The raw flux histogram, the log's histogram of log(Feature) (last band, positive noisy
    fluxes) beside ours, the validation loss per epoch of the three input transforms (the
    chosen epoch's test loss marked), and the standardised-to-log test loss ratio over the
    spread sweep with the judged spread. `reference` is not drawn: the histogram panel sets the
    log's own histogram beside ours."""
    from ..figures import new_figure, save_figure

    flux = result["catalogue"]["flux"][:, -1]
    m = result["metrics"]
    fig, axes = new_figure(1, 4, size=(21, 4.4))
    ax = axes[0]
    ax.hist(flux, bins=bins, color="C0")
    ax.set_yscale("log")
    ax.set(xlabel="flux (last band, arbitrary units)", ylabel="galaxies",
           title=f"Simulated analogue: raw flux, {np.mean(flux < 0):.2%} negative")
    ax = axes[1]
    feature = log_feature(result["catalogue"]["flux"])
    ax.hist(feature, bins=bins, color="C0", label=f"ours: {len(feature)} positive values")
    h = LOG_HISTOGRAM
    counts = np.asarray(h["pixels"]) * h["galaxies_per_pixel"]
    mid = histogram_percentile(h["first_edge"], h["width"], counts, 50)
    shift = float(np.median(feature)) - mid  # the log's flux units are not ours
    edges = h["first_edge"] + shift + h["width"] * np.arange(len(counts) + 1)
    scale = len(feature) / counts.sum() * (np.ptp(feature) / bins) / h["width"]
    ax.stairs(counts * scale, edges, color="k", lw=1.2,
              label=f"the log's (read off its figure; shifted by {shift:+.1f})")
    for q, ls in ((0.5, ":"), (99.5, ":")):
        ax.axvline(np.percentile(feature, q), color="C0", ls=ls)
        ax.axvline(histogram_percentile(h["first_edge"], h["width"], counts, q) + shift,
                   color="k", ls=ls)
    ax.set(xlabel="log(Feature)", ylabel="galaxies",
           title=f"log(Feature), 0.5-99.5 %: ours {m['log_feature_range_decades']:.2f} decades, "
                 f"the log's {m['log_histogram_range_decades']:.2f}")
    ax.legend(fontsize=8)
    ax = axes[2]
    for i, kind in enumerate(TRANSFORMS):
        hist = result["histories"][kind]
        ax.plot([h["epoch"] for h in hist], [h["valid_loss"] for h in hist], "o-", ms=3,
                color=f"C{i}", label=f"{LABELS[kind]}: test {m[f'{kind}_test_loss']:.4f}")
        ax.plot(m[f"{kind}_best_epoch"], m[f"{kind}_test_loss"], "*", ms=12, color=f"C{i}")
    ax.axhline(m["target_variance"], color="grey", ls=":", label="predicting the mean")
    ax.set_yscale("log")
    ax.set(xlabel="epoch (star: test MSE at the epoch of lowest validation MSE)",
           ylabel="validation MSE of z",
           title=f"Same regressor, three inputs: standardised / log test = "
                 f"{m['standardized_to_log_test_loss_ratio']:.2f}")
    ax.legend(fontsize=8)
    ax = axes[3]
    if result["sweep"]:
        sig, ratio, dec = zip(*result["sweep"], strict=True)
        ax.plot(sig, ratio, "o-", color="C0", label="sweep (smaller catalogues)")
        for x, y, d in zip(sig, ratio, dec, strict=True):
            ax.annotate(f"{d:.1f} dex", (x, y), textcoords="offset points", xytext=(4, 4),
                        fontsize=7)
    ax.plot(m["brightness_sigma"], m["standardized_to_log_test_loss_ratio"], "*", ms=14,
            color="C3", label=f"judged: solved from the log's histogram "
                              f"(sigma {m['brightness_sigma']:.2f})")
    ax.axhline(1.0, color="grey", ls=":")
    ax.set(xlabel="brightness spread (std of ln brightness)",
           ylabel="standardised / log test MSE",
           title="The comparison over the whole spread")
    ax.legend(fontsize=8)
    save_figure(fig, path)
