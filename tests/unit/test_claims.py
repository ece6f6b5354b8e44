import math
from pathlib import Path

import pytest
import yaml

from hundreddays.claims import (
    CONDITIONS_NOT_GIVEN,
    KINDS,
    LOG_INEXACT,
    NOT_RUN,
    ClaimsError,
    evaluate,
    load_claims,
)
from hundreddays.comparability import describe
from hundreddays.study_table import load_studies

CLAIMS_FILE = Path(__file__).resolve().parents[2] / "claims.yaml"

# Days of the log (1-53) that report a number or a checkable statement about a computation.
DAYS_WITH_CLAIMS = [2, 4, 6, 8, 11, 13, 16, 17, 22, 23, 24, 26, 32, 34, 35, 36, 39, 47, 48, 50]

# The studies of the table, and the rows of the log's private-data statements.
KNOWN_STUDIES = {*load_studies(Path(__file__).resolve().parents[2] / "studies.yaml"),
                 "private_data"}

# The keys the implemented studies write: metric -> (reported, compare).
FIXED = {
    "fibonacci.matrix_power_fib100000_seconds": (2.94e-5, {"kind": "factor", "tol": 10}),
    "fibonacci.matrix_power_fib100000_exact": (1, {"kind": "at_least", "threshold": 1}),
    "fibonacci.naive_growth_factor": (2, {"kind": "rel_tol", "tol": 0.1}),
    "fibonacci.matrix_power_speedup": (1, {"kind": "at_least", "threshold": 1000, "scale": "log"}),
    "svd_background.peds_foreground_fraction": (1, {"kind": "at_most", "threshold": 0.1}),
    "svd_background.landing_to_peds_foreground_ratio": (1, {"kind": "at_least", "threshold": 2}),
    "mnist_logreg.test_accuracy": (0.925, {"kind": "abs_tol", "tol": 0.01}),
}


@pytest.fixture(scope="module")
def claims():
    return load_claims(CLAIMS_FILE)


def test_claims_file_is_ordered_by_day_with_known_studies(claims):
    assert [c["day"] for c in claims] == sorted(c["day"] for c in claims)
    assert {c["study"] for c in claims} <= KNOWN_STUDIES


def test_every_day_with_a_number_has_a_claim(claims):
    missing = sorted(set(DAYS_WITH_CLAIMS) - {c["day"] for c in claims})
    assert missing == []


def test_fixed_metric_keys_are_claimed_as_agreed(claims):
    by_metric = {c["metric"]: c for c in claims if "metric" in c}
    for metric, (reported, compare) in FIXED.items():
        claim = by_metric[metric]
        assert (claim["reported"], claim["compare"]) == (reported, compare), metric


def test_private_data_rows_say_why_they_cannot_be_reproduced(claims):
    private = [c for c in claims if c["study"] == "private_data"]
    assert private and all(c["not_reproducible"] for c in private)


def base_claim(**changes):
    claim = {
        "id": "fib_naive_growth",
        "day": 13,
        "study": "fibonacci",
        "kind": "synthetic",
        "statement": "grows",
        "reported": 2,
        "metric": "fibonacci.naive_growth_factor",
        "compare": {"kind": "rel_tol", "tol": 0.1},
    }
    return {**claim, **changes}


def write(tmp_path, claims):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": claims}), encoding="utf-8")
    return path


def without(claim, *keys):
    return {k: v for k, v in claim.items() if k not in keys}


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (
            [base_claim(id="a"), base_claim(id="b", compare={"kind": "about"})],
            "claims[1] (id b).compare.kind: 'about' is not one of",
        ),
        ([base_claim(id="a"), base_claim(id="a")], "claims[1] (id a).id: duplicate of claims[0]"),
        (
            [base_claim(study="pets")],
            "(id fib_naive_growth).metric: 'fibonacci.naive_growth_factor' "
            "belongs to study 'fibonacci'",
        ),
        (
            [without(base_claim(), "metric", "compare")],
            "(id fib_naive_growth): needs either not_reproducible",
        ),
        ([base_claim(not_reproducible="private")], "not_reproducible excludes metric"),
        ([base_claim(compare={"kind": "factor"})], "compare.tol: kind 'factor' needs a tol"),
        ([base_claim(day=54)], "claims[0] (id fib_naive_growth).day: 54 is greater than"),
    ],
)
def test_bad_claims_files_name_file_claim_and_key(tmp_path, claims, expected):
    with pytest.raises(ClaimsError) as info:
        load_claims(write(tmp_path, claims))
    assert str(info.value).startswith(f"{tmp_path / 'claims.yaml'}: ")
    assert expected in str(info.value)


