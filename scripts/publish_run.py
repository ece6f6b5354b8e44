"""Run the workflow with the given command, then publish what it wrote: published/<run>/ holds the
report files, the figures and tables REPORT.md shows, each rule's wall time and peak memory, the
software (environment.txt: the lock file's sha256, every installed version), and the machine and
date; README's full-scale table is regenerated from it. It ends by naming the published REPORT.md
and the command for the run's HTML report.

    python scripts/publish_run.py --run 2026-12-06-cpu2 -- snakemake --profile profiles/published
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import subprocess
import sys
import time
from pathlib import Path

from hundreddays.environment import RECORD_FILE, read_record
from hundreddays.published import collect, machine_text, readme_table, replace_readme_table
from hundreddays.report_location import HTML_REPORT, end_message

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, help="name of the folder under published/")
    parser.add_argument("--results", default="results", type=Path)
    parser.add_argument("--benchmarks", default="benchmarks", type=Path)
    parser.add_argument("command", nargs="+", help="the workflow command, after --")
    args = parser.parse_args()
    out = REPO / "published" / args.run
    if out.exists():
        parser.error(f"{out} exists already: choose another --run name")
    started = datetime.datetime.now(datetime.UTC)
    t0 = time.perf_counter()
    if subprocess.run(args.command, cwd=REPO).returncode != 0:
        print(f"the run failed; nothing published ({' '.join(args.command)})", file=sys.stderr)
        return 1
    record = REPO / args.results / RECORD_FILE
    environment = read_record(record) if record.is_file() else None
    machine = machine_text(args.command, time.perf_counter() - t0, started, REPO, environment)
    collect(REPO / args.results, REPO / args.benchmarks, out, machine)
    readme = REPO / "README.md"
    readme.write_text(replace_readme_table(readme, readme_table(out)),
                      encoding="utf-8")
    print(f"published {out.relative_to(REPO)}; README's full-scale table regenerated")
    html_command = shlex.join([*args.command, "--report", f"{args.results}/{HTML_REPORT}"])
    print(end_message(f"{out.relative_to(REPO)}/REPORT.md", html_command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
