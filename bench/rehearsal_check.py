"""The rehearsal's estimate against a run that measured it: for each study both ran, the
estimated wall time of one seed and peak RSS (a rehearsal's rehearsal.csv) against the measured
ones (a published run's benchmarks.csv: the mean over its seeds, the largest peak), and their
ratio; "within" says whether the time agrees within --tolerance (25 % by default).

    .venv/bin/python bench/rehearsal_check.py [--rehearsal published/rehearsal-...]
        [--run published/2026-12-06-cpu2] [--tolerance 0.25]

Compare runs on the same machine, both on a quiet one: the estimate is a wall time of this CPU.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from hundreddays.published import latest as latest_run
from hundreddays.rehearsal.publish import latest as latest_rehearsal

REPO = Path(__file__).resolve().parents[1]


def measured(benchmarks: Path) -> dict[str, dict]:
    """{study: {"seconds": mean over its rules (seeds), "peak_mib": the largest}}."""
    with open(benchmarks, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for study in dict.fromkeys(r["study"] for r in rows):
        runs = [r for r in rows if r["study"] == study]
        out[study] = {"seconds": sum(float(r["seconds"]) for r in runs) / len(runs),
                      "peak_mib": max(float(r["max_rss_mib"]) for r in runs)}
    return out


def compare(rehearsal: Path, benchmarks: Path, tolerance: float) -> list[dict]:
    """One row per study the rehearsal ran and the run measured."""
    with open(rehearsal, newline="", encoding="utf-8") as f:
        estimated = {r["study"]: r for r in csv.DictReader(f) if r["status"] == "ran"}
    rows = []
    for study, real in measured(benchmarks).items():
        if study not in estimated:
            continue
        est = estimated[study]
        seconds, peak = float(est["estimate_seconds_a_seed"]), float(est["estimate_peak_rss_mib"])
        ratio = seconds / real["seconds"]
        rows.append({"study": study, "estimated_seconds": seconds,
                     "measured_seconds": real["seconds"], "ratio": ratio,
                     "within": abs(ratio - 1) <= tolerance, "estimated_peak_mib": peak,
                     "measured_peak_mib": real["peak_mib"],
                     "peak_ratio": peak / real["peak_mib"]})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rehearsal", type=Path, default=latest_rehearsal(REPO / "published"))
    parser.add_argument("--run", type=Path, default=latest_run(REPO / "published"))
    parser.add_argument("--tolerance", type=float, default=0.25)
    args = parser.parse_args()
    if args.rehearsal is None or args.run is None:
        parser.error("needs a published rehearsal and a published run")
    rows = compare(args.rehearsal / "rehearsal.csv", args.run / "benchmarks.csv", args.tolerance)
    print(f"estimate of {args.rehearsal.name} against {args.run.name} (a seed; peak RSS)\n")
    print("| study | estimated s | measured s | ratio | within | est. MiB | measured MiB | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['study']} | {r['estimated_seconds']:.1f} | {r['measured_seconds']:.1f} | "
              f"{r['ratio']:.2f} | {'yes' if r['within'] else 'no'} | "
              f"{r['estimated_peak_mib']:.0f} | {r['measured_peak_mib']:.0f} | "
              f"{r['peak_ratio']:.2f} |")
    inside = sum(r["within"] for r in rows)
    print(f"\n{inside} of {len(rows)} within {args.tolerance:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
