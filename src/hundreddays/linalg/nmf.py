"""Non-negative matrix factorisation by autograd and Adam, as the fast.ai "Computational Linear
Algebra" course writes it (nbs/2 "Topic Modeling with NMF and SVD", cells 121-127):

    loss = ||M - W @ H||_F + lam * (mean(min(W, 0)^2) + mean(min(H, 0)^2))
    opt = torch.optim.Adam([W, H], lr=1e-3, betas=(0.9, 0.9)); W, H start at |N(0, 0.01^2)|

Non-negativity is a squared penalty, not a constraint: W and H may keep small negative entries
(the course's run ends with about 75 000 of them in H). The course builds M dense (float32, on a
GPU); here M stays sparse and the Frobenius norm comes from its expansion, in float64, the same
loss and the same gradient at a fraction of the memory.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
import torch

from .. import rehearsal
from ..timing import seconds_per_epoch


def sparse_tensor(m) -> torch.Tensor:
    """Return a numpy array or scipy sparse matrix as a coalesced float64 torch COO tensor."""
    coo = sp.coo_matrix(m)
    return torch.sparse_coo_tensor(np.vstack([coo.row, coo.col]), coo.data, coo.shape,
                                   dtype=torch.float64, check_invariants=True).coalesce()


def residual_norm(target: torch.Tensor, target_sq: float, w: torch.Tensor,
                  h: torch.Tensor) -> torch.Tensor:
    """Return ||M - W @ H||_F for a sparse M without forming the dense W @ H, from
    ||M||^2 - 2 <M @ H.T, W> + <W.T @ W, H @ H.T> (`target_sq` = ||M||^2)."""
    cross = (w * (target @ h.T)).sum()
    gram = ((w.T @ w) * (h @ h.T)).sum()
    return torch.sqrt(torch.clamp(target_sq - 2 * cross + gram, min=0.0))


def negativity(a: torch.Tensor) -> torch.Tensor:
    """The course's penalty of one factor: the mean of its squared negative parts (cell 123)."""
    return torch.clamp(a, max=0.0).pow(2).mean()


def torch_nmf(m, n_topics: int, steps: int, seed: int, checkpoints: list[int], top_k: int, *,
              lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.9),
              penalty_weight: float = 1e6, init_std: float = 0.01) -> dict:
    """Fit M ~ W @ H by `steps` Adam steps on the course's penalised loss; `m` is a numpy array or
    a scipy sparse matrix. The defaults are the course's (cells 121, 122 and 125).

    Returns {"w", "h": numpy factors, "errors": ||M - W H||_F before each step and after the last
    (steps + 1 values; the course's report prints this norm), "top": {step: (topics, top_k) word
    indices of H's rows at the `checkpoints`}, "seconds_per_step": the median step time}.
    """
    if steps < 1 or n_topics < 1 or init_std <= 0:
        raise ValueError(f"torch_nmf: need steps >= 1, n_topics >= 1 and init_std > 0, got "
                         f"{steps}, {n_topics}, {init_std}")
    target = sparse_tensor(m)
    target_sq = float((target.values() ** 2).sum())
    generator = torch.Generator().manual_seed(seed)
    rows, cols = target.shape
    w = torch.randn(rows, n_topics, generator=generator, dtype=torch.float64)
    h = torch.randn(n_topics, cols, generator=generator, dtype=torch.float64)
    w, h = (w * init_std).abs_().requires_grad_(), (h * init_std).abs_().requires_grad_()
    optimizer = torch.optim.Adam([w, h], lr=lr, betas=tuple(betas))
    errors, top, seconds = [], {}, []
    wanted = set(checkpoints)
    for step in rehearsal.steps(range(steps + 1), name="nmf", full=steps + 1):
        start = time.perf_counter()
        if step in wanted:
            top[step] = torch.topk(h.detach(), top_k, dim=1).indices.numpy()
        error = residual_norm(target, target_sq, w, h)
        errors.append(error.item())
        if step == steps:
            break
        loss = error + penalty_weight * (negativity(w) + negativity(h))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seconds.append(time.perf_counter() - start)
    _fill_cut(errors, top, steps, wanted)
    return {"w": w.detach().numpy(), "h": h.detach().numpy(), "errors": np.array(errors),
            "top": top, "seconds_per_step": seconds_per_epoch(seconds) if seconds else 0.0}


def sgd_nmf(m, n_topics: int, steps: int, seed: int, checkpoints: list[int], top_k: int, *,
            lr: float = 0.05, penalty_weight: float = 100.0, mu: float = 1e-5,
            init_std: float = 0.01, decay_every: int = 100, decay: float = 0.9) -> dict:
    """The course's other PyTorch NMF (nbs/2 cells 100-104): plain gradient steps with the
    gradients written by hand, R = W H - M, dW = R H^T + lam p(W), dH = W^T R + lam p(H), where
    p(A) = min(A - mu, 0) where A < mu (a linear pull back above mu); the rate is multiplied by
    `decay` after step 0 and every `decay_every` steps. The defaults are the course's (cells
    100, 103 and 104). Returns what torch_nmf returns (no seconds_per_step)."""
    target = sparse_tensor(m)
    target_sq = float((target.values() ** 2).sum())
    generator = torch.Generator().manual_seed(seed)
    rows, cols = target.shape
    w = (torch.randn(rows, n_topics, generator=generator, dtype=torch.float64) * init_std).abs_()
    h = (torch.randn(n_topics, cols, generator=generator, dtype=torch.float64) * init_std).abs_()
    errors, top = [], {}
    wanted = set(checkpoints)
    for step in rehearsal.steps(range(steps + 1), name="nmf_sgd", full=steps + 1):
        if step in wanted:
            top[step] = torch.topk(h, top_k, dim=1).indices.numpy()
        errors.append(residual_norm(target, target_sq, w, h).item())
        if step == steps:
            break
        # R H^T = W (H H^T) - M H^T and W^T R = (W^T W) H - W^T M, without the dense R
        grad_w = w @ (h @ h.T) - target @ h.T + penalty_weight * _pull(w, mu)
        grad_h = (w.T @ w) @ h - (target.T @ w).T + penalty_weight * _pull(h, mu)
        w -= lr * grad_w
        h -= lr * grad_h
        if step % decay_every == 0:
            lr *= decay
    _fill_cut(errors, top, steps, wanted)
    return {"w": w.numpy(), "h": h.numpy(), "errors": np.array(errors), "top": top}


def _fill_cut(errors: list, top: dict, steps: int, wanted: set) -> None:
    """Where a rehearsal cut the steps, the last values stand for the rest (in place)."""
    if len(errors) < steps + 1:
        errors += [errors[-1]] * (steps + 1 - len(errors))
        top.update({s: top[max(top)] for s in wanted if s not in top})


def _pull(a: torch.Tensor, mu: float) -> torch.Tensor:
    """The course's penalty_t (cell 101): (A < mu) * clamp(A - mu, max=0)."""
    return torch.where(a < mu, torch.clamp(a - mu, max=0.0), torch.zeros_like(a))
