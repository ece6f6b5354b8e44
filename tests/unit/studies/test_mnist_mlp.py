import numpy as np
import pytest
import torch
from mnist_folder import miniature, write_mnist

from hundreddays.mnist_support import count_parameters
from hundreddays.runner import Context, Reference
from hundreddays.studies import mnist_mlp as study

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CFG = {"epochs": 4, "batch_size": 32, "lr": 3e-3, "train_limit": None, "test_limit": None,
       "hidden": 100}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("mnist"), miniature(7, 300, 100))


def run(folder, **cfg):
    torch.manual_seed(0)  # as the runner seeds before run()
    return study.run(Context(study="mnist_mlp", cfg={**CFG, **cfg}, seed=0,
                             inputs={"data": str(folder)}, log=lambda s: None))


def test_mlp_matches_numpy_forward_pass_and_counts_parameters():
    torch.manual_seed(0)
    model = study.mlp(100)
    x = np.random.default_rng(0).uniform(0, 1, (5, 28, 28)).astype(np.float32)
    w1, b1 = model[1].weight.detach().numpy(), model[1].bias.detach().numpy()
    w2, b2 = model[3].weight.detach().numpy(), model[3].bias.detach().numpy()
    expected = np.maximum(x.reshape(5, -1) @ w1.T + b1, 0) @ w2.T + b2
    got = model(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert count_parameters(model) == 784 * 100 + 100 + 100 * 10 + 10


def test_mlp_learns_the_miniature_and_is_deterministic(folder, tmp_path):
    a, b = run(folder), run(folder, epochs=2)
    m = a["metrics"]
    assert m["test_accuracy"] > 0.6  # ten classes: chance is 0.1
    assert a["history"][-1]["train_loss"] < 0.5 * a["history"][0]["train_loss"]
    assert [h["test_loss"] for h in a["history"][:2]] == [h["test_loss"] for h in b["history"]]
    assert m["parameters"] == 79510 and m["epochs"] == 4 and m["seconds_per_epoch"] > 0
    reference = {"test_accuracy": {"reported": 0.974, "compare": {"kind": "abs_tol"}}}
    study.plot(a, tmp_path / "m.png", Reference(reference))
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_limits_hidden_width_and_a_missing_key(folder):
    r = run(folder, epochs=1, batch_size=64, lr=1e-3, train_limit=100, test_limit=50, hidden=8)
    assert r["metrics"]["train_images"] == 100 and r["metrics"]["test_images"] == 50
    assert r["metrics"]["parameters"] == 784 * 8 + 8 + 8 * 10 + 10
    cfg = {k: v for k, v in CFG.items() if k != "hidden"}
    with pytest.raises(KeyError, match="studies.mnist_mlp.*hidden"):
        study.run(Context(study="mnist_mlp", cfg=cfg, inputs={"data": str(folder)}))
