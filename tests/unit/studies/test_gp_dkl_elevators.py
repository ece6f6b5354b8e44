"""Day 47 study: preprocessing, metrics, gpytorch predictions against the closed-form GP
posterior, KISS-GP against the exact kernel, and a tiny end-to-end run."""

import gpytorch
import numpy as np
import pytest
import torch

from hundreddays.demo_mirror.elevators import build_files, make_data
from hundreddays.runner import Context, Reference
from hundreddays.studies import gp_dkl_elevators as study

QUIET = {"log": lambda s: None}


def test_prepare_scales_splits_and_standardises():
    rng = np.random.default_rng(0)
    x = rng.normal(5, 3, (50, 4))
    x[:, 2] = 7.0  # a constant column
    y = rng.normal(10, 2, 50)
    d = study.prepare(x, y, 0.8)
    assert len(d["train_x"]) == 40 and len(d["test_x"]) == 10
    full = np.vstack([d["train_x"], d["test_x"]])
    expected = 2 * (x - x.min(0)) / np.where(np.ptp(x, 0) > 0, np.ptp(x, 0), 1) - 1
    expected[:, 2] = 0
    np.testing.assert_allclose(full, expected, atol=1e-6)
    assert full[:, [0, 1, 3]].min() == -1 and full[:, [0, 1, 3]].max() == 1
    np.testing.assert_allclose(d["train_y"].mean(), 0, atol=1e-6)
    np.testing.assert_allclose(d["train_y"].std(), 1, atol=1e-5)
    np.testing.assert_allclose(d["test_y"], (y[40:] - y[:40].mean()) / y[:40].std(), atol=1e-5)
    with pytest.raises(ValueError, match="train_fraction"):
        study.prepare(x, y, 1.0)


def test_rmse_and_coverage_against_direct_formulas():
    target = np.array([0.0, 1.0, 2.0, 3.0])
    mean = np.array([0.5, 1.0, 1.0, 3.0])
    std = np.array([0.2, 0.1, 0.4, 1.0])
    assert study.rmse(mean, target) == pytest.approx(np.sqrt((0.25 + 1) / 4))
    assert study.coverage(mean, std, target, 2.0) == 0.5  # |0.5| > 0.4 and |1| > 0.8
    assert study.coverage(mean, std, target, 1.0) == 0.5


def closed_form_posterior(x, y, xs, scale, lengthscale, noise, const):
    def k(a, b):
        return scale * np.exp(-0.5 * (a[:, None] - b[None, :]) ** 2 / lengthscale**2)

    kxx = k(x, x) + noise * np.eye(len(x))
    ks = k(x, xs)
    mean = const + ks.T @ np.linalg.solve(kxx, y - const)
    var = scale - np.einsum("ij,ij->j", ks, np.linalg.solve(kxx, ks)) + noise
    return mean, np.sqrt(var)


def test_exact_gp_prediction_matches_the_closed_form_posterior():
    torch.manual_seed(0)
    train_x, train_y, test_x, _ = study.sine_data(0, 30, 11, 0.2)
    train_x, train_y, test_x = train_x.double(), train_y.double(), test_x.double()
    likelihood = gpytorch.likelihoods.GaussianLikelihood().double()
    model = study.ExactGPModel(train_x, train_y, likelihood).double()
    study.train_gp(model, likelihood, train_x, train_y, 20, 0.1, **QUIET)
    mean, std = study.gp_predict(model, likelihood, test_x)
    ref_mean, ref_std = closed_form_posterior(
        train_x.numpy(), train_y.numpy(), test_x.numpy(), model.covar_module.outputscale.item(),
        model.covar_module.base_kernel.lengthscale.item(), likelihood.noise.item(),
        model.mean_module.constant.item())
    np.testing.assert_allclose(mean, ref_mean, atol=1e-4)
    np.testing.assert_allclose(std, ref_std, rtol=1e-3)


def test_kiss_grid_kernel_approximates_the_exact_kernel():
    torch.manual_seed(0)
    x = torch.rand(40, 3) * 2 - 1
    y = torch.sin(3 * x[:, 0])
    extractor = study.feature_extractor(3, [8, 2])
    preds = {}
    for kernel in study.KERNELS:
        likelihood = gpytorch.likelihoods.GaussianLikelihood()
        model = study.DKLModel(x, y, likelihood, extractor, 2, kernel, grid_size=100)
        model.covar_module.base_kernel.initialize(**(
            {"base_kernel.lengthscale": 0.5} if kernel == "grid" else {"lengthscale": 0.5}))
        model.eval()
        with torch.no_grad():
            preds[kernel] = model.covar_module(
                model.scale_to_bounds(extractor(x))).to_dense().numpy()
    np.testing.assert_allclose(preds["grid"], preds["exact"], atol=1e-4)


