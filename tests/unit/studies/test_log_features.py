"""Day 28 simulated analogue: the catalogue, the three input transforms and the comparison."""

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler

from hundreddays.runner import Context, Reference
from hundreddays.studies import log_features as study

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CFG = {"galaxies": 3000, "bands": 5, "solved_percentiles": [5, 95],
       "spread_sweep": {"brightness_sigmas": [0.5, 2.5], "galaxies": 1000}, "noise_std": 3.0,
       "valid_fraction": 0.2, "log_floor": 0.1, "asinh_softening": 1.0, "hidden": [64, 64],
       "epochs": 8, "batch_size": 64, "lr": 1e-3}


def test_catalogue_is_skewed_noisy_and_reproducible():
    a = study.simulate(20000, 5, 0, 2.5, 3.0)
    b = study.simulate(20000, 5, 0, 2.5, 3.0)
    np.testing.assert_array_equal(a["flux"], b["flux"])
    assert (a["true_flux"] > 0).all()
    decades = np.log10(np.percentile(a["true_flux"], 99) / np.percentile(a["true_flux"], 1))
    assert decades > 3  # spans several orders of magnitude
    assert np.mean(a["true_flux"]) > 3 * np.median(a["true_flux"])  # right-skewed
    noise = a["flux"] - a["true_flux"]
    assert noise.std() == pytest.approx(3.0, rel=0.02)
    assert study.negative_fraction(a["flux"]) == np.mean(a["flux"] < 0) > 0.001
    assert study.negative_fraction(a["true_flux"]) == 0


def test_colours_carry_the_redshift():
    cat = study.simulate(5000, 5, 1, 2.5, 0.0)  # noise-free
    colours = np.diff(np.log(cat["true_flux"]), axis=1)
    a = np.column_stack([colours, colours**2, np.ones(len(colours))])
    w = np.linalg.lstsq(a, cat["z"], rcond=None)[0]
    assert np.mean((a @ w - cat["z"]) ** 2) < 0.2 * cat["z"].var()


def test_transforms_against_reference_formulas():
    flux = np.array([[-2.0, 0.05, 1.0], [10.0, 1e4, 0.0]])
    np.testing.assert_array_equal(study.transform(flux, "standardized", 2.0, 0.1, 1.0), flux)
    np.testing.assert_allclose(study.transform(flux, "log", 2.0, 0.1, 1.0),
                               np.log([[0.2, 0.2, 1.0], [10.0, 1e4, 0.2]]))
    np.testing.assert_allclose(study.transform(flux, "asinh", 2.0, 0.1, 1.5),
                               np.log(flux / 3 + np.sqrt((flux / 3) ** 2 + 1)))
    with pytest.raises(ValueError, match="unknown transform 'sqrt'"):
        study.transform(flux, "sqrt", 1.0, 0.1, 1.0)


def test_standardize_matches_scikit_learn():
    rng = np.random.default_rng(0)
    train, other = rng.lognormal(0, 2, (100, 3)), rng.lognormal(0, 2, (20, 3))
    train[:, 1] = 4.0
    scaler = StandardScaler().fit(train)
    ours = study.standardize(train, other)
    np.testing.assert_allclose(ours[0], scaler.transform(train))
    np.testing.assert_allclose(ours[1], scaler.transform(other))


def test_log_inputs_beat_standardised_inputs_and_plot(tmp_path):
    r = study.run(Context(study="log_features", cfg=CFG, seed=0, log=lambda s: None))
    m = r["metrics"]
    # solved on another sample (50000 galaxies) for the log's 5-95 % range
    assert m["log_feature_solved_decades"] == pytest.approx(m["log_histogram_solved_decades"],
                                                            abs=0.1)
    assert m["log_histogram_solved_decades"] == study.log_histogram_decades(5, 95)
    assert m["log_feature_range_decades"] == study.feature_decades(r["catalogue"]["flux"], 0.5,
                                                                   99.5)
    assert m["standardized_to_log_test_loss_ratio"] > 1.2
    assert m["log_test_loss"] < 0.6 * m["target_variance"]  # learned, not the mean
    assert m["standardized_to_log_test_loss_ratio"] == pytest.approx(
        m["standardized_test_loss"] / m["log_test_loss"])
    # the reported test loss is the one at the epoch of lowest VALIDATION loss
    for kind, hist in r["histories"].items():
        best = min(hist, key=lambda h: h["valid_loss"])
        assert m[f"{kind}_best_epoch"] == best["epoch"]
        assert m[f"{kind}_test_loss"] == best["test_loss"]
        assert m[f"{kind}_valid_loss"] == best["valid_loss"]
    assert m["test_galaxies"] == 600 and len(r["test_catalogue"]["z"]) == 600
    assert m["noisy_negative_flux_fraction"] == study.negative_fraction(r["catalogue"]["flux"])
    assert [len(h) for h in r["histories"].values()] == [8, 8, 8]
    assert [s for s, _, _ in r["sweep"]] == [0.5, 2.5]
    assert set(m) >= {"sweep_sigma0p50_standardized_to_log_test_loss_ratio",
                      "sweep_sigma2p50_standardized_to_log_test_loss_ratio"}
    study.plot(r, tmp_path / "lf.png", Reference({}))
    assert (tmp_path / "lf.png").stat().st_size > 10_000


