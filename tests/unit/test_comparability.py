"""Comparability is derived from the configs: a claim is judged at a scale only where its study
ran with its full-scale config on the publishers' data, or where the claim states why its value
does not depend on the config."""

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from hundreddays.claims import evaluate, load_claims
from hundreddays.comparability import (
    claim_not_comparable,
    config_differences,
    describe,
    why_not_comparable,
)
from hundreddays.study_table import load_studies

ROOT = Path(__file__).resolve().parents[2]
JUDGED = ("reproduced", "differs", "inconclusive")


def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def merged_with(*overrides: Path) -> dict:
    """config.yaml with the override files merged over it, key by key, as Snakemake merges a
    profile's configfile over the Snakefile's."""
    config = read_yaml(ROOT / "config.yaml")
    for path in overrides:
        update_config(config, read_yaml(path))
    return config


def reasons_for(config: dict) -> dict[str, dict | None]:
    """rules/common.smk's NOT_COMPARABLE for `config`."""
    studies = load_studies(ROOT / "studies.yaml")
    inputs = {s: row.data(config["studies"][s]) + row.weights(config["studies"][s])
              for s, row in studies.items()}
    return why_not_comparable(config, read_yaml(ROOT / "config.yaml"), inputs)


def test_config_differences_names_dotted_keys():
    full = {"epochs": 10, "sizes": [64, 128], "cnn": {"train": 100, "lr": 0.1}, "arch": "r50"}
    assert config_differences(copy.deepcopy(full), full) == []
    demo = {"epochs": 2, "sizes": [64], "cnn": {"train": 10, "lr": 0.1}, "arch": "r50",
            "extra": 1}
    assert config_differences(demo, full) == ["cnn.train", "epochs", "extra", "sizes"]
    assert config_differences({"cnn": 3}, {"cnn": {"train": 1}}) == ["cnn"]
    assert config_differences({"a": {}}, {"a": {"b": 1}}) == ["a.b"]


def test_why_not_comparable_says_config_and_miniatures():
    full = {"build_demo_mirror": False, "studies": {"a": {"n": 1}, "b": {"n": 1}, "c": {}}}
    demo = {"build_demo_mirror": True, "studies": {"a": {"n": 2}, "b": {"n": 1}, "c": {}}}
    inputs = {"a": [], "b": ["mnist"], "c": []}
    assert why_not_comparable(full, full, inputs) == {"a": None, "b": None, "c": None}
    reasons = why_not_comparable(demo, full, inputs)
    assert reasons == {"a": {"config": ["n"], "miniatures": False},
                       "b": {"config": [], "miniatures": True}, "c": None}
    assert {s: describe(r) for s, r in reasons.items()} == {
        "a": "config differs: n", "b": "reads demo miniatures", "c": None}


def test_a_claim_is_judged_where_it_states_independence_of_every_differing_key():
    reason = {"config": ["epochs", "source"], "miniatures": False}
    assert describe(reason) == "config differs: epochs, source"
    assert describe(reason, ["source"]) == "config differs: epochs"
    assert describe(reason, ["epochs", "source"]) is None
    # a nested key counts as its top-level key
    assert describe({"config": ["warmup.lr"], "miniatures": False}, ["warmup"]) is None
    # independence of a config key never excuses a demo miniature
    both = {"config": ["source"], "miniatures": True}
    assert describe(both, ["source"]) == "reads demo miniatures"
    claim = {"independent_of": {"source": "the same rows of the same data set"}}
    assert claim_not_comparable(claim, {"config": ["source"], "miniatures": False}) is None
    assert claim_not_comparable({}, {"config": ["source"], "miniatures": False}) == (
        "config differs: source")
    assert claim_not_comparable({"config_independent": "a library default"}, both) is None
    assert claim_not_comparable(claim, "a reason in words") == "a reason in words"
    assert claim_not_comparable({}, None) is None


def test_full_scale_is_comparable_everywhere():
    assert set(reasons_for(merged_with()).values()) == {None}


def test_a_command_line_override_at_full_scale_makes_its_study_not_comparable(tmp_path):
    override = tmp_path / "override.yaml"
    override.write_text("studies:\n  fibonacci:\n    naive_max_n: 20\n", encoding="utf-8")
    reasons = reasons_for(merged_with(override))
    assert describe(reasons["fibonacci"]) == "config differs: naive_max_n"
    assert [s for s, r in reasons.items() if r] == ["fibonacci"]


