"""Per-epoch training checkpoints: an interrupted training rule resumes after its last finished
epoch instead of starting over.

A checkpoint holds the model and optimizer states, the epoch records so far and the state of the
batch-order generator, so the resumed run takes exactly the steps the uninterrupted one would
have. It is written atomically at the end of every epoch, read back with
torch.load(weights_only=True) (tensors and plain containers only, never pickled code), and only
used when its fingerprint (the run's settings) matches: a changed config starts over.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch

from .atomic import atomic_path


def fingerprint(settings: dict) -> str:
    """A short hash of the settings that define a training run (config, seed, data size)."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def save(path: str | os.PathLike, state: dict) -> None:
    """Write `state` (tensors, numbers, strings, lists, dicts) atomically to `path`."""
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(state, tmp)


def load(path: str | os.PathLike, expected_fingerprint: str, log=print) -> dict | None:
    """Return the checkpoint at `path` if it exists and belongs to this run, else None."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # a truncated or foreign file: train from the start
        log(f"checkpoint {path} unreadable ({exc}); training from the start")
        return None
    if state.get("fingerprint") != expected_fingerprint:
        log(f"checkpoint {path} is of another configuration; training from the start")
        return None
    return state


def remove(path: str | os.PathLike | None) -> None:
    """Delete the checkpoint once the rule's outputs are written."""
    if path is not None:
        Path(path).unlink(missing_ok=True)
