"""A study run through snakemake on a local copy: UCI's genuine adult.data read in place
(adult_tabular with source uci, demo profile, a shortened sweep), nothing fetched or copied into
data/, and the pinned manifest checked again on a rerun that has nothing to run."""

import json
import shutil

import pytest
import yaml
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
    ({"newsgroups20": "movielens_100k"}, "20news-bydate-train does not exist"),
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
