"""Day 28 simulated analogue: the catalogue, the three input transforms and the comparison."""

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler

from hundreddays.runner import Context, Reference
from hundreddays.studies import log_features as study

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CFG = {"galaxies": 3000, "bands": 5, "survey_flux_decades": 6.0,
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
    assert m["true_flux_decades"] == pytest.approx(6.0, abs=0.3)  # solved on another sample
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


def test_spread_is_solved_for_the_survey_range():
    sigma = study.sigma_for_decades(3.0, 5, 0, galaxies=20000)
    cat = study.simulate(20000, 5, 0, sigma, 0.0)
    assert study.flux_decades(cat["true_flux"]) == pytest.approx(3.0, abs=0.02)
    assert study.sigma_for_decades(4.0, 5, 0, galaxies=20000) > sigma  # wider range, wider spread
    with pytest.raises(ValueError, match="survey_flux_decades"):
        study.sigma_for_decades(0.5, 5, 0, galaxies=20000)  # below the distance dimming alone


def test_the_schema_requires_the_survey_range():
    from hundreddays.study_table import Study, StudyTableError, validate_config
    table = {"log_features": Study(id="log_features", day="28", title="t")}
    validate_config({"studies": {"log_features": CFG}}, table)
    for bad, key in (({k: v for k, v in CFG.items() if k != "survey_flux_decades"},
                      "survey_flux_decades"),
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
