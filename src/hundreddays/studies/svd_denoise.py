"""Day 6: denoise an image by truncating its SVD, with the rank picked by a rule.

The log read Sadek (2012, arXiv 1211.7102): drop the small singular values of a noisy image,
choosing how many from a Frobenius-norm estimate "instead of just dropping a fixed number of
components". Here a greyscale photo X plus Gaussian noise sigma Z (several sigma, same Z) is
truncated at the rank picked by: a fixed rank; the Frobenius rule (smallest k with
||Y - Y_k||_F^2 <= m n sigma^2) with sigma known or estimated; the Gavish-Donoho optimal hard
threshold with sigma known or estimated; and the oracle rank (least error, knowing X).
Errors are relative Frobenius errors ||X_hat - X||_F / ||X||_F.
"""

from __future__ import annotations

import numpy as np

from ..linalg.svd_threshold import (
    estimate_sigma,
    frobenius_rank,
    gavish_donoho_rank,
    truncation_errors,
)

SAMPLE_IMAGE = "grace_hopper.jpg"  # bundled with matplotlib: available offline
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 weights for RGB -> grey
# method -> label in the figure and the table; "noisy" is no denoising at all
LABELS = {
    "noisy": "noisy image",
    "fixed": "fixed rank",
    "frobenius": "Frobenius rule, sigma known",
    "frobenius_estimated": "Frobenius rule, sigma estimated",
    "gavish_donoho": "Gavish-Donoho, sigma known",
    "gavish_donoho_estimated": "Gavish-Donoho, sigma estimated",
    "oracle": "oracle (best rank)",
}
RULES = [m for m in LABELS if m != "noisy"]


def block_mean(image: np.ndarray, factor: int) -> np.ndarray:
    """Downsample a 2-D image by averaging factor x factor blocks (edges that do not fill a
    block are cropped)."""
    if factor < 1:
        raise ValueError(f"downsample factor must be a positive integer, got {factor}")
    h, w = image.shape[0] // factor, image.shape[1] // factor
    if h < 2 or w < 2:
        raise ValueError(f"downsample factor {factor} leaves less than 2 x 2 of {image.shape}")
    return image[: h * factor, : w * factor].reshape(h, factor, w, factor).mean(axis=(1, 3))


def load_image(downsample: int, name: str = SAMPLE_IMAGE) -> np.ndarray:
    """Return matplotlib's bundled sample photo `name` as greyscale float64 in [0, 1]."""
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg

    path = cbook.get_sample_data(name, asfileobj=False)
    rgb = mpimg.imread(path)
    if rgb.dtype == np.uint8:
        rgb = rgb / 255.0
    grey = rgb[..., :3] @ LUMA if rgb.ndim == 3 else rgb.astype(np.float64)
    return block_mean(np.asarray(grey, dtype=np.float64), downsample)


def denoise(clean: np.ndarray, noise: np.ndarray, sigma: float, fixed_rank: int) -> dict:
    """Truncate the SVD of clean + sigma * noise at every rule's rank.

    Returns sigma, its estimate, the relative error for every rank (index k = rank k), each
    method's rank and relative error, and what the figure needs (noisy image, SVD)."""
    noisy = clean + sigma * noise
    u, s, vt = np.linalg.svd(noisy, full_matrices=False)
    norm = float(np.linalg.norm(clean))
    errors = truncation_errors(u, s, vt, clean) / norm
    sigma_hat = estimate_sigma(s, noisy.shape)
    ranks = {
        "fixed": min(fixed_rank, len(s)),
        "frobenius": frobenius_rank(s, noisy.shape, sigma),
        "frobenius_estimated": frobenius_rank(s, noisy.shape, sigma_hat),
        "gavish_donoho": gavish_donoho_rank(s, noisy.shape, sigma),
        "gavish_donoho_estimated": gavish_donoho_rank(s, noisy.shape, None),
        "oracle": int(np.argmin(errors)),
    }
    rel = {"noisy": float(np.linalg.norm(noisy - clean)) / norm}
    rel.update({rule: float(errors[k]) for rule, k in ranks.items()})
    return {"sigma": sigma, "sigma_estimate": sigma_hat, "errors": errors, "ranks": ranks,
            "rel_error": rel, "noisy": noisy, "svd": (u, s, vt)}


def reconstruct(result: dict, rank: int) -> np.ndarray:
    """The rank-`rank` truncation of one result's noisy image."""
    u, s, vt = result["svd"]
    return (u[:, :rank] * s[:rank]) @ vt[:rank]


def sweep(clean: np.ndarray, sigmas: list[float], fixed_rank: int, seed: int) -> list[dict]:
    """Denoise `clean` at every noise level, with one seeded noise pattern scaled by sigma."""
    if not sigmas or min(sigmas) <= 0:
        raise ValueError(f"sigmas must be a non-empty list of positive numbers, got {sigmas}")
    noise = np.random.default_rng(seed).standard_normal(clean.shape)
    return [denoise(clean, noise, float(sigma), fixed_rank) for sigma in sigmas]


