"""Where a study's modules run: a global forward hook that sees every nn.Module call, counts them,
counts those in mixed precision (autocast), and those with a tensor input, parameter or buffer off
the device. bench/gpu_check.py checks the demo's studies with it; a rehearsal on CUDA records it
per study (hundreddays.rehearsal.record)."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.nn.modules.module import register_module_forward_hook


def tensors(obj) -> Iterator[torch.Tensor]:
    """Every tensor in `obj` (nested tuples, lists and dict values)."""
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from tensors(item)


class DeviceCheck:
    """While active (a context manager), a global forward hook sees every nn.Module call: it
    counts them, counts those under autocast on `device_type`, and counts (keeping the first
    `keep` descriptions) the calls where a tensor input, or a parameter or buffer of the module
    itself, is not on `device_type` ("cuda" for the GPU check; a parameter so the check can be
    exercised on the CPU)."""

    def __init__(self, device_type: str = "cuda", keep: int = 3):
        self.device_type = device_type
        self.keep = keep
        self.calls = 0
        self.autocast_calls = 0
        self.off_device_calls = 0
        self.examples: list[str] = []
        self._handle = None

    def __enter__(self) -> DeviceCheck:
        self._handle = register_module_forward_hook(self.hook)
        return self

    def __exit__(self, *exc) -> None:
        self._handle.remove()
        self._handle = None

    def hook(self, module: torch.nn.Module, args: tuple, _output) -> None:
        self.calls += 1
        if autocast_enabled(self.device_type):
            self.autocast_calls += 1
        off = [f"input on {t.device}" for t in tensors(args) if t.device.type != self.device_type]
        off += [f"{kind} {name} on {t.device}"
                for kind, named in (("parameter", module.named_parameters(recurse=False)),
                                    ("buffer", module.named_buffers(recurse=False)))
                for name, t in named if t.device.type != self.device_type]
        if off:
            self.off_device_calls += 1
            if len(self.examples) < self.keep:
                self.examples.append(f"{type(module).__name__}: {', '.join(off[:3])}")

    @property
    def ok(self) -> bool:
        """True when modules were called and every call had everything on the device."""
        return self.calls > 0 and self.off_device_calls == 0

    def problem(self) -> str | None:
        """What is wrong, in words, or None."""
        if self.calls == 0:
            return "no nn.Module was called"
        if self.off_device_calls:
            return (f"{self.off_device_calls} of {self.calls} module calls not on "
                    f"{self.device_type} (first: {'; '.join(self.examples)})")
        return None


def autocast_enabled(device_type: str) -> bool:
    """True inside torch.autocast for `device_type` (mixed precision)."""
    try:
        return torch.is_autocast_enabled(device_type)
    except TypeError:  # torch before 2.4: no argument, CUDA only
        return device_type == "cuda" and torch.is_autocast_enabled()
