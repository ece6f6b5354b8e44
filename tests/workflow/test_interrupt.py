"""A run killed during a training rule, then rerun: it completes, resumes the training from its
last per-epoch checkpoint, and at no moment leaves an output that looks complete but is not."""

import os
import signal
import subprocess
import time

import pytest
import yaml
from workflow_copy import SNAKEMAKE, copy_workflow, snakemake

pytestmark = pytest.mark.workflow
EPOCHS = 12
TARGET = "results/mnist_logreg/metrics.json"


def longer_training(wf):
    scale = wf / "profiles" / "demo" / "scale.yaml"
    cfg = yaml.safe_load(scale.read_text())
    cfg["studies"]["mnist_logreg"]["epochs"] = EPOCHS
    scale.write_text(yaml.safe_dump(cfg))


def wait_for(path, text, proc, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            pytest.fail(f"snakemake ended (rc {proc.returncode}) before {text!r} was logged")
        time.sleep(0.05)
    pytest.fail(f"{text!r} not in {path} after {timeout} s")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_training_resumes_from_its_checkpoint(tmp_path, sig):
    wf = copy_workflow(tmp_path / "wf")
    longer_training(wf)
    log = wf / "logs" / "mnist_logreg.log"
    with open(tmp_path / "first.out", "w") as out:
        proc = subprocess.Popen([*SNAKEMAKE, "--profile", "profiles/demo", TARGET], cwd=wf,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(log, f"epoch 2/{EPOCHS}", proc)
        finally:
            os.killpg(proc.pid, sig)  # snakemake and the job's script, as a terminal's ^C group
            proc.wait(timeout=120)
    assert not (wf / TARGET).exists()
    assert not (wf / "results" / "figures" / "mnist_logreg.png").exists()
    assert (wf / "results" / "checkpoints" / "mnist_logreg.pt").exists()

    if sig == signal.SIGKILL:  # no chance to release its lock: the message says what to do
        proc = snakemake(wf, "--profile", "profiles/demo", TARGET)
        assert proc.returncode != 0 and "--unlock" in proc.stdout + proc.stderr
        assert snakemake(wf, "--unlock").returncode == 0
    proc = snakemake(wf, "--profile", "profiles/demo", TARGET)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = log.read_text()
    assert "resumed from checkpoint" in text, text[-2000:]
    assert f"epoch 1/{EPOCHS}:" not in text  # the finished epochs were not trained again
    metrics = yaml.safe_load((wf / TARGET).read_text())
    assert metrics["epochs"] == EPOCHS
    assert not (wf / "results" / "checkpoints" / "mnist_logreg.pt").exists()