def verdict(compare, reported, measured, scale="full", comparable=True, **claim_keys):
    """The row of one claim judged on `measured` (a value, or the list of the seeds' values)."""
    claim = base_claim(compare=compare, reported=reported, **claim_keys)
    values = measured if isinstance(measured, list) else [measured]
    metrics = {"fibonacci.naive_growth_factor": values}
    reason = None if comparable else "config differs: naive_max_n"
    return evaluate([claim], metrics, {"fibonacci"}, scale, {"fibonacci": reason})[0]


@pytest.mark.parametrize(
    ("compare", "reported", "inside", "outside", "text"),
    [
        ({"kind": "abs_tol", "tol": 0.5}, 1.0, 1.5, 1.5000001, "± 0.5"),
        ({"kind": "abs_tol", "tol": 0.5}, 1.0, 0.5, 0.4999999, "± 0.5"),
        ({"kind": "rel_tol", "tol": 0.25}, 2.0, 2.5, 2.5000001, "within ± 25%"),
        ({"kind": "rel_tol", "tol": 0.25}, -2.0, -1.5, -1.4999999, "within ± 25%"),
        ({"kind": "factor", "tol": 2}, 4.0, 8.0, 8.0000001, "within ×2"),
        ({"kind": "factor", "tol": 2}, 4.0, 2.0, 1.9999999, "within ×2"),
        ({"kind": "at_least", "threshold": 3}, 1, 3.0, 2.9999999, "≥ 3"),
        ({"kind": "at_most", "threshold": 0.1}, 1, 0.1, 0.1000001, "≤ 0.1"),
        ({"kind": "at_least"}, 0.635, 0.635, 0.6349999, "≥ 0.635"),
    ],
)
def test_each_comparison_kind_at_its_boundary(compare, reported, inside, outside, text):
    assert verdict(compare, reported, inside)["verdict"] == "reproduced"
    row = verdict(compare, reported, outside)
    assert (row["verdict"], row["comparison"], row["measured"]) == ("differs", text, outside)


@pytest.mark.parametrize(
    ("kind", "measured"),
    [("at_most", math.nan), ("at_least", math.inf), ("at_most", -math.inf), ("at_least", math.nan)],
)
def test_non_finite_measurement_differs(kind, measured):
    assert verdict({"kind": kind, "threshold": 1}, 1, measured)["verdict"] == "differs"


def test_not_comparable_still_shows_the_value_and_why():
    claim = base_claim(compare={"kind": "abs_tol", "tol": 0.5}, reported=2.0)
    metrics = {"fibonacci.naive_growth_factor": [2.1]}
    row = evaluate([claim], metrics, {"fibonacci"}, "demo",
                   {"fibonacci": "config differs: naive_max_n"})[0]
    assert (row["verdict"], row["measured"], row["n"], row["scale"]) == (
        "not comparable at demo scale (config differs: naive_max_n)", 2.1, 1, "demo")
    # a study missing from `not_comparable` is not comparable either
    row = evaluate([claim], metrics, {"fibonacci"}, "demo", {})[0]
    assert row["verdict"].startswith("not comparable at demo scale (")
    assert verdict({"kind": "abs_tol", "tol": 0.5}, 2.0, 2.1, "demo")["verdict"] == "reproduced"


def test_a_stated_reason_makes_a_claim_judged_where_its_study_is_not_comparable():
    row = verdict({"kind": "abs_tol", "tol": 0.5}, 2.0, 2.1, "demo", comparable=False,
                  config_independent="read from the installed library")
    assert row["verdict"] == "reproduced"


def dkl_claim(**changes):
    return base_claim(**{"id": "dkl", "day": 47, "study": "gp_dkl_elevators",
                         "kind": "real_data", "metric": "gp_dkl_elevators.dkl_to_mse_rmse_ratio",
                         "reported": 1, "compare": {"kind": "rel_tol", "tol": 0.1}, **changes})


@pytest.mark.parametrize(("reason", "judged"), [
    ({"config": ["source"], "miniatures": False}, True),
    ({"config": ["epochs", "source"], "miniatures": False}, False),
    ({"config": ["source"], "miniatures": True}, False),
])
def test_a_claim_independent_of_a_key_is_judged_where_only_that_key_differs(reason, judged):
    """source: csv against config.yaml's mat: judged only where the claim states why the source
    does not matter to it, and nothing else differs."""
    metrics = {"gp_dkl_elevators.dkl_to_mse_rmse_ratio": [1.02]}
    stated = dkl_claim(independent_of={"source": "the same rows of the same data set"})
    rows = evaluate([stated, dkl_claim(id="plain")], metrics, {"gp_dkl_elevators"}, "full",
                    {"gp_dkl_elevators": reason})
    left = describe(reason, ["source"])  # what still differs
    assert rows[0]["verdict"] == (
        "reproduced" if judged else f"not comparable at full scale ({left})")
    assert rows[1]["verdict"] == f"not comparable at full scale ({describe(reason)})"
    assert rows[1]["measured"] == 1.02


