"""Benchmark: where the demo's time goes, rule by rule: the rule's wall time (Snakemake's
benchmark file) split into the process's start-up (Python, Snakemake's script preamble), the
study's imports and seeding, its run and its figure (the runner's timing keys in timings.csv).

    .venv/bin/python bench/demo_time_share.py RUN_DIR     # a finished demo run's folder
    .venv/bin/python bench/demo_time_share.py --run       # a fresh demo run in a scratch copy

RUN_DIR holds benchmarks/ and results/timings.csv (a copy of the workflow after
`snakemake --profile profiles/demo`). "other" is the rest of the rule's wall time: Snakemake
starting the job and the runner writing its outputs.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from workflow_copy import copy_workflow, snakemake  # noqa: E402

PARTS = ("startup", "import", "run", "plot")


def shares(run_dir: Path) -> list[dict]:
    """One row per study rule: wall seconds and the runner's parts of it."""
    parts: dict[str, dict[str, float]] = {}
    with open(run_dir / "results" / "timings.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["key"].startswith("runner_"):
                part = row["key"].removeprefix("runner_").removesuffix("_seconds")
                parts.setdefault(row["study"], {})[part] = float(row["value"])
    rows = []
    for study, found in parts.items():
        with open(run_dir / "benchmarks" / f"{study}.tsv", newline="") as f:
            wall = float(next(csv.DictReader(f, delimiter="\t"))["s"])
        row = {"study": study, "wall": wall, **{p: found.get(p, 0.0) for p in PARTS}}
        row["other"] = wall - sum(row[p] for p in PARTS)
        rows.append(row)
    return sorted(rows, key=lambda r: -r["wall"])


def table(rows: list[dict]) -> str:
    cols = ("wall", *PARTS, "other")
    total = {c: sum(r[c] for r in rows) for c in cols}
    lines = [f"{'study':22s}" + "".join(f"{c:>9s}" for c in cols) + "  not the work"]
    for r in [*rows, {"study": "total", **total}]:
        overhead = (r["startup"] + r["import"] + r["other"]) / r["wall"] if r["wall"] else 0
        lines.append(f"{r['study']:22s}" + "".join(f"{r[c]:9.2f}" for c in cols)
                     + f"  {overhead:6.0%}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", nargs="?", type=Path)
    parser.add_argument("--run", action="store_true", help="make a fresh demo run first")
    args = parser.parse_args()
    if args.run == (args.run_dir is not None):
        parser.error("give RUN_DIR or --run")
    if args.run:
        scratch = Path(tempfile.mkdtemp(prefix="demo-time-"))
        wf = copy_workflow(scratch / "wf")
        proc = snakemake(wf, "--profile", "profiles/demo", timeout=3600)
        if proc.returncode != 0:
            sys.exit(f"demo run failed in {wf}:\n{proc.stderr[-3000:]}")
        args.run_dir = wf
    print(table(shares(args.run_dir)))


if __name__ == "__main__":
    main()
