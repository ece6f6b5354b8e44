"""From the last published rehearsal (published/rehearsal-*/, or --folder): README's estimate of
the full run, each study's mem_mb in studies.yaml and the SLURM profile's runtimes, with the
margins of hundreddays.rehearsal.resources. Rerun it after any rehearsal; it writes only the
generated parts (between markers, and each row's resources line).

    python scripts/rehearsal_resources.py [--folder published/rehearsal-2026-12-07-cpu2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hundreddays.rehearsal.publish import latest
from hundreddays.rehearsal.resources import (
    SLURM_BEGIN,
    SLURM_END,
    planned,
    slurm_block,
    with_block,
    with_mem_mb,
)
from hundreddays.rehearsal.summary import README_BEGIN, README_END, readme_block

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="a published rehearsal (default: the last)")
    args = parser.parse_args()
    folder = args.folder or latest(REPO / "published")
    if folder is None:
        parser.error("no published rehearsal: run `make rehearsal` first")
    folder = (REPO / folder).resolve() if not folder.is_absolute() else folder
    plan = planned(folder)
    readme = REPO / "README.md"
    readme.write_text(with_block(readme.read_text(encoding="utf-8"), README_BEGIN, README_END,
                                 readme_block(folder), str(readme)), encoding="utf-8")
    studies = REPO / "studies.yaml"
    text = studies.read_text(encoding="utf-8")
    for study, values in plan.items():
        text = with_mem_mb(text, study, values["mem_mb"])
    studies.write_text(text, encoding="utf-8")
    slurm = REPO / "profiles" / "slurm" / "config.yaml"
    slurm.write_text(with_block(slurm.read_text(encoding="utf-8"), SLURM_BEGIN, SLURM_END,
                                slurm_block(plan, folder.name), str(slurm)), encoding="utf-8")
    print(f"from {folder.relative_to(REPO)}: README's estimate, mem_mb of {len(plan)} studies "
          f"in studies.yaml, their runtimes in {slurm.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
