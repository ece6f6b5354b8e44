"""The fetch rule as a user meets it: a file placed by hand is used by a real snakemake run,
verified and never deleted (a user without internet, or an air-gapped cluster whose admin copies
the files in); elevators comes through a server that answers like Google Drive."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import yaml
from real_data import real
from workflow_copy import copy_workflow, snakemake

GENUINE = ("mnist", "t10k-labels-idx1-ubyte.gz")  # under ../shared/real-data
RECORD = "data/fetch-records/mnist/t10k-labels-idx1-ubyte.gz.json"
DRIVE_URL = "https://drive.google.com/uc?export=download&id=1jhWL3YUHvXIaftia4qeAyDwVxo6j1alk"
pytestmark = pytest.mark.workflow


def test_a_genuine_file_placed_by_hand_is_fetched_through_snakemake(tmp_path):
    genuine = real(*GENUINE)
    wf = copy_workflow(tmp_path / "wf")
    placed = wf / "data" / "by-hand" / "mnist" / genuine.name
    placed.parent.mkdir(parents=True)
    shutil.copyfile(genuine, placed)
    # the old advice, a file at the rule's output path, is deleted by snakemake before the job:
    # the by-hand copy must be what the job verifies and uses
    (wf / "data" / "raw" / "mnist").mkdir(parents=True)
    (wf / "data" / "raw" / "mnist" / genuine.name).write_bytes(b"stale")
    proc = snakemake(wf, RECORD, "--cores", "1", "--allowed-rules", "fetch_file")
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads((wf / RECORD).read_text())
    assert record["source"] == f"by hand: {Path('data/by-hand/mnist') / genuine.name}"
    assert record["checksum_kind"] == "md5" and record["pinned"] is False
    assert placed.read_bytes() == genuine.read_bytes()  # still there, untouched
    assert (wf / "data" / "raw" / "mnist" / genuine.name).read_bytes() == genuine.read_bytes()


def test_elevators_is_fetched_through_a_drive_like_server_and_pinned(tmp_path, httpserver):
    wf = copy_workflow(tmp_path / "wf")
    registry = wf / "datasets.yaml"
    text = registry.read_text(encoding="utf-8")
    assert text.count(DRIVE_URL) == 1
    registry.write_text(text.replace(DRIVE_URL, DRIVE_URL.replace(
        "https://drive.google.com/", httpserver.url_for("/"))), encoding="utf-8")
    page = real("elevators", "drive-answer-for-elevators.mat.html").read_text("utf-8")
    served = tmp_path / "served.mat"
    scipy.io.savemat(served, {"data": np.arange(40.0).reshape(10, 4)})
    httpserver.expect_request("/uc", query_string={"export": "download", "id": DRIVE_URL[-33:]}
                              ).respond_with_data(page.replace("https://drive.google.com/",
                                                               httpserver.url_for("/")))
    httpserver.expect_request("/uc").respond_with_data(served.read_bytes())  # the confirmed URL
    record_file = "data/fetch-records/elevators/elevators.mat.json"
    proc = snakemake(wf, record_file, "--cores", "1", "--allowed-rules", "fetch_file")
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads((wf / record_file).read_text())
    assert record["pinned"] is True and len(httpserver.log) == 2
    assert "confirm=t&uuid=" in httpserver.log[1][0].query_string.decode()
    lock = yaml.safe_load((wf / "datasets.lock.yaml").read_text())
    assert lock["elevators/elevators.mat"]["sha256"] == record["sha256"]
    assert scipy.io.loadmat(wf / "data" / "raw" / "elevators" / "elevators.mat")["data"].shape == (
        10, 4)
