import numpy as np
import pytest
import torch

from hundreddays.runner import Context, Reference
from hundreddays.seeds import seed_everything
from hundreddays.studies import line_fit_ignite as study
from hundreddays.study_table import Study, StudyTableError, validate_config

pytestmark = pytest.mark.usefixtures("one_torch_thread")


CFG = {"points": 10, "train_lines": 1000, "test_lines": 300, "hidden": 32, "epochs": 8,
       "batch_size": 32, "lr": 3e-3, "lr_schedule": "constant", "small_slope": 0.1}


def run(cfg: dict, seed: int = 0) -> dict:
    """run() as the runner calls it: after seeding (the initial weights come from torch)."""
    seed_everything(seed)
    return study.run(Context(study="line_fit_ignite", cfg=cfg, seed=seed, log=lambda s: None))


def test_lines_are_exact_and_least_squares_recovers_them():
    samples, params = study.make_lines(50, 7, np.random.default_rng(0))
    assert samples.shape == (50, 7) and params.min() >= 0 and params.max() <= 1
    np.testing.assert_allclose(samples[:, 0], params[:, 1])  # x = 0: the intercept
    np.testing.assert_allclose(samples[:, -1], params.sum(axis=1))  # x = 1: a + b
    np.testing.assert_allclose(study.least_squares_lines(samples), params, atol=1e-12)
    with pytest.raises(ValueError, match="points"):
        study.make_lines(5, 1, np.random.default_rng(0))


def test_slope_error_summary_against_direct_computation():
    a = np.array([0.05, 0.02, 0.5, 0.9, 0.3])
    err = np.array([0.4, -0.2, 0.1, -0.05, 0.15])
    s = study.slope_error_summary(a, err, 0.1)
    assert s["small_slope_lines"] == 2
    assert s["mean_slope_abs_error_small"] == pytest.approx(0.3)
    assert s["mean_slope_abs_error_rest"] == pytest.approx(0.1)
    assert s["small_slope_to_rest_error_ratio"] == pytest.approx(3.0)
    assert s["median_slope_abs_error"] == pytest.approx(0.15)
    with pytest.raises(ValueError, match="small_slope"):
        study.slope_error_summary(a, err, 0.0)


def test_ignite_training_learns_lines_and_is_deterministic(tmp_path):
    a = run(CFG)
    b = run(dict(CFG, epochs=1))
    c = run(dict(CFG, epochs=1))
    m = a["metrics"]
    # guessing a = 0.5 gives a median error of 0.25; the network must do far better
    assert m["median_slope_abs_error"] < 0.03
    assert m["median_intercept_abs_error"] < 0.03
    assert a["history"][-1]["test_mse"] < 0.1 * a["history"][0]["test_mse"]
    assert [h["test_mse"] for h in c["history"]] == [h["test_mse"] for h in b["history"]]
    assert m["epochs"] == 8 and m["parameters"] == 10 * 32 + 32 + 32 * 2 + 2
    # the evaluator's slope MAE is the one we recompute from the predictions
    err = np.abs(a["predicted"][:, 0] - a["test_params"][:, 0]).mean()
    assert a["history"][-1]["test_slope_mae"] == pytest.approx(err, rel=1e-4)
    assert a["small_slope"] == CFG["small_slope"]  # the plot's marker
    study.plot(a, tmp_path / "l.png", Reference({}))
    assert (tmp_path / "l.png").stat().st_size > 1000
    log_values = {"median_slope_abs_error": {"reported": 4.5e-4, "compare": {"kind": "factor",
                                                                           "tol": 10}},
                  "small_slope_to_rest_error_ratio": {"reported": 6.4,
                                                      "compare": {"kind": "factor", "tol": 2}}}
    study.plot(a, tmp_path / "r.png", Reference(log_values))  # the log's values drawn
    assert (tmp_path / "r.png").stat().st_size > 1000


def test_the_logs_colour_scale():
    """3 ln(1e7 |error|): the log's colourbar runs from about 6 to 38, errors 7e-7 to 0.03."""
    np.testing.assert_allclose(study.log_colour(np.array([1e-7, np.exp(2) * 1e-7])), [0.0, 6.0])
    assert study.log_colour(np.array([0.03]))[0] == pytest.approx(37.8, abs=0.1)


def test_the_schema_names_the_bad_key():
    """The workflow checks the block against schemas/studies/line_fit_ignite.yaml first."""
    table = {"line_fit_ignite": Study(id="line_fit_ignite", day="39", title="t")}
    validate_config({"studies": {"line_fit_ignite": CFG}}, table)
    for bad, key in (({k: v for k, v in CFG.items() if k != "points"}, "points"),
                     (dict(CFG, noise=1), "noise")):
        with pytest.raises(StudyTableError, match=f"studies.line_fit_ignite.*{key}"):
            validate_config({"studies": {"line_fit_ignite": bad}}, table)


def test_both_schedules_run_from_the_same_weights_and_the_config_picks_the_judged_one():
    a = run(dict(CFG, epochs=3))
    b = run(dict(CFG, epochs=3, lr_schedule="cosine"))
    runs = a["runs"]
    assert list(runs) == list(study.SCHEDULES) == ["constant", "cosine"]
    # the same two runs whichever is judged; only which one is unprefixed changes
    for name in study.SCHEDULES:
        assert ([h["test_mse"] for h in runs[name]["history"]]
                == [h["test_mse"] for h in b["runs"][name]["history"]])
    # the schedules start alike (same weights, same batches) and then part
    const, cos = runs["constant"]["history"], runs["cosine"]["history"]
    assert const[-1]["test_mse"] != cos[-1]["test_mse"]
    m, mb = a["metrics"], b["metrics"]
    assert m["small_slope_to_rest_error_ratio"] == m["constant_lr_small_slope_to_rest_error_ratio"]
    assert mb["small_slope_to_rest_error_ratio"] == mb["cosine_lr_small_slope_to_rest_error_ratio"]
    assert m["cosine_lr_small_slope_to_rest_error_ratio"] == (
        mb["cosine_lr_small_slope_to_rest_error_ratio"])
    assert a["schedule"] == "constant" and b["schedule"] == "cosine"


def test_constant_schedule_keeps_the_rate_and_cosine_anneals_it(monkeypatch):
    made = []

    class Recorded(torch.optim.Adam):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(torch.optim, "Adam", Recorded)
    seed_everything(0)
    x, y = torch.rand(64, 5), torch.rand(64, 2)
    for schedule in ("constant", "cosine"):
        study.train(study.two_layer_net(5, 4), (x, y), (x, y), 4, 16, 1e-2, 0,
                    log=lambda s: None, schedule=schedule)
    constant, cosine = (opt.param_groups[0]["lr"] for opt in made)
    assert constant == 1e-2
    assert cosine < 1e-3  # near lr / 100 at the last iteration
    with pytest.raises(ValueError, match="lr_schedule"):
        study.train(study.two_layer_net(5, 4), (x, y), (x, y), 1, 16, 1e-2, 0,
                    log=lambda s: None, schedule="step")
    with pytest.raises(ValueError, match="lr_schedule"):
        run(dict(CFG, lr_schedule="step"))
