"""The lock file: checksums pinned at the first complete download of files whose publisher gives
none. Meant to be committed, so later downloads are checked against the same bytes."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import os
import sys
from collections.abc import Iterator
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


HEADER = ("# Checksums pinned at the first complete download of files whose publisher\n"
          "# gives none (datasets.yaml kind: none). Commit this file.\n")


def drop_command(path: str | os.PathLike, key: str) -> str:
    """The command that drops `key`'s pin (quoted in errors against a pin)."""
    return f"python -m hundreddays.data.lockfile drop {key} --lockfile {path}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[dict[str, dict]]:
    """Yield the entries under an exclusive lock (parallel fetch jobs may pin at once); write them
    back when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Lock a separate file: the lock file itself is replaced atomically, so its inode changes.
    with open(path.with_name(f".{path.name}.flock"), "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            entries = read_lock(path)
            yield entries
            write_text(path, HEADER + yaml.safe_dump(entries, sort_keys=True))
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)


def pin(path: str | os.PathLike, key: str, sha256: str, size: int, url: str) -> None:
    """Record `key`'s checksum in the lock file."""
    with _locked(Path(path)) as entries:
        entries[key] = {"sha256": sha256, "size": size, "url": url,
                        "pinned": dt.date.today().isoformat()}


def unpin(path: str | os.PathLike, key: str) -> dict:
    """Remove `key`'s pin from the lock file; return what it held. KeyError if none."""
    path = Path(path)
    with _locked(path) as entries:
        if key not in entries:
            raise KeyError(f"{path} pins no '{key}' (it pins: {', '.join(sorted(entries)) or '-'})")
        return entries.pop(key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hundreddays.data.lockfile",
        description="Drop a wrongly pinned checksum; the next fetch pins the file anew.")
    sub = parser.add_subparsers(dest="command", required=True)
    drop = sub.add_parser("drop", help="remove the pin of one <dataset>/<file>")
    drop.add_argument("key", help="<dataset>/<file>, as in the lock file")
    drop.add_argument("--lockfile", default="datasets.lock.yaml")
    args = parser.parse_args(argv)
    try:
        entry = unpin(args.lockfile, args.key)
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 1
    print(f"dropped {args.key} (sha256 {entry.get('sha256')}) from {args.lockfile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
