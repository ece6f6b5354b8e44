"""Memory as the rehearsal reads it: the process's resident set now and at its peak, and, once
CUDA is in use, the GPU memory torch's allocator handed out at its peak (reset per phase)."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

PAGE = resource.getpagesize()


def peak_rss_mib() -> float:
    """The process's peak resident set so far (getrusage: KiB on Linux), MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """The process's resident set now (/proc/self/statm), MiB; the peak where /proc is absent."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss_mib()
    return pages * PAGE / 2**20


def _cuda():
    """torch.cuda when torch is imported and CUDA is initialised in this process, else None."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return None
    return torch.cuda


def gpu_peak_mib() -> float | None:
    """torch.cuda.max_memory_allocated since the last reset, MiB (None without CUDA)."""
    cuda = _cuda()
    return None if cuda is None else cuda.max_memory_allocated() / 2**20


def reset_gpu_peak() -> None:
    """Start a new peak (torch.cuda.reset_peak_memory_stats); nothing without CUDA."""
    cuda = _cuda()
    if cuda is not None:
        cuda.reset_peak_memory_stats()
