"""Day 13: Fibonacci numbers by naive recursion, the log's int64 matrix power, Binet's closed
form in float64, exact fast doubling on Python integers and GMP's exact Fibonacci (gmpy2.fib);
their runtimes and where each is wrong."""

from __future__ import annotations

import math
from collections.abc import Callable

import gmpy2
import numpy as np

from ..timing import seconds_per_call

SQRT5 = math.sqrt(5.0)
PHI = (1.0 + SQRT5) / 2.0


def fib_naive(n: int) -> int:
    """Return F(n) by the textbook double recursion (exponential time)."""
    return n if n <= 1 else fib_naive(n - 1) + fib_naive(n - 2)


def fib_matrix_power(n: int) -> int:
    """Return F(n) the way the log's notebook does: numpy.linalg.matrix_power of [[1,1],[1,0]].

    NumPy's default integer is int64, so the result silently wraps around past F(92).
    """
    if n <= 1:
        return n
    a = np.linalg.matrix_power(np.array([[1, 1], [1, 0]]), n - 1)
    return int((a @ np.array([1, 0]))[0])


def fib_closed_form(n: int) -> float:
    """Return Binet's formula round(phi**n / sqrt(5)) in float64 (inf once phi**n overflows)."""
    try:
        return float(round(PHI**n / SQRT5))
    except OverflowError:
        return math.inf


def fib_fast_doubling(n: int) -> int:
    """Return the exact F(n) with Python integers by fast doubling (O(log n) multiplications)."""

    def pair(k: int) -> tuple[int, int]:  # (F(k), F(k+1))
        if k == 0:
            return 0, 1
        a, b = pair(k >> 1)
        c = a * (2 * b - a)
        d = a * a + b * b
        return (d, c + d) if k & 1 else (c, d)

    return pair(n)[0]


def fib_gmpy2(n: int) -> gmpy2.mpz:
    """Return the exact F(n) as a GMP integer (gmpy2.fib: GMP's mpz_fib_ui, fast doubling in C).

    The value is a gmpy2.mpz, equal (==) to the Python int; int() of it costs a few µs more at
    n = 100000."""
    return gmpy2.fib(n)


SLOW_CALL_SECONDS = 0.2  # a call slower than this is timed once, not repeated

METHODS: dict[str, Callable[[int], int | float]] = {
    "naive recursion": fib_naive,
    "matrix power (int64)": fib_matrix_power,
    "closed form (float64)": fib_closed_form,
    "fast doubling (exact)": fib_fast_doubling,
    "gmpy2.fib (exact)": fib_gmpy2,
}
FIXED_WIDTH = ("matrix power (int64)", "closed form (float64)")  # the methods that go wrong


def finite(value: int | float) -> bool:
    """False for a float inf or nan; True for any integer (math.isfinite would turn a big one
    into a float and overflow)."""
    return not isinstance(value, float) or math.isfinite(value)


def first_wrong_n(fn: Callable[[int], int | float], n_max: int = 2000) -> int | None:
    """Return the smallest n <= n_max where fn(n) differs from the exact F(n), or None."""
    a, b = 0, 1
    for n in range(n_max + 1):
        value = fn(n)
        if not (finite(value) and int(value) == a):
            return n
        a, b = b, a + b
    return None


def relative_errors(fn: Callable[[int], int | float], ns: list[int]) -> list[float]:
    """Return |fn(n) - F(n)| / F(n) for each n (inf where fn overflows to inf)."""
    out = []
    for n in ns:
        exact, value = fib_fast_doubling(n), fn(n)
        if not finite(value):
            out.append(math.inf)
        else:
            out.append(abs(int(value) - exact) / exact if exact else float(int(value) != 0))
    return out


def log_grid(n_min: int, n_max: int, points: int) -> list[int]:
    """Return up to `points` distinct integers spaced evenly on a log scale from n_min to n_max."""
    return sorted({int(round(x)) for x in np.geomspace(n_min, n_max, points)})


def growth_factor(ns: list[int], seconds: list[float]) -> float:
    """Return exp(slope) of log(seconds) against n: the runtime ratio t(n+1)/t(n)."""
    slope = np.polyfit(np.asarray(ns, float), np.log(np.asarray(seconds, float)), 1)[0]
    return float(math.exp(slope))


