"""Copy the workflow (not its results) into a scratch folder and run snakemake there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_ENTRIES = ["Snakefile", "rules", "scripts", "report", "profiles", "envs", "studies.yaml",
                    "config.yaml", "claims.yaml", "datasets.yaml", "log_figures.yaml"]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def copy_workflow(dest: Path) -> Path:
    """Copy the files that make the workflow into `dest`; return `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_ENTRIES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def snakemake(workdir: Path, *args: str, timeout: int = 600,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run snakemake with `args` in `workdir` (environment `env`, default this process's);
    return the finished process (text output)."""
    env = {**(env or os.environ), "PYTHONUNBUFFERED": "1"}
    return subprocess.run([*SNAKEMAKE, *args], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=timeout)
