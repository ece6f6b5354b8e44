"""Deterministic archive bytes: the same input gives the same gzip / tar.gz / zip bytes on every
build.

gzip: no file name, mtime 0 (Python's own header writer, so the OS byte is fixed too).
tar: members sorted by path, parent folders listed before their contents, fixed mtime, uid/gid 0,
empty owner names, modes 0o755 (folders) and 0o644 (files), GNU format as GNU tar writes it.
zip: the same order and folder entries, a fixed date, Unix modes, deflated.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import PurePosixPath

# 2012-06-01 00:00:00 UTC: a fixed timestamp for every tar member (any constant would do).
TAR_MTIME = 1338508800
ZIP_DATE = (2012, 6, 1, 0, 0, 0)  # the same instant for zip members


def gzip_bytes(data: bytes, level: int = 9) -> bytes:
    """Return `data` gzip-compressed with a fixed header (no name, mtime 0)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=level,
                       mtime=0) as gz:
        gz.write(data)
    return buffer.getvalue()


def _folders(paths: list[str]) -> set[str]:
    """Return every parent folder of `paths` (POSIX, no trailing slash)."""
    folders = set()
    for path in paths:
        folders.update(str(p) for p in PurePosixPath(path).parents if str(p) != ".")
    return folders


def _info(name: str, size: int | None) -> tarfile.TarInfo:
    """Return a TarInfo with the fixed metadata; `size` None makes a folder entry."""
    info = tarfile.TarInfo(name)
    info.mtime = TAR_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if size is None:
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    else:
        info.size, info.mode = size, 0o644
    return info


def _with_folders(members: dict[str, bytes]) -> dict[str, bytes | None]:
    """`members` plus an entry (None) for each parent folder, as archivers list them."""
    entries: dict[str, bytes | None] = {folder: None for folder in _folders(list(members))}
    entries.update(members)
    return entries


def tar_bytes(members: dict[str, bytes]) -> bytes:
    """Return an uncompressed tar of `members` ({posix path: content}) plus their folders."""
    entries = _with_folders(members)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(entries):
            content = entries[name]
            if content is None:
                tar.addfile(_info(name, None))
            else:
                tar.addfile(_info(name, len(content)), io.BytesIO(content))
    return buffer.getvalue()


def tar_gz_bytes(members: dict[str, bytes], level: int = 9) -> bytes:
    """Return a gzip-compressed tar (.tar.gz / .tgz) of `members`, deterministic (`level` 1
    for incompressible members such as random weights)."""
    return gzip_bytes(tar_bytes(members), level)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """Return a zip of `members` ({posix path: content}) plus their folders (none for bare
    files), sorted by path, deterministic."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in sorted(_with_folders(members).items()):
            folder = content is None
            info = zipfile.ZipInfo(f"{name}/" if folder else name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so the modes below are read
            info.external_attr = ((0o40755 << 16) | 0x10) if folder else 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED if folder else zipfile.ZIP_DEFLATED
            archive.writestr(info, b"" if folder else content)
    return buffer.getvalue()
