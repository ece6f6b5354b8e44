"""What every fast.ai lesson study (days 16-30) shares: progress lines in the rule log,
seconds per epoch, mixed precision on GPU, ImageNet weights read from a fetched file, and a guard
that turns any implicit download into an error (compute nodes often have no internet)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torchvision
from fastai.callback.core import Callback
from fastai.vision.learner import model_meta

from . import timing
from .loaders.weights import weights_in  # noqa: F401  (the studies read it from here)
from .training import pick_device

# fastai 1's defaults, which the lessons of January-February 2019 ran under (the log used fastai
# 1.0.42-1.0.44), made explicit where fastai 2 changed them. From fastai 1.0.42's source:
# fit_one_cycle(pct_start=0.3) in fastai/train.py; OneCycleScheduler anneals to lr / div_factor /
# 1e4 (fastai/callbacks/one_cycle.py: div_factor 25, so lr / 2.5e5); Learner(opt_func=AdamW,
# wd=1e-2, true_wd=True, bn_wd=True) in fastai/basic_train.py, AdamW = partial(optim.Adam,
# betas=(0.9, 0.99)) in fastai/torch_core.py, so torch's eps 1e-8, and the decoupled decay also
# reaches batch-norm and bias parameters. fastai 2.8: pct_start 0.25, div_final 1e5, Adam eps 1e-5,
# wd_bn_bias=False. Unchanged and so not repeated: div 25, moms (0.95, 0.85), beta2 0.99, wd 0.01
# (decoupled), train_bn, the pretrained learners' head (a 512-unit layer, dropout 0.5).
V1_ONE_CYCLE = {"pct_start": 0.3, "div_final": 25 * 1e4}


def v1_learner_kwargs() -> dict:
    """Keyword arguments for a fastai 2 learner that restore fastai 1's optimizer defaults: Adam
    with eps 1e-8 (betas, decoupled wd 0.01 as fastai 2's) and weight decay on batch-norm and
    bias parameters too (bn_wd=True)."""
    from functools import partial

    from fastai.optimizer import Adam

    return {"opt_func": partial(Adam, eps=1e-8), "wd_bn_bias": True}


def dataloader_kwargs(device: torch.device) -> dict:
    """Keyword arguments for fastai's `dataloaders(...)`: no worker processes (deterministic,
    and the rule's threads are the budget) and the device to put batches on; on CUDA also
    pinned memory, so each batch reaches the GPU by DMA (on the CPU pinning does nothing, and
    the arguments stay fastai's defaults)."""
    kwargs = {"num_workers": 0, "device": device}
    if torch.device(device).type == "cuda":
        kwargs["pin_memory"] = True
    return kwargs


class EpochLog(Callback):
    """Print one line per epoch (losses, metrics, seconds) and a line every `every` batches, so
    the rule's log shows progress even where fastprogress draws no bar (not a terminal).

    `seconds` holds the wall time of each finished epoch (training and validation), in order,
    over every fit of the learner; `phases` the name given to each (see `phase`)."""

    order = 70  # after fastai's Recorder (50), so its values for the epoch are in

    def __init__(self, every: int = 50):
        self.every = every
        self.seconds: list[float] = []
        self.phases: list[str] = []
        self.phase = "fit"

    _fitting = False  # fastai fires before_fit/after_epoch in get_preds too: no training there

    def before_epoch(self):
        self._start = time.perf_counter()
        self._fitting = False

    def before_train(self):
        self._fitting = True

    def after_batch(self):
        if self._fitting and self.training and self.every and (self.iter + 1) % self.every == 0:
            print(f"  [{self.phase}] epoch {self.epoch + 1}/{self.n_epoch} "
                  f"batch {self.iter + 1}/{self.n_iter} loss {self.loss.item():.4f}", flush=True)

    def after_epoch(self):
        if not self._fitting:  # get_preds / validate: an epoch without training
            return
        self._fitting = False
        if getattr(self.learn, "rehearsal_skip", False):  # skipped by a rehearsal's cap
            return
        seconds = time.perf_counter() - self._start
        self.seconds.append(seconds)
        self.phases.append(self.phase)
        names = self.recorder.metric_names[1:-1]  # drop 'epoch' and 'time'
        values = self.recorder.log[1:len(names) + 1]
        stats = " ".join(f"{n} {v:.4f}" for n, v in zip(names, values, strict=False)
                         if isinstance(v, int | float))
        print(f"[{self.phase}] epoch {self.epoch + 1}/{self.n_epoch} {stats} "
              f"({seconds:.1f} s)", flush=True)


def quiet(learn):
    """Keep fastai's progress bars (fastprogress writes bar fragments into a log file) and the
    Recorder's bare rows of numbers out of the rule log: EpochLog prints the progress lines.
    Returns `learn`."""
    from fastai.callback.progress import ProgressCallback

    learn.remove_cbs(ProgressCallback)
    learn.logger = _silent
    return learn


def _silent(*_args) -> None:
    """A Recorder logger that prints nothing."""


def mixed_precision(learn):
    """Train in mixed precision on CUDA (as the lessons do with to_fp16); unchanged on CPU."""
    if pick_device().type == "cuda":
        return learn.to_fp16()
    return learn


def seconds_per_epoch(log: EpochLog, phase: str | None = None) -> float:
    """Median seconds of the epochs recorded by `log` (of one phase, if given)."""
    values = [s for s, p in zip(log.seconds, log.phases, strict=True) if phase in (None, p)]
    if not values:
        raise ValueError(f"no epoch recorded for phase {phase!r}")
    return timing.seconds_per_epoch(values)


def resnet_from_file(name: str, weights: str | Path | None) -> Callable[..., torch.nn.Module]:
    """An `arch` for fastai's vision_learner / unet_learner: torchvision's `name` (resnet34,
    resnet50, ...) whose ImageNet weights are read from the fetched file `weights` (loaded with
    weights_only=True), never downloaded. fastai's meta for `name` (body cut, layer groups for
    freezing, ImageNet normalisation stats) is registered for it, so pretrained=True behaves as
    with fastai's own arch. `weights=None` gives an unpretrained net (use pretrained=False)."""
    build = getattr(torchvision.models, name, None)
    if build is None or build not in model_meta:
        raise ValueError(f"unknown ResNet architecture {name!r} for fastai")
    if weights is not None and not Path(weights).is_file():
        raise FileNotFoundError(f"ImageNet weights for {name} not found: {weights} "
                                f"(fetched by the data rules from datasets.yaml)")

    def arch(weights_arg=None, *, weights=None, pretrained=False, **kwargs):
        model = build(weights=None, **kwargs)
        wanted = weights if weights is not None else weights_arg
        if wanted is not None or pretrained:
            if file is None:
                raise ValueError(f"{name}: pretrained weights asked for but no file was given")
            state = torch.load(file, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
        return model

    file = None if weights is None else Path(weights)
    arch.__name__ = name
    model_meta[arch] = model_meta[build]
    return arch


def _refuse(what: str) -> Callable:
    def refuse(*args, **kwargs):
        url = next((a for a in args if isinstance(a, str | Path)), kwargs.get("url", "?"))
        raise RuntimeError(f"implicit download blocked ({what}: {url}); every file a study "
                           f"reads is a dataset in datasets.yaml, fetched by the data rules")
    return refuse


@contextlib.contextmanager
def no_downloads() -> Iterator[None]:
    """Within the block, torch.hub's and fastai's download helpers raise instead of downloading,
    wherever fastai's modules imported them by name."""
    import sys

    import fastai.data.external as external
    import torch.hub as hub

    originals = [getattr(mod, attr) for mod, attr in
                 ((hub, "download_url_to_file"), (hub, "load_state_dict_from_url"),
                  (external, "untar_data"))
                 if hasattr(mod, attr)]
    saved = []
    for mod in [hub, *(m for n, m in list(sys.modules.items()) if n.startswith("fastai"))]:
        for attr, value in list(vars(mod).items()):
            if any(value is fn for fn in originals):
                saved.append((mod, attr, value))
    try:
        for mod, attr, _ in saved:
            setattr(mod, attr, _refuse(f"{mod.__name__}.{attr}"))
        yield
    finally:
        for mod, attr, original in saved:
            setattr(mod, attr, original)
