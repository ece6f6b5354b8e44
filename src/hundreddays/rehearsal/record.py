"""A study's run under the cap, as the runner starts it: the cap switched on for the study's
loops (and fastai's, when the study uses fastai), and its record written to a JSON file at the end,
also when the study fails (status "failed" and the error), before the error goes on. On CUDA the
record also says where the modules ran (hundreddays.rehearsal.placement: calls off the GPU, calls
in mixed precision), and each phase its peak GPU memory (torch.cuda.max_memory_allocated)."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

from ..atomic import write_json
from .cap import Cap, recording

PLACEMENT_DEVICES = ("cuda",)  # the devices whose module calls are checked (tests add "cpu")


@contextlib.contextmanager
def placement(device: str, record: dict) -> Iterator[None]:
    """On a device of PLACEMENT_DEVICES, count the block's module calls into
    record["placement"]: all, in mixed precision, and with a tensor off the device."""
    if device not in PLACEMENT_DEVICES:
        yield
        return
    from .placement import DeviceCheck

    check = DeviceCheck(device)
    try:
        with check:
            yield
    finally:
        record["placement"] = {"module_calls": check.calls, "autocast_calls": check.autocast_calls,
                               "off_device_calls": check.off_device_calls,
                               "examples": check.examples}


@contextlib.contextmanager
def study_recording(study: str, block: dict | None, path: str | Path | None,
                    extra: dict) -> Iterator[None]:
    """Run the block under the cap of config `rehearsal` (`block`) and write the record to
    `path`; `extra` (the runner's timings, filled in while the block runs) goes into it. Without
    a block, nothing happens."""
    if not block:
        yield
        return
    if path is None:
        raise ValueError(f"study {study}: a rehearsal needs the path of its record (log "
                         f"'rehearsal' of the rule)")
    fastai = "fastai.learner" in sys.modules
    if fastai:
        from .fastai_cap import install, uninstall
        install()
    try:
        with recording(Cap.of(block)) as recorder:
            try:
                with placement(extra.get("device", "cpu"), extra):
                    yield
            except BaseException as exc:
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                write_json(path, {"study": study, **extra, **recorder.record("failed", error)})
                raise
            write_json(path, {"study": study, **extra, **recorder.record("ran")})
    finally:
        if fastai:
            uninstall()
