"""Fixtures shared by the test modules."""

import pytest
from workflow_copy import copy_workflow, snakemake


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module of small models: faster and steadier than two on a busy
    2-core machine; the previous count is restored afterwards."""
    import torch  # only the modules that ask for it pay torch's import

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """One demo run for every test that inspects its results (or compares its own with them)."""
    wf = copy_workflow(tmp_path_factory.mktemp("demo") / "wf")
    proc = snakemake(wf, "--profile", "profiles/demo")
    assert proc.returncode == 0, proc.stderr[-5000:]
    return wf


def pytest_collection_modifyitems(items):
    """The real-SLURM module (a second demo run, through SLURM where possible, and the
    determinism test on it) last: while SLURM is installed, every other snakemake start pays the
    SLURM plugin's probe of the (then stopped) controller."""
    items.sort(key=lambda item: item.path.name == "test_slurm.py")
