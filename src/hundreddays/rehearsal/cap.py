"""The rehearsal's cap and its record: at most a few optimizer steps per training phase and a few
batches per evaluation pass, and what ran (steps, seconds per step, peak memory) for the table and
the full run's estimate (hundreddays.rehearsal.estimate).

Off unless the runner starts a recording (config key `rehearsal`): then every call here is a
no-op and every loop runs as written. The loops that honour the cap ask for it in one of two ways:

    with phase("fit", epochs=10) as ph:         # a training phase (one fit): one step budget
        for n in range(10):
            for batch in steps(batches, items=len(x), batch_size=64):   # its optimizer steps
                ...
            for batch in steps(test_batches, kind="eval", items=..., batch_size=...):
                ...                             # one evaluation pass: max_eval_batches

A `steps` loop outside any open phase opens its own (a loop of its own is a phase). A phase's
first step is its warm-up; the steps after it are the timed ones (a phase of one step is timed
by it). With `min_seconds`, a phase keeps stepping past `max_steps` while its steps took less in
all: cheap steps are timed over many, and the estimate does not rest on one step of a
millisecond, while a step of seconds is the phase's only one.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from .memory import gpu_peak_mib, peak_rss_mib, reset_gpu_peak, rss_mib

KINDS = ("run", "train", "eval", "repeat", "data")


@dataclass(frozen=True)
class Cap:
    """The config's `rehearsal` block: max_steps optimizer steps (or timing repeats, solver
    iterations) per phase, max_eval_batches batches per evaluation pass, and min_seconds: a
    phase steps on past max_steps while its steps took less in all."""

    max_steps: int = 2
    max_eval_batches: int = 1
    min_seconds: float = 0.0

    @classmethod
    def of(cls, block: dict) -> Cap:
        """The cap of a config block `rehearsal` (its key `mirror` is the workflow's)."""
        block = {k: v for k, v in block.items() if k != "mirror"}
        unknown = set(block) - {"max_steps", "max_eval_batches", "min_seconds"}
        if unknown:
            raise ValueError(f"config key rehearsal: unknown keys {sorted(unknown)}")
        cap = cls(**block)
        if cap.max_steps < 1 or cap.max_eval_batches < 1 or cap.min_seconds < 0:
            raise ValueError(f"config key rehearsal: max_steps and max_eval_batches must be >= 1 "
                             f"and min_seconds >= 0, got {block}")
        return cap


@dataclass
class Phase:
    """One node of the record: a training phase, an evaluation pass (passes of the same name and
    data in one parent are merged: `occurrences`), timing repeats, a data step whose time grows
    with the dataset, or the study's whole run (the root)."""

    name: str
    kind: str
    epochs: int | None = None  # a training phase's epochs (None: not an epoch loop)
    full: int | None = None  # steps of a complete pass when not given by items / batch_size
    # (a data phase: the items the full run reads, where not the dataset's whole count)
    per_item: bool = False  # a step's cost grows with the data (a full-batch step)
    whole: bool = False  # its items are the whole dataset's (else a split's, scaled by ratio)
    bound: bool = False  # `full` is an upper bound (a loop that stops when it converges)
    items: int | None = None  # items a loop goes through per epoch (or pass)
    batch_size: int | None = None
    drop_last: bool = False
    occurrences: int = 1
    epochs_seen: int = 0  # epochs the loop started (fastai stops some fits early)
    epochs_stepped: int = 0  # epochs in which it took a step
    epochs_skipped: int = 0  # epochs in which nothing ran, neither step nor evaluation (fastai)
    steps: int = 0
    first_seconds: float = 0.0  # the first step of each occurrence (warm-up), summed
    rest_seconds: float = 0.0  # the other steps, summed
    step_items: int = 0  # items in the steps taken (a partial batch shows here)
    wall_seconds: float = 0.0
    children: list[Phase] = field(default_factory=list)
    peak_rss_mib: float | None = None
    rss_growth_mib: float | None = None  # data phases: memory held after it
    # data phases: the size of the data the phase's result holds, where the study can tell
    # (RSS growth also counts one-off costs, a JIT compile, buffers: they do not grow with it)
    kept_mib: float | None = None
    peak_gpu_mib: float | None = None
    _start: float = 0.0
    _child_seconds: float = 0.0  # wall time of children so far (not the phase's own steps)
    _stepped_this_epoch: bool = False

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if not k.startswith("_")
               and k != "children" and v is not None}
        out["children"] = [c.as_dict() for c in self.children]
        return out


