"""What a loader's `check_layout` says when a folder is not laid out as the loader reads it.

Each loader checks, before anything is read or pinned, the files and folders its reader opens
first, and refuses a folder with one message: what is missing, what the folder should hold, what
it holds instead, and, where the folder matches another common packaging of the same data (the
publisher's original archive, an unextracted download, another site's repackaging), which one,
so that the user knows what to extract, rename or fetch rather than only what is absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SHOWN = 12  # entries of a refused folder named in the message
SUBFOLDERS = 50  # subfolders looked into for another packaging (an archive's top folder)


@dataclass(frozen=True)
class Packaging:
    """Another packaging of a dataset: recognised when every glob pattern of `markers` matches
    in the folder or in one of its subfolders; `says` what it is and what to do with it."""

    markers: tuple[str, ...]
    says: str


def looks_like(folder: str | Path, packagings: Iterable[Packaging]) -> str | None:
    """What the first of `packagings` that `folder` (or one of its subfolders) matches says,
    with the subfolder where it matched; None when it matches none."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir())[:SUBFOLDERS]
    for packaging in packagings:
        for base in (folder, *subfolders):
            if all(next(base.glob(marker), None) is not None for marker in packaging.markers):
                return packaging.says + ("" if base == folder else f" (in {base.name}/)")
    return None


def holds(folder: str | Path) -> str:
    """The entries of `folder` as a message names them: sorted, folders with a trailing /."""
    folder = Path(folder)
    if not folder.is_dir():
        return "nothing (no such folder)"
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    if not names:
        return "nothing"
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def layout_error(folder: str | Path, missing: str, should_hold: str,
                 packagings: Iterable[Packaging] = ()) -> FileNotFoundError:
    """The error a check_layout raises for `folder`: `missing` (what its reader did not find),
    what the folder should hold, what it holds, and the other packaging it looks like, if any."""
    message = f"{missing}; the folder should hold {should_hold}, and holds {holds(folder)}"
    other = looks_like(folder, packagings)
    if other:
        message += f". It looks like {other}"
    return FileNotFoundError(message)
