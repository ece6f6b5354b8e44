"""Day 2: the course's calculation-stability example (notebook 1).

f(x) = 2x if x <= 1/2 else 2x - 1, iterated from x = 1/10. Exactly, the orbit is 1/10 then the
cycle 1/5, 2/5, 4/5, 3/5. In binary floating point every step is exact (doubling, and subtracting
1 from a number in (1, 2]), so the float orbit is the exact orbit of the float nearest 1/10, a
dyadic fraction: its representation error doubles at every step until the orbit leaves the cycle,
and once its bits are shifted out it lands on 0 or on 1, which f maps to itself."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

FORMATS = {"float64": np.float64, "float32": np.float32}


def f(x):
    """The course's map, for Fractions and floats alike: 2x if x <= 1/2 else 2x - 1."""
    return 2 * x if x <= 0.5 else 2 * x - 1


def orbit(x0, steps: int) -> list:
    """Return [x0, f(x0), ..., f^steps(x0)] in the arithmetic of x0's type."""
    values = [x0]
    for _ in range(steps):
        values.append(f(values[-1]))
    return values


def exact_errors(values: list, exact: list[Fraction]) -> np.ndarray:
    """Return |value - exact| per step, each difference computed exactly, then rounded once."""
    pairs = zip(values, exact, strict=True)
    return np.array([float(abs(Fraction(float(v)) - e)) for v, e in pairs])


def first_step_above(errors: np.ndarray, threshold: float) -> int:
    """Return the first step whose error exceeds `threshold`, or -1 if none does."""
    above = np.flatnonzero(errors > threshold)
    return int(above[0]) if above.size else -1


def doubling_departure_step(initial_error: float, threshold: float, max_steps: int) -> int:
    """Return the first n with initial_error * 2**n > threshold (what the error would do if it
    doubled at every step), or -1 if there is none up to `max_steps` or the error is 0."""
    if initial_error > 0:
        for n in range(max_steps + 1):
            if math.ldexp(initial_error, n) > threshold:
                return n
    return -1


def first_fixed_step(values: list) -> int:
    """Return the first step n with f(x_n) == x_n (the orbit has stopped), or -1."""
    for n, v in enumerate(values[:-1]):
        if values[n + 1] == v:
            return n
    return -1


def cycle_length(values: list[Fraction]) -> int:
    """Return the period of the cycle an exact orbit ends in (0 if it shows no repeat)."""
    seen: dict[Fraction, int] = {}
    for n, v in enumerate(values):
        if v in seen:
            return n - seen[v]
        seen[v] = n
    return 0


def measure(numerator: int, denominator: int, steps: int, threshold: float) -> dict:
    """Iterate f from numerator/denominator exactly and in float64 and float32 for `steps` steps.

    Returns {"exact": [...], "orbits": {fmt: [...]}, "errors": {fmt: array}, "metrics": {...}}.
    """
    if denominator <= 0 or not 0 <= numerator <= denominator:
        raise ValueError(f"float_stability: start {numerator}/{denominator} must lie in [0, 1]")
    if steps < 1:
        raise ValueError(f"float_stability: steps must be >= 1, got {steps}")
    start = Fraction(numerator, denominator)
    exact = orbit(start, steps)
    orbits = {fmt: orbit(dtype(numerator) / dtype(denominator), steps)
              for fmt, dtype in FORMATS.items()}
    errors = {fmt: exact_errors(values, exact) for fmt, values in orbits.items()}
    metrics: dict[str, float | int] = {"steps": steps, "exact_cycle_length": cycle_length(exact)}
    for fmt, err in errors.items():
        metrics.update({
            f"{fmt}_orbit_max_error": float(err.max()),
            f"{fmt}_departure_step": first_step_above(err, threshold),
            f"{fmt}_initial_error": float(err[0]),
            f"{fmt}_doubling_departure_step": doubling_departure_step(err[0], threshold, steps),
            f"{fmt}_final_value": float(orbits[fmt][-1]),
            f"{fmt}_fixed_point_step": first_fixed_step(orbits[fmt]),
        })
    return {"exact": exact, "orbits": orbits, "errors": errors, "metrics": metrics,
            "threshold": threshold, "start": start}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): measure() with the config block's start, steps and
    threshold, each orbit printed."""
    cfg = ctx.cfg
    result = measure(cfg["start_numerator"], cfg["start_denominator"], cfg["steps"],
                     cfg["departure_threshold"])
    for fmt, values in result["orbits"].items():
        ctx.log(f"{fmt}: " + ", ".join(f"{float(v):.4g}" for v in values))
    ctx.log("exact: " + ", ".join(str(v) for v in result["exact"]))
    ctx.log(str(result["metrics"]))
    return result


def plot(result: dict, path, reference) -> None:
    """Draw the exact, float64 and float32 orbits against the step, and |error| per step (log y),
    with the step where each float orbit leaves the exact cycle (no reference value is drawn)."""
    from ..figures import new_figure, save_figure

    m = result["metrics"]
    steps = np.arange(len(result["exact"]))
    fig, (ax_o, ax_e) = new_figure(1, 2, size=(12, 4.4))
    ax_o.plot(steps, [float(v) for v in result["exact"]], "k-", lw=2.5, alpha=0.35,
              label=f"exact (fractions), cycle of {m['exact_cycle_length']}")
    styles = {"float64": ("tab:blue", "o"), "float32": ("tab:orange", "s")}
    tiny = 1e-20  # drawn in place of an error of exactly 0 on the log axis
    for fmt, values in reversed(result["orbits"].items()):  # float64 drawn on top
        color, marker = styles[fmt]
        leave = m[f"{fmt}_departure_step"]
        label = (f"{fmt}: leaves the cycle at step {leave}, ends at {float(values[-1]):g}"
                 if leave >= 0 else f"{fmt}: stays within the threshold")
        ax_o.plot(steps, [float(v) for v in values], marker=marker, ms=3, lw=0.8, color=color,
                  label=label)
        ax_e.semilogy(steps, np.maximum(result["errors"][fmt], tiny), marker=marker, ms=3,
                      lw=0.8, color=color, label=f"{fmt} (starts {m[f'{fmt}_initial_error']:.1e})")
        for ax in (ax_o, ax_e):
            if leave >= 0:
                ax.axvline(leave, color=color, ls=":", lw=1)
    ax_e.axhline(result["threshold"], color="black", ls="--", lw=1,
                 label=f"threshold {result['threshold']:g}")
    ax_o.set(xlabel="step n", ylabel="x_n", ylim=(-0.05, 1.45),
             title=f"x -> 2x (x <= 1/2) or 2x - 1, from x = {result['start']}")
    ax_e.set(xlabel="step n", ylabel="|x_n - exact x_n|  (log scale; 1e-20 = exact)",
             title="Distance from the exact orbit: doubles every step")
    ax_o.legend(fontsize=8, loc="upper left")
    ax_e.legend(fontsize=8, loc="lower right")
    save_figure(fig, path)
