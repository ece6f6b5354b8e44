"""Days 9-11: CT reconstruction from few projections, L2 (ridge) against L1 (lasso) penalty.

The fast.ai course notebook "4. Compressed Sensing of CT Scans with Robust Regression" (after
scikit-learn's tomography example): a synthetic binary phantom of size l x l (random points,
Gaussian-filtered, thresholded, inside the inscribed disc; the course keeps only the blobs'
outlines), projected along l // 7 angles with small Gaussian noise, reconstructed by Ridge and by
Lasso regression on the projection matrix. The log found the L1 result "much better". Besides the
course's outline phantom, the same blobs filled in are reconstructed too: the L1 advantage rests
on the image being sparse in pixels.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..linalg.tomography import projection_angles, projection_operator, sinogram
from ..timing import timed

PHANTOMS = {"outlines": "blob outlines (the course)", "filled": "filled blobs"}
METHODS = {"l2": "L2 (Ridge)", "l1": "L1 (Lasso)"}


def blobs(size: int, points: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean blobs: `points` random pixels, Gaussian-filtered (sigma = size / points),
    thresholded at their mean, inside the disc inscribed in the image."""
    if size < 8 or points < 1:
        raise ValueError(f"need size >= 8 and points >= 1, got size={size}, points={points}")
    row, col = np.ogrid[:size, :size]
    disc = (row - size / 2) ** 2 + (col - size / 2) ** 2 < (size / 2) ** 2
    seeds = np.zeros((size, size))
    r, c = rng.integers(0, size, (2, points))
    seeds[r, c] = 1.0
    smooth = ndimage.gaussian_filter(seeds, sigma=size / points)
    return (smooth > smooth.mean()) & disc


def outlines(mask: np.ndarray) -> np.ndarray:
    """The boundary pixels of a boolean mask (mask minus its binary erosion)."""
    return mask & ~ndimage.binary_erosion(mask)


def rel_error(estimate: np.ndarray, truth: np.ndarray) -> float:
    """||estimate - truth||_F / ||truth||_F."""
    return float(np.linalg.norm(estimate - truth) / np.linalg.norm(truth))


def timed_fit(model, operator, measurements: np.ndarray, repeats: int):
    """Fit `model` once (warm-up), then `repeats` more times; return the fitted model and the
    median seconds of the repeats (of the single fit when repeats is 0)."""
    def fit():
        return model.fit(operator, measurements)

    return timed(fit, repeats, warmup=fit if repeats > 0 else None)


def reconstruct(operator, measurements: np.ndarray, size: int, ridge_alpha: float,
                lasso_alpha: float, lasso_max_iter: int, repeats: int) -> dict:
    """Ridge and Lasso fits of `measurements` ~ operator @ image (the course's estimators, with
    scikit-learn's defaults otherwise). Returns the images, fit seconds and Lasso's iterations."""
    from sklearn.linear_model import Lasso, Ridge

    ridge, ridge_seconds = timed_fit(Ridge(alpha=ridge_alpha), operator, measurements, repeats)
    lasso, lasso_seconds = timed_fit(Lasso(alpha=lasso_alpha, max_iter=lasso_max_iter),
                                     operator.tocsc(), measurements, repeats)
    return {
        "l2": ridge.coef_.reshape(size, size),
        "l1": lasso.coef_.reshape(size, size),
        "l2_fit_seconds": ridge_seconds,
        "l1_fit_seconds": lasso_seconds,
        "l1_iterations": int(lasso.n_iter_),
        # coordinate descent stopped by its tolerance, not by max_iter
        "l1_converged": int(lasso.n_iter_) < lasso_max_iter,
    }


def measure(size: int, angle_divisor: int, points: int, noise_std: float, ridge_alpha: float,
            lasso_alpha: float, lasso_max_iter: int, threshold: float, repeats: int,
            seed: int) -> dict:
    """Simulate and reconstruct both phantoms. Returns {"angles", "phantoms": {name: {...}},
    "measurements", "unknowns"}."""
    n_angles = size // angle_divisor
    if n_angles < 1:
        raise ValueError(f"size // angle_divisor = {size} // {angle_divisor} gives no angle")
    rng = np.random.default_rng(seed)
    mask = blobs(size, points, rng)
    noise = noise_std * rng.standard_normal(n_angles * size)  # one draw, shared by both phantoms
    angles = projection_angles(n_angles)
    operator = projection_operator(size, angles)
    out = {"angles": angles, "phantoms": {}}
    for name, image in (("outlines", outlines(mask)), ("filled", mask)):
        truth = image.astype(np.float64)
        measured = sinogram(operator, truth).ravel() + noise
        # only the course's phantom is timed with repeats; the other is fitted once
        fits = reconstruct(operator, measured, size, ridge_alpha, lasso_alpha, lasso_max_iter,
                           repeats if name == "outlines" else 0)
        result = {"truth": truth, "sinogram": measured.reshape(n_angles, size), **fits}
        for method in METHODS:
            result[f"{method}_error"] = rel_error(fits[method], truth)
            result[f"{method}_misclassified_fraction"] = float(
                np.mean((fits[method] > threshold) != image))
        result["l2_to_l1_error_ratio"] = result["l2_error"] / result["l1_error"]
        result["nonzero_fraction"] = float(image.mean())
        out["phantoms"][name] = result
    out["measurements"] = operator.shape[0]
    out["unknowns"] = operator.shape[1]
    return out


