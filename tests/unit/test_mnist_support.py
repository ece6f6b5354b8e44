"""What the MNIST studies share: the model, the data check, fit, fit_study and the figure
pieces."""

import numpy as np
import pytest
import torch
from mnist_folder import miniature, write_mnist

from hundreddays import mnist_support as ms
from hundreddays.runner import Context

pytestmark = pytest.mark.usefixtures("one_torch_thread")

DATA = miniature(7, 300, 100)
QUIET = {"log": lambda s: None}


def test_logistic_regression_is_one_linear_layer_on_the_flat_image():
    torch.manual_seed(0)
    model = ms.logistic_regression()
    x = torch.rand(3, 28, 28)
    w, b = model[1].weight, model[1].bias
    torch.testing.assert_close(model(x), x.reshape(3, -1) @ w.T + b)
    assert ms.count_parameters(model) == 784 * 10 + 10


def test_check_data_names_the_bad_split():
    ms.check_data(DATA)
    with pytest.raises(ValueError, match="test_images"):
        ms.check_data(dict(DATA, test_images=DATA["test_images"][:, :27]))
    with pytest.raises(ValueError, match="train: 300 images but 299 labels"):
        ms.check_data(dict(DATA, train_labels=DATA["train_labels"][:-1]))


def test_fit_learns_is_deterministic_and_honours_the_limits():
    runs = []
    for epochs in (3, 2):
        torch.manual_seed(0)
        runs.append(ms.fit(ms.logistic_regression(), DATA, epochs, 32, 1e-2, seed=0, **QUIET))
    a, b = runs
    m = a["metrics"]
    assert m["test_accuracy"] > 0.5  # ten classes: chance is 0.1
    assert a["history"][-1]["train_loss"] < a["history"][0]["train_loss"]
    assert [h["test_loss"] for h in a["history"][:2]] == [h["test_loss"] for h in b["history"]]
    assert m["epochs"] == 3 and m["parameters"] == 7850 and m["seconds_per_epoch"] > 0
    assert m["best_test_accuracy"] == max(h["test_accuracy"] for h in a["history"])
    assert len(a["test"][0]) == m["test_images"] == 100
    r = ms.fit(ms.logistic_regression(), DATA, 1, 64, 1e-3, seed=0, train_limit=100,
               test_limit=50, **QUIET)
    assert r["metrics"]["train_images"] == 100 and r["metrics"]["test_images"] == 50


def test_fit_study_reads_the_folder_and_names_a_missing_key(tmp_path):
    folder = write_mnist(tmp_path / "mnist", DATA)
    cfg = {"epochs": 1, "batch_size": 64, "lr": 1e-2, "train_limit": 200, "test_limit": None}
    ctx = Context(study="mnist_x", cfg=cfg, inputs={"data": str(folder)}, **QUIET)
    r = ms.fit_study(ms.logistic_regression(), ctx)
    assert r["metrics"]["train_images"] == 200 and r["metrics"]["test_images"] == 100
    bad = Context(study="mnist_x", cfg={k: v for k, v in cfg.items() if k != "lr"},
                  inputs={"data": str(folder)})
    with pytest.raises(KeyError, match=r"studies.mnist_x.*'lr'"):
        ms.fit_study(ms.logistic_regression(), bad)


def test_tile_lays_images_out_in_rows():
    images = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2)
    out = ms.tile(images, columns=2, gap=1)
    assert out.shape == (5, 5)
    np.testing.assert_array_equal(out[:2, 3:], images[1])
    np.testing.assert_array_equal(out[3:, :2], images[2])
    assert np.isnan(out[2]).all() and np.isnan(out[3:, 3:]).all()


def test_plot_curves_draws_both_splits_and_the_log_line(tmp_path):
    from hundreddays.figures import new_figure, save_figure

    history = [{"epoch": n, "train_loss": 1 / n, "test_loss": 1.2 / n,
                "test_accuracy": 0.8 + n / 100} for n in (1, 2, 3)]
    fig, (ax_loss, ax_acc) = new_figure(1, 2)
    ms.plot_curves(ax_loss, ax_acc, history, 0.97)
    assert len(ax_loss.lines) == 2
    assert ax_acc.lines[1].get_ydata()[0] == 0.97
    save_figure(fig, tmp_path / "curves.png")