def test_chosen_epoch_reads_the_validation_loss_only():
    hist = [{"epoch": 1, "valid_loss": 3.0, "test_loss": 0.1},
            {"epoch": 2, "valid_loss": 1.0, "test_loss": 2.0},
            {"epoch": 3, "valid_loss": 1.0, "test_loss": 0.5}]
    assert study.chosen_epoch(hist)["epoch"] == 2  # lowest valid; the test loss is ignored


def test_test_catalogue_is_separate_from_the_training_one():
    r = study.compare(dict(CFG, epochs=1), 0, 1.0, 500, kinds=("log",), log=lambda s: None)
    train_z, test_z = r["catalogue"]["z"], r["test_catalogue"]["z"]
    assert len(test_z) == r["n_valid"] == 100
    assert not np.isin(test_z, train_z).any()  # another random stream, not a reshuffle
    assert "test_loss" in r["histories"]["log"][0]


def test_the_logs_histogram_as_read_and_its_percentiles():
    h = study.LOG_HISTOGRAM
    counts = np.asarray(h["pixels"]) * h["galaxies_per_pixel"]
    assert counts.sum() == pytest.approx(1.0e6, rel=0.01)  # the log's ~1e6 values
    # the tallest bar (207 px) holds the log's ~190000 near log(Feature) = 0.5
    assert counts.max() == pytest.approx(190_000, rel=0.01)
    # percentiles are linear within a bin: a flat histogram's are the plain quantiles
    assert study.histogram_percentile(0.0, 1.0, [5, 5, 5, 5], 25) == pytest.approx(1.0)
    assert study.histogram_percentile(0.0, 1.0, [5, 5, 5, 5], 60) == pytest.approx(2.4)
    assert study.histogram_percentile(-1.0, 2.0, [0, 10, 0], 50) == pytest.approx(2.0)
    assert study.log_histogram_decades(5, 95) == pytest.approx(3.65, abs=0.01)
    assert study.log_histogram_decades(0.5, 99.5) == pytest.approx(6.41, abs=0.01)
    assert study.log_histogram_decades(0.5, 99.5, {**h, "width": 0.5}) < 3.0  # the bin width counts


def test_log_feature_is_the_logs_cell_and_its_range_can_come_out_either_way():
    flux = np.array([[1.0, np.e], [1.0, -2.0], [1.0, 1.0], [1.0, np.e**3]])
    np.testing.assert_allclose(study.log_feature(flux), [1.0, 0.0, 3.0])  # negatives dropped
    narrow = study.simulate(20000, 5, 0, 0.5, 3.0)["flux"]
    wide = study.simulate(20000, 5, 0, 5.0, 3.0)["flux"]
    a, b = (study.feature_decades(f, 0.5, 99.5) for f in (narrow, wide))
    assert a < 6.41 - 0.4 < 6.41 + 0.4 < b  # below and above the claim's band


def test_spread_is_solved_from_the_logs_histogram():
    sigma = study.sigma_for_decades(3.0, (5, 95), 5, 3.0, 0, galaxies=20000)
    cat = study.simulate(20000, 5, 0, sigma, 3.0)
    assert study.feature_decades(cat["flux"], 5, 95) == pytest.approx(3.0, abs=0.02)
    wider = study.sigma_for_decades(4.0, (5, 95), 5, 3.0, 0, galaxies=20000)
    assert wider > sigma  # a wider range needs a wider spread
    with pytest.raises(ValueError, match="solved_percentiles"):
        study.sigma_for_decades(0.2, (5, 95), 5, 3.0, 0, galaxies=20000)  # below the dimming


def test_the_schema_requires_the_solved_percentiles():
    from hundreddays.study_table import Study, StudyTableError, validate_config
    table = {"log_features": Study(id="log_features", day="28", title="t")}
    validate_config({"studies": {"log_features": CFG}}, table)
    for bad, key in (({k: v for k, v in CFG.items() if k != "solved_percentiles"},
                      "solved_percentiles"),
                     (dict(CFG, solved_percentiles=[5, 95, 99]), "solved_percentiles"),
                     (dict(CFG, brightness_sigma=2.5), "brightness_sigma")):
        with pytest.raises(StudyTableError, match=f"studies.log_features.*{key}"):
            validate_config({"studies": {"log_features": bad}}, table)


def test_every_variant_starts_from_the_same_weights_and_batch_order():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([1.0, -1.0, 0.5])
    args = ((x[:150], y[:150]), (x[150:], y[150:]), [8], 3, 32, 1e-2, 3)
    a = study.train_regressor(*args, log=lambda s: None)
    torch.manual_seed(99)  # whatever torch's global state, the regressor reseeds from its seed
    b = study.train_regressor(*args, log=lambda s: None)
    assert [h["epoch"] for h in a] == [1, 2, 3] and all(h["seconds"] > 0 for h in a)
    assert [h["valid_loss"] for h in a] == [h["valid_loss"] for h in b]
    assert a[-1]["valid_loss"] < a[0]["valid_loss"]
