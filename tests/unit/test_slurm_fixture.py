"""tests/workflow/slurm/cluster.sh's install: packages it installed are marked, so that a test
run killed before its uninstall leaves them for the next run to remove (with SLURM installed and
no controller, every snakemake start waits ~9 s on `scontrol show config`)."""

import os
import subprocess
from pathlib import Path

CLUSTER = Path(__file__).parents[1] / "workflow" / "slurm" / "cluster.sh"


def install(tmp_path: Path, marked: bool) -> subprocess.CompletedProcess:
    """cluster.sh install where slurmctld and munged are already on PATH (stand-ins)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("slurmctld", "munged"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    mark = tmp_path / "mark"
    if marked:
        mark.touch()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "SLURM_FIXTURE_MARK": str(mark), "SLURM_FIXTURE_STATE": str(tmp_path / "state")}
    return subprocess.run(["bash", str(CLUSTER), "install"], capture_output=True, text=True,
                          env=env, check=True, timeout=30)


def test_packages_found_with_the_mark_are_ours_to_remove(tmp_path):
    assert install(tmp_path, marked=True).stdout.split() == ["installed"]


def test_packages_found_without_the_mark_are_left_alone(tmp_path):
    assert install(tmp_path, marked=False).stdout == ""
