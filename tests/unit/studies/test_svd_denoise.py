import math

import numpy as np
import pytest
from scipy import optimize

from hundreddays.linalg import svd_threshold as th
from hundreddays.metrics import table_csv
from hundreddays.runner import Context, Reference
from hundreddays.studies import svd_denoise as study


def low_rank_plus_noise(m=60, n=90, rank=4, sigma=0.1, strength=30.0, seed=0):
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((m, rank)))
    v, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    clean = (u * (strength * np.sqrt(n) * sigma * np.linspace(1, 2, rank))) @ v.T
    noise = rng.standard_normal((m, n))
    return clean, noise


def optimal_threshold_from_spiked_model(beta):
    """Gavish-Donoho's optimal threshold, derived independently from the spiked model: a spike x
    (noise level 1/sqrt(N)) shows as singular value y(x) with cosines c_L, c_R to the true
    singular vectors; keeping it costs y^2 + x^2 - 2 x y c_L c_R against x^2 for dropping it, so
    the threshold is the y where y = 2 x c_L c_R."""
    def y(x):
        return math.sqrt((x + 1 / x) * (x + beta / x))

    def gain(x):
        c_l = math.sqrt((x**4 - beta) / (x**4 + beta * x**2))
        c_r = math.sqrt((x**4 - beta) / (x**4 + x**2))
        return y(x) - 2 * x * c_l * c_r

    x_star = optimize.brentq(gain, beta**0.25 * (1 + 1e-9), 10.0, xtol=1e-14)
    return y(x_star)


@pytest.mark.parametrize("beta", [0.1, 0.3, 0.5, 0.8, 1.0])
def test_lambda_star_matches_the_spiked_model_optimum(beta):
    assert th.lambda_star(beta) == pytest.approx(optimal_threshold_from_spiked_model(beta),
                                                 rel=1e-9)


def test_lambda_star_square_matrix_is_four_over_root_three():
    assert th.lambda_star(1.0) == pytest.approx(4 / math.sqrt(3), rel=1e-12)


def test_marchenko_pastur_median_matches_random_matrices_and_cdf_is_normalised():
    rng = np.random.default_rng(3)
    m, n = 300, 750
    z = rng.standard_normal((m, n))
    eigenvalues = np.linalg.eigvalsh(z @ z.T / n)
    assert th.marchenko_pastur_median(m / n) == pytest.approx(np.median(eigenvalues), rel=0.01)
    for beta in (0.2, 1.0):
        assert th.marchenko_pastur_cdf(1e9, beta) == 1.0
        edge = (1 + math.sqrt(beta)) ** 2 * (1 - 1e-12)
        assert th.marchenko_pastur_cdf(edge, beta) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("beta", np.linspace(0.05, 1.0, 8))
def test_omega_matches_the_papers_cubic_fit(beta):
    assert th.omega(beta) == pytest.approx(th.omega_approx(beta), abs=0.01)


def test_sigma_estimate_from_the_median_singular_value():
    clean, noise = low_rank_plus_noise(m=120, n=200, sigma=0.1)
    for image in (0.1 * noise, clean + 0.1 * noise):
        s = np.linalg.svd(image, compute_uv=False)
        assert th.estimate_sigma(s, image.shape) == pytest.approx(0.1, rel=0.04)


def test_frobenius_rank_matches_brute_force():
    clean, noise = low_rank_plus_noise(strength=3.0)
    y = clean + 0.1 * noise
    u, s, vt = np.linalg.svd(y, full_matrices=False)
    for sigma in (0.03, 0.1, 0.3):
        residuals = [np.linalg.norm(y - (u[:, :k] * s[:k]) @ vt[:k]) ** 2
                     for k in range(len(s) + 1)]
        budget = y.size * sigma**2
        expected = next(k for k, r in enumerate(residuals) if r <= budget * (1 + 1e-12))
        assert th.frobenius_rank(s, y.shape, sigma) == expected


def test_truncation_errors_match_direct_reconstruction():
    clean, noise = low_rank_plus_noise(strength=2.0)
    y = clean + 0.2 * noise
    u, s, vt = np.linalg.svd(y, full_matrices=False)
    direct = [np.linalg.norm((u[:, :k] * s[:k]) @ vt[:k] - clean) for k in range(len(s) + 1)]
    np.testing.assert_allclose(th.truncation_errors(u, s, vt, clean), direct, rtol=1e-9,
                               atol=1e-9)


def test_rules_recover_the_rank_of_a_strong_low_rank_signal():
    clean, noise = low_rank_plus_noise(rank=4, sigma=0.1)
    y = clean + 0.1 * noise
    s = np.linalg.svd(y, compute_uv=False)
    assert th.gavish_donoho_rank(s, y.shape, 0.1) == 4
    assert th.gavish_donoho_rank(s, y.shape, None) == 4
    assert th.frobenius_rank(s, y.shape, 0.1) == 4
    # pure noise: nothing is above the Gavish-Donoho threshold
    s_noise = np.linalg.svd(0.1 * noise, compute_uv=False)
    assert th.gavish_donoho_rank(s_noise, noise.shape, 0.1) == 0


