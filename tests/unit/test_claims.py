import math
from pathlib import Path

import pytest
import yaml

from hundreddays.claims import NOT_RUN, ClaimsError, evaluate, load_claims
from hundreddays.study_table import load_studies

CLAIMS_FILE = Path(__file__).resolve().parents[2] / "claims.yaml"

# Days of the log (1-53) that report a number or a checkable statement about a computation.
DAYS_WITH_CLAIMS = [2, 4, 6, 8, 11, 13, 16, 17, 22, 23, 24, 26, 32, 34, 35, 36, 39, 47, 48, 50]

# The studies of the table, and the rows of the log's private-data statements.
KNOWN_STUDIES = {*load_studies(Path(__file__).resolve().parents[2] / "studies.yaml"),
                 "private_data"}

# The keys the implemented studies write: metric -> (reported, compare, comparable_at).
FIXED = {
    "fibonacci.matrix_power_fib100000_seconds": (
        2.94e-5,
        {"kind": "factor", "tol": 10},
        ["full", "demo"],
    ),
    "fibonacci.matrix_power_fib100000_exact": (
        1,
        {"kind": "at_least", "threshold": 1},
        ["full", "demo"],
    ),
    "fibonacci.naive_growth_factor": (2, {"kind": "rel_tol", "tol": 0.1}, ["full", "demo"]),
    "fibonacci.closed_form_speedup": (1, {"kind": "at_least", "threshold": 1000}, ["full", "demo"]),
    "svd_background.peds_foreground_fraction": (1, {"kind": "at_most", "threshold": 0.1}, None),
    "svd_background.landing_to_peds_foreground_ratio": (
        1,
        {"kind": "at_least", "threshold": 2},
        None,
    ),
    "mnist_logreg.test_accuracy": (0.925, {"kind": "abs_tol", "tol": 0.01}, None),
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
    for metric, (reported, compare, scales) in FIXED.items():
        claim = by_metric[metric]
        assert (claim["reported"], claim["compare"]) == (reported, compare), metric
        assert claim.get("comparable_at") == scales, metric


def test_private_data_rows_say_why_they_cannot_be_reproduced(claims):
    private = [c for c in claims if c["study"] == "private_data"]
    assert private and all(c["not_reproducible"] for c in private)


def base_claim(**changes):
    claim = {
        "id": "fib_naive_growth",
        "day": 13,
        "study": "fibonacci",
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


def verdict(compare, reported, measured, scale="full", comparable_at=None):
    claim = base_claim(compare=compare, reported=reported)
    if comparable_at:
        claim["comparable_at"] = comparable_at
    metrics = {"fibonacci.naive_growth_factor": measured}
    return evaluate([claim], metrics, {"fibonacci"}, scale)[0]


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
    assert (row["verdict"], row["comparison"], row["reproduced"]) == ("differs", text, outside)


@pytest.mark.parametrize(
    ("kind", "measured"),
    [("at_most", math.nan), ("at_least", math.inf), ("at_most", -math.inf), ("at_least", math.nan)],
)
def test_non_finite_measurement_differs(kind, measured):
    assert verdict({"kind": kind, "threshold": 1}, 1, measured)["verdict"] == "differs"


def test_not_comparable_at_demo_still_shows_the_value():
    row = verdict({"kind": "abs_tol", "tol": 0.5}, 2.0, 2.1, scale="demo")
    assert (row["verdict"], row["reproduced"], row["scale"]) == (
        "not comparable at demo scale",
        2.1,
        "demo",
    )
    row = verdict({"kind": "abs_tol", "tol": 0.5}, 2.0, 2.1, "demo", ["full", "demo"])
    assert row["verdict"] == "reproduced"


def test_not_run_and_not_reproducible_keep_their_rows():
    private = {
        **without(base_claim(id="p", study="private_data"), "metric", "compare"),
        "not_reproducible": "private catalogue",
    }
    rows = evaluate([base_claim(), private], {}, set(), "full")
    assert [r["verdict"] for r in rows] == [NOT_RUN, "not reproducible (private catalogue)"]
    assert [r["reproduced"] for r in rows] == [None, None]


def test_missing_metric_of_a_study_that_ran_raises():
    with pytest.raises(ClaimsError, match="fib_naive_growth.*fibonacci.naive_growth_factor"):
        evaluate([base_claim()], {"fibonacci.other": 1.0}, {"fibonacci"}, "full")


def test_every_real_claim_gets_a_row(claims):
    rows = evaluate(claims, {}, set(), "demo")
    assert [r["claim"] for r in rows] == [c["id"] for c in claims]
    assert all(r["verdict"].startswith(("not run", "not reproducible")) for r in rows)
