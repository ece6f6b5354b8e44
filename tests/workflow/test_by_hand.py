"""A file placed by hand is used by a real snakemake run, verified, and never deleted: the case of
a user without internet, or of an air-gapped cluster whose admin copies the files in."""

import json
import shutil
from pathlib import Path

import pytest
from workflow_copy import REPO, copy_workflow, snakemake

GENUINE = REPO.parent / "shared" / "real-data" / "mnist" / "t10k-labels-idx1-ubyte.gz"
RECORD = "data/fetch-records/mnist/t10k-labels-idx1-ubyte.gz.json"
pytestmark = pytest.mark.workflow


def test_a_genuine_file_placed_by_hand_is_fetched_through_snakemake(tmp_path):
    wf = copy_workflow(tmp_path / "wf")
    placed = wf / "data" / "by-hand" / "mnist" / GENUINE.name
    placed.parent.mkdir(parents=True)
    shutil.copyfile(GENUINE, placed)
    # the old advice, a file at the rule's output path, is deleted by snakemake before the job:
    # the by-hand copy must be what the job verifies and uses
    (wf / "data" / "raw" / "mnist").mkdir(parents=True)
    (wf / "data" / "raw" / "mnist" / GENUINE.name).write_bytes(b"stale")
    proc = snakemake(wf, RECORD, "--cores", "1", "--allowed-rules", "fetch_file")
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads((wf / RECORD).read_text())
    assert record["source"] == f"by hand: {Path('data/by-hand/mnist') / GENUINE.name}"
    assert record["checksum_kind"] == "md5" and record["pinned"] is False
    assert placed.read_bytes() == GENUINE.read_bytes()  # still there, untouched
    assert (wf / "data" / "raw" / "mnist" / GENUINE.name).read_bytes() == GENUINE.read_bytes()