def measure(naive_max_n: int, fast_max_n: int, repeats: int) -> dict:
    """Time every method against n and check each against the exact value.

    Returns {"timings": {method: {"n": [...], "seconds": [...]}}, "errors": {method: {"n", "rel"}},
    "metrics": {...}} — the metrics answer the log's day-13 claims, and show that exact can be
    nearly as fast: the int64 matrix power, gmpy2.fib and Python fast doubling at n = 100000 are
    timed round-robin in one seconds_per_call, so their ratio holds on a busy machine.
    """
    naive_ns = list(range(max(2, naive_max_n - 12), naive_max_n + 1))
    fast_ns = log_grid(2, fast_max_n, 25)

    def per_call(fn: Callable[[int], object], ns: list[int]) -> list[float]:
        seconds = seconds_per_call({n: (lambda n=n: fn(n)) for n in ns}, repeats,
                                   once_above=SLOW_CALL_SECONDS)
        return [seconds[n] for n in ns]

    timings = {}
    for name, fn in METHODS.items():
        ns = naive_ns if fn is fib_naive else fast_ns
        timings[name] = {"n": ns, "seconds": per_call(fn, ns)}

    error_ns = log_grid(1, fast_max_n, 60)
    errors = {
        name: {"n": error_ns, "rel": relative_errors(METHODS[name], error_ns)}
        for name in (*FIXED_WIDTH, "gmpy2.fib (exact)")
    }
    n_log = 100_000  # the n of the log's %timeit
    exact_log = fib_fast_doubling(n_log)
    gmpy2_exact = fib_gmpy2(n_log) == exact_log and all(
        fib_gmpy2(n) == fib_fast_doubling(n) for n in error_ns)
    [t_closed_at_naive] = per_call(fib_closed_form, [naive_max_n])
    [t_matrix_at_naive] = per_call(fib_matrix_power, [naive_max_n])
    at_log = seconds_per_call({"int64": lambda: fib_matrix_power(n_log),
                               "gmpy2": lambda: fib_gmpy2(n_log),
                               "fast doubling": lambda: fib_fast_doubling(n_log)},
                              repeats, once_above=SLOW_CALL_SECONDS)
    metrics = {
        "matrix_power_fib100000_seconds": at_log["int64"],
        "matrix_power_fib100000_exact": int(fib_matrix_power(n_log) == exact_log),
        "fast_doubling_fib100000_seconds": at_log["fast doubling"],
        "gmpy2_fib100000_seconds": at_log["gmpy2"],
        "gmpy2_int64_time_ratio": at_log["gmpy2"] / at_log["int64"],
        "gmpy2_exact": int(gmpy2_exact),
        "int64_first_wrong_n": first_wrong_n(fib_matrix_power),
        "closed_form_first_wrong_n": first_wrong_n(fib_closed_form),
        "naive_growth_factor": growth_factor(naive_ns, timings["naive recursion"]["seconds"]),
        "naive_max_n": naive_max_n,
        "naive_seconds_at_max_n": timings["naive recursion"]["seconds"][-1],
        "closed_form_speedup": timings["naive recursion"]["seconds"][-1] / t_closed_at_naive,
        "matrix_power_speedup": timings["naive recursion"]["seconds"][-1] / t_matrix_at_naive,
    }
    return {"timings": timings, "errors": errors, "metrics": metrics}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): measure() with the config block's sizes."""
    cfg = ctx.cfg
    result = measure(cfg["naive_max_n"], cfg["fast_max_n"], cfg["timing_repeats"])
    ctx.log(str(result["metrics"]))
    return result


def plot(result: dict, path, reference) -> None:
    """Draw runtime against n (log-log), with the log's fib(100000) timing as a reference and
    gmpy2's time at fib(100000) against the int64 one, and the relative error of the two
    fixed-width methods and of gmpy2.fib (zero at every n, drawn at the 1e-17 floor)."""
    from ..figures import new_figure, save_figure

    log_seconds = reference["matrix_power_fib100000_seconds"]

    fig, (ax_t, ax_e) = new_figure(1, 2, size=(11, 4.3))
    colour = {name: f"C{i}" for i, name in enumerate(METHODS)}  # one colour per method, both panels
    for name, series in result["timings"].items():
        ax_t.loglog(series["n"], series["seconds"], "o-", ms=3, color=colour.get(name), label=name)
    m = result["metrics"]
    ax_t.axhline(log_seconds, color="grey", ls=":",
                 label=f"log: matrix power fib(100000), {log_seconds * 1e6:.1f} µs")
    ax_t.set(xlabel="n", ylabel="seconds per call",
             title=f"Runtime of F(n); at n = 100000 gmpy2 (exact) takes "
                   f"{m['gmpy2_fib100000_seconds'] * 1e6:.1f} µs,\n"
                   f"{m['gmpy2_int64_time_ratio']:.1f}× the int64 matrix power (wrong, "
                   f"{m['matrix_power_fib100000_seconds'] * 1e6:.1f} µs)")
    ax_t.title.set_fontsize(10)
    ax_t.legend(fontsize=8)
    for name, series in result["errors"].items():
        rel = np.asarray(series["rel"], float)
        shown = np.where(np.isfinite(rel), np.maximum(rel, 1e-17), 10.0)
        label = name
        if name not in FIXED_WIDTH:
            label += ": exact at every n" if m.get("gmpy2_exact") else ": NOT exact"
        ax_e.loglog(series["n"], shown, "o-", ms=3, color=colour.get(name), label=label)
    for key, label, style in (("int64_first_wrong_n", "int64 wrong from n = {}", "--"),
                              ("closed_form_first_wrong_n", "float64 wrong from n = {}", ":")):
        ax_e.axvline(m[key], color="black", ls=style, lw=0.9, label=label.format(m[key]))
    ax_e.set(xlabel="n", ylabel="relative error (1e-17 = exact, 10 = overflow)",
             title="Correctness against exact big integers")
    ax_e.legend(fontsize=8, loc="center right")
    save_figure(fig, path)
