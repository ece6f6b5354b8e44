"""Studies run through snakemake on local copies: UCI's genuine adult.data read in place
(adult_tabular with source uci, demo profile, a shortened sweep), nothing fetched or copied into
data/, and the pinned manifest checked again on a rerun that has nothing to run; mnist_logreg on
the unpacked MNIST folder. A bad local copy stops the dry run: an unknown id, a missing folder,
and, for every dataset a study reads, a folder in another packaging (named with what it lacks,
before any rule, nothing pinned)."""

import hashlib
import json
import os
import re
import shutil

import pytest
import yaml
from local_copy_layouts import WRONG, make
from real_data import real
from workflow_copy import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

TARGET = "results/adult_tabular/metrics.json"
SHORT = {"adult_tabular": {"source": "uci", "sweep_epochs": [1], "sweep_layers": [[200, 100]]}}


def run(wf, folder):
    """The demo profile, its scale file, then this test's: the local copy, a shortened sweep."""
    (wf / "local.yaml").write_text(yaml.safe_dump({"local_copies": {"adult_uci": str(folder)},
                                                   "studies": SHORT}))
    return snakemake(wf, "--profile", "profiles/demo", "--cores", "2", "--configfile",
                     "profiles/demo/scale.yaml", "local.yaml", "--", TARGET)


def test_adult_tabular_reads_the_genuine_local_copy_in_place(tmp_path):
    wf = copy_workflow(tmp_path / "wf")
    genuine = real("adult_uci")
    proc = run(wf, genuine)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-5000:]
    for rule in ("fetch_file", "prepare_dataset", "build_demo_mirror"):
        assert f"rule {rule}" not in said, rule
    assert f"input: {genuine}" in said  # the study's input is the folder itself
    assert "adult (uci): 32561 rows" in (wf / "logs" / "adult_tabular.log").read_text()
    metrics = json.loads((wf / TARGET).read_text())
    assert metrics["train_rows"] + metrics["valid_rows"] == 32561
    manifest = wf / "data" / "demo" / "local-copies" / "adult_uci.sha256"
    written = sorted(p.relative_to(wf) for p in (wf / "data").rglob("*") if p.is_file())
    assert written == [manifest.relative_to(wf)]  # the pin beside the lock file, no data
    assert manifest.read_text().split() == [
        "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d", "adult.data"]

    # Nothing left to run, yet the copy is checked again: one changed byte stops the rerun.
    again = run(wf, genuine)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    changed = tmp_path / "changed"
    changed.mkdir()
    data = bytearray((genuine / "adult.data").read_bytes())
    data[100] ^= 0x01
    (changed / "adult.data").write_bytes(bytes(data))
    refused = run(wf, changed)
    assert refused.returncode != 0
    assert f"changed: {changed / 'adult.data'}" in refused.stderr
    assert f"delete {manifest.relative_to(wf)}" in refused.stderr
    shutil.rmtree(changed)


@pytest.mark.parametrize("copies, message", [
    ({"news20": "movielens_100k"}, "local_copies.news20: 'news20' is not a dataset"),
    ({"newsgroups20": "no-such-folder"}, "local_copies.newsgroups20: folder"),
    ({"newsgroups20": "movielens_100k"}, "20news-bydate-train, 20news-bydate-test missing"),
])
def test_a_bad_local_copy_stops_the_dry_run_naming_it(tmp_path, copies, message):
    wf = copy_workflow(tmp_path / "wf")
    folders = {d: str(tmp_path / f if f == "no-such-folder" else real(f))
               for d, f in copies.items()}
    (wf / "local.yaml").write_text(yaml.safe_dump({"local_copies": folders}))
    proc = snakemake(wf, "-n", "--cores", "1", "--configfile", "config.yaml", "local.yaml")
    assert proc.returncode != 0
    said = proc.stdout + proc.stderr  # a dry run prints the error on stdout
    assert message in said, said[-3000:]
    assert not (wf / "local-copies").exists()  # nothing pinned


# The ids read under config.yaml's sources, then those read under the other sources (a study's
# `source` picks one registry id of its row's sources). Without Kaggle credentials, whale runs
# on a local copy only when it submits nothing.
OTHER_SOURCES = {"planet": {"source": "sample"}, "adult_tabular": {"source": "uci"},
                 "gp_dkl_elevators": {"source": "csv"}}
