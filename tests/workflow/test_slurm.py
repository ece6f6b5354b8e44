"""A second demo run from scratch, its cross-section submitted to a real single-node SLURM
through profiles/slurm, compared byte for byte with the session's local demo run.

The second run shares nothing with the session's, as two users' would: its own copy of the
workflow and of the package's source, its own virtual environment
(workflow_copy.separate_environment; issue 13: the ONNX file once named the environment's paths).
It makes the whole demo in two invocations in that copy: first, locally, every study outside the
cross-section (with their data); then, through SLURM, the rest of the DAG: the cross-section's
data rules (local rules, on the submitting node), its studies and the report, as SLURM jobs. So
`results/metrics.csv` holds every study of a run from scratch and is compared whole (the
determinism test), while the cluster gets a job of each kind the profile treats differently: a
study without a GPU, training studies with `--gpus=1`, local data rules, and a job (the report)
that waits on other jobs' outputs. Submitting all 31 studies as well took 369 s here (each SLURM
job starts snakemake twice, the batch script's and the job step's, and the plugin polls a running
job less and less often), 42 % of the suite's time.

The fixture installs SLURM from Debian's packages if needed and starts it
(tests/workflow/slurm/cluster.sh; root only). Where that is impossible the SLURM test is skipped
and says why (it never fakes a cluster) and the second invocation runs locally too, so the
determinism test runs either way.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from workflow_copy import REPO, copy_workflow, separate_environment, snakemake

from hundreddays.study_table import load_studies

pytestmark = pytest.mark.workflow
STUDIES = load_studies(REPO / "studies.yaml")
CLUSTER = Path(__file__).parent / "slurm" / "cluster.sh"
# what a user sets for their cluster (README), plus the two settings a cluster without an
# accounting database needs: squeue for job states, and a short first poll for a fast test
SUBMIT = ["--profile", "profiles/slurm", "--configfile", "profiles/demo/scale.yaml",
          "--jobs", "6", "--default-resources", "slurm_partition=debug", "mem_mb=1000",
          "runtime=30", "--slurm-status-command", "squeue",
          "--slurm-init-seconds-before-status-checks", "1", "--verbose"]
# the studies submitted to SLURM: linear algebra without a GPU (householder_qr), PyTorch and
# fastai training with gpu=1 (mnist_logreg, camvid); CamVid's data rules serve camvid alone, so
# the submission has local rules to run (pets' would not: onnx_export, outside, needs them too)
CROSS_SECTION = ("householder_qr", "mnist_logreg", "camvid")
GPU = {"mnist_logreg", "camvid"}
DATA_RULES = ("build_demo_mirror", "fetch_file", "prepare_dataset")


def cluster(action: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CLUSTER), action], capture_output=True, text=True,
                          timeout=600, check=False)


def start_slurm():
    """Install (if needed) and start SLURM. Returns (why it cannot run or None, install output)."""
    if os.geteuid() != 0:
        return "a real SLURM needs root to start slurmd and munged; not root here", ""
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        return "SLURM is not installed and there is no apt-get to install it", ""
    installed = cluster("install")
    if installed.returncode != 0:
        return f"could not install slurm-wlm and munge: {installed.stderr[-500:]}", ""
    started = cluster("start")
    if started.returncode != 0:
        cluster("stop")
        return f"SLURM did not start: {(started.stdout + started.stderr)[-500:]}", installed.stdout
    return None, installed.stdout


@pytest.fixture(scope="module")
def second_run(tmp_path_factory):
    """{wf, local, proc, jobs, skipped}: the demo workflow from scratch once more: `local` the
    local invocation (every study outside CROSS_SECTION), `proc` the one that finishes the DAG, as
    SLURM jobs when a SLURM can be started here (jobs: what squeue lists), else locally (skipped:
    why not SLURM)."""
    wf = copy_workflow(tmp_path_factory.mktemp("second-run") / "wf")
    venv = wf.parent / "venv"
    # the jobs find the second environment's snakemake and python first, as in a user's venv
    env, python = separate_environment(wf, venv), str(venv / "bin" / "python")
    rest = [f"results/{s}/metrics.json" for s in STUDIES if s not in CROSS_SECTION]
    # the targets first: a profile's options may take several words
    local = snakemake(wf, *rest, "--profile", "profiles/demo", env=env, python=python)
    run = {"wf": wf, "local": local, "proc": local, "jobs": {}, "skipped": None}
    if local.returncode != 0:
        yield run
        return
    skipped, install_log = start_slurm()
    try:
        if skipped:
            proc = snakemake(wf, "--profile", "profiles/demo", env=env, python=python)
            jobs = {}
        else:
            proc = snakemake(wf, *SUBMIT, timeout=900, env=env, python=python)
            jobs = slurm_jobs() if proc.returncode == 0 else {}
        yield {**run, "proc": proc, "jobs": jobs, "skipped": skipped}
    finally:
        if not skipped:
            print(cluster("stop").stdout)
        if "installed" in install_log:  # leave the machine as we found it
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


def finished(proc: subprocess.CompletedProcess) -> str:
    """What `proc` printed, once it is known to have succeeded."""
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    return log


def test_demo_workflow_runs_as_slurm_jobs(second_run):
    if second_run["skipped"]:
        pytest.skip(second_run["skipped"])
    finished(second_run["local"])
    log = finished(second_run["proc"])

    # "Job 3 has been submitted with SLURM jobid 2 (log: .../slurm_logs/rule_conv_speedup/2.log)"
    submitted = {rule: job_id for job_id, rule in re.findall(
        r"submitted with SLURM jobid (\d+) \(log: \S+/rule_(\w+)/", log)}
    jobs = second_run["jobs"]
    assert set(submitted) == set(CROSS_SECTION) | {"report"}
    assert {rule: job_id for rule, (job_id, _) in jobs.items()} == submitted
    assert {state for _, state in jobs.values()} == {"COMPLETED"}
    # CamVid's download and preparation ran in this invocation, on the submitting node
    local_rules = set(re.findall(r"^localrule (\w+):", log, re.MULTILINE))
    assert {"fetch_file", "prepare_dataset"} <= local_rules
    assert not set(DATA_RULES) & set(submitted)

    gpu_rules = {rule for rule in re.findall(r"--comment rule_(\w+)[^\n]*--gpus=1", log)}
    assert gpu_rules == GPU


def test_two_demo_runs_from_scratch_give_byte_identical_metrics(second_run, demo_run):
    """The second run (its cross-section as SLURM jobs, or local where SLURM cannot run) against
    the session's, every study's rows."""
    for part in ("local", "proc"):
        finished(second_run[part])
    wf = second_run["wf"]
    first = (demo_run / "results" / "metrics.csv").read_text().splitlines()
    second = (wf / "results" / "metrics.csv").read_text().splitlines()
    assert len(first) > 100
    studies = {line.split(",")[0] for line in second[1:]}
    assert studies == set(STUDIES)
    assert [a for a, b in zip(first, second, strict=True) if a != b] == []
    assert (wf / "results" / "timings.csv").read_text() != ""
