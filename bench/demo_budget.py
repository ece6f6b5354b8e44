"""Benchmark: wall time and peak memory (summed RSS of the whole process tree) of a demo run from
scratch, in a scratch copy of the workflow. Budget from the foundation issue: <= 3 min, <= 4 GiB.

    .venv/bin/python bench/demo_budget.py [--runs N] [--forcerun-data]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from workflow_copy import SNAKEMAKE, copy_workflow  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
SOAK_TOLERANCE = 0.10  # issue: each run's peak within 10 % of the first


def tree_rss(root: int) -> int:
    """Return the summed resident memory in bytes of `root` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(entry.name)] = int(stat[21]) * PAGE
            children.setdefault(int(stat[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(workdir: Path, extra: list[str]) -> tuple[float, int, int]:
    """Run the demo once; return (seconds, peak bytes, return code)."""
    start = time.perf_counter()
    proc = subprocess.Popen([*SNAKEMAKE, "--profile", "profiles/demo", "--quiet", *extra],
                            cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.1)
    return time.perf_counter() - start, peak, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--forcerun-data", action="store_true",
                        help="soak: later runs redo the whole DAG, data rules included")
    args = parser.parse_args()
    peaks: list[int] = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        wf = copy_workflow(Path(tmp) / "wf")
        for run in range(args.runs):
            # the data rules again, and with them every rule, so that each run is the same DAG
            extra = ["--forceall"] if run and args.forcerun_data else []
            seconds, peak, rc = measure(wf, extra)
            peaks.append(peak)
            print(f"run {run + 1}: {seconds:.1f} s, peak RSS {peak / 2**30:.2f} GiB, rc {rc}",
                  flush=True)
            failed |= rc != 0
    if len(peaks) > 1:  # soak: memory stays flat when the same DAG runs again and again
        drift = max(abs(p / peaks[0] - 1) for p in peaks[1:])
        flat = drift <= SOAK_TOLERANCE
        print(f"peak RSS of later runs within {drift:.1%} of the first: "
              f"{'flat' if flat else 'NOT flat'} (tolerance {SOAK_TOLERANCE:.0%})")
        failed |= not flat
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
