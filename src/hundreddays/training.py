"""The shared PyTorch training code of the hand-written models: one epoch loop with resume (fit),
one pass over minibatches, evaluation, and the classifier recipe of the MNIST studies."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import checkpoint as ckpt
from . import rehearsal
from .seeds import device_name


def pick_device() -> torch.device:
    """The device to train on: CUDA when present, else the CPU (seeds.device_name)."""
    return torch.device(device_name())


def to_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """`t` on `device`. A CPU tensor bound for CUDA is pinned (page-locked) first and copied
    non-blocking, so the copy is a DMA transfer queued on the stream before the kernels that use
    it; anything else is a plain .to() (on the CPU, `t` itself: nothing changes there)."""
    if device.type == "cuda" and t.device.type == "cpu":
        return (t if t.is_pinned() else t.pin_memory()).to(device, non_blocking=True)
    return t.to(device)


def to_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Return uint8 images scaled to [0, 1] float32 and labels as int64 tensors."""
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    return x, torch.from_numpy(labels.astype(np.int64))


@torch.no_grad()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> tuple[float, float]:
    """Return (mean cross-entropy loss, accuracy) of `model` on (x, y). (In a rehearsal, of the
    batches the cap lets through.)"""
    model.eval()
    device = next(model.parameters()).device
    loss_sum, correct, seen = 0.0, 0, 0
    starts = rehearsal.steps(range(0, len(x), batch_size), kind="eval", name="evaluate",
                             items=len(x), batch_size=batch_size)
    for i in starts:
        xb, yb = to_device(x[i : i + batch_size], device), to_device(y[i : i + batch_size], device)
        logits = model(xb)
        loss_sum += nn.functional.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(1) == yb).sum().item()
        seen += len(yb)
    return loss_sum / max(seen, 1), correct / max(seen, 1)


Split = tuple[torch.Tensor, torch.Tensor]


def train_epoch(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
                batch_size: int, gen: torch.Generator, loss_fn,
                after_step: Callable[[], object] | None = None) -> float:
    """One pass over (x, y) in minibatches, in an order drawn from `gen`, one optimizer step
    each (then `after_step()`, e.g. a per-batch learning-rate schedule's step); x and y may live
    on the CPU (each batch then goes to the model's device through pinned memory, non-blocking:
    to_device) or on the model's device. Returns the mean training loss (the running mean over
    the batches). In a rehearsal the batches are the steps of the current training phase (fit's),
    cut to its budget; the mean is over the batches taken (0.0 when the budget was spent before
    this epoch)."""
    model.train()
    device = next(model.parameters()).device
    loss_sum, seen = 0.0, 0
    order = torch.randperm(len(x), generator=gen).split(batch_size)
    for idx in rehearsal.steps(order, items=len(x), batch_size=batch_size, sizes=len):
        xb, yb = to_device(x[idx.to(x.device)], device), to_device(y[idx.to(y.device)], device)
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if after_step is not None:
            after_step()
        loss_sum += loss.item() * len(idx)
        seen += len(idx)
    return loss_sum / seen if seen else 0.0


def cuda_rng_state() -> list[torch.Tensor] | None:
    """The RNG states of every CUDA device once CUDA is in use in this process, else None."""
    return torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None


def plain(record: dict) -> dict:
    """`record` with NumPy scalars as Python numbers (same values): a checkpoint is read back
    with weights_only=True, which refuses NumPy objects."""
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in record.items()}


def part_checkpoint(checkpoint: str | None, part: str) -> str | None:
    """The checkpoint path of one of several training runs of a study: `<checkpoint>` without its
    .pt, then `.<part>.pt` (None without a checkpoint). The study removes these when it
    finishes (hundreddays.checkpoint.remove); the runner removes `checkpoint` itself."""
    if checkpoint is None:
        return None
    path = Path(checkpoint)
    return str(path.with_name(f"{path.name.removesuffix('.pt')}.{part}.pt"))


def fit(model: nn.Module, opt: torch.optim.Optimizer, epochs: int,
        epoch: Callable[[int], dict], *, checkpoint: str | None = None,
        settings: dict | None = None, gen: torch.Generator | None = None, scheduler=None,
        state: dict | None = None, log: Callable[[str], None] = print,
        describe: Callable[[dict], str] | None = None, phase: str = "fit") -> list[dict]:
    """The one epoch loop under every hand-written PyTorch study.

    For each epoch n = 1..epochs, `epoch(n)` trains one pass (and evaluates, if the study does)
    and returns that epoch's numbers; fit adds "epoch" and "seconds" and logs the record (with
    `describe(record)`, else every number). Returns the records, in order.

    With `checkpoint` (a path), after every epoch fit saves the model, the optimizer, the
    `scheduler` and batch-order generator `gen` when given, torch's global RNGs (the CPU's, and
    CUDA's once CUDA is in use: dropout on the GPU draws from it), the records and `state` (a
    dict the caller keeps across epochs, e.g. the best weights so far: tensors and plain
    containers), atomically; a checkpoint of the same `settings` left by an interrupted
    run is resumed from, so the resumed run takes exactly the steps of an uninterrupted one
    (hundreddays.checkpoint). A checkpoint of other settings is ignored.

    In a rehearsal the epochs are one training phase (named `phase`): its minibatch steps
    (train_epoch) stop at the cap, and once they have, the later epochs are skipped (`epoch` is
    not called; each one's record repeats the last measured one, so the history keeps its
    length), as fastai's are (hundreddays.rehearsal.fastai_cap).
    """
    if checkpoint and settings is None:
        raise ValueError("fit: a checkpoint needs the run's settings (its fingerprint)")
    history: list[dict] = []
    tag = ckpt.fingerprint({"model": repr(model), "epochs": epochs, **(settings or {})})
    saved = ckpt.load(checkpoint, tag, log) if checkpoint else None
    if saved is not None:
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(saved["scheduler"])
        if gen is not None:
            gen.set_state(saved["generator"])
        torch.set_rng_state(saved["torch_rng"])
        cuda_rng = saved.get("cuda_rng")
        if cuda_rng is not None and len(cuda_rng) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_rng)
        if state is not None:
            state.update(saved["state"])
        history = saved["history"]
        log(f"resumed from checkpoint {checkpoint} after epoch {len(history)}/{epochs}")
    with rehearsal.phase(phase, epochs=epochs) as capped:
        _epochs(history, epochs, epoch, capped, checkpoint, tag, model, opt, scheduler, gen,
                state, log, describe)
    return history