def summarize(result: dict) -> dict:
    """Flat metrics: the course phantom's unprefixed, the filled phantom's prefixed "filled_"."""
    keys = ["l2_error", "l1_error", "l2_to_l1_error_ratio", "l2_misclassified_fraction",
            "l1_misclassified_fraction", "l2_fit_seconds", "l1_fit_seconds", "l1_iterations",
            "l1_converged", "nonzero_fraction"]
    course = result["phantoms"]["outlines"]
    filled = result["phantoms"]["filled"]
    out = {key: course[key] for key in keys}
    out.update({f"filled_{key}": filled[key] for key in keys if "seconds" not in key})
    out["angles"] = len(result["angles"])
    out["image_size"] = course["truth"].shape[0]
    out["measurements_per_unknown"] = result["measurements"] / result["unknowns"]
    out["measurements_per_nonzero"] = result["measurements"] / course["truth"].sum()
    return out


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): measure() with the config block's phantom,
    projections and estimators, drawing from ctx.seed. Returns measure()'s result plus
    "metrics" (summarize)."""
    cfg = ctx.cfg
    ctx.log(f"{cfg['size']} x {cfg['size']} phantom, {cfg['size'] // cfg['angle_divisor']} angles")
    result = measure(cfg["size"], cfg["angle_divisor"], cfg["phantom_points"], cfg["noise_std"],
                     cfg["ridge_alpha"], cfg["lasso_alpha"], cfg["lasso_max_iter"],
                     cfg["threshold"], cfg["timing_repeats"], ctx.seed)
    metrics = summarize(result)
    ctx.log(str(metrics))
    return {"metrics": metrics, **result}


def plot(result: dict, path, reference) -> None:
    """Per phantom: the true image, the noisy sinogram and the two reconstructions (errors in the
    titles); last column: both errors per phantom. No reference value is drawn."""
    from ..figures import new_figure, save_figure, show_image

    names = list(result["phantoms"])
    fig, axes = new_figure(len(names), 5, size=(20, 4.3 * len(names)), squeeze=False)
    n_angles = len(result["angles"])
    for row, name in zip(axes, names, strict=True):
        r = result["phantoms"][name]
        size = r["truth"].shape[0]
        show_image(row[0], r["truth"], f"true image: {PHANTOMS[name]}\n{size} x {size} pixels, "
                   f"{r['nonzero_fraction']:.1%} non-zero", cmap="gray")
        show_image(row[1], r["sinogram"], f"noisy sinogram: {n_angles} angles x {size} bins",
                   cmap="gray", aspect="auto",
                   extent=(-0.5, size - 0.5, 180 * (n_angles - 0.5) / n_angles, -90 / n_angles))
        row[1].set(xlabel="detector bin", ylabel="angle (degrees)")
        for ax, method in zip(row[2:4], METHODS, strict=True):
            stopped = method == "l1" and not r["l1_converged"]
            show_image(ax, r[method], f"{METHODS[method]} reconstruction"
                       f"{' (stopped at max_iter)' if stopped else ''}\nrelative error "
                       f"{r[f'{method}_error']:.3f}, "
                       f"{r[f'{method}_misclassified_fraction']:.2%} pixels wrong at 0.5",
                       cmap="gray")
        row[0].set(xlabel="column (pixel)", ylabel="row (pixel)")
        bars = row[4].bar([METHODS[m] for m in METHODS], [r[f"{m}_error"] for m in METHODS],
                          color=["C1", "C0"])
        row[4].bar_label(bars, fmt="%.3f")
        row[4].set(ylabel="relative error ||x_hat - x|| / ||x||",
                   title=f"L2 / L1 error ratio = {r['l2_to_l1_error_ratio']:.2f}")
    save_figure(fig, path)
