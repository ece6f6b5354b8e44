import numpy as np
import pytest
import torch
from mnist_folder import miniature, write_mnist

from hundreddays.runner import Context, Reference
from hundreddays.studies import mnist_cnn as study

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_first_convolution_matches_a_direct_sum():
    torch.manual_seed(0)
    model = study.cnn((4, 8)).eval()
    x = torch.rand(2, 28, 28)
    conv = model[1]
    got = conv(model[0](x)).detach().numpy()
    w, b = conv.weight.detach().numpy()[:, 0], conv.bias.detach().numpy()
    padded = np.pad(x.numpy(), ((0, 0), (2, 2), (2, 2)))
    i, j = 13, 6  # one output pixel, by the definition of cross-correlation
    expected = (padded[:, None, i:i + 5, j:j + 5] * w[None]).sum(axis=(2, 3)) + b
    np.testing.assert_allclose(got[:, :, i, j], expected, rtol=1e-5, atol=1e-5)
    assert model(x).shape == (2, 10)
    n = (25 * 4 + 4) + 2 * 4 + (4 * 25 * 8 + 8) + 2 * 8 + (8 * 49 * 10 + 10)
    assert sum(p.numel() for p in model.parameters()) == n


def test_cnn_learns_the_miniature_and_plots(tmp_path):
    folder = write_mnist(tmp_path / "mnist", miniature(8, 200, 100))
    cfg = {"epochs": 3, "batch_size": 32, "lr": 3e-3, "train_limit": None, "test_limit": None,
           "channels": [4, 8], "dropout": 0.25}
    torch.manual_seed(0)
    r = study.run(Context(study="mnist_cnn", cfg=cfg, seed=0, inputs={"data": str(folder)},
                          log=lambda s: None))
    m = r["metrics"]
    assert m["test_accuracy"] > 0.5  # chance is 0.1
    assert r["history"][-1]["train_loss"] < r["history"][0]["train_loss"]
    x, y = r["test"]
    pred = study.predictions(r["model"], x)
    assert np.isclose((pred == y.numpy()).mean(), m["test_accuracy"])
    reference = {"test_accuracy": {"reported": 0.99, "compare": {"kind": "at_least"}}}
    study.plot(r, tmp_path / "c.png", Reference(reference))
    assert (tmp_path / "c.png").stat().st_size > 1000
    with pytest.raises(KeyError, match="studies.mnist_cnn.*dropout"):
        study.run(Context(study="mnist_cnn", cfg={k: v for k, v in cfg.items() if k != "dropout"},
                          inputs={"data": str(folder)}))
