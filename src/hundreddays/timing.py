"""The one way studies time a call (an untimed warm-up, then the median of timed repeats), its
%timeit-style form for calls too fast to time one at a time, and the one seconds-per-epoch figure
of a training run."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar

from . import rehearsal

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
SAME = object()  # warm-up default: the timed call itself


def timed(fn: Callable[[], T], repeats: int, warmup: Callable[[], object] | None = SAME
          ) -> tuple[T, float]:
    """Call `warmup()` untimed (JIT compilation, caches, lazy imports; by default `fn` itself,
    None for no warm-up), then `fn()` max(repeats, 1) times, timed. Returns (the last call's
    result, the median seconds of the timed calls).

    In a rehearsal the calls of `fn` (the warm-up first, when it is `fn`) are the steps of a
    timing loop, cut to the cap (with the warm-up only, its time is the one returned)."""
    own_warmup = warmup is SAME
    if not own_warmup and warmup is not None:
        warmup()
    seconds, result = [], None
    for call in rehearsal.repeats(max(repeats, 1) + own_warmup, "timed"):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
        if own_warmup and call == 0:
            warm = seconds.pop()
    return result, statistics.median(seconds or [warm])


def seconds_per_call(calls: Mapping[K, Callable[[], object]], repeats: int,
                     min_seconds: float = 0.02, once_above: float = math.inf) -> dict[K, float]:
    """timed() for calls too fast to time one at a time, as %timeit does it: {key: the median
    seconds per call of calls[key]()}.

    Each call first runs once, timed: that picks its loop count (enough calls in a row to last
    `min_seconds`). Then max(repeats, 1) rounds run every call in turn, each sample timing one
    loop; taking the calls round-robin makes a burst of load on a shared machine hit all of them
    alike, so their ratios hold. A call whose first run took more than `once_above` seconds is
    not repeated: that run is its one sample. In a rehearsal the rounds are the steps of a timing
    loop, cut to the cap."""
    loops: dict[K, int] = {}
    samples: dict[K, list[float]] = {}
    for key, call in calls.items():
        start = time.perf_counter()
        call()
        first = time.perf_counter() - start
        loops[key] = max(1, int(min_seconds / max(first, 1e-9)))
        samples[key] = [first] if first > once_above else []
    repeated = [key for key in calls if not samples[key]]
    for _ in rehearsal.repeats(max(repeats, 1), "rounds"):
        for key in repeated:
            call, n = calls[key], loops[key]
            start = time.perf_counter()
            for _ in range(n):
                call()
            samples[key].append((time.perf_counter() - start) / n)
    return {key: statistics.median(values) for key, values in samples.items()}


def seconds_per_epoch(seconds: Iterable[float]) -> float:
    """The one seconds-per-epoch figure of a training run: the median of its epochs' wall times
    (the median keeps a first epoch's warm-up from weighing in)."""
    values = list(seconds)
    if not values:
        raise ValueError("seconds_per_epoch: no epoch was recorded")
    return float(statistics.median(values))
