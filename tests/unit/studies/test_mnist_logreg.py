import json

import numpy as np
import pytest
import torch
from mnist_folder import write_mnist

from hundreddays.runner import Context, Reference, run_study
from hundreddays.studies import mnist_logreg as study

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CFG = {"epochs": 3, "batch_size": 32, "lr": 1e-2, "train_limit": None, "test_limit": None}
REFERENCE = {"test_accuracy": {"reported": 0.925, "compare": {"kind": "abs_tol", "tol": 0.01}}}


def separable_digits(n, seed):
    """Ten fixed random templates plus noise: a linear model must learn them."""
    rng = np.random.default_rng(seed)
    templates = np.random.default_rng(99).uniform(0, 255, (10, 28, 28))
    labels = rng.integers(0, 10, n)
    images = np.clip(templates[labels] + rng.normal(0, 60, (n, 28, 28)), 0, 255).astype(np.uint8)
    return images, labels


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    (xtr, ytr), (xte, yte) = separable_digits(600, 0), separable_digits(200, 1)
    return write_mnist(tmp_path_factory.mktemp("mnist"), {
        "train_images": xtr, "train_labels": ytr, "test_images": xte, "test_labels": yte})


def run(folder, **cfg):
    torch.manual_seed(0)  # as the runner seeds before run()
    return study.run(Context(study="mnist_logreg", cfg={**CFG, **cfg}, seed=0,
                             inputs={"data": str(folder)}, log=lambda s: None))


def test_logistic_regression_learns_and_is_deterministic(folder, tmp_path):
    a, b = run(folder), run(folder)
    assert a["metrics"]["test_accuracy"] > 0.9
    assert a["history"][-1]["train_loss"] < a["history"][0]["train_loss"]
    assert [h["test_loss"] for h in a["history"]] == [h["test_loss"] for h in b["history"]]
    study.plot(a, tmp_path / "m.png", Reference(REFERENCE))
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_limits_and_model_shape(folder):
    r = run(folder, epochs=1, batch_size=64, lr=1e-3, train_limit=100, test_limit=50)
    assert r["metrics"]["train_images"] == 100 and r["metrics"]["test_images"] == 50
    assert tuple(r["model"][1].weight.shape) == (10, 784)


def test_the_runner_writes_metrics_and_figure_and_drops_the_checkpoint(folder, tmp_path):
    out = tmp_path / "results"
    outputs = {"metrics": str(out / "metrics.json"), "figure": str(out / "f.png")}
    checkpoint = tmp_path / "ckpt.pt"
    result = run_study("mnist_logreg", cfg={**CFG, "epochs": 2}, seed=0, threads=1,
                       scale="demo", inputs={"data": str(folder)}, outputs=outputs,
                       reference=REFERENCE, checkpoint=str(checkpoint))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["test_accuracy"] == result["metrics"]["test_accuracy"]
    assert (out / "f.png").stat().st_size > 1000
    assert not checkpoint.exists()
