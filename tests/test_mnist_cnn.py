import numpy as np
import pytest
import torch

from hundreddays.demo_mirror.mnist import make_split
from hundreddays.studies import mnist_cnn as study

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def miniature(train=200, test=100):
    xtr, ytr = make_split(np.random.default_rng([8, 0]), train)
    xte, yte = make_split(np.random.default_rng([8, 1]), test)
    return {"train_images": xtr, "train_labels": ytr, "test_images": xte, "test_labels": yte}


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


def test_tile_lays_images_out_in_rows():
    images = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2)
    out = study.tile(images, columns=2, gap=1)
    assert out.shape == (5, 5)
    np.testing.assert_array_equal(out[:2, 3:], images[1])
    np.testing.assert_array_equal(out[3:, :2], images[2])
    assert np.isnan(out[2]).all() and np.isnan(out[3:, 3:]).all()


def test_cnn_learns_the_miniature_and_plots(tmp_path):
    r = study.run(miniature(), epochs=3, batch_size=32, lr=3e-3, seed=0, channels=(4, 8),
                  log=lambda s: None)
    m = r["metrics"]
    assert m["test_accuracy"] > 0.5  # chance is 0.1
    assert r["history"][-1]["train_loss"] < r["history"][0]["train_loss"]
    x, y = r["test"]
    pred = study.predictions(r["model"], x)
    assert np.isclose((pred == y.numpy()).mean(), m["test_accuracy"])
    study.plot(r, tmp_path / "c.png", 0.99)
    assert (tmp_path / "c.png").stat().st_size > 1000
