"""A rehearsal of one study per family (CI): through the rehearsal profile, with config.yaml's
full-scale blocks, the loops capped to one step, on the demo's miniatures with the pretrained
architectures' random weights (rehearsal.mirror: demo: the full-config code path in seconds; the
image sizes, sequence lengths and batch sizes are the config's, the items few and small). One
snakemake run for all four, their rules only (no report: that no claim of a rehearsal is judged
is tests/unit/rehearsal/test_profile.py's); the other studies are skipped (config skip), so the
mirror holds none of their data."""

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from real_data import real
from workflow_copy import REPO, copy_workflow

from hundreddays.study_table import load_studies

# the cheapest study of each family that goes through a capped loop: timing repeats of the
# course's Lasso; fastai's vision learner at 120 x 160 px; the ULMFiT language model and
# classifier (the one text study); training.fit
FAMILIES = {"linear algebra": "ct_compressed_sensing", "fastai vision": "head_pose",
            "fastai text": "imdb", "PyTorch models": "softmax_pitfall"}
CAP = {"max_steps": 1, "max_eval_batches": 1, "min_seconds": 0, "mirror": "demo"}


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    root = tmp_path_factory.mktemp("rehearsal")
    wf = copy_workflow(root / "wf")
    (root / "shared").symlink_to(real().parent)  # ../shared/real-data, as beside the repository
    studies = load_studies(REPO / "studies.yaml")
    skip = {s: "CI rehearses one study per family" for s in studies
            if s not in FAMILIES.values()}
    (wf / "ci.yaml").write_text(yaml.safe_dump({"rehearsal": CAP, "skip": skip}))
    # the targets first: --configfile takes every word after it
    command = [sys.executable, "-m", "snakemake",
               *(f"results/{s}/metrics.json" for s in FAMILIES.values()),
               "--profile", "profiles/rehearsal",
               "--configfile", "profiles/rehearsal/scale.yaml", "ci.yaml"]
    proc = subprocess.Popen([sys.executable, "scripts/rehearse.py", "--run", "rehearsal-ci",
                             "--no-publish", "--", *command], cwd=wf, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # snakemake and its jobs too
        out, _ = proc.communicate()
    assert proc.returncode == 0, out[-5000:]
    return wf


@pytest.mark.parametrize("study", FAMILIES.values())
def test_each_family_ran_its_full_config_capped(rehearsal, study):
    record = json.loads((rehearsal / "logs" / "rehearsal" / f"{study}.json").read_text())
    assert record["status"] == "ran", record["error"]
    phases = []

    def walk(node):
        for child in node["children"]:
            phases.append(child)
            walk(child)

    walk(record["run"])
    trained = [p for p in phases if p["kind"] in ("train", "repeat")]
    assert trained, f"{study}: no capped loop ran"
    assert all(p["steps"] <= 1 for p in trained)
    assert all(p["steps"] <= p["occurrences"] for p in phases if p["kind"] == "eval")


def test_the_table_estimates_the_four_and_names_the_rest(rehearsal):
    with open(rehearsal / "results" / "rehearsal" / "rehearsal.csv", newline="") as f:
        rows = {r["study"]: r for r in csv.DictReader(f)}
    for study in FAMILIES.values():
        assert rows[study]["status"] == "ran" and float(rows[study]["estimate_seconds"]) > 0
    assert sum(r["status"] == "not run" for r in rows.values()) == len(rows) - 4
    assert Path(rehearsal / "results" / "rehearsal" / "phases.csv").is_file()
