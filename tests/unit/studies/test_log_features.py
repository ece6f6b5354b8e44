"""Day 28 simulated analogue: the catalogue, the three input transforms and the comparison."""

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler

from hundreddays.runner import Context, Reference
from hundreddays.studies import log_features as study

CFG = {"galaxies": 3000, "bands": 5, "brightness_sigma": 2.5, "noise_std": 3.0,
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
    assert m["standardized_to_log_valid_loss_ratio"] > 1.2
    assert m["log_valid_loss"] < 0.6 * m["target_variance"]  # learned, not the mean
    assert m["standardized_to_log_valid_loss_ratio"] == pytest.approx(
        m["standardized_valid_loss"] / m["log_valid_loss"])
    assert m["noisy_negative_flux_fraction"] == study.negative_fraction(r["catalogue"]["flux"])
    assert [len(h) for h in r["histories"].values()] == [8, 8, 8]
    study.plot(r, tmp_path / "lf.png", Reference({}))
    assert (tmp_path / "lf.png").stat().st_size > 10_000


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