def _epochs(history: list[dict], epochs: int, epoch: Callable[[int], dict], capped, checkpoint,
            tag: str, model: nn.Module, opt, scheduler, gen, state, log, describe) -> None:
    """fit's epochs after those in `history`: each run, logged and checkpointed."""
    for n in range(len(history) + 1, epochs + 1):
        capped.epoch()
        if history and capped.spent:  # a rehearsal's steps are taken: the epoch is skipped
            capped.skip(f"rehearsal: the fit took its steps; epochs from {n} of {epochs} are "
                        f"skipped", log)
            history.append({**history[-1], "epoch": n})
            continue
        start = time.perf_counter()
        record = {"epoch": n, **plain(epoch(n))}
        record["seconds"] = time.perf_counter() - start
        history.append(record)
        text = describe(record) if describe else "  ".join(
            f"{k} {v:.4g}" for k, v in record.items() if k not in ("epoch", "seconds")
            and isinstance(v, int | float))
        log(f"epoch {n}/{epochs}: {text}  ({record['seconds']:.1f} s)")
        if checkpoint:
            ckpt.save(checkpoint, {
                "fingerprint": tag, "model": model.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
                "generator": gen.get_state() if gen is not None else None,
                "torch_rng": torch.get_rng_state(), "cuda_rng": cuda_rng_state(),
                "state": state or {}, "history": history})


def one_cycle_schedule(opt: torch.optim.Optimizer, lr: float, steps: int, one_cycle: dict):
    """torch's OneCycleLR over `steps` batches as fastai 1's fit_one_cycle schedules them: cosine
    warm-up from lr / div_factor to `lr` over pct_start of the steps, cosine annealing to
    lr / div_factor / final_div_factor, the first beta (momentum) from moms[0] down to moms[1]
    and back. one_cycle: {pct_start, div_factor, final_div_factor, moms}."""
    high, low = one_cycle["moms"]
    return torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=steps, pct_start=one_cycle["pct_start"],
        anneal_strategy="cos", cycle_momentum=True, base_momentum=low, max_momentum=high,
        div_factor=one_cycle["div_factor"], final_div_factor=one_cycle["final_div_factor"])


def train_classifier(model: nn.Module, train: Split, test: Split, epochs: int, batch_size: int,
                     lr: float, seed: int, log=print, checkpoint=None,
                     device: str | torch.device | None = None, weight_decay: float | None = None,
                     split: str = "test", betas: tuple[float, float] | None = None,
                     one_cycle: dict | None = None) -> list[dict]:
    """Train `model` with Adam on cross-entropy (the softmax is inside the loss, not the model),
    or with AdamW(weight_decay) when `weight_decay` is given (torch's betas unless `betas`), on
    `device` (default: CUDA when present); at the constant rate `lr`, or with `one_cycle` (see
    one_cycle_schedule) peaking at `lr`. With `checkpoint`, an interrupted run resumes (see
    fit). Returns one record per epoch: train_loss, <split>_loss, <split>_accuracy (measured on
    `test`), seconds.
    """
    model.to(device or pick_device())
    extra = {} if betas is None else {"betas": tuple(betas)}
    if weight_decay is None:
        opt = torch.optim.Adam(model.parameters(), lr=lr, **extra)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, **extra)
    gen = torch.Generator().manual_seed(seed)
    x, y = train
    scheduler = None
    if one_cycle is not None:
        steps = epochs * -(-len(x) // batch_size)
        scheduler = one_cycle_schedule(opt, lr, steps, one_cycle)

    def epoch(_n: int) -> dict:
        train_loss = train_epoch(model, opt, x, y, batch_size, gen, nn.functional.cross_entropy,
                                 scheduler.step if scheduler is not None else None)
        loss, accuracy = evaluate(model, *test)
        return {"train_loss": train_loss, f"{split}_loss": loss, f"{split}_accuracy": accuracy}

    settings = {"batch_size": batch_size, "lr": lr, "seed": seed, "train": list(x.shape),
                split: len(test[0]), **({"wd": weight_decay} if weight_decay is not None else {}),
                **({"betas": list(betas)} if betas is not None else {}),
                **({"one_cycle": one_cycle} if one_cycle is not None else {})}
    prefix = "" if weight_decay is None else f"wd {weight_decay:g}: "
    return fit(model, opt, epochs, epoch, checkpoint=checkpoint, settings=settings, gen=gen,
               scheduler=scheduler, log=log, describe=lambda r: (
                   f"{prefix}train loss {r['train_loss']:.4f}  {split} loss "
                   f"{r[f'{split}_loss']:.4f}  {split} accuracy {r[f'{split}_accuracy']:.4f}"))
