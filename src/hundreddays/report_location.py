"""Where a finished run's report is: the message the workflow ends with (rules/report.smk's
onsuccess handler) and make published's last lines, naming REPORT.md and the command that builds
the HTML report from the same configuration."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

HTML_REPORT = "report.html"


def _shown(path: str | os.PathLike, workdir: Path) -> str:
    """`path` relative to `workdir` where it lies under it, else as given."""
    path = Path(path)
    try:
        return path.absolute().relative_to(workdir.absolute()).as_posix()
    except ValueError:
        return str(path)


def snakemake_words(argv0: str, executable: str, workdir: Path) -> list[str]:
    """How to call the Snakemake that runs now (`argv0`: its sys.argv[0]; `executable`: its
    Python), as a reader can paste it: `snakemake` where that name finds this very one,
    else its path (`python -m snakemake` where it was started so), relative to `workdir`
    where it lies under it (after make demo: .venv/bin/snakemake)."""
    if Path(argv0).name == "__main__.py":
        return [_shown(executable, workdir), "-m", "snakemake"]
    on_path = shutil.which("snakemake")
    if on_path and Path(on_path).resolve() == Path(argv0).resolve():
        return ["snakemake"]
    return [_shown(argv0, workdir)]


def html_report_command(results_dir: str | os.PathLike, configfiles: Iterable[str | os.PathLike],
                        config_overrides: Mapping[str, object], workdir: Path | None = None,
                        snakemake: list[str] | None = None) -> str:
    """The command that writes the HTML report of a run made with `configfiles` (--configfile,
    a profile's included) and `config_overrides` (--config): the report needs the same
    configuration as the run, or it looks for the outputs of another plan. Paths are shown
    relative to `workdir` (default: the current folder), where the command runs; `snakemake`
    is how to call Snakemake (default: the one that runs now, snakemake_words)."""
    workdir = workdir or Path.cwd()
    words = list(snakemake or snakemake_words(sys.argv[0], sys.executable, workdir))
    for file in configfiles:
        words += ["--configfile", _shown(file, workdir)]
    if config_overrides:
        words.append("--config")
        words += [f"{key}={value if isinstance(value, str) else json.dumps(value)}"
                  for key, value in config_overrides.items()]
    words += ["--report", f"{_shown(results_dir, workdir)}/{HTML_REPORT}"]
    return shlex.join(words)


def end_message(report_md: str | os.PathLike, html_command: str) -> str:
    """The lines that tell a reader where the result is."""
    return (f"The report: {report_md} (verdict counts, every claim with its verdict, the "
            "figures beside the log's, datasets, metrics).\n"
            f"The HTML report (the same tables, every figure with its caption, the workflow): "
            f"{html_command}")
