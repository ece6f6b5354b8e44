"""The rehearsal's cap inside fastai's own loop (fit_one_cycle, fit, lr_find, validate,
get_preds): a callback every Learner gets while a rehearsal records (fastai's
defaults.callbacks).

A fit is a training phase, named as the study's EpochLog names it (or "lr_find", or "fit"). Its
training loader is cut to the phase's step budget; len() stays the loader's, so the one-cycle
schedule is where it would be at that step of the full fit. Once the budget is spent, every later
epoch of the fit is skipped: no batch is trained or validated, and the Recorder's row of that
epoch repeats the last measured one, so a study's per-epoch history keeps its full length. Each
validation pass (in a fit, validate, get_preds) is cut to max_eval_batches batches.
"""

from __future__ import annotations

import torch
from fastai.callback.core import Callback, GatherPredsCallback
from fastai.callback.schedule import LRFinder
from fastai.learner import defaults

from . import cap
from .loops import steps


class _Batches:
    """A DataLoader whose iteration is `batches` (the cut loop); everything else, its length
    included, is the loader's."""

    def __init__(self, dl, batches):
        self._dl, self._batches = dl, batches

    def __len__(self) -> int:
        return len(self._dl)

    def __iter__(self):
        return iter(self._batches)

    def __getattr__(self, name):
        return getattr(self._dl, name)


def _batch_items(batch) -> int | None:
    first = batch[0] if isinstance(batch, tuple | list) and batch else batch
    return len(first) if hasattr(first, "__len__") else None


def _fill(value, n: int):
    """`value` (a tensor, or a tuple / list of them) made `n` long along dim 0 by repeating its
    rows: the predictions of a cut pass, as long as the pass would have made them."""
    if isinstance(value, torch.Tensor):
        if value.ndim == 0 or len(value) >= n or len(value) == 0:
            return value
        return value[torch.arange(n) % len(value)]
    if isinstance(value, tuple | list):
        return type(value)(_fill(v, n) for v in value)
    return value


def _phase_name(learn) -> str:
    if any(isinstance(cb, LRFinder) for cb in learn.cbs):
        return "lr_find"
    named = [cb.phase for cb in learn.cbs if isinstance(getattr(cb, "phase", None), str)]
    return named[0] if named else "fit"


class RehearsalCap(Callback):
    """Cut fastai's loops to the cap of the recording rehearsal (hundreddays.rehearsal.cap)."""

    order = 95  # after the Recorder (50), EpochLog (70) and a study's own stop (90)

    def __init__(self):
        self.node = None
        self.skip = False
        self.items = 0

    def before_fit(self):
        self.node, self.skip = None, False

    def before_epoch(self):
        recorder = cap.active()
        self.skip = bool(self.node is not None and recorder and recorder.spent(self.node))
        self.learn.rehearsal_skip = self.skip

    def before_train(self):
        recorder = cap.active()
        if recorder is None:
            return
        dl = self.learn.dl
        if self.node is None:
            lr_finder = next((cb for cb in self.learn.cbs if isinstance(cb, LRFinder)), None)
            data = {"full": lr_finder.num_it, "bound": bool(lr_finder.stop_div)} if lr_finder \
                else {}
            self.node = recorder.open(_phase_name(self.learn), "train", items=dl.n,
                                      batch_size=dl.bs, drop_last=bool(dl.drop_last), **data)
        self.node.epochs_seen += 1
        self.node._stepped_this_epoch = False
        if self.skip:
            if not self.node.epochs_skipped:
                print(f"rehearsal: {self.node.name} took its {self.node.steps} steps; its "
                      f"epochs from {self.epoch + 1} of {self.n_epoch} are skipped", flush=True)
            self.node.epochs_skipped += 1
            self.learn.dl = _Batches(dl, ())
        else:
            self.learn.dl = _Batches(dl, steps(dl, sizes=_batch_items))

    def before_validate(self):
        recorder = cap.active()
        if recorder is None:
            return
        dl = self.learn.dl
        if self.skip:
            self.learn.dl = _Batches(dl, ())
            return
        self.items = dl.n
        name = "valid" if self.node is not None else "predict"
        self.learn.dl = _Batches(dl, steps(dl, kind="eval", name=name, items=dl.n,
                                           batch_size=dl.bs, sizes=_batch_items))

    def after_validate(self):
        if cap.active() is None or self.skip:
            return
        for cb in self.learn.cbs:
            if isinstance(cb, GatherPredsCallback) and cb.concat_dim == 0:
                for name in ("inputs", "preds", "targets", "losses"):
                    if hasattr(cb, name):
                        setattr(cb, name, _fill(getattr(cb, name), self.items))

    def after_epoch(self):
        if not self.skip:
            return
        values = self.learn.recorder.values
        if len(values) >= 2:  # the skipped epoch's row: the last measured one
            values[-1] = values[-2].copy()
            self.learn.final_record = values[-1]

    def after_fit(self):
        recorder = cap.active()
        if recorder is not None and self.node is not None and recorder.current is self.node:
            recorder.close(self.node)
        self.node, self.skip = None, False
        self.learn.rehearsal_skip = False


def install() -> None:
    """Give every Learner made from now on the cap (until `uninstall`)."""
    if RehearsalCap not in defaults.callbacks:
        defaults.callbacks.append(RehearsalCap)


def uninstall() -> None:
    if RehearsalCap in defaults.callbacks:
        defaults.callbacks.remove(RehearsalCap)
