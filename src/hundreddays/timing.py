"""The one way studies time a call: an untimed warm-up, then the median of timed repeats."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
SAME = object()  # warm-up default: the timed call itself


def timed(fn: Callable[[], T], repeats: int, warmup: Callable[[], object] | None = SAME
          ) -> tuple[T, float]:
    """Call `warmup()` untimed (JIT compilation, caches, lazy imports; by default `fn` itself,
    None for no warm-up), then `fn()` max(repeats, 1) times, timed. Returns (the last call's
    result, the median seconds of the timed calls)."""
    if warmup is SAME:
        fn()
    elif warmup is not None:
        warmup()
    seconds = []
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return result, statistics.median(seconds)
