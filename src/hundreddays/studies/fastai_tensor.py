"""Day 18: fastai's `tensor(3., 2.)` accepts loose values where `torch.tensor(3., 2.)` raises
TypeError. Each call below is run live against the installed fastai and torch, and its outcome
(the value and dtype it returns, or the exception and its message) is recorded as shown.

Besides the log's two calls, a few neighbours show where the two functions part ways: a NumPy
float64 array (fastai casts to float32, torch keeps float64), an int32 array (fastai 1.0 turned
it into int64 with a warning, as the log's screenshot shows), and a generator (neither accepts
it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.patches import FancyBboxPatch

from ..figures import new_figure, save_figure


@dataclass(frozen=True)
class Outcome:
    """What one call gave: the returned tensor, or the exception it raised."""

    call: str
    value: torch.Tensor | None = None
    error: BaseException | None = None

    @property
    def raised(self) -> str | None:
        """The exception's type name, or None if the call returned."""
        return None if self.error is None else type(self.error).__name__

    @property
    def text(self) -> str:
        """The outcome as a notebook shows it: the repr, or 'TypeError: message'."""
        if self.error is not None:
            return f"{self.raised}: {self.error}"
        return repr(self.value)


def attempt(call: str, fn: Callable[[], torch.Tensor]) -> Outcome:
    """Run `fn` and return its Outcome (any Exception is caught and kept)."""
    try:
        return Outcome(call, value=fn())
    except Exception as exc:  # the point is to record whichever error the library raises
        return Outcome(call, error=exc)


def probes() -> dict[str, Outcome]:
    """Run every call against the installed libraries; {short name: Outcome}, in display order."""
    from fastai.torch_core import tensor

    values = (3.0, 2.0)
    calls: dict[str, tuple[str, Callable[[], torch.Tensor]]] = {
        "fastai_varargs": ("tensor(3., 2.)", lambda: tensor(*values)),
        "fastai_list": ("tensor([3., 2.])", lambda: tensor(list(values))),
        "torch_varargs": ("torch.tensor(3., 2.)", lambda: torch.tensor(*values)),
        "torch_list": ("torch.tensor([3., 2.])", lambda: torch.tensor(list(values))),
        "fastai_float64": ("tensor(np.array([3., 2.]))", lambda: tensor(np.array(values))),
        "torch_float64": ("torch.tensor(np.array([3., 2.]))",
                          lambda: torch.tensor(np.array(values))),
        "fastai_int32": ("tensor(np.array([3, 2], dtype=np.int32))",
                         lambda: tensor(np.array([3, 2], dtype=np.int32))),
        "fastai_generator": ("tensor(x for x in (3., 2.))", lambda: tensor(x for x in values)),
        "torch_generator": ("torch.tensor(x for x in (3., 2.))",
                            lambda: torch.tensor(x for x in values)),
    }
    return {name: attempt(call, fn) for name, (call, fn) in calls.items()}


def _equal(a: Outcome, b: Outcome) -> bool:
    """True if both calls returned tensors of the same dtype, shape and values."""
    return (a.value is not None and b.value is not None and a.value.dtype == b.value.dtype
            and torch.equal(a.value, b.value))


def summarize(outcomes: dict[str, Outcome]) -> dict[str, int]:
    """Return the study's metrics, each 1 (true) or 0 (false), from the probes' outcomes."""
    o = outcomes
    return {
        "varargs_equals_list": int(_equal(o["fastai_varargs"], o["torch_list"])),
        "torch_varargs_raises": int(o["torch_varargs"].raised == "TypeError"),
        "fastai_list_equals_torch_list": int(_equal(o["fastai_list"], o["torch_list"])),
        "fastai_float64_becomes_float32": int(o["fastai_float64"].value is not None
                                              and o["fastai_float64"].value.dtype
                                              == torch.float32),
        "torch_float64_stays_float64": int(o["torch_float64"].value is not None
                                           and o["torch_float64"].value.dtype == torch.float64),
        "fastai_int32_becomes_int64": int(o["fastai_int32"].value is not None
                                          and o["fastai_int32"].value.dtype == torch.int64),
        "fastai_generator_raises": int(o["fastai_generator"].error is not None),
        "torch_generator_raises": int(o["torch_generator"].error is not None),
    }


def versions() -> dict[str, str]:
    """Versions of the libraries the probes ran against."""
    import fastai

    return {"fastai": fastai.__version__, "torch": torch.__version__, "numpy": np.__version__}


def table_rows(outcomes: dict[str, Outcome], libs: dict[str, str]) -> list[dict]:
    """One row per probe: name, call, outcome (value or error), dtype, library versions."""
    rows = []
    for name, out in outcomes.items():
        dtype = "" if out.value is None else str(out.value.dtype).removeprefix("torch.")
        rows.append({"probe": name, "call": out.call, "outcome": out.text, "dtype": dtype,
                     **{f"{k}_version": v for k, v in libs.items()}})
    return rows


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): run the probes, their table and metrics."""
    outcomes = probes()
    libs = versions()
    for out in outcomes.values():
        ctx.log(f"{out.call:45s} -> {out.text}")
    return {"metrics": summarize(outcomes), "table": table_rows(outcomes, libs),
            "outcomes": outcomes, "libs": libs}


def _shorten(text: str, width: int = 78) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def plot(result: dict, path, reference) -> None:
    """Draw the calls as notebook cells: input in a grey box, output below it (errors in red).
    The log's values (1 = as the log shows) are the metrics' claims: nothing to draw."""
    outcomes, libs = result["outcomes"], result["libs"]
    rows = len(outcomes)
    fig, ax = new_figure(size=(7.6, 0.62 * rows + 1.0))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(rows, -0.6)
    for i, out in enumerate(outcomes.values()):
        box = FancyBboxPatch((0.01, i - 0.02), 0.98, 0.34, boxstyle="round,pad=0.005",
                             facecolor="#f2f2f2", edgecolor="#cfcfcf")
        ax.add_patch(box)
        ax.text(0.025, i + 0.15, f"[{i + 1}]: {out.call}", family="monospace", fontsize=9,
                va="center")
        colour = "#b00020" if out.error is not None else "#1a1a1a"
        dtype = "" if out.value is None else f"   # {str(out.value.dtype).removeprefix('torch.')}"
        ax.text(0.025, i + 0.55, _shorten(out.text.replace("\n", " ")) + dtype,
                family="monospace", fontsize=8.5, color=colour, va="center")
    lib_text = ", ".join(f"{k} {v}" for k, v in libs.items())
    ax.set_title("fastai's tensor() (from fastai.torch_core) against torch.tensor(), run live\n"
                 f"{lib_text}", fontsize=10)
    save_figure(fig, path)
