"""The workflow as a user runs it: dry-runs, lint, bad input, and the demo run end to end."""

import csv
import hashlib
import json
import os
import subprocess
import sys

import pytest
import yaml
from workflow_copy import REPO, copy_workflow, snakemake

from hundreddays.published import benchmark_rows
from hundreddays.study_table import load_studies

pytestmark = pytest.mark.workflow
TABLE = load_studies(REPO / "studies.yaml")
STUDIES = list(TABLE)
TABLES = [s for s, row in TABLE.items() if row.table]
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
DEMO_SCALE = yaml.safe_load((REPO / "profiles" / "demo" / "scale.yaml").read_text())
# The datasets the demo fetches: each study's (its source under the demo scale, which may pick
# another than config.yaml's, as planet's sample does; no pretrained weights).
DEMO_DATASETS = {d for s, row in TABLE.items()
                 for d in row.data({**CONFIG["studies"][s], **DEMO_SCALE["studies"].get(s, {})})}


@pytest.fixture
def workflow(tmp_path):
    return copy_workflow(tmp_path / "wf")


def test_full_scale_dry_run_plans_every_step_offline(workflow):
    proc = snakemake(workflow, "-n", "--cores", "8", "--resources", "gpu=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for rule in ["fetch_file", "prepare_dataset", *STUDIES, "report"]:
        assert rule in proc.stdout, rule
    assert "build_demo_mirror" not in proc.stdout


def test_kaggle_studies_without_credentials_say_why(workflow, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_")}
    env["HOME"] = str(tmp_path / "home")  # no ~/.kaggle/kaggle.json either
    config = workflow / "config.yaml"
    assert "    source: kaggle\n" in config.read_text()  # planet at full scale: the log's data
    proc = snakemake(workflow, "--cores", "1", "results/whale/metrics.json",
                     "results/planet/metrics.json", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for study in ("whale", "planet"):
        metrics = json.loads((workflow / "results" / study / "metrics.json").read_text())
        assert metrics == {"not_run": "no Kaggle credentials"}
        assert (workflow / "results" / "figures" / f"{study}.png").read_bytes()[:4] == b"\x89PNG"
    assert "fetch_file" not in proc.stdout + proc.stderr  # nothing was downloaded for them


def test_demo_dry_run_builds_the_mirror_first(workflow):
    proc = snakemake(workflow, "-n", "--profile", "profiles/demo")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "build_demo_mirror" in proc.stdout
    assert "The report:" not in out(proc)  # a dry-run names no report: none was written


def test_lint_is_clean(workflow):
    proc = snakemake(workflow, "--lint")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_snakemake_files_are_snakefmt_formatted():
    files = [str(REPO / "Snakefile"), *map(str, sorted((REPO / "rules").glob("*.smk")))]
    proc = subprocess.run([sys.executable, "-m", "snakefmt", "--check", *files],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_python_is_ruff_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "scripts", "tests",
                           "bench"], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_bad_config_value_names_the_key(workflow):
    proc = snakemake(workflow, "-n", "--config", "scale=huge")
    assert proc.returncode != 0
    assert "scale" in out(proc) and "huge" in out(proc)


def test_bad_nested_config_names_the_key(workflow):
    cfg = yaml.safe_load((workflow / "config.yaml").read_text())
    cfg["studies"]["mnist_logreg"]["epochs"] = "many"
    (workflow / "bad.yaml").write_text(yaml.safe_dump(cfg))
    proc = snakemake(workflow, "-n", "--configfile", "bad.yaml")
    assert proc.returncode != 0
    assert "epochs" in out(proc) and "many" in out(proc)


def test_bad_claims_file_fails_the_dry_run_naming_it(workflow):
    claims = yaml.safe_load((workflow / "claims.yaml").read_text())
    claims["claims"][0]["compare"] = {"kind": "roughly"}
    (workflow / "claims.yaml").write_text(yaml.safe_dump(claims))
    proc = snakemake(workflow, "-n")
    assert proc.returncode != 0
    assert "claims.yaml" in out(proc) and claims["claims"][0]["id"] in out(proc)


def test_bad_datasets_file_fails_the_dry_run_naming_the_key(workflow):
    registry = yaml.safe_load((workflow / "datasets.yaml").read_text())
    registry["datasets"]["mnist"]["files"]["train-images-idx3-ubyte.gz"]["checksum"]["kind"] = "crc"
    (workflow / "datasets.yaml").write_text(yaml.safe_dump(registry))
    proc = snakemake(workflow, "-n")
    assert proc.returncode != 0
    assert "datasets.yaml" in out(proc) and "mnist" in out(proc) and "crc" in out(proc)


def test_demo_run_answers_every_claim(demo_run):
    claims = yaml.safe_load((demo_run / "claims.yaml").read_text())["claims"]
    with open(demo_run / "results" / "claims.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["claim"] for r in rows] == [c["id"] for c in claims]
    assert {r["scale"] for r in rows} == {"demo"}
    by_id = {r["claim"]: r for r in rows}
    assert by_id_metric(claims, "mnist_logreg.test_accuracy", by_id)["measured"] != ""


def by_id_metric(claims, metric, rows):
    claim = next(c for c in claims if c.get("metric") == metric)
    return rows[claim["id"]]


def test_demo_run_writes_metrics_figures_and_report(demo_run):
    results = demo_run / "results"
    with open(results / "metrics.csv", newline="") as f:
        studies = {r["study"] for r in csv.DictReader(f)}
    assert studies == set(STUDIES)
    report = (results / "REPORT.md").read_text()
    for study in STUDIES:
        png = results / "figures" / f"{study}.png"
        assert png.read_bytes()[:4] == b"\x89PNG"
        assert f"figures/{study}.png" in report
    for study in TABLES:  # each table is shown under its figure
        header = (results / study / "table.csv").read_text().splitlines()[0].split(",")
        assert "| " + " | ".join(header) + " |" in report, study
    environment = (results / "environment.txt").read_text()  # the lock and every version
    sha = hashlib.sha256((demo_run / "requirements.lock").read_bytes()).hexdigest()
    assert f"# lock_sha256: {sha}\n" in environment and "\ntorch==2.14.1\n" in environment
    assert f"sha256 `{sha}`" in report and "[`environment.txt`](environment.txt)" in report
    leftovers = [p for p in demo_run.rglob("*") if ".tmp" in p.name or p.suffix == ".part"]
    assert leftovers == []


def test_demo_data_came_through_the_mirror_with_checksums(demo_run):
    records = list((demo_run / "data" / "demo" / "fetch-records").rglob("*.json"))
    assert {p.parent.name for p in records} == DEMO_DATASETS
    for path in records:
        record = yaml.safe_load(path.read_text())
        assert "demo-mirror" in record["source"]
        assert len(record["sha256"]) == 64


def out(proc):
    """Snakemake prints workflow errors on stdout in a dry-run, on stderr otherwise."""
    return proc.stdout + proc.stderr


def test_every_demo_rule_stays_within_the_memory_the_demo_declares(demo_run):
    """The demo scale's mem_mb (profiles/demo/scale.yaml) is what each study rule asks a cluster
    for; a rule whose peak RSS outgrew it would be killed there."""
    declared = DEMO_SCALE["mem_mb"]
    peaks = {row["rule"]: float(row["max_rss_mib"])
             for row in benchmark_rows(demo_run / "benchmarks", set(TABLE))
             if row["max_rss_mib"] != "NA"}
    assert peaks, "no benchmark of the demo run"
    over = {rule: peak for rule, peak in peaks.items() if peak > declared}
    assert over == {}, f"demo rules over mem_mb {declared}: {over}"
