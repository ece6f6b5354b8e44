"""Kaggle competition files and late submissions through the `kaggle` command-line tool.

The `kaggle` Python package authenticates when it is imported and raises without credentials, so
it is never imported here: everything runs the CLI as a subprocess (`kaggle competitions
download / submit / submissions`). Credentials are where the CLI looks for them: the
KAGGLE_USERNAME and KAGGLE_KEY environment variables, or kaggle.json in KAGGLE_CONFIG_DIR, in
~/.kaggle/ or in ~/.config/kaggle/.
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

CLI = "kaggle"
NO_CREDENTIALS = "no Kaggle credentials"
NO_CLI = "the kaggle command-line tool is not installed"
SCORE_COLUMNS = ("publicScore", "public_score", "Public Score")


def _config_files(env: Mapping[str, str], home: Path) -> list[Path]:
    """Return the kaggle.json files the CLI would read, in its order."""
    files = []
    if env.get("KAGGLE_CONFIG_DIR"):
        files.append(Path(env["KAGGLE_CONFIG_DIR"]) / "kaggle.json")
    files += [home / ".kaggle" / "kaggle.json", home / ".config" / "kaggle" / "kaggle.json"]
    return files


def credentials_present(env: Mapping[str, str] = os.environ, home: str | Path | None = None
                        ) -> bool:
    """True when the kaggle CLI would find an API token (environment or a kaggle.json)."""
    if env.get("KAGGLE_USERNAME") and env.get("KAGGLE_KEY"):
        return True
    home = Path.home() if home is None else Path(home)
    return any(path.is_file() for path in _config_files(env, home))


def not_run_reason(env: Mapping[str, str] = os.environ, home: str | Path | None = None,
                   executable: str = CLI) -> str | None:
    """None when Kaggle can be used here, else the reason why the Kaggle steps do not run."""
    if not credentials_present(env, home):
        return NO_CREDENTIALS
    if shutil.which(executable, path=env.get("PATH")) is None:
        return NO_CLI
    return None


def _run(args: list[str], executable: str, timeout: float) -> str:
    """Run `kaggle <args>`; return its stdout, or raise RuntimeError with its output."""
    command = [executable, *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except FileNotFoundError as exc:
        raise RuntimeError(f"{NO_CLI} ({executable!r} not found on PATH)") from exc
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"`{' '.join(command)}` did not finish in {timeout:g} s") from exc
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()}")
    return done.stdout


def download(competition: str, file: str, dest: str | Path, executable: str = CLI,
             timeout: float = 6 * 3600) -> Path:
    """Download one competition `file` to the path `dest` (atomically) and return `dest`.

    Runs `kaggle competitions download -c <competition> -f <file> -p <temporary folder>`. The CLI
    may deliver the file zipped as <file>.zip (csv files usually are): then the one member is
    unzipped. A file that is itself a .zip is kept as delivered.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as tmp:
        _run(["competitions", "download", "-c", competition, "-f", file, "-p", tmp],
             executable, timeout)
        got, zipped = Path(tmp) / Path(file).name, Path(tmp) / f"{Path(file).name}.zip"
        if not got.is_file() and zipped.is_file():
            got = _unzip_one(zipped, Path(file).name, Path(tmp) / "unzipped")
        if not got.is_file():
            listing = sorted(p.name for p in Path(tmp).iterdir())
            raise RuntimeError(f"kaggle download of {competition}/{file} delivered {listing}, "
                               f"not {file} or {file}.zip")
        os.replace(got, dest)
    return dest


def _unzip_one(archive: Path, name: str, folder: Path) -> Path:
    """Extract member `name` (or the only member) of `archive` into `folder`; return its path."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.namelist() if not m.endswith("/")]
            chosen = [m for m in members if Path(m).name == name] or members
            if len(chosen) != 1:
                raise RuntimeError(f"{archive}: expected {name} inside, found {members}")
            folder.mkdir()
            out = folder / name
            with zf.open(chosen[0]) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile as exc:
        raise RuntimeError(f"{archive}: not a zip file ({exc})") from exc
    return out


def submit(competition: str, csv_path: str | Path, message: str, executable: str = CLI,
           timeout: float = 1800) -> None:
    """Submit `csv_path` to `competition` with description `message` (a late submission)."""
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FileNotFoundError(f"submission file not found: {csv_path}")
    _run(["competitions", "submit", "-c", competition, "-f", str(csv_path), "-m", message],
         executable, timeout)


def parse_submissions(text: str) -> list[dict[str, str]]:
    """Return the rows of `kaggle competitions submissions --csv` output (newest first)."""
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "fileName" in line or "date" in line), None)
    if start is None:
        raise ValueError(f"no submissions table in kaggle output: {text[:200]!r}")
    return list(csv.DictReader(io.StringIO("\n".join(lines[start:]))))


def public_score(row: Mapping[str, str]) -> float | None:
    """The public score of a submissions row, or None while Kaggle has not scored it."""
    status = (row.get("status") or "").lower()
    if "error" in status:
        raise RuntimeError(f"Kaggle could not score submission {row.get('fileName')!r}: "
                           f"{row.get('status')} {row.get('errorDescription', '')}".strip())
    for column in SCORE_COLUMNS:
        value = (row.get(column) or "").strip()
        if value and value.lower() not in ("none", "null", "nan"):
            score = float(value)
            return score if math.isfinite(score) else None
    return None


def poll_score(competition: str, message: str, executable: str = CLI, timeout: float = 1800,
               interval: float = 30, sleep: Callable[[float], None] = time.sleep,
               clock: Callable[[], float] = time.monotonic) -> float:
    """Wait until the newest submission described `message` has a public score; return it.

    Runs `kaggle competitions submissions -c <competition> --csv` every `interval` seconds;
    TimeoutError after `timeout` seconds.
    """
    deadline = clock() + timeout
    while True:
        rows = parse_submissions(_run(["competitions", "submissions", "-c", competition,
                                       "--csv"], executable, timeout=300))
        mine = [row for row in rows if (row.get("description") or "").strip() == message]
        if mine:
            score = public_score(mine[0])
            if score is not None:
                return score
        if clock() + interval > deadline:
            state = "not listed" if not mine else f"status {mine[0].get('status')!r}"
            raise TimeoutError(f"{competition}: submission {message!r} has no public score "
                               f"after {timeout:g} s ({state})")
        sleep(interval)
