"""The rehearsal runs config.yaml's full-scale settings: the profile changes no study's block
(architecture, image size, batch size, sequence length, epochs: every one stays), adds only the
cap and where its files go, and makes every study not comparable."""

from pathlib import Path

import yaml
from real_data import REAL_DATA
from snakemake.utils import update_config

from hundreddays.comparability import REHEARSAL, why_not_comparable
from hundreddays.data.registry import load_registry
from hundreddays.rehearsal.cap import Cap
from hundreddays.study_table import load_studies

ROOT = Path(__file__).resolve().parents[3]
PROFILE = ROOT / "profiles" / "rehearsal" / "scale.yaml"
# what the profile may set besides the cap: where its files go, one seed, the mirror it builds,
# and the genuine files read in place
WORKFLOW_KEYS = {"scale", "seeds", "data_dir", "build_demo_mirror", "lockfile", "local_copies"}


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _merged() -> dict:
    config = _yaml(ROOT / "config.yaml")
    update_config(config, _yaml(PROFILE))
    return config


def test_every_study_block_is_config_yamls():
    full = _yaml(ROOT / "config.yaml")
    merged = _merged()
    assert merged["studies"] == full["studies"]
    assert "studies" not in _yaml(PROFILE)


def test_the_only_addition_is_the_cap():
    profile = _yaml(PROFILE)
    assert set(profile) - WORKFLOW_KEYS == {"rehearsal"}
    cap = Cap.of(profile["rehearsal"])
    assert cap.max_steps >= 1 and cap.max_eval_batches >= 1
    assert profile["scale"] == "rehearsal" and profile["build_demo_mirror"] is True


def test_no_claim_of_a_rehearsal_is_judged():
    merged = _merged()
    studies = load_studies(ROOT / "studies.yaml")
    reasons = why_not_comparable(merged, _yaml(ROOT / "config.yaml"), {s: [] for s in studies})
    assert set(reasons.values()) == {REHEARSAL}


def test_a_config_independent_claim_is_not_judged_in_a_rehearsal_either():
    from hundreddays.claims import evaluate

    claim = {"id": "c", "day": "1", "study": "s", "kind": "synthetic", "statement": "x",
             "reported": 1.0, "metric": "s.m", "compare": {"kind": "at_least", "threshold": 0.5},
             "config_independent": "a library fact"}
    (row,) = evaluate([claim], {"s.m": [1.0]}, {"s"}, "rehearsal", {"s": REHEARSAL})
    assert row["verdict"] == f"not comparable at rehearsal scale ({REHEARSAL})"
    (row,) = evaluate([claim], {"s.m": [1.0]}, {"s"}, "demo", {"s": "config differs: n"})
    assert row["verdict"] == "reproduced"


def test_local_copies_are_registry_datasets_read_from_the_shared_files():
    registry = load_registry(ROOT / "datasets.yaml")
    for dataset, folder in _yaml(PROFILE)["local_copies"].items():
        assert dataset in registry
        assert folder.startswith(f"../shared/{REAL_DATA.name}/")  # read in place, never copied
