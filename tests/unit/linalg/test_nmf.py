"""The course's autograd NMF (hundreddays.linalg.nmf): its loss, penalty and fit."""

import numpy as np
import pytest
import torch

from hundreddays.linalg import nmf

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def planted(rows=60, cols=40, rank=3, seed=0):
    """Return (M, H0): an exactly rank-`rank` non-negative M = W0 H0 with a sparse H0."""
    rng = np.random.default_rng(seed)
    h0 = rng.exponential(size=(rank, cols)) * (rng.random((rank, cols)) < 0.5)
    return rng.exponential(size=(rows, rank)) @ h0, h0


def test_residual_norm_equals_the_dense_norm_and_its_gradient():
    rng = np.random.default_rng(5)
    m = rng.exponential(size=(30, 50)) * (rng.random((30, 50)) < 0.1)
    w = torch.rand(30, 4, dtype=torch.float64, requires_grad=True)
    h = torch.rand(4, 50, dtype=torch.float64, requires_grad=True)
    ours = nmf.residual_norm(nmf.sparse_tensor(m), float((m**2).sum()), w, h)
    grads = torch.autograd.grad(ours, [w, h])
    dense = torch.linalg.matrix_norm(torch.as_tensor(m) - w.mm(h))
    assert ours.item() == pytest.approx(dense.item(), rel=1e-12)
    for ours_grad, dense_grad in zip(grads, torch.autograd.grad(dense, [w, h]), strict=True):
        torch.testing.assert_close(ours_grad, dense_grad)


def test_negativity_is_the_courses_squared_penalty():
    a = torch.tensor([[-2.0, 1.0], [0.0, -1.0]])
    # the course: torch.pow((A<0).type(FloatTensor) * torch.clamp(A, max=0.), 2), then .mean()
    assert nmf.negativity(a).item() == pytest.approx((4 + 1) / 4)
    assert nmf.negativity(torch.ones(3, 3)).item() == 0.0


def test_fit_reconstructs_a_low_rank_matrix_and_keeps_negatives_small():
    m, h0 = planted()
    scale = float(np.sqrt(m.mean() / 3))  # a learning rate for this matrix's entries
    fit = nmf.torch_nmf(m, 3, 2000, seed=0, checkpoints=[0, 2000], top_k=5, lr=0.02 * scale,
                        init_std=scale)
    error = np.linalg.norm(m - fit["w"] @ fit["h"]) / np.linalg.norm(m)
    assert error < 0.02
    assert fit["errors"][-1] == pytest.approx(np.linalg.norm(m - fit["w"] @ fit["h"]), rel=1e-9)
    assert fit["errors"][-1] < fit["errors"][0] / 10
    # the penalty lets entries dip below zero, a little
    assert min(fit["w"].min(), fit["h"].min()) > -0.01 * scale
    unit = [h / np.linalg.norm(h, axis=1, keepdims=True) for h in (fit["h"], h0)]
    assert min((unit[0] @ unit[1].T).max(axis=0)) > 0.99
    assert set(fit["top"]) == {0, 2000} and fit["top"][0].shape == (3, 5)


def test_without_the_penalty_the_factors_go_negative():
    m, _ = planted(seed=1)
    kw = {"seed": 0, "checkpoints": [], "top_k": 1, "lr": 0.05, "init_std": 0.5}
    free = nmf.torch_nmf(m, 3, 500, penalty_weight=0.0, **kw)
    penalised = nmf.torch_nmf(m, 3, 500, **kw)
    assert min(free["w"].min(), free["h"].min()) < 10 * min(penalised["w"].min(),
                                                            penalised["h"].min(), -1e-6)


def test_start_is_the_absolute_normal_of_the_courses_scale_and_reproducible():
    m, _ = planted()
    runs = [nmf.torch_nmf(m, 3, 1, seed, [0], 2, lr=1e-12) for seed in (1, 1, 2)]
    np.testing.assert_array_equal(runs[0]["errors"], runs[1]["errors"])
    assert not np.array_equal(runs[0]["errors"], runs[2]["errors"])
    start = runs[0]["h"]  # one step of 1e-12 leaves the start in place
    assert start.min() >= 0 and 0.005 < start.mean() < 0.0095  # |N(0, 0.01^2)| has mean 0.008


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="steps >= 1"):
        nmf.torch_nmf(np.ones((3, 3)), 2, 0, 0, [], 1)
