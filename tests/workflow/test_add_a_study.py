"""The study contract, proved: a toy study added to a copy of the workflow in exactly the places
README's "To add a study" names (a table row, a module, a caption, a config block with its
schema, a claim) runs at the demo scale into the report, and nothing else has to change."""

import csv
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from workflow_copy import REPO, snakemake

pytestmark = pytest.mark.workflow

ROW = '  toy_study:\n    day: "53"\n    title: "a toy study: the mean of uniform draws"\n' \
      '    table: true\n'
MODULE = '''"""A toy study: the mean of n uniform draws, with the log's value beside it."""

import numpy as np


def run(ctx):
    draws = np.random.default_rng(ctx.seed).random(ctx.cfg["n"])
    ctx.log(f"{ctx.cfg['n']} draws on {ctx.device}")
    rows = [{"n": k, "mean": float(draws[:k].mean())} for k in (10, ctx.cfg["n"])]
    return {"metrics": {"mean": float(draws.mean())}, "table": rows, "draws": draws}


def plot(result, path, reference):
    from hundreddays.figures import new_figure, save_figure

    fig, ax = new_figure()
    ax.hist(result["draws"], bins=20)
    ax.axvline(reference["mean"], color="grey", ls=":", label="reported")
    ax.legend()
    save_figure(fig, path)
'''
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["n"],
          "properties": {"n": {"type": "integer", "minimum": 10}}}
CLAIM = {"id": "toy_study_mean", "day": 53, "study": "toy_study", "kind": "synthetic",
         "statement": "The mean of uniform draws is about one half.", "reported": 0.5,
         "unit": "mean", "metric": "toy_study.mean", "compare": {"kind": "abs_tol", "tol": 0.1},
         "note": "A test of the study contract."}


def add_toy_study(wf: Path) -> None:
    """Write the toy study into the places that hold a study's own facts, and nowhere else."""
    with open(wf / "studies.yaml", "a", encoding="utf-8") as f:
        f.write(ROW)
    (wf / "src" / "hundreddays" / "studies" / "toy_study.py").write_text(MODULE)
    (wf / "report" / "toy_study.rst").write_text("A toy study of the contract.\n")
    (wf / "src" / "hundreddays" / "schemas" / "studies" / "toy_study.yaml").write_text(
        yaml.safe_dump(SCHEMA))
    config = yaml.safe_load((wf / "config.yaml").read_text())
    config["studies"]["toy_study"] = {"n": 1000}
    (wf / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    claims = yaml.safe_load((wf / "claims.yaml").read_text())
    claims["claims"].append(CLAIM)
    (wf / "claims.yaml").write_text(yaml.safe_dump(claims, sort_keys=False))


def test_a_toy_study_runs_into_the_report_from_its_own_places_only(demo_run, tmp_path):
    wf = tmp_path / "wf"
    shutil.copytree(demo_run, wf, symlinks=True)  # the finished demo run: only new work runs
    shutil.copytree(REPO / "src", wf / "src", ignore=shutil.ignore_patterns("__pycache__"))
    add_toy_study(wf)
    rules_before = {p.name: p.read_text() for p in (wf / "rules").glob("*.smk")}
    env = {**os.environ, "PYTHONPATH": str(wf / "src")}  # the copy's package, toy included
    proc = snakemake(wf, "--profile", "profiles/demo", env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    ran = set(re.findall(r"Rule: (\w+)", proc.stdout + proc.stderr))
    assert ran == {"toy_study", "report", "all"}, ran
    assert {p.name: p.read_text() for p in (wf / "rules").glob("*.smk")} == rules_before
    results = wf / "results"
    assert (results / "figures" / "toy_study.png").read_bytes()[:4] == b"\x89PNG"
    assert (results / "toy_study" / "table.csv").read_text().startswith("n,mean\n10,")
    with open(results / "claims.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["claim"] == "toy_study_mean")
    assert row["verdict"] == "reproduced" and abs(float(row["measured"]) - 0.5) < 0.05
    report = (results / "REPORT.md").read_text()
    assert "### Day 53 - a toy study: the mean of uniform draws" in report
    assert "figures/toy_study.png" in report and "| n | mean |" in report
    assert "toy_study,mean," in (results / "metrics.csv").read_text()