def demo_rows():
    """Every claim judged at demo scale, as if every study ran and wrote every metric."""
    claims = load_claims(ROOT / "claims.yaml")
    reasons = reasons_for(merged_with(ROOT / "profiles" / "demo" / "scale.yaml"))
    metrics = {c["metric"]: [c["reported"]] for c in claims if "metric" in c}
    rows = evaluate(claims, metrics, set(reasons), "demo", reasons)
    return claims, reasons, rows


def test_no_claim_is_judged_at_demo_scale_without_full_config_or_a_stated_reason():
    """Over every claim: a demo verdict needs the study's demo config to equal config.yaml's
    (except in keys the claim states it is independent_of) and no miniature read, or the claim's
    own config_independent reason. A hand-declared exception
    (comparable_at, or a study that shrinks its demo config and still counts) fails here."""
    claims, reasons, rows = demo_rows()
    assert len(rows) == len(claims)
    for claim, row in zip(claims, rows, strict=True):
        judged = row["verdict"] in JUDGED
        reason = reasons.get(claim["study"], "not a study")
        allowed = bool(claim.get("config_independent")) or describe(
            reason, claim.get("independent_of", {})) is None
        assert not judged or allowed, (claim["id"], row["verdict"], reasons.get(claim["study"]))
        assert "comparable_at" not in claim, claim["id"]
        if "metric" in claim and not allowed and "conditions_not_given" not in claim:
            why = describe(reasons[claim["study"]], claim.get("independent_of", {}))
            assert row["verdict"] == f"not comparable at demo scale ({why})", claim["id"]
            assert row["measured"] == claim["reported"], claim["id"]


def test_demo_studies_with_a_smaller_config_are_not_comparable():
    reasons = reasons_for(merged_with(ROOT / "profiles" / "demo" / "scale.yaml"))
    demo = read_yaml(ROOT / "profiles" / "demo" / "scale.yaml")["studies"]
    full = read_yaml(ROOT / "config.yaml")["studies"]
    for study in demo:
        if config_differences({**full[study], **demo[study]}, full[study]):
            assert reasons[study] and reasons[study]["config"], study


@pytest.mark.parametrize("key", ["config_independent", "conditions_not_given"])
def test_stated_reasons_are_on_measured_claims(key):
    claims = load_claims(ROOT / "claims.yaml")
    marked = [c for c in claims if key in c]
    assert marked and all("metric" in c for c in marked)


def test_a_local_copy_changes_no_study_setting_so_the_mnist_claims_stay_comparable(tmp_path):
    """The publisher's bytes from a local copy (an unpacked MNIST folder on a shared disk) with
    the full-scale mnist blocks: every study that reads mnist stays comparable."""
    local = tmp_path / "local.yaml"
    local.write_text(yaml.safe_dump({"local_copies": {"mnist": "/datasets/mnist-unpacked"}}))
    config = merged_with(local)
    studies = load_studies(ROOT / "studies.yaml")
    on_mnist = [s for s, row in studies.items() if "mnist" in row.data(config["studies"][s])]
    assert on_mnist == ["weight_decay", "mnist_logreg", "mnist_mlp", "mnist_cnn"]
    reasons = reasons_for(config)
    assert {s: reasons[s] for s in on_mnist} == dict.fromkeys(on_mnist)
    assert set(reasons.values()) == {None}


def test_a_local_copy_is_no_demo_miniature(tmp_path):
    """At demo scale the mirror serves miniatures, but a study whose data is a local copy reads
    the publisher's bytes: only its config difference keeps it from being comparable."""
    local = tmp_path / "local.yaml"
    local.write_text(yaml.safe_dump({"local_copies": {"mnist": "/datasets/mnist-unpacked"}}))
    reasons = reasons_for(merged_with(ROOT / "profiles" / "demo" / "scale.yaml", local))
    assert describe(reasons["mnist_logreg"]) == "config differs: epochs"
    assert describe(reasons["nmf_topics"]).endswith("reads demo miniatures")  # no local copy
