"""The lock file: checksums pinned at the first complete download of files whose publisher gives
none. Meant to be committed, so later downloads are checked against the same bytes."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path

import yaml

from ..atomic import write_text


def read_lock(path: str | os.PathLike) -> dict[str, dict]:
    """Return {"<dataset>/<file>": {sha256, size, url, pinned}} ({} if there is no lock file)."""
    path = Path(path)
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a lock file maps '<dataset>/<file>' to its pinned checksum")
    return data


def pin(path: str | os.PathLike, key: str, sha256: str, size: int, url: str) -> None:
    """Record `key`'s checksum in the lock file (parallel fetch jobs may pin at once)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Lock a separate file: the lock file itself is replaced atomically, so its inode changes.
    with open(path.with_name(f".{path.name}.flock"), "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            entries = read_lock(path)
            entries[key] = {"sha256": sha256, "size": size, "url": url,
                            "pinned": dt.date.today().isoformat()}
            header = ("# Checksums pinned at the first complete download of files whose publisher\n"
                      "# gives none (datasets.yaml kind: none). Commit this file.\n")
            write_text(path, header + yaml.safe_dump(entries, sort_keys=True))
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)