class Recorder:
    """The record of one study's run under a cap: a tree of phases, the root being its run."""

    def __init__(self, cap: Cap):
        self.cap = cap
        self.root = Phase("run", "run")
        self.stack: list[Phase] = [self.root]
        self.root._start = time.perf_counter()

    @property
    def current(self) -> Phase:
        return self.stack[-1]

    def _unique(self, parent: Phase, name: str) -> str:
        taken = {c.name for c in parent.children}
        if name not in taken:
            return name
        n = 2
        while f"{name} {n}" in taken:
            n += 1
        return f"{name} {n}"

    def open(self, name: str, kind: str, **data) -> Phase:
        """Start a phase under the current one (an evaluation pass of the same name and data as an
        earlier one of this parent is merged into it) and make it current."""
        if kind not in KINDS:
            raise ValueError(f"unknown phase kind {kind!r}")
        parent = self.current
        node = None
        if kind == "eval":
            node = next((c for c in parent.children if c.kind == "eval" and c.name == name
                         and c.items == data.get("items")
                         and c.batch_size == data.get("batch_size")), None)
            if node is not None:
                node.occurrences += 1
        if node is None:
            node = Phase(self._unique(parent, name), kind, **data)
            parent.children.append(node)
        node._start = time.perf_counter()
        node._stepped_this_epoch = False
        if kind == "data":
            node.rss_growth_mib = -rss_mib()
        parent.peak_gpu_mib = _max(parent.peak_gpu_mib, gpu_peak_mib())
        reset_gpu_peak()
        self.stack.append(node)
        return node

    def close(self, node: Phase) -> None:
        if self.current is not node:
            raise RuntimeError(f"rehearsal: phase {node.name!r} closed out of order")
        self.stack.pop()
        seconds = time.perf_counter() - node._start
        node.wall_seconds += seconds
        self.current._child_seconds += seconds
        node.peak_rss_mib = peak_rss_mib()
        node.peak_gpu_mib = _max(node.peak_gpu_mib, gpu_peak_mib())
        self.current.peak_gpu_mib = _max(self.current.peak_gpu_mib, node.peak_gpu_mib)
        if node.kind == "data" and node.rss_growth_mib is not None:
            node.rss_growth_mib += rss_mib()

    # -- the budget
    def budget(self, node: Phase) -> int | None:
        return self.cap.max_eval_batches if node.kind == "eval" else self.cap.max_steps

    def may_step(self, node: Phase, done_this_occurrence: int) -> bool:
        """Whether `node` may take another step: under its budget, or (min_seconds) while its
        steps took less than min_seconds in all (a step that takes longer is the only one)."""
        if node.kind == "eval":
            return done_this_occurrence < self.cap.max_eval_batches
        if node.steps < self.cap.max_steps:
            return True
        return node.first_seconds + node.rest_seconds < self.cap.min_seconds

    def spent(self, node: Phase) -> bool:
        """A training phase whose budget is spent (its further epochs are skipped)."""
        return not self.may_step(node, 0)

    def add_step(self, node: Phase, seconds: float, first: bool, items: int | None) -> None:
        if first:
            node.first_seconds += seconds
        else:
            node.rest_seconds += seconds
        if items:
            node.step_items += items
        if not node._stepped_this_epoch:
            node._stepped_this_epoch = True
            node.epochs_stepped += 1

    def record(self, status: str, error: str | None = None) -> dict:
        """The record as plain data; phases a failure left open are closed first."""
        while len(self.stack) > 1:
            self.close(self.current)
        self.root.wall_seconds = time.perf_counter() - self.root._start
        self.root.peak_rss_mib = peak_rss_mib()
        self.root.peak_gpu_mib = _max(self.root.peak_gpu_mib, gpu_peak_mib())
        return {"status": status, "error": error, "cap": self.cap.__dict__,
                "run": self.root.as_dict()}


def _max(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    return max(values) if values else None


ACTIVE: Recorder | None = None


def active() -> Recorder | None:
    """The recorder of this process's rehearsal, or None (no cap)."""
    return ACTIVE


@contextlib.contextmanager
def recording(cap: Cap) -> Iterator[Recorder]:
    """Within the block, the loops honour `cap` and record what they ran."""
    global ACTIVE
    if ACTIVE is not None:
        raise RuntimeError("rehearsal: a recording is running already")
    ACTIVE = Recorder(cap)
    try:
        yield ACTIVE
    finally:
        ACTIVE = None


class _Off:
    """What `phase` yields without a rehearsal: nothing is capped."""

    spent = False

    def epoch(self) -> None:
        """A new epoch of the phase starts."""

    def read(self, items: int, kept_bytes: int | None = None) -> None:
        """A data phase read `items` items (known once it has), and its result holds
        `kept_bytes` of data that grow with them (where the study can tell)."""

    def skip(self, message: str, log=print) -> None:
        """The current epoch is skipped (`message` logged at the first)."""


OFF = _Off()


class _Handle:
    """What `phase` yields in a rehearsal."""

    def __init__(self, recorder: Recorder, node: Phase):
        self.recorder, self.node = recorder, node

    @property
    def spent(self) -> bool:
        return self.recorder.spent(self.node)

    def epoch(self) -> None:
        self.node.epochs_seen += 1
        self.node._stepped_this_epoch = False

    def read(self, items: int, kept_bytes: int | None = None) -> None:
        self.node.items = int(items)
        if kept_bytes is not None:
            self.node.kept_mib = kept_bytes / 2**20

    def skip(self, message: str, log=print) -> None:
        if not self.node.epochs_skipped:
            log(message)
        self.node.epochs_skipped += 1


@contextlib.contextmanager
def phase(name: str, kind: str = "train", **data) -> Iterator[_Handle | _Off]:
    """A phase of the run (see the module's docstring); data: epochs, full, bound, items,
    batch_size, drop_last."""
    recorder = ACTIVE
    if recorder is None:
        yield OFF
        return
    node = recorder.open(name, kind, **data)
    try:
        yield _Handle(recorder, node)
    finally:
        recorder.close(node)
