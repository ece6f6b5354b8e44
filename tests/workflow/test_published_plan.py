"""The published profile plans, at full scale on this CPU, the five studies that the genuine
MNIST and elevators files of ../shared/real-data make possible (issue 19): the three MNIST
studies, the weight-decay sweep and deep kernel learning on the elevators CSV, each reading its
genuine folder in place; randomized_svd, its frames skipped, still plans its data-free part."""

import re

import pytest
from real_data import REAL_DATA, real
from workflow_copy import copy_workflow, snakemake

from hundreddays.study_table import load_studies

pytestmark = pytest.mark.workflow

FIVE = ("mnist_logreg", "mnist_mlp", "mnist_cnn", "weight_decay", "gp_dkl_elevators")
GENUINE = {"mnist": "mnist-unpacked", "elevators_csv": "elevators/uci_datasets"}


def test_the_published_profile_plans_the_five_studies_on_the_genuine_files(tmp_path):
    for folder in GENUINE.values():
        real(*folder.split("/"))  # skipped, naming it, where ../shared is absent
    wf = copy_workflow(tmp_path / "wf")
    (tmp_path / "shared").symlink_to(REAL_DATA.parent)  # ../shared beside the copy, as here
    proc = snakemake(wf, "-n", "--profile", "profiles/published")
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-5000:]
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, flags=re.M))  # the job counts
    studies = load_studies(wf / "studies.yaml")
    for study in FIVE:
        assert jobs.get(study) == "1", study
        extra = "0" if studies[study].one_seed else "4"
        assert jobs.get(f"{study}_seeds", "0") == extra, study
    assert "randomized_svd" in jobs  # skipped frames: its synthetic matrix still runs
    for dataset, folder in GENUINE.items():
        assert f"../shared/real-data/{folder}" in said, dataset  # an input, read in place
        assert (wf / "local-copies" / f"{dataset}.sha256").is_file(), dataset
    assert "fetch_file" not in jobs  # nothing is downloaded: every dataset read is a local copy
