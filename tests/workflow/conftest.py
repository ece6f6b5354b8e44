"""Fixtures of the workflow tests."""

import pytest
from workflow_copy import copy_workflow, snakemake


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """One demo run for every test that inspects its results (or compares its own with them)."""
    wf = copy_workflow(tmp_path_factory.mktemp("demo") / "wf")
    proc = snakemake(wf, "--profile", "profiles/demo")
    assert proc.returncode == 0, proc.stderr[-5000:]
    return wf