OTHER_IDS = ["adult_uci", "elevators_csv", "planet_sample"]


@pytest.mark.parametrize("studies, ids", [
    ({"whale": {"submit": False}}, sorted(set(WRONG) - set(OTHER_IDS))),
    (OTHER_SOURCES, OTHER_IDS),
])
def test_each_wrong_local_copy_stops_the_dry_run_before_any_rule(tmp_path, studies, ids):
    """Every dataset a study reads, given as a folder of another packaging: one dry run names
    each key and what its folder lacks, plans no rule and pins nothing. No Kaggle credentials
    here: a Kaggle dataset given as a local copy is checked like any other (it is not fetched)."""
    wf = copy_workflow(tmp_path / "wf")
    folders = {d: make(tmp_path / "copies" / d, WRONG[d][0]) for d in ids}
    (wf / "local.yaml").write_text(yaml.safe_dump({
        "local_copies": {d: str(f) for d, f in folders.items()}, "studies": studies}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_")}
    proc = snakemake(wf, "-n", "--cores", "1", "--configfile", "config.yaml", "local.yaml",
                     env={**env, "HOME": str(tmp_path)})
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"{len(ids)} local copies refused:" in said, said[-3000:]
    for d in ids:
        assert f"config local_copies.{d}: the local copy of {d} at {folders[d]} is not" in said, d
        assert re.search(WRONG[d][1], said), (d, said[-3000:])
    assert "Job stats" not in said and "rule fetch_file" not in said  # nothing planned
    assert not (wf / "local-copies").exists()  # nothing pinned


def test_mnist_logreg_reads_the_unpacked_mnist_folder_in_place(tmp_path):
    """All four MNIST files uncompressed, named as the common unpacked copies name them, given as
    a local copy: the study reads them in place (more images than the demo miniature holds),
    its manifest pins the four files' sha256."""
    genuine = real("mnist-unpacked")
    wf = copy_workflow(tmp_path / "wf")
    short = {"mnist_logreg": {"epochs": 1, "train_limit": 3000, "test_limit": 1000}}
    (wf / "local.yaml").write_text(yaml.safe_dump({"local_copies": {"mnist": str(genuine)},
                                                   "studies": short}))
    target = "results/mnist_logreg/metrics.json"
    proc = snakemake(wf, "--profile", "profiles/demo", "--cores", "2", "--configfile",
                     "profiles/demo/scale.yaml", "local.yaml", "--", target)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-5000:]
    for rule in ("fetch_file", "prepare_dataset", "build_demo_mirror"):
        assert f"rule {rule}" not in said, rule
    assert f"input: {genuine}" in said
    assert "3000 training and 1000 test images" in (wf / "logs" / "mnist_logreg.log").read_text()
    metrics = json.loads((wf / target).read_text())
    assert (metrics["train_images"], metrics["test_images"]) == (3000, 1000)  # demo: 2000, 500
    assert metrics["test_accuracy"] > 0.5  # learnt the real digits (chance: 0.1)
    manifest = wf / "data" / "demo" / "local-copies" / "mnist.sha256"
    pinned = dict(reversed(line.split("  ")) for line in manifest.read_text().splitlines())
    assert pinned == {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                      for p in genuine.iterdir()}
    assert sorted(pinned) == ["t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte",
                              "train-images.idx3-ubyte", "train-labels.idx1-ubyte"]


@pytest.mark.parametrize("submit, rule", [(False, "whale"), (True, "not_run")])
def test_a_kaggle_local_copy_needs_credentials_only_to_submit(tmp_path, submit, rule):
    """humpback_whale as a local copy is not fetched: without Kaggle credentials whale runs on
    it, unless its config asks for Kaggle's scores (submit), which need them."""
    wf = copy_workflow(tmp_path / "wf")
    folder = make(tmp_path / "whale", {name: b"x" for name in (
        "train.csv", "sample_submission.csv", "train.zip", "test.zip")})
    (wf / "local.yaml").write_text(yaml.safe_dump({
        "local_copies": {"humpback_whale": str(folder)}, "studies": {"whale": {"submit": submit}}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_")}
    proc = snakemake(wf, "-n", "--cores", "1", "--configfile", "config.yaml", "local.yaml",
                     "--", "results/whale/metrics.json", env={**env, "HOME": str(tmp_path)})
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-3000:]
    assert f"rule {rule}:" in said and "dataset=humpback_whale" not in said, said[-3000:]