def test_denoise_reduces_the_error_and_picks_ranks():
    clean, noise = low_rank_plus_noise(rank=4, sigma=0.1, strength=5.0)
    r = study.denoise(clean, noise, 0.1, fixed_rank=20)
    assert r["ranks"]["fixed"] == 20
    assert r["ranks"]["oracle"] == int(np.argmin(r["errors"]))
    assert r["rel_error"]["noisy"] / r["rel_error"]["frobenius"] > 2
    assert r["rel_error"]["fixed"] > r["rel_error"]["frobenius"] >= r["rel_error"]["oracle"]
    np.testing.assert_allclose(
        np.linalg.norm(study.reconstruct(r, r["ranks"]["frobenius"]) - clean)
        / np.linalg.norm(clean), r["rel_error"]["frobenius"], rtol=1e-9)


def test_sweep_is_seeded_and_summary_holds_the_claimed_ratios():
    clean, _ = low_rank_plus_noise(rank=4, strength=5.0)
    a = study.sweep(clean, [0.05, 0.1, 0.2], fixed_rank=20, seed=1)
    b = study.sweep(clean, [0.05, 0.1, 0.2], fixed_rank=20, seed=1)
    np.testing.assert_array_equal(a[1]["noisy"], b[1]["noisy"])
    m = study.summarize(a, clean, shown_sigma=0.1)
    mean = {k: np.mean([r["rel_error"][k] for r in a]) for k in ("noisy", "fixed", "frobenius")}
    assert m["noise_reduction_factor"] == pytest.approx(mean["noisy"] / mean["frobenius"])
    assert m["noise_reduction_factor_min"] == pytest.approx(min(
        r["rel_error"]["noisy"] / r["rel_error"]["frobenius"] for r in a))
    assert m["noise_reduction_factor_min"] > 1  # a low-rank image: truncation denoises
    assert m["fixed_to_rule_error_ratio"] == pytest.approx(mean["fixed"] / mean["frobenius"])
    assert m["fixed_to_rule_error_ratio"] > 1
    assert m["shown_sigma"] == 0.1 and m["shown_frobenius_rank"] == a[1]["ranks"]["frobenius"]
    assert m["best_fixed_to_rule_error_ratio"] <= m["fixed_to_rule_error_ratio"]
    with pytest.raises(ValueError, match="sigmas"):
        study.sweep(clean, [], fixed_rank=20, seed=1)


def test_truncation_does_not_denoise_an_image_without_low_rank_structure():
    """The claim's measure comes out either way: white noise as the 'clean' image has a flat
    spectrum, so the rank the Frobenius rule keeps drops image as well as noise."""
    clean = np.random.default_rng(2).random((60, 90))
    m = study.summarize(study.sweep(clean, [0.05, 0.1, 0.2], fixed_rank=20, seed=1), clean, 0.1)
    assert m["noise_reduction_factor_min"] < m["noise_reduction_factor_max"] < 1


def test_block_mean_and_sample_image():
    image = np.arange(35.0).reshape(5, 7)
    np.testing.assert_allclose(study.block_mean(image, 2),
                               [[4.0, 6.0, 8.0], [18.0, 20.0, 22.0]])
    with pytest.raises(ValueError, match="factor"):
        study.block_mean(image, 0)
    photo = study.load_image(8)
    assert photo.shape == (75, 64)
    assert 0.0 <= photo.min() < photo.max() <= 1.0


def test_run_table_and_plot_through_the_contract(tmp_path):
    cfg = {"downsample": 8, "sigmas": [0.1, 0.2], "fixed_rank": 10, "shown_sigma": 0.2}
    lines = []
    result = study.run(Context(study="svd_denoise", cfg=cfg, seed=0, log=lines.append))
    clean = study.load_image(8)
    assert lines[0].endswith(f"{clean.shape[0]} x {clean.shape[1]} pixels, downsampled by 8")
    assert result["metrics"] == study.summarize(study.sweep(clean, [0.1, 0.2], 10, seed=0),
                                                clean, 0.2)
    rows = result["table"]
    assert len(rows) == 2 * len(study.LABELS)
    noisy = next(r for r in rows if r["method"] == "noisy" and r["sigma"] == 0.1)
    assert noisy["psnr_db"] == pytest.approx(20.0, abs=0.3)  # sigma 0.1: PSNR = 20 dB
    csv = table_csv(rows).splitlines()
    assert csv[0] == "sigma,sigma_estimate,method,rank,rel_error,psnr_db"
    assert len(csv) == len(rows) + 1
    study.plot(result, tmp_path / "d.png", Reference({}))
    assert (tmp_path / "d.png").stat().st_size > 1000