def psnr(rel_error: float, clean: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (peak 1) of an estimate with this relative error."""
    mse = (rel_error * np.linalg.norm(clean)) ** 2 / clean.size
    return float(10 * np.log10(1.0 / mse))


def table_rows(results: list[dict], clean: np.ndarray) -> list[dict]:
    """One row per (noise level, method): rank kept, relative error, PSNR."""
    rows = []
    for r in results:
        for method in LABELS:
            rows.append({
                "sigma": r["sigma"], "sigma_estimate": r["sigma_estimate"], "method": method,
                "rank": r["ranks"].get(method, min(clean.shape)),
                "rel_error": r["rel_error"][method], "psnr_db": psnr(r["rel_error"][method], clean),
            })
    return rows


def shown_index(results: list[dict], shown_sigma: float) -> int:
    """Index of the noise level closest to `shown_sigma` (the one the figure details)."""
    return int(np.argmin([abs(r["sigma"] - shown_sigma) for r in results]))


def summarize(results: list[dict], clean: np.ndarray, shown_sigma: float) -> dict:
    """Flat metrics: mean errors over noise levels, the claims' ratios, ranks at the shown level.

    Mean errors are arithmetic means of the relative errors over the noise levels; both claimed
    ratios are ratios of these means."""
    mean = {m: float(np.mean([r["rel_error"][m] for r in results])) for m in LABELS}
    per_level_factor = [r["rel_error"]["noisy"] / r["rel_error"]["frobenius"] for r in results]
    # the best single rank for all noise levels, chosen knowing the clean image
    mean_by_rank = np.mean([r["errors"] for r in results], axis=0)
    best_fixed = int(np.argmin(mean_by_rank))
    shown = results[shown_index(results, shown_sigma)]
    out = {
        "image_rows": clean.shape[0],
        "image_cols": clean.shape[1],
        "noise_levels": len(results),
        "noise_reduction_factor": mean["noisy"] / mean["frobenius"],
        "noise_reduction_factor_min": min(per_level_factor),
        "noise_reduction_factor_max": max(per_level_factor),
        "fixed_to_rule_error_ratio": mean["fixed"] / mean["frobenius"],
        "best_fixed_rank": best_fixed,
        "best_fixed_to_rule_error_ratio": float(mean_by_rank[best_fixed]) / mean["frobenius"],
        "estimated_to_known_sigma_rule_error_ratio": mean["frobenius_estimated"]
        / mean["frobenius"],
        "rule_to_oracle_error_ratio": mean["frobenius"] / mean["oracle"],
        "gavish_donoho_to_rule_error_ratio": mean["gavish_donoho"] / mean["frobenius"],
        "shown_sigma": shown["sigma"],
        "shown_sigma_estimate": shown["sigma_estimate"],
        "shown_noise_reduction_factor": shown["rel_error"]["noisy"]
        / shown["rel_error"]["frobenius"],
    }
    for method in LABELS:
        out[f"{method}_error"] = mean[method]
    for rule in RULES:
        out[f"shown_{rule}_rank"] = shown["ranks"][rule]
        out[f"shown_{rule}_error"] = shown["rel_error"][rule]
    return out


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): matplotlib's sample photo, downsampled as the
    config block says, denoised at every noise level with ctx.seed's noise pattern. Returns
    {"metrics" (summarize), "table" (table_rows), "results" (sweep), "clean", "shown_sigma"}."""
    cfg = ctx.cfg
    clean = load_image(cfg["downsample"])
    ctx.log(f"{SAMPLE_IMAGE}: {clean.shape[0]} x {clean.shape[1]} pixels, "
            f"downsampled by {cfg['downsample']}")
    results = sweep(clean, cfg["sigmas"], cfg["fixed_rank"], ctx.seed)
    for r in results:
        ctx.log(f"sigma {r['sigma']:g} (estimated {r['sigma_estimate']:.4f}): ranks {r['ranks']}")
    metrics = summarize(results, clean, cfg["shown_sigma"])
    ctx.log(str(metrics))
    return {"metrics": metrics, "table": table_rows(results, clean), "results": results,
            "clean": clean, "shown_sigma": cfg["shown_sigma"]}


MARKERS = {"fixed": "s", "frobenius": "o", "frobenius_estimated": "D", "gavish_donoho": "^",
           "gavish_donoho_estimated": "v", "oracle": "*"}
COLORS = {"noisy": "0.4", "fixed": "C3", "frobenius": "C0", "frobenius_estimated": "C9",
          "gavish_donoho": "C2", "gavish_donoho_estimated": "C8", "oracle": "k"}


def plot(result: dict, path, reference) -> None:
    """Top: error against rank at the noise level closest to result["shown_sigma"] with each
    rule's rank marked; error, error ratios and chosen ranks against the noise level (the table).
    Bottom: the images. No reference value is drawn."""
    import matplotlib.pyplot as plt

    from ..figures import STYLE, new_figure, save_figure, show_image

    results, clean, shown_sigma = result["results"], result["clean"], result["shown_sigma"]
    fig, _ = new_figure(1, 1, size=(19, 9))
    fig.clear()
    with plt.rc_context(STYLE):
        top, bottom = fig.add_gridspec(2, 1, height_ratios=[1.0, 1.15])
        axes = [fig.add_subplot(cell) for cell in top.subgridspec(1, 4, wspace=0.3)]
        images = [fig.add_subplot(cell) for cell in bottom.subgridspec(1, 5)]
    ax_rank, ax_sigma, ax_ratio, ax_chosen = axes
    shown = results[shown_index(results, shown_sigma)]
    sigma_txt = f"sigma = {shown['sigma']:g}"

    ranks = np.arange(len(shown["errors"]))
    ax_rank.plot(ranks[1:], shown["errors"][1:], color="C0", lw=1.2, label="truncated SVD")
    ax_rank.axhline(shown["rel_error"]["noisy"], color=COLORS["noisy"], ls="--",
                    label=LABELS["noisy"])
    for rule in RULES:
        k = max(shown["ranks"][rule], 1)
        ax_rank.plot(k, shown["errors"][k], MARKERS[rule], color=COLORS[rule], ms=8, ls="none",
                     label=f"{LABELS[rule]}: k = {shown['ranks'][rule]}")
    ax_rank.set(xscale="log", xlabel="rank k kept (log scale)",
                ylabel="relative error ||X_k - X||_F / ||X||_F",
                title=f"Error against rank kept ({sigma_txt})")
    ax_rank.legend(fontsize=7, loc="upper center")

    sigmas = [r["sigma"] for r in results]
    for method in LABELS:
        ax_sigma.plot(sigmas, [r["rel_error"][method] for r in results],
                      marker=MARKERS.get(method, "x"), color=COLORS[method], ms=5,
                      ls="--" if method == "noisy" else "-", label=LABELS[method])
    ax_sigma.set(xlabel="noise level sigma (image in [0, 1])", ylabel="relative error",
                 title="Error against noise level")
    ax_sigma.legend(fontsize=7)

    reduction = [r["rel_error"]["noisy"] / r["rel_error"]["frobenius"] for r in results]
    fixed = [r["rel_error"]["fixed"] / r["rel_error"]["frobenius"] for r in results]
    ax_ratio.plot(sigmas, reduction, "o-", color="C0",
                  label="noisy / Frobenius rule (noise reduction)")
    ax_ratio.plot(sigmas, fixed, "s-", color="C3",
                  label=f"fixed rank {shown['ranks']['fixed']} / Frobenius rule")
    low = int(np.argmin(reduction))
    ax_ratio.plot(sigmas[low], reduction[low], "o", ms=12, mfc="none", color="C0",
                  label=f"smallest noise reduction (the claim): {reduction[low]:.2f}")
    ax_ratio.axhline(np.mean([r["rel_error"]["fixed"] for r in results])
                     / np.mean([r["rel_error"]["frobenius"] for r in results]), color="C3",
                     ls=":", label="fixed / rule: ratio of the mean errors over all sigma")
    ax_ratio.axhline(1.0, color="grey", lw=0.8, label="1: no better than the noisy image")
    ax_ratio.set(xlabel="noise level sigma", ylabel="error ratio (> 1: Frobenius rule better)",
                 title="Error ratios against noise level")
    ax_ratio.legend(fontsize=7)

    for rule in RULES:
        ax_chosen.plot(sigmas, [r["ranks"][rule] for r in results],
                       MARKERS[rule] + "-", color=COLORS[rule], ms=5, label=LABELS[rule])
    ax_chosen.set(xlabel="noise level sigma", ylabel="rank kept", ylim=(0, None),
                  title="Rank each rule keeps")
    ax_chosen.legend(fontsize=7)

    def caption(method: str) -> str:
        rel = shown["rel_error"][method]
        return f"error {rel:.3f}, PSNR {psnr(rel, clean):.1f} dB"

    show_image(images[0], clean, f"clean {clean.shape[0]} x {clean.shape[1]}", cmap="gray",
               vmin=0, vmax=1)
    show_image(images[1], shown["noisy"], f"noisy, {sigma_txt}\n{caption('noisy')}",
               cmap="gray", vmin=0, vmax=1)
    for ax, rule in zip(images[2:], ("fixed", "frobenius", "gavish_donoho"), strict=True):
        k = shown["ranks"][rule]
        show_image(ax, reconstruct(shown, k), f"{LABELS[rule]}, k = {k}\n{caption(rule)}",
                   cmap="gray", vmin=0, vmax=1)
    save_figure(fig, path)
