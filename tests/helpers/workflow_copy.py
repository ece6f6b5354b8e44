"""Copy the workflow (not its results) into a scratch folder and run snakemake there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_ENTRIES = ["Snakefile", "rules", "scripts", "report", "profiles", "envs", "studies.yaml",
                    "config.yaml", "claims.yaml", "datasets.yaml", "log_figures.yaml",
                    "requirements.lock"]
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
              env: dict[str, str] | None = None, python: str | None = None
              ) -> subprocess.CompletedProcess:
    """Run snakemake with `args` in `workdir` (environment `env`, default this process's;
    interpreter `python`, default this one); return the finished process (text output)."""
    env = {**(env or os.environ), "PYTHONUNBUFFERED": "1"}
    command = [python, *SNAKEMAKE[1:]] if python else SNAKEMAKE
    return subprocess.run([*command, *args], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=timeout)


def separate_environment(workflow: Path, venv: Path) -> dict[str, str]:
    """Make the copy `workflow` a second installation that shares no file path with this one:
    its own copy of the package's source (src/, pyproject.toml) and its own virtual environment
    at `venv` (this one's packages, hard-linked where the file system allows, else copied: the
    same pinned versions a second install would bring, at other paths), with the package
    installed from the copy. Returns the environment to run snakemake with (`venv`'s python
    first on PATH); run it as `venv`/bin/python -m snakemake."""
    for name in ("src", "pyproject.toml"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, workflow / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, workflow / name)

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(sys.prefix, venv, symlinks=True, copy_function=link_or_copy)
    site = Path(next((venv / "lib").glob("python3*/site-packages")))
    for old in site.glob("__editable__*hundreddays*"):
        old.unlink()  # unlink, never rewrite: the file is hard-linked to this environment's
    if (site / "hundreddays").is_dir():  # a non-editable install (unlinked, file by file)
        shutil.rmtree(site / "hundreddays")
    (site / "hundreddays_second_install.pth").write_text(f"{workflow / 'src'}\n")
    path = f"{venv / 'bin'}:{os.environ['PATH']}"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # no source of this one
    return {**env, "PATH": path, "VIRTUAL_ENV": str(venv)}
