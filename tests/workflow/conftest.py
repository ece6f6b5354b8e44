"""Fixtures of the workflow tests."""

import pytest
from workflow_copy import copy_workflow, snakemake


@pytest.fixture(scope="session")
def demo_process(tmp_path_factory):
    """One demo run for every test that inspects its results (or compares its own with them):
    its workflow copy and its finished snakemake process (what it printed)."""
    wf = copy_workflow(tmp_path_factory.mktemp("demo") / "wf")
    proc = snakemake(wf, "--profile", "profiles/demo")
    assert proc.returncode == 0, proc.stderr[-5000:]
    return wf, proc


@pytest.fixture(scope="session")
def demo_run(demo_process):
    """The workflow copy of the one demo run."""
    return demo_process[0]