def test_independent_of_names_a_key_of_the_study_config_block(tmp_path):
    good = dkl_claim(independent_of={"source": "the same rows"})
    assert load_claims(write(tmp_path, [good]))[0]["independent_of"] == {"source": "the same rows"}
    with pytest.raises(ClaimsError, match=r"\(id dkl\)\.independent_of\.sources: not a key of "
                                          r"the config block of study 'gp_dkl_elevators'"):
        load_claims(write(tmp_path, [dkl_claim(independent_of={"sources": "a typo"})]))
    with pytest.raises(ClaimsError, match="independent_of"):
        load_claims(write(tmp_path, [dkl_claim(independent_of={"source": ""})]))
    with pytest.raises(ClaimsError, match="config_independent"):
        load_claims(write(tmp_path, [dkl_claim(independent_of={"source": "x"},
                                               config_independent="y")]))


@pytest.mark.parametrize("comparable", [True, False])
def test_conditions_not_given_are_never_judged(comparable):
    row = verdict({"kind": "factor", "tol": 10}, 2.94e-5, [2.9e-5, 3.0e-5], comparable=comparable,
                  conditions_not_given="the log's timing is from the author's laptop")
    assert row["verdict"] == CONDITIONS_NOT_GIVEN == "conditions not given"
    assert (row["measured_min"], row["measured_max"], row["n"]) == (2.9e-5, 3.0e-5, 2)
    assert "the author's laptop" in row["comparison"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1.6, 1.62, 1.63], LOG_INEXACT),  # none agrees: the predicted finding about the log
     ([1.95, 2.0, 2.05], "reproduced"),  # all agree: the prediction was wrong
     ([1.7, 2.0, 2.05], "inconclusive")],
)
def test_a_predicted_inexact_statement_is_told_apart_from_our_run_differing(values, expected):
    compare = {"kind": "rel_tol", "tol": 0.1}
    row = verdict(compare, 2, values, log_inexact="the recursion grows as phi^n, not 2^n")
    assert row["verdict"] == expected
    assert verdict(compare, 2, [1.6, 1.62, 1.63])["verdict"] == "differs"


@pytest.mark.parametrize(
    ("compare", "reported", "values", "expected"),
    [
        # every seed agrees, but the mean (1.02) lies closer to 1 than the spread (0.04)
        ({"kind": "at_least", "threshold": 1}, 1, [1.0, 1.02, 1.04], "inconclusive"),
        ({"kind": "at_least", "threshold": 1}, 1, [1.10, 1.12, 1.14], "reproduced"),
        # none agrees, and by less than the seeds spread
        ({"kind": "at_most", "threshold": 1}, 1, [1.01, 1.05, 1.09], "inconclusive"),
        ({"kind": "at_most", "threshold": 1}, 1, [1.5, 1.55, 1.6], "differs"),
        # a deterministic value on the boundary: no spread, so the margin is not small
        ({"kind": "at_least", "threshold": 1}, 1, [1.0, 1.0, 1.0], "reproduced"),
        # one seed: no spread to weigh the margin by
        ({"kind": "at_least", "threshold": 1}, 1, [1.008], "reproduced"),
        # a factor (band 1 .. 4) is weighed on a log scale: margin log(4) - mean log, against
        # the spread log(max / min): 0.23 > 0.10, then 0.21 < 0.45
        ({"kind": "factor", "tol": 2}, 2.0, [3.0, 3.2, 3.3], "reproduced"),
        ({"kind": "factor", "tol": 2}, 2.0, [2.5, 3.5, 3.9], "inconclusive"),
        # a speedup whose seeds vary by a factor 3: linear, the spread (2e4) beats the margin
        # (1.8e4); on the log scale it says (margin log 19 = 2.9 against spread log 2.8 = 1.0)
        ({"kind": "at_least", "threshold": 1000}, 1, [1.1e4, 1.8e4, 3.1e4], "inconclusive"),
        ({"kind": "at_least", "threshold": 1000, "scale": "log"}, 1, [1.1e4, 1.8e4, 3.1e4],
         "reproduced"),
    ],
)
def test_a_margin_within_the_seeds_spread_is_inconclusive(compare, reported, values, expected):
    assert verdict(compare, reported, values)["verdict"] == expected


