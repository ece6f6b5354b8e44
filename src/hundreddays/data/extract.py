"""Safe extraction: every member is checked before anything is written; members that escape the
target folder, absolute paths, links pointing outside it and device files are refused."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .registry import Dataset

TAR_FORMATS = {"tar.gz": "r:gz", "tgz": "r:gz", "tar.bz2": "r:bz2", "tar.xz": "r:xz"}
SINGLE_FILE = {"gz": gzip.open, "bz2": bz2.open}
# What a truncated or damaged archive raises while it is read. Decompressors also raise OSError
# without an errno (e.g. "Invalid data stream"); an OSError with one is the system's (disk full).
CORRUPT = (tarfile.ReadError, tarfile.CompressionError, zipfile.BadZipFile, EOFError, zlib.error,
           lzma.LZMAError)


class UnsafeArchiveError(ValueError):
    """An archive member would land outside the target folder."""


class CorruptArchiveError(ValueError):
    """An archive cannot be read to its end."""


def _inside(target: Path, name: str) -> bool:
    if name.startswith(("/", "\\")) or PurePosixPath(name).is_absolute():
        return False
    resolved = (target / name).resolve()
    return resolved == target or target in resolved.parents


def _check_tar(archive: Path, members: list[tarfile.TarInfo], target: Path) -> None:
    for m in members:
        if not _inside(target, m.name):
            raise UnsafeArchiveError(f"{archive}: member {m.name!r} escapes the target folder")
        if m.isdev() or m.isfifo():
            raise UnsafeArchiveError(f"{archive}: member {m.name!r} is a device or fifo")
        if m.issym():
            link = str(PurePosixPath(m.name).parent / m.linkname)
            if PurePosixPath(m.linkname).is_absolute() or not _inside(target, link):
                raise UnsafeArchiveError(f"{archive}: symlink {m.name!r} -> {m.linkname!r} "
                                         "points outside the target folder")
        if m.islnk() and not _inside(target, m.linkname):
            raise UnsafeArchiveError(f"{archive}: hardlink {m.name!r} -> {m.linkname!r} "
                                     "points outside the target folder")


def _extract_tar(archive: Path, target: Path, mode: str, source: Path | None = None) -> None:
    """Extract the tar `source` (default: `archive` itself; errors name `archive`)."""
    with tarfile.open(source or archive, mode) as tar:
        members = tar.getmembers()  # reads the whole archive: a truncated one fails here
        _check_tar(archive, members, target)
        try:
            tar.extractall(target, members=members, filter="data")
        except tarfile.FilterError as err:  # e.g. a link that escapes through an earlier link
            name = err.tarinfo.name
            raise UnsafeArchiveError(f"{archive}: member {name!r} refused: {err}") from err


def _extract_tar_7z(archive: Path, target: Path) -> None:
    """A tar inside a 7z (Kaggle's Planet images): the tar goes to a scratch folder beside the
    target, then through the same member checks as any tar."""
    import py7zr

    with py7zr.SevenZipFile(archive) as z:
        names = z.getnames()
        if len(names) != 1 or not names[0].endswith(".tar") or not _inside(target, names[0]):
            raise CorruptArchiveError(f"{archive}: expected one .tar inside, found {names[:5]}")
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".7z-") as tmp:
            z.extract(path=tmp, targets=names)
            _extract_tar(archive, target, "r:", source=Path(tmp) / names[0])


def _extract_zip(archive: Path, target: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if not _inside(target, info.filename):
                raise UnsafeArchiveError(
                    f"{archive}: member {info.filename!r} escapes the target folder")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is a symlink")
        bad = zf.testzip()
        if bad is not None:
            raise CorruptArchiveError(f"{archive}: member {bad!r} fails its CRC check")
        zf.extractall(target)


def extract_member(archive: Path, member: str, dest: Path) -> None:
    """Write the one member `member` (its name in the zip `archive`, e.g. "adult.data") to the
    file `dest`, nothing else. Raises ValueError naming the members when it is not a regular
    file of the zip, CorruptArchiveError when the archive or the member's CRC is bad (`dest`
    is then removed). The member's bytes are verified by the caller, like any arriving file."""
    archive, dest = Path(archive), Path(dest)
    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            if member not in names or member.endswith("/"):
                raise ValueError(f"{archive}: no member {member!r} (members: {names[:20]})")
            info = zf.getinfo(member)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise UnsafeArchiveError(f"{archive}: member {member!r} is a symlink")
            with zf.open(info) as src, open(dest, "wb") as out:  # the CRC is checked at its end
                shutil.copyfileobj(src, out, 1 << 20)
    except CORRUPT as err:
        dest.unlink(missing_ok=True)
        raise CorruptArchiveError(f"{archive}: corrupt or truncated ({err})") from err


def _decompress(archive: Path, target: Path, fmt: str) -> None:
    out = target / archive.name.removesuffix(f".{fmt}")
    with SINGLE_FILE[fmt](archive, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def _tree(root: Path) -> set[Path]:
    # os.walk does not descend into symlinked folders, so a link back to `root` is listed once
    return {Path(d) / n for d, dirs, files in os.walk(root) for n in dirs + files}


def _remove(paths: set[Path]) -> None:
    for p in sorted(paths, reverse=True):  # children sort after their folder: removed first
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _is_corrupt(err: BaseException) -> bool:
    if type(err).__module__.startswith("py7zr"):  # Bad7zFile, CrcError, ...
        return True
    if isinstance(err, OSError):
        return err.errno is None
    return isinstance(err, CORRUPT)


def _extract(archive: Path, target: Path, fmt: str) -> None:
    if fmt in TAR_FORMATS:
        _extract_tar(archive, target, TAR_FORMATS[fmt])
    elif fmt == "zip":
        _extract_zip(archive, target)
    elif fmt == "tar.7z":
        _extract_tar_7z(archive, target)
    else:
        _decompress(archive, target, fmt)


def safe_extract(archive: Path, target: Path, fmt: str) -> list[Path]:
    """Extract `archive` (tar.*, tar.7z, zip, or a single gz/bz2 file) into `target`; return
    the paths written. Raises UnsafeArchiveError if a member would escape (checked before
    writing), and CorruptArchiveError if the archive cannot be read; either way nothing new is
    left behind."""
    archive, target = Path(archive), Path(target).resolve()
    if fmt not in TAR_FORMATS and fmt not in ("zip", "tar.7z") and fmt not in SINGLE_FILE:
        raise ValueError(f"{archive}: cannot extract format {fmt!r}")
    target.mkdir(parents=True, exist_ok=True)
    before = _tree(target)
    try:
        _extract(archive, target, fmt)
    except BaseException as err:
        _remove(_tree(target) - before)
        if _is_corrupt(err):
            raise CorruptArchiveError(f"{archive}: corrupt or truncated ({err}); it is deleted "
                                      "and fetched again on the next run") from err
        raise
    return sorted(_tree(target) - before)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def prepare_dataset(dataset: Dataset, raw_dir: Path, out_dir: Path) -> None:
    """Build `out_dir` from the verified files in `raw_dir`: archives extracted, other files
    linked. Built in a temporary sibling and renamed at the end, so an interrupted run leaves
    no complete-looking folder; a corrupt archive is deleted so the next run fetches it again."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for spec in dataset.files.values():
            src = raw_dir / spec.name
            if not spec.extract:
                _link_or_copy(src, tmp / spec.name)
                continue
            try:
                safe_extract(src, tmp, spec.format)
            except CorruptArchiveError:
                src.unlink(missing_ok=True)
                raise
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

