"""The claims of the PyTorch experiments and the simulated analogues that issue 20 changed or
added, judged on synthetic metrics: each comes out "reproduced" on one side of its comparison
and "differs" (or "log inexact") on the other; the one-seed analogues are judged on the bound of
their interval that lies on the far side of the claim."""

from pathlib import Path

import pytest

from hundreddays.claims import evaluate, load_claims
from hundreddays.log_figures import load_log_figures

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def claims():
    return {c["id"]: c for c in load_claims(ROOT / "claims.yaml")}


def judged(claim: dict, values) -> str:
    study = claim["study"]
    values = values if isinstance(values, list) else [values]
    return evaluate([claim], {claim["metric"]: values}, {study}, "full", {study: None})[0][
        "verdict"]


@pytest.mark.parametrize(
    ("claim_id", "metric", "holds", "fails"),
    [
        ("log_features_histogram_range", "log_features.log_feature_range_decades", 6.3, 5.7),
        ("empty_classes_analogue",
         "galaxy_analogues.empty_to_populated_class_z_error_ratio_low95", 2.5, 1.2),
        ("empty_classes_regularization",
         "galaxy_analogues.regularized_populated_nll_rel_change_high95", 0.03, 0.3),
        ("classification_beats_regression_analogue",
         "galaxy_analogues.classifier_to_regression_sigma68_high95", 0.9, 1.02),
        ("galaxy_cnn_overfits_analogue", "galaxy_analogues.cnn_final_to_best_valid_loss_low95",
         1.2, 1.05),
        ("galaxy_cnn_vs_linear_analogue",
         "galaxy_analogues.cnn_to_linear_test_loss_ratio_low95", 1.01, 0.99),
        ("pretraining_clean_hurts_analogue",
         "galaxy_analogues.clean_pretrain_to_scratch_test_loss_low95", 1.05, 0.97),
        ("pretraining_noise_beats_scratch",
         "galaxy_analogues.noisy_pretrain_to_scratch_test_loss_high95", 0.95, 1.01),
        ("pretraining_noise_beats_clean",
         "galaxy_analogues.noisy_to_clean_pretrain_test_loss_high95", 0.95, 1.01),
        ("pretraining_too_long_hurts",
         "galaxy_analogues.long_to_short_pretrain_test_loss_low95", 1.01, 0.99),
        ("better_than_labels_analogue",
         "galaxy_analogues.prediction_to_label_rmse_ratio_high95", 0.97, 1.01),
        ("ignite_small_slope_errors", "line_fit_ignite.small_slope_to_rest_error_ratio", 6.0,
         1.5),
        ("ignite_line_fit", "line_fit_ignite.median_slope_abs_error", 4e-4, 1e-2),
    ],
)
def test_each_claim_can_come_out_either_way(claims, claim_id, metric, holds, fails):
    claim = claims[claim_id]
    assert claim["metric"] == metric
    assert judged(claim, holds) == "reproduced"
    assert judged(claim, fails) == "differs"


def test_one_seed_analogues_are_judged_on_an_interval_bound(claims):
    """galaxy_analogues runs one seed: every claim on it reads a _low95 (for >=) or _high95 (for
    <=) bound, so a point ratio on the claim's side with an interval across the boundary does
    not pass."""
    ours = [c for c in claims.values() if c["study"] == "galaxy_analogues"]
    assert len(ours) == 10
    for claim in ours:
        side = "_low95" if claim["compare"]["kind"] == "at_least" else "_high95"
        assert claim["metric"].endswith(side), claim["id"]


def test_figure_claims_name_their_studys_image(claims):
    figures = load_log_figures(ROOT / "log_figures.yaml")
    for claim_id in ("log_features_histogram_range", "ignite_small_slope_errors",
                     "ignite_line_fit", "gp_dkl_as_good_as_mse"):
        claim = claims[claim_id]
        assert figures[claim["figure"]].study == claim["study"], claim_id


def test_kinds_say_whose_statement_it_is(claims):
    assert claims["double_softmax_trains_worse"]["kind"] == "analogue"
    assert claims["better_than_labels_analogue"]["kind"] == "added_check"
    assert claims["gp_dkl_full_distribution"]["kind"] == "added_check"
    for claim_id in ("facebook_open_alphago_zero", "galaxy_kfold_pipeline",
                     "hinton_parameters_vs_samples"):
        assert claims[claim_id]["not_reproducible"]
