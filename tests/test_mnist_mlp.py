import numpy as np
import pytest
import torch

from hundreddays.demo_mirror.mnist import make_split
from hundreddays.studies import mnist_mlp as study

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def miniature(train=300, test=100):
    """Digits drawn by the demo mirror's MNIST miniature (pen strokes, jitter, noise)."""
    xtr, ytr = make_split(np.random.default_rng([7, 0]), train)
    xte, yte = make_split(np.random.default_rng([7, 1]), test)
    return {"train_images": xtr, "train_labels": ytr, "test_images": xte, "test_labels": yte}


DATA = miniature()
QUIET = {"log": lambda s: None}


def test_mlp_matches_numpy_forward_pass_and_counts_parameters():
    torch.manual_seed(0)
    model = study.mlp(100)
    x = np.random.default_rng(0).uniform(0, 1, (5, 28, 28)).astype(np.float32)
    w1, b1 = model[1].weight.detach().numpy(), model[1].bias.detach().numpy()
    w2, b2 = model[3].weight.detach().numpy(), model[3].bias.detach().numpy()
    expected = np.maximum(x.reshape(5, -1) @ w1.T + b1, 0) @ w2.T + b2
    got = model(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert study.count_parameters(model) == 784 * 100 + 100 + 100 * 10 + 10


def test_mlp_learns_the_miniature_and_is_deterministic(tmp_path):
    a = study.run(DATA, epochs=4, batch_size=32, lr=3e-3, seed=0, **QUIET)
    b = study.run(DATA, epochs=2, batch_size=32, lr=3e-3, seed=0, **QUIET)
    m = a["metrics"]
    assert m["test_accuracy"] > 0.6  # ten classes: chance is 0.1
    assert a["history"][-1]["train_loss"] < 0.5 * a["history"][0]["train_loss"]
    assert [h["test_loss"] for h in a["history"][:2]] == [h["test_loss"] for h in b["history"]]
    assert m["parameters"] == 79510 and m["epochs"] == 4 and m["seconds_per_epoch"] > 0
    study.plot(a, tmp_path / "m.png", 0.974)
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_limits_and_bad_shapes():
    r = study.run(DATA, epochs=1, batch_size=64, lr=1e-3, seed=0, train_limit=100,
                  test_limit=50, hidden=8, **QUIET)
    assert r["metrics"]["train_images"] == 100 and r["metrics"]["test_images"] == 50
    assert r["metrics"]["parameters"] == 784 * 8 + 8 + 8 * 10 + 10
    bad = dict(DATA, test_images=DATA["test_images"][:, :27])
    with pytest.raises(ValueError, match="test_images"):
        study.run(bad, epochs=1, batch_size=64, lr=1e-3, seed=0, **QUIET)
