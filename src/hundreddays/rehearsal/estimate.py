"""The full run's time and memory on this machine, estimated from a rehearsal's record
(hundreddays.rehearsal.cap): per phase, the steps it took and their time, scaled to the steps the
full config takes on the publisher's data.

- A phase's steps: `full` when its loop knows its length (iterations, repeats: at most that many
  where it stops on convergence: `bound`), else epochs x the batches of its items. Items are
  scaled by `ratio`, the publisher's item count (datasets.yaml `items`) over the rehearsal's
  inputs' (hundreddays.demo_mirror.rehearsal; 1 for genuine files and generated data).
- Its time: the first step (warm-up, once per occurrence) as measured, every other step at the
  mean of the timed ones (those after the first); where the rehearsal's inputs held fewer items
  than a batch (a small validation split), scaled to a full batch.
- What ran in a phase outside its steps and its children (per-epoch work) grows with its epochs
  skipped by the cap (fastai skips whole epochs), or for timing repeats with the repeats; its
  children likewise.
- A data phase (a read whose time grows with the data) is scaled by the items it read against
  the full run's: its `full`, else the publisher's count where it read the whole dataset
  (`whole`), else by `ratio`; the memory it kept grows alike. A full-batch step (`per_item`)
  costs more by the same factor.
- The rest of the run (setting up, the figure) and the process's start and imports are taken as
  measured.
"""

from __future__ import annotations

from dataclasses import dataclass

from .loops import batches_of


@dataclass(frozen=True)
class Scale:
    """How the rehearsal's inputs compare with the publisher's: `ratio` (items over items) and
    the publisher's item count of the dataset read (None: no dataset, or not documented)."""

    ratio: float = 1.0
    dataset_items: int | None = None


def data_factor(node: dict, scale: Scale) -> float:
    """How many times the items of a data phase or a full-batch step the full run goes
    through."""
    items = node.get("items")
    if items and node.get("full"):
        return node["full"] / items
    if items and node.get("whole") and scale.dataset_items:
        return scale.dataset_items / items
    return scale.ratio


def full_steps(node: dict, scale: Scale) -> tuple[int, bool]:
    """(steps of one occurrence of `node` in the full run, whether that is an upper bound)."""
    occurrences = node.get("occurrences", 1)
    if node.get("full") is not None:
        return int(node["full"]), bool(node.get("bound"))
    if node.get("items") is not None and node.get("batch_size"):
        per_epoch = batches_of(node["items"] * scale.ratio, node["batch_size"],
                               bool(node.get("drop_last")))
        epochs = max(node.get("epochs_seen", 0), 1) if node["kind"] == "train" else 1
        return per_epoch * epochs, False
    return round(node.get("steps", 0) / occurrences), False


def batch_factor(node: dict) -> float:
    """How much bigger a full batch is than the steps the rehearsal took (its inputs had fewer
    items than a batch: a validation split of a few images); 1 when they were full."""
    steps, items, size = node.get("steps", 0), node.get("step_items", 0), node.get("batch_size")
    if not (steps and items and size) or items / steps >= size:
        return 1.0
    return size / (items / steps)


def seconds_per_step(node: dict) -> float | None:
    """The mean of the timed steps (all but each occurrence's first), else the first's mean;
    a partial batch's time scaled to a full one."""
    steps, occurrences = node.get("steps", 0), node.get("occurrences", 1)
    if steps <= 0:
        return None
    if steps > occurrences:
        return node.get("rest_seconds", 0.0) / (steps - occurrences) * batch_factor(node)
    return node.get("first_seconds", 0.0) / occurrences * batch_factor(node)


def repeat_factor(node: dict, scale: Scale) -> float:
    """How many times over what ran in `node` outside its steps (and its children) runs in the
    full run: its epochs over those not skipped, or its repeats over those taken."""
    if node["kind"] == "repeat" and node.get("steps"):
        return full_steps(node, scale)[0] / node["steps"]
    seen, skipped = node.get("epochs_seen", 0), node.get("epochs_skipped", 0)
    return seen / (seen - skipped) if seen > skipped > 0 else 1.0


def estimate(node: dict, scale: Scale) -> dict:
    """{"seconds", "steps_full", "bound", "seconds_per_step", "children"} of `node` in the full
    run (children: the same for each child, in order)."""
    children = [estimate(child, scale) for child in node.get("children", [])]
    if node["kind"] == "data":
        factor = data_factor(node, scale)
        return {"seconds": node.get("wall_seconds", 0.0) * factor, "steps_full": None,
                "bound": False, "seconds_per_step": None, "children": children,
                "growth": factor}
    n, bound = full_steps(node, scale)
    t = seconds_per_step(node)
    grow = 1.0
    if node.get("per_item"):
        grow = data_factor({"items": node.get("items"), "whole": node.get("whole")}, scale)
    occurrences = node.get("occurrences", 1)
    steps_seconds = 0.0
    if t is not None and n >= 1:
        first = node.get("first_seconds", 0.0) / occurrences * batch_factor(node)
        steps_seconds = occurrences * (first + (n - 1) * t) * grow
        t *= grow
    child_wall = sum(c.get("wall_seconds", 0.0) for c in node.get("children", []))
    own = node.get("first_seconds", 0.0) + node.get("rest_seconds", 0.0)
    other = max(node.get("wall_seconds", 0.0) - own - child_wall, 0.0)
    factor = repeat_factor(node, scale) if node["kind"] != "run" else 1.0
    seconds = steps_seconds + factor * (other + sum(c["seconds"] for c in children))
    return {"seconds": seconds, "steps_full": n, "bound": bound or any(
        c["bound"] for c in children), "seconds_per_step": t, "children": children}


def peak_rss(node: dict, scale: Scale, peak: float) -> float:
    """The full run's peak RSS: the rehearsal's `peak`, plus what each data phase kept, grown
    as its data grows: the size of its result's data where the study recorded it (`kept_mib`),
    else its RSS growth. (The growth also holds one-off costs that do not grow with the data: the
    DBpedia read's 80 MiB on the rehearsal's 38,000 lines were mostly numba's compile, and grown
    to the dumps' 119 million lines they made 250 GB where the arrays it keeps make a few.)"""
    extra = 0.0

    def walk(n: dict) -> None:
        nonlocal extra
        kept = n.get("kept_mib")
        kept = n.get("rss_growth_mib") if kept is None else kept
        if n["kind"] == "data" and kept:
            factor = data_factor(n, scale)
            extra += max(kept, 0.0) * max(factor - 1.0, 0.0)
        for c in n.get("children", []):
            walk(c)

    walk(node)
    return peak + extra


def study_seconds(record: dict, scale: Scale) -> float:
    """One seed of the study in the full run: the process's start and imports as measured, its
    run estimated."""
    runner = record.get("runner", {})
    fixed = runner.get("runner_startup_seconds", 0.0) + runner.get("runner_import_seconds", 0.0)
    return fixed + estimate(record["run"], scale)["seconds"]
