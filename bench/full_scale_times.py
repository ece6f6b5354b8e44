"""Benchmark: wall time and peak memory of studies at the FULL scale on this machine, each rule run
alone by Snakemake (its `benchmark:` file) in a scratch copy of the workflow.

Studies that read a dataset need it in <data_dir> (fetched with internet, or placed by hand);
a study whose dataset is missing is reported as such, not run.

    .venv/bin/python bench/full_scale_times.py [--cores 2] [study ...]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from workflow_copy import REPO, copy_workflow, snakemake  # noqa: E402

from hundreddays.claims import evaluate, load_claims  # noqa: E402
from hundreddays.study_table import load_studies  # noqa: E402

# By default the studies that read no dataset (they run at full scale anywhere), from the study
# table; galaxy_analogues among them trains for about half an hour on 2 cores.
SYNTHETIC = [s for s, row in load_studies(REPO / "studies.yaml").items()
             if not row.datasets and not row.sources]


def run_study(wf: Path, study: str, cores: int) -> dict:
    """Run one study's rule at full scale; return its benchmark row (s, max_rss in MiB)."""
    proc = snakemake(wf, f"results/{study}/metrics.json", "--cores", str(cores),
                     "--forcerun", study, timeout=3600)  # --forcerun takes every name after it
    if proc.returncode != 0:
        return {"study": study, "status": "failed: " + proc.stderr.strip().splitlines()[-1]}
    with open(wf / "benchmarks" / f"{study}.tsv", newline="") as f:
        row = next(csv.DictReader(f, delimiter="\t"))
    return {"study": study, "status": "ok", "seconds": float(row["s"]),
            "max_rss_mib": float(row["max_rss"]), "verdicts": verdicts(wf, study)}


def verdicts(wf: Path, study: str) -> list[str]:
    """The study's claims judged on its full-scale metrics: "claim: reproduced (value)"."""
    metrics = json.loads((wf / "results" / study / "metrics.json").read_text())
    metrics = {f"{study}.{key}": [value] for key, value in metrics.items()}
    # the workflow copy runs config.yaml unchanged on the publishers' data: comparable
    rows = evaluate(load_claims(wf / "claims.yaml"), metrics, {study}, "full", {study: True})
    return [f"{r['claim']}: {r['verdict']} ({r['measured']:.4g})" for r in rows
            if r["study"] == study and r["measured"] is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", nargs="*", default=SYNTHETIC)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wf = copy_workflow(Path(tmp) / "wf")
        data = REPO / "data"
        if data.exists():  # datasets fetched or placed for the full scale
            (wf / "data").symlink_to(data)
        print("| study | wall time (s) | peak RSS (MiB) | claims at full scale |")
        print("|---|---|---|---|")
        for study in args.studies:
            r = run_study(wf, study, args.cores)
            if r["status"] == "ok":
                print(f"| {study} | {r['seconds']:.1f} | {r['max_rss_mib']:.0f} | "
                      f"{'; '.join(r['verdicts'])} |", flush=True)
            else:
                print(f"| {study} | {r['status']} | |", flush=True)


if __name__ == "__main__":
    main()
