"""Run the rehearsal with the given command, then tabulate and publish what it recorded:
results/rehearsal/ and published/<run>/ hold rehearsal.csv (per study: ran or failed, time, peak
memory, the full run's estimate), phases.csv (per phase), rehearsal.md and machine.md. A study
that failed is a row with its error (the profile keeps going). README's estimate and the
workflow's resources are a separate step: scripts/rehearsal_resources.py. The published folder
also keeps the studies' records (records/), the mirror's items.yaml and the run's environment.txt,
so that `--retabulate` writes its tables again after a change of the estimator.

    python scripts/rehearse.py --run rehearsal-2026-12-07-cpu2 \
        -- snakemake --profile profiles/rehearsal
    python scripts/rehearse.py --retabulate published/rehearsal-2026-12-07-cpu2
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

from hundreddays.demo_mirror.rehearsal import ITEMS_FILE
from hundreddays.environment import RECORD_FILE, read_record
from hundreddays.published import git_commit, machine_text
from hundreddays.rehearsal.publish import PREFIX, publish, retabulate, write_tables

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help=f"folder under published/ ({PREFIX}...)")
    parser.add_argument("--records", default="logs/rehearsal", type=Path)
    parser.add_argument("--profile-config", default="profiles/rehearsal/scale.yaml", type=Path)
    parser.add_argument("--results", default="results/rehearsal", type=Path)
    parser.add_argument("--no-publish", action="store_true",
                        help="write results/rehearsal/ only (CI, trials)")
    parser.add_argument("--retabulate", type=Path, metavar="FOLDER",
                        help="write a published rehearsal's tables again from its records")
    parser.add_argument("command", nargs="*", help="the workflow command, after --")
    args = parser.parse_args()
    if args.retabulate:
        note = f"tables written again from records/ at commit {git_commit(REPO)}"
        folder = retabulate(REPO, REPO / args.retabulate, REPO / args.profile_config, note)
        print(f"tables of {folder.relative_to(REPO)} written again from its records")
        return 0
    if not args.command or not args.run:
        parser.error("give --run and the workflow command after --, or --retabulate")
    if not args.run.startswith(PREFIX):
        parser.error(f"--run must start with {PREFIX!r} (published/ holds full runs too)")
    out = REPO / "published" / args.run
    if out.exists() and not args.no_publish:
        parser.error(f"{out} exists already: choose another --run name")
    started = datetime.datetime.now(datetime.UTC)
    t0 = time.perf_counter()
    code = subprocess.run(args.command, cwd=REPO).returncode
    record = REPO / args.results.parent / RECORD_FILE  # the run's software (results/)
    environment = read_record(record) if record.is_file() else None
    machine = machine_text(args.command, time.perf_counter() - t0, started, REPO, environment)
    if hasattr(os, "getloadavg"):  # the estimate is as good as the machine was quiet
        machine += ("- load average at the end (1, 5, 15 min): "
                    + ", ".join(f"{v:.1f}" for v in os.getloadavg()) + "\n")
    results = write_tables(REPO, REPO / args.records, REPO / args.profile_config,
                           REPO / args.results)
    (results / "machine.md").write_text(machine, encoding="utf-8")
    print(f"rehearsal tables in {results.relative_to(REPO)} (the workflow's exit status {code})")
    if not args.no_publish:
        publish(results, out, machine, records=REPO / args.records,
                files=(REPO / "resources" / "rehearsal-mirror" / ITEMS_FILE, record))
        print(f"published {out.relative_to(REPO)}; README's estimate and the resources: "
              f"python scripts/rehearsal_resources.py")
    return code  # a study that failed is in the tables, and the exit status says so too


if __name__ == "__main__":
    sys.exit(main())
