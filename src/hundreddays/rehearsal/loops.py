"""The loops' side of the rehearsal's cap (hundreddays.rehearsal.cap): `steps` cuts a loop to the
cap and times each step, `loader` does it for a library's loader, `repeats` for timing loops."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator

from . import cap
from .cap import Recorder


def steps(iterable: Iterable, *, kind: str = "train", name: str | None = None,
          items: int | None = None, batch_size: int | None = None, drop_last: bool = False,
          full: int | None = None, bound: bool = False, per_item: bool = False,
          whole: bool = False, sizes=None) -> Iterable:
    """`iterable` (a loop's batches, iterations or repeats), cut to the cap in a rehearsal and
    each step timed; `iterable` itself otherwise. kind "train": the steps of the current training
    phase (or of a phase of its own, named `name`, when none is open); kind "eval": one
    evaluation pass; kind "repeat": the repeats of a timing loop. items / batch_size / drop_last
    describe the data the loop goes through (the estimate scales them to the dataset's real
    size), else `full` is the number of steps of a complete loop (`bound`: at most); with
    `per_item`, a step goes through all `items` (a full-batch step), and its cost grows with them
    (`whole`: `items` are the whole dataset's, not a split's).
    `sizes(item)` gives the items in one step (the batch's length), for the record of partial
    batches."""
    recorder = cap.ACTIVE
    if recorder is None:
        return iterable
    data = {"items": items, "batch_size": batch_size, "drop_last": drop_last, "full": full,
            "bound": bound, "per_item": per_item, "whole": whole}
    return _capped(recorder, iterable, kind, name, data, sizes)


def _capped(recorder: Recorder, iterable: Iterable, kind: str, name: str | None, data: dict,
            sizes) -> Iterator:
    current = recorder.current
    own = kind == "eval" or current.kind != kind
    if own:
        node = recorder.open(name or kind, kind, **data)
        if kind != "eval":
            node.epochs_seen += 1
    else:
        node = current
        for key, value in data.items():  # the phase's loop: describe its data once
            if value not in (None, False) and getattr(node, key) in (None, False):
                setattr(node, key, value)
    try:
        size = len(iterable) if hasattr(iterable, "__len__") else None
        it = iter(iterable)
        done = 0
        while recorder.may_step(node, done):
            start, children = time.perf_counter(), node._child_seconds
            try:
                item = next(it)
            except StopIteration:
                break
            first = done == 0 if kind == "eval" else node.steps == 0
            node.steps += 1
            done += 1
            try:
                yield item
            finally:
                own_seconds = time.perf_counter() - start - (node._child_seconds - children)
                timed = node.steps - node.occurrences if kind == "eval" else node.steps - 1
                if done == size and not first and timed > 1:
                    # the loader's last item: a loop that stops at its length (Ignite's) asks
                    # for no next one, and its time would run on into what follows the loop
                    own_seconds = node.rest_seconds / (timed - 1)
                recorder.add_step(node, own_seconds, first, sizes(item) if sizes else None)
    finally:
        if own:
            recorder.close(node)


class _Loader:
    """A loader whose every iteration is cut to the cap (steps); its length and everything else
    are the loader's."""

    def __init__(self, loader, data: dict):
        self._loader, self._data = loader, data

    def __len__(self) -> int:
        return len(self._loader)

    def __iter__(self):
        return iter(steps(self._loader, **self._data))

    def __getattr__(self, name):
        return getattr(self._loader, name)


def loader(data_loader, **data):
    """`data_loader` (a DataLoader that a library's loop iterates once an epoch, e.g. Ignite's)
    with each iteration cut to the cap in a rehearsal (`data` as for steps); itself otherwise."""
    return data_loader if cap.ACTIVE is None else _Loader(data_loader, data)


def repeats(count: int, name: str = "repeat") -> Iterable[int]:
    """range(count) as the steps of a timing loop: `count` repeats, cut to the cap."""
    return steps(range(count), kind="repeat", name=name, full=count)


def batches_of(items: float, batch_size: int, drop_last: bool) -> int:
    """Batches in one pass over `items` items."""
    if batch_size <= 0:
        return 0
    return int(items // batch_size) if drop_last else int(math.ceil(items / batch_size))