@pytest.mark.parametrize(
    ("compare", "reported", "values", "expected"),
    [
        ({"kind": "at_least", "threshold": 2}, 1, [2.6, 2.8, 3.0], "reproduced"),
        ({"kind": "at_least", "threshold": 2}, 1, [1.0, 1.1, 1.3], "differs"),
        ({"kind": "at_least", "threshold": 2}, 1, [1.9, 2.0, 3.0], "inconclusive"),
        ({"kind": "at_most", "threshold": 1}, 1, [0.9, 1.1], "inconclusive"),
        ({"kind": "abs_tol", "tol": 0.1}, 1.0, [0.97, 1.03], "reproduced"),
        # a two-sided band: differs when every value lies outside it
        ({"kind": "abs_tol", "tol": 0.1}, 1.0, [1.5, 1.55], "differs"),
        # on either side: the mean lies inside the band, so the margin is small
        ({"kind": "abs_tol", "tol": 0.1}, 1.0, [0.5, 1.5], "inconclusive"),
        ({"kind": "abs_tol", "tol": 0.1}, 1.0, [0.5, 1.0], "inconclusive"),
        ({"kind": "factor", "tol": 2}, 4.0, [1.0, 1.2], "differs"),
        ({"kind": "at_least", "threshold": 2}, 1, [3.0, math.nan], "inconclusive"),
        ({"kind": "at_least", "threshold": 2}, 1, [math.nan, math.inf * 0], "differs"),
    ],
)
def test_verdict_over_seeds(compare, reported, values, expected):
    row = verdict(compare, reported, values)
    assert row["verdict"] == expected
    assert row["n"] == len(values)


def test_seeds_give_mean_and_spread():
    row = verdict({"kind": "at_least", "threshold": 2}, 1, [2.0, 4.0, 3.0])
    assert (row["measured"], row["measured_min"], row["measured_max"], row["n"]) == (
        3.0, 2.0, 4.0, 3)


def test_a_metric_without_values_raises():
    with pytest.raises(ClaimsError, match="no value"):
        verdict({"kind": "at_least", "threshold": 2}, 1, [])


def test_not_run_and_not_reproducible_keep_their_rows():
    private = {
        **without(base_claim(id="p", study="private_data"), "metric", "compare"),
        "not_reproducible": "private catalogue",
    }
    rows = evaluate([base_claim(), private], {}, set(), "full", {})
    assert [r["verdict"] for r in rows] == [NOT_RUN, "not reproducible (private catalogue)"]
    assert [(r["measured"], r["n"]) for r in rows] == [(None, 0), (None, 0)]


def test_missing_metric_of_a_study_that_ran_raises():
    with pytest.raises(ClaimsError, match="fib_naive_growth.*fibonacci.naive_growth_factor"):
        evaluate([base_claim()], {"fibonacci.other": [1.0]}, {"fibonacci"}, "full",
                 {"fibonacci": None})


def test_every_real_claim_gets_a_row(claims):
    rows = evaluate(claims, {}, set(), "demo", {})
    assert [r["claim"] for r in rows] == [c["id"] for c in claims]
    assert all(r["verdict"].startswith(("not run", "not reproducible")) for r in rows)


def test_hand_declared_comparability_is_rejected(tmp_path):
    """comparable_at is gone: comparability is derived from the configs (comparability.py)."""
    with pytest.raises(ClaimsError, match="comparable_at"):
        load_claims(write(tmp_path, [base_claim(comparable_at=["full", "demo"])]))


@pytest.mark.parametrize("key", ["config_independent", "conditions_not_given", "log_inexact"])
def test_a_stated_reason_is_not_empty(tmp_path, key):
    with pytest.raises(ClaimsError, match=key):
        load_claims(write(tmp_path, [base_claim(**{key: ""})]))


def test_every_claim_has_a_kind_the_report_knows(tmp_path, claims):
    assert {c["kind"] for c in claims} <= set(KINDS)
    with pytest.raises(ClaimsError, match="kind"):
        load_claims(write(tmp_path, [without(base_claim(), "kind")]))
    with pytest.raises(ClaimsError, match="'log' is not one of"):
        load_claims(write(tmp_path, [base_claim(kind="log")]))
    schema = yaml.safe_load((Path(__file__).resolve().parents[2] / "src" / "hundreddays"
                             / "schemas" / "claims.schema.yaml").read_text(encoding="utf-8"))
    assert schema["properties"]["claims"]["items"]["properties"]["kind"]["enum"] == list(KINDS)


def test_kind_is_the_line_after_study():
    lines = CLAIMS_FILE.read_text(encoding="utf-8").splitlines()
    studies = [i for i, line in enumerate(lines) if line.startswith("    study: ")]
    assert studies and all(lines[i + 1].startswith("    kind: ") for i in studies)


def test_absolute_timings_are_marked_conditions_not_given(claims):
    """A reported wall-clock time (unit s, ms, µs, min) was measured on the author's machine:
    it is never judged against ours."""
    timings = [c for c in claims if c.get("unit") in ("s", "ms", "µs", "us", "min", "minutes")]
    assert {c["id"] for c in timings} >= {"fib_matrix_power_timing", "imdb_training_slow"}
    assert all("conditions_not_given" in c for c in timings)
    planet = next(c for c in claims if c["id"] == "planet_training_time")
    assert "conditions_not_given" in planet