def test_networks_have_the_tutorial_shapes():
    net = study.mse_network(18, [1000, 500, 50, 2])
    shapes = [tuple(m.weight.shape) for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert shapes == [(1000, 18), (500, 1000), (50, 500), (2, 50), (1, 2)]
    assert net(torch.zeros(5, 18)).shape == (5,)
    relus = [m for m in study.feature_extractor(18, [10, 2]) if isinstance(m, torch.nn.ReLU)]
    assert len(relus) == 1  # none after the 2-D feature layer


CFG = {"source": "mat", "train_fraction": 0.8, "widths": [64, 32, 2], "kernel": "exact",
       "grid_size": 20, "gp_iterations": 20, "gp_lr": 0.01, "mse_epochs": 20, "mse_batch_size": 64,
       "mse_lr": 0.003, "eval_every": 10,
       "warmup": {"points": 100, "test_points": 51, "noise_std": 0.2, "iterations": 40,
                  "lr": 0.1}}


REFERENCE = {"dkl_to_mse_rmse_ratio": {"reported": 1, "compare": {"kind": "rel_tol", "tol": 0.1}},
             "coverage_2sigma": {"reported": 0.95, "compare": {"kind": "abs_tol", "tol": 0.05}}}


def test_tiny_run_learns_plots_and_leaves_no_checkpoint(tmp_path):
    folder = tmp_path / "elevators"
    folder.mkdir()
    for name, data in build_files(0, rows=300).items():
        (folder / name).write_bytes(data)
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    torch.manual_seed(0)
    a = study.run(Context(study="gp_dkl_elevators", cfg=CFG, seed=0,
                          inputs={"data": str(folder)}, log=lambda s: None,
                          checkpoint=str(checkpoints / "gp_dkl_elevators.pt")))
    m = a["metrics"]
    assert m["dkl_test_rmse"] < 0.85 and m["mse_test_rmse"] < 0.85  # better than the mean
    assert m["warmup_test_rmse"] < 0.1
    assert 0.1 < m["warmup_noise_std"] < 0.3
    assert 0.5 <= m["coverage_2sigma"] <= 1.0 and m["mean_predictive_std"] > 0
    assert m["dkl_to_mse_rmse_ratio"] == pytest.approx(m["dkl_test_rmse"] / m["mse_test_rmse"])
    assert [h["iteration"] for h in a["dkl"]["history"] if "test_rmse" in h] == [10, 20]
    assert [h["epoch"] for h in a["mse"]["history"] if "test_rmse" in h] == [10, 20]
    assert list(checkpoints.iterdir()) == []
    study.plot(a, tmp_path / "gp.png", Reference(REFERENCE))
    assert (tmp_path / "gp.png").stat().st_size > 10_000


def test_training_is_deterministic_for_a_seed():
    data = study.prepare(*(lambda d: (d[:, :-1], d[:, -1]))(make_data(1, rows=100)), 0.8)
    cfg = {**CFG, "gp_iterations": 3, "mse_epochs": 3, "eval_every": 1}
    runs = [(study.run_dkl(data, cfg, 5, "cpu", **QUIET)["mean"],
             study.run_mse(data, cfg, 5, "cpu", **QUIET)["prediction"]) for _ in range(2)]
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


class Interrupted(Exception):
    pass


def test_an_interrupted_mse_network_resumes_to_the_same_predictions(tmp_path):
    data = study.prepare(*(lambda d: (d[:, :-1], d[:, -1]))(make_data(2, rows=100)), 0.8)
    cfg = {**CFG, "mse_epochs": 4, "eval_every": 2}
    expected = study.run_mse(data, cfg, 5, "cpu", **QUIET)
    path = tmp_path / "mse.pt"

    def stop(message):
        if message.startswith("epoch 3/4"):
            raise Interrupted

    with pytest.raises(Interrupted):
        study.run_mse(data, cfg, 5, "cpu", log=stop, checkpoint=str(path))
    messages = []
    resumed = study.run_mse(data, cfg, 5, "cpu", log=messages.append, checkpoint=str(path))
    assert any("after epoch 2/4" in m for m in messages)
    np.testing.assert_array_equal(resumed["prediction"], expected["prediction"])
    assert [h["loss"] for h in resumed["history"]] == [h["loss"] for h in expected["history"]]
    assert [h["epoch"] for h in resumed["history"] if "test_rmse" in h] == [2, 4]
