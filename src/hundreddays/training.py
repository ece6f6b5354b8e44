"""The shared PyTorch training loop of the hand-written models (logistic regression, MLP, CNN)."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from . import checkpoint as ckpt


def pick_device() -> torch.device:
    """Return CUDA when present, else CPU (the demo scale and CI run on CPU)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Return uint8 images scaled to [0, 1] float32 and labels as int64 tensors."""
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    return x, torch.from_numpy(labels.astype(np.int64))


@torch.no_grad()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> tuple[float, float]:
    """Return (mean cross-entropy loss, accuracy) of `model` on (x, y)."""
    model.eval()
    device = next(model.parameters()).device
    loss_sum, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        xb, yb = x[i : i + batch_size].to(device), y[i : i + batch_size].to(device)
        logits = model(xb)
        loss_sum += nn.functional.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(1) == yb).sum().item()
    return loss_sum / len(x), correct / len(x)


Split = tuple[torch.Tensor, torch.Tensor]


def train_epoch(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
                batch_size: int, gen: torch.Generator, loss_fn) -> float:
    """One pass over (x, y) in minibatches, in an order drawn from `gen`, one optimizer step
    each; x and y may live on the CPU or on the model's device. Returns the mean training loss
    (the running mean over the batches)."""
    model.train()
    device = next(model.parameters()).device
    loss_sum = 0.0
    for idx in torch.randperm(len(x), generator=gen).split(batch_size):
        xb, yb = x[idx.to(x.device)].to(device), y[idx.to(y.device)].to(device)
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(idx)
    return loss_sum / len(x)


def train_classifier(model: nn.Module, train: Split, test: Split, epochs: int, batch_size: int,
                     lr: float, seed: int, log=print, checkpoint=None) -> list[dict]:
    """Train `model` with Adam on cross-entropy (the softmax is inside the loss, not the model).

    With `checkpoint` (a path), the state is saved after every epoch and a matching checkpoint
    left by an interrupted run is resumed from (hundreddays.checkpoint).
    Returns one record per epoch: train_loss, test_loss, test_accuracy, seconds.
    """
    device = pick_device()
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    x, y = train
    history: list[dict] = []
    tag = ckpt.fingerprint({"model": repr(model), "epochs": epochs, "batch_size": batch_size,
                            "lr": lr, "seed": seed, "train": list(x.shape), "test": len(test[0])})
    state = ckpt.load(checkpoint, tag, log) if checkpoint else None
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history = state["history"]
        log(f"resumed from checkpoint {checkpoint} after epoch {len(history)}/{epochs}")
    for epoch in range(len(history) + 1, epochs + 1):
        start = time.perf_counter()
        train_loss = train_epoch(model, opt, x, y, batch_size, gen, nn.functional.cross_entropy)
        test_loss, test_acc = evaluate(model, *test)
        record = {"epoch": epoch, "train_loss": train_loss, "test_loss": test_loss,
                  "test_accuracy": test_acc, "seconds": time.perf_counter() - start}
        history.append(record)
        log(f"epoch {epoch}/{epochs}: train loss {record['train_loss']:.4f}  "
            f"test loss {test_loss:.4f}  test accuracy {test_acc:.4f}  ({record['seconds']:.1f} s)")
        if checkpoint:
            ckpt.save(checkpoint, {"fingerprint": tag, "model": model.state_dict(),
                                   "optimizer": opt.state_dict(), "generator": gen.get_state(),
                                   "torch_rng": torch.get_rng_state(), "history": history})
    return history
