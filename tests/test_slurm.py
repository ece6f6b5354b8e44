"""The demo workflow submitted to a real single-node SLURM through profiles/slurm.

The fixture installs SLURM from Debian's packages if needed and starts it (tests/slurm/cluster.sh;
root only). Where that is impossible the test is skipped and says why; it never fakes a cluster.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_copy import copy_workflow, snakemake

pytestmark = pytest.mark.workflow
CLUSTER = Path(__file__).parent / "slurm" / "cluster.sh"
# what a user sets for their cluster (README), plus the two settings a cluster without an
# accounting database needs: squeue for job states, and a short first poll for a fast test
SUBMIT = ["--profile", "profiles/slurm", "--configfile", "profiles/demo/scale.yaml",
          "--jobs", "6", "--default-resources", "slurm_partition=debug", "mem_mb=1000",
          "runtime=30", "--slurm-status-command", "squeue",
          "--slurm-init-seconds-before-status-checks", "1", "--verbose"]


def cluster(action: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CLUSTER), action], capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="module")
def slurm():
    if os.geteuid() != 0:
        pytest.skip("a real SLURM needs root to start slurmd and munged; not root here")
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        pytest.skip("SLURM is not installed and there is no apt-get to install it")
    installed = cluster("install")
    if installed.returncode != 0:
        pytest.skip(f"could not install slurm-wlm and munge: {installed.stderr[-500:]}")
    try:
        started = cluster("start")
        assert started.returncode == 0, started.stdout + started.stderr
        yield
    finally:
        print(cluster("stop").stdout)
        if "installed" in installed.stdout:  # leave the machine as we found it
            print(cluster("uninstall").stdout)


def slurm_jobs() -> dict[str, str]:
    """{job id: state} of the jobs squeue still lists, by the rule named in their comment."""
    out = subprocess.run(["squeue", "-t", "all", "-h", "-o", "%i|%T|%k"], capture_output=True,
                         text=True, check=True).stdout
    jobs = {}
    for line in out.splitlines():
        job_id, state, comment = line.split("|")
        if comment.startswith("rule_"):
            jobs[comment.removeprefix("rule_")] = (job_id, state)
    return jobs


def test_demo_workflow_runs_as_slurm_jobs_and_matches_a_local_run(slurm, demo_run, tmp_path,
                                                                   monkeypatch):
    wf = copy_workflow(tmp_path / "wf")
    # the jobs find the environment's snakemake and python first, as in a user's activated venv
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    proc = snakemake(wf, *SUBMIT, timeout=1500)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]

    # "Job 3 has been submitted with SLURM jobid 2 (log: .../slurm_logs/rule_conv_speedup/2.log)"
    submitted = {rule: job_id for job_id, rule in re.findall(
        r"submitted with SLURM jobid (\d+) \(log: \S+/rule_(\w+)/", log)}
    jobs = slurm_jobs()
    studies = {p.parent.name for p in (wf / "results").glob("*/metrics.json")}
    assert studies and set(submitted) == studies | {"report"}
    assert {rule: job_id for rule, (job_id, _) in jobs.items()} == submitted
    assert {state for _, state in jobs.values()} == {"COMPLETED"}
    for local in ("build_demo_mirror", "fetch_file", "prepare_dataset"):
        assert local not in submitted  # data rules ran on the submitting node

    gpu_rules = {rule for rule in re.findall(r"--comment rule_(\w+)[^\n]*--gpus=1", log)}
    assert "mnist_logreg" in gpu_rules
    assert "householder_qr" not in gpu_rules

    ours = (wf / "results" / "metrics.csv").read_bytes()
    assert ours == (demo_run / "results" / "metrics.csv").read_bytes()
