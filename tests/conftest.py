"""Fixtures shared by the test modules."""

import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module of small models: faster and steadier than two on a busy
    2-core machine; the previous count is restored afterwards."""
    import torch  # only the modules that ask for it pay torch's import

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_collection_modifyitems(items):
    """The real-SLURM module (a second demo run, through SLURM where possible, and the
    determinism test on it) last: while SLURM is installed, every other snakemake start pays the
    SLURM plugin's probe of the (then stopped) controller."""
    items.sort(key=lambda item: item.path.name == "test_slurm.py")
