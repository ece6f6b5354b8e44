"""The Adam recipe of the analogues, on the one epoch loop hundreddays.training.fit:
cross-entropy over z classes or MSE on z, optional weight decay on the output layer only
(day 33), per-epoch train and validation loss, and snapshots of the weights at chosen epochs
(day 52's short vs long pretraining)."""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..training import fit as fit_epochs
from ..training import train_epoch
from .nets import last_linear

Split = tuple[np.ndarray, np.ndarray]


def as_tensors(split: Split, loss: str, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Features as float32 and targets as int64 classes ("ce") or float32 values ("mse")."""
    x = torch.as_tensor(np.asarray(split[0], np.float32), device=device)
    dtype = torch.int64 if loss == "ce" else torch.float32
    return x, torch.as_tensor(np.asarray(split[1]), dtype=dtype, device=device)


def _loss(output: torch.Tensor, y: torch.Tensor, loss: str, reduction: str = "mean"):
    if loss == "ce":
        return nn.functional.cross_entropy(output, y, reduction=reduction)
    if loss == "mse":
        return nn.functional.mse_loss(output.squeeze(1), y, reduction=reduction)
    raise ValueError(f"unknown loss {loss!r} (ce or mse)")


@torch.no_grad()
def predict(model: nn.Module, x, batch_size: int = 8192) -> torch.Tensor:
    """Model outputs on features `x` (array or tensor), in eval mode, batched."""
    model.eval()
    device = next(model.parameters()).device
    x = torch.as_tensor(np.asarray(x, np.float32)) if isinstance(x, np.ndarray) else x
    chunks = range(0, len(x), batch_size)
    return torch.cat([model(x[i : i + batch_size].to(device)) for i in chunks])


def per_sample_loss(model: nn.Module, split: Split, loss: str) -> np.ndarray:
    """Loss of each sample: the NLL -log p(true class) for "ce", the squared error for "mse"."""
    x, y = as_tensors(split, loss, next(model.parameters()).device)
    return _loss(predict(model, x), y, loss, reduction="none").cpu().numpy()


def fit(model: nn.Module, train: Split, valid: Split, *, loss: str, epochs: int, batch_size: int,
        lr: float, seed: int, last_layer_weight_decay: float = 0.0, snapshot_at=(),
        log=print, name: str = "", device: str | torch.device = "cpu",
        test: Split | None = None, keep_best: bool = False) -> dict:
    """Train `model` on `device` with Adam (coupled L2 `last_layer_weight_decay` on the output
    layer only), batch order drawn from `seed`, for `epochs` epochs of hundreddays.training.fit.

    Returns {"history": [{epoch, train_loss, valid_loss, seconds}], "snapshots": {epoch: state}},
    and with `keep_best` "best": the weights of the epoch of lowest validation loss (the first on
    a tie, as chosen_epoch); the losses are measured in eval mode after each epoch, on the whole
    train and valid sets, and on the `test` split when one is given (record "test_loss"; never
    used to choose an epoch)."""
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"{name}: epochs and batch_size must be >= 1, got {epochs}, {batch_size}")
    model.to(device)
    head = list(last_linear(model).parameters())
    body = [p for p in model.parameters() if all(p is not h for h in head)]
    opt = torch.optim.Adam([{"params": body, "weight_decay": 0.0},
                            {"params": head, "weight_decay": last_layer_weight_decay}], lr=lr)
    x, y = as_tensors(train, loss, device)
    valid_t = as_tensors(valid, loss, device)
    test_t = as_tensors(test, loss, device) if test is not None else None
    gen = torch.Generator().manual_seed(seed)
    state: dict = {"snapshots": {}}

    def epoch(n: int) -> dict:
        train_epoch(model, opt, x, y, batch_size, gen, lambda out, target: _loss(out, target, loss))
        record = {"train_loss": _loss(predict(model, x), y, loss).item(),
                  "valid_loss": _loss(predict(model, valid_t[0]), valid_t[1], loss).item()}
        if test_t is not None:
            record["test_loss"] = _loss(predict(model, test_t[0]), test_t[1], loss).item()
        if n in snapshot_at:
            state["snapshots"][n] = copy.deepcopy(model.state_dict())
        if keep_best and record["valid_loss"] < state.get("best_valid", float("inf")):
            state["best_valid"] = record["valid_loss"]
            state["best"] = copy.deepcopy(model.state_dict())
        return record

    history = fit_epochs(model, opt, epochs, epoch, gen=gen, state=state,
                         log=lambda text: log(f"{name} {text}" if name else text),
                         describe=lambda r: (f"train {r['train_loss']:.4f}  "
                                             f"valid {r['valid_loss']:.4f}"))
    for n in snapshot_at:  # an epoch a rehearsal skipped: the weights it stopped at
        if n <= epochs and n not in state["snapshots"]:
            state["snapshots"][n] = copy.deepcopy(model.state_dict())
    out = {"history": history, "snapshots": state["snapshots"]}
    if keep_best:
        out["best"] = state["best"]
    return out


def best_valid(history: list[dict]) -> float:
    """Lowest validation loss over the epochs (early stopping on the validation set)."""
    return min(h["valid_loss"] for h in history)


def chosen_epoch(history: list[dict]) -> dict:
    """The record of the epoch with the lowest validation loss (the first on a tie): the
    epoch early stopping keeps, whose "test_loss" is the one to report."""
    return min(history, key=lambda h: h["valid_loss"])
