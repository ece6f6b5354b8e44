import numpy as np
import pytest
from sklearn.metrics import r2_score

from hundreddays.runner import Context, Reference
from hundreddays.seeds import seed_everything
from hundreddays.studies import parabola_fit as study
from hundreddays.study_table import Study, StudyTableError, validate_config

pytestmark = pytest.mark.usefixtures("one_torch_thread")


CFG = {"points": 50, "snr": 10, "train_curves": 1500, "test_curves": 300, "hidden": 32,
       "epochs": 4, "batch_size": 32, "lr": 3e-3}


def run(cfg: dict, seed: int = 0) -> dict:
    """run() as the runner calls it: after seeding (the initial weights come from torch)."""
    seed_everything(seed)
    return study.run(Context(study="parabola_fit", cfg=cfg, seed=seed, log=lambda s: None))


def test_r2_matches_scikit_learn():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(40, 3))
    pred = true + rng.normal(scale=[0.1, 0.5, 2.0], size=(40, 3))
    np.testing.assert_allclose(study.r2_scores(true, pred),
                               r2_score(true, pred, multioutput="raw_values"))


def test_parabolas_noise_level_and_least_squares():
    rng = np.random.default_rng(1)
    samples, params = study.make_parabolas(2000, 80, 10.0, rng)
    clean = study.parabolas(params, study.grid(80))
    ratio = np.sqrt((clean**2).mean(axis=1)) / (samples - clean).std(axis=1)
    assert np.median(ratio) == pytest.approx(10.0, rel=0.05)
    x = study.grid(5)
    np.testing.assert_allclose(study.parabolas(np.array([[1.0, -2.0, 3.0]]), x)[0],
                               x**2 - 2 * x + 3)
    exact = study.least_squares(clean)
    np.testing.assert_allclose(exact, params, atol=1e-10)
    with pytest.raises(ValueError, match="snr"):
        study.make_parabolas(5, 10, 0.0, rng)


def test_epochs_to_reports_first_epoch_or_sentinel():
    hist = [{"epoch": e, "min_r2": r} for e, r in zip([1, 2, 3], [0.5, 0.95, 0.85], strict=True)]
    assert study.epochs_to(hist, 0.9) == 2
    assert study.epochs_to(hist, 0.99) == 4


def test_network_recovers_parameters_and_plots(tmp_path):
    r = run(CFG)
    again = run(dict(CFG, epochs=1))
    m = r["metrics"]
    assert m["min_param_r2"] > 0.9
    assert m["min_param_r2"] <= m["least_squares_min_param_r2"] + 0.01
    assert 1 <= m["epochs_to_r2_0_9"] <= CFG["epochs"]
    assert r["history"][0]["test_mse"] == again["history"][0]["test_mse"]
    assert [h["epoch"] for h in r["history"]] == [1, 2, 3, 4]
    r2 = r2_score(r["test"][1], r["predicted"], multioutput="raw_values")
    assert m["min_param_r2"] == pytest.approx(r2.min())
    study.plot(r, tmp_path / "p.png", Reference({}))
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_the_schema_names_the_bad_key():
    """The workflow checks the block against schemas/studies/parabola_fit.yaml first."""
    table = {"parabola_fit": Study(id="parabola_fit", day="50", title="t")}
    validate_config({"studies": {"parabola_fit": CFG}}, table)
    for bad, key in ((dict(CFG, noise=1), "noise"),
                     ({k: v for k, v in CFG.items() if k != "snr"}, "snr")):
        with pytest.raises(StudyTableError, match=f"studies.parabola_fit.*{key}"):
            validate_config({"studies": {"parabola_fit": bad}}, table)
