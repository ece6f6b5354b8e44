"""Checks that a file's bytes are of its registry `format`: an HTML page is never a data file, and
a file about to be pinned (no published checksum vouches for it) must open as its loader opens it,
compressed streams read to their end (a cut transfer would otherwise be pinned). A file with a
published checksum needs no such check: the checksum already vouches for its bytes.
"""

from __future__ import annotations

import bz2
import gzip
import tarfile
import zipfile
from pathlib import Path

from .checksums import ChecksumError
from .registry import FileSpec

HTML_STARTS = (b"<!doctype html", b"<html")
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
# Compressed files up to this size are read to their end before a pin; of a larger one (DBpedia's
# page links: GBs of bz2, minutes to decompress) only the start, leaving a cut to the checks of
# the transfer itself (Content-Length) and to the loader.
READ_THROUGH_LIMIT = 256 << 20


class FormatError(ChecksumError):
    """A file's bytes are not of its registry format (a web page, a truncated archive...)."""


def refuse_html(path: Path, spec: FileSpec) -> None:
    """Raise FormatError when `path` starts like an HTML page (no registry format is one)."""
    with open(path, "rb") as f:
        head = f.read(512).lstrip().lower()
    if head.startswith(HTML_STARTS):
        raise FormatError(f"{spec.key}: {path} is an HTML page, not the {spec.format} file (the "
                          "server sent a login, quota or confirmation page?)")


def _open_mat(path: Path) -> None:
    import scipy.io  # heavy: only when a .mat is pinned

    # whosmat reads the variable headers as loadmat does (v4/v5; v7.3 HDF5 is refused there too)
    if not scipy.io.whosmat(path):
        raise ValueError("no variables in it")


def _read_through(f, path: Path) -> None:
    """Decompress to the end (a cut transfer is found only there), or only the first MiB of a
    file over READ_THROUGH_LIMIT; nothing is kept."""
    if path.stat().st_size > READ_THROUGH_LIMIT:
        f.read(1 << 20)
        return
    while f.read(1 << 20):
        pass


def _open_gz(path: Path) -> None:
    with gzip.open(path) as f:
        _read_through(f, path)


def _open_bz2(path: Path) -> None:
    with bz2.open(path) as f:
        _read_through(f, path)


def _open_tar(path: Path) -> None:
    with tarfile.open(path) as tar:  # every member header: a cut archive fails here
        whole = path.stat().st_size <= READ_THROUGH_LIMIT
        if not (tar.getmembers() if whole else tar.next()):
            raise ValueError("an empty archive")


def _open_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        if not z.namelist():
            raise ValueError("an empty archive")


def _open_7z(path: Path) -> None:
    with open(path, "rb") as f:
        if f.read(6) != SEVEN_ZIP_MAGIC:
            raise ValueError("no 7z signature")


def _open_pth(path: Path) -> None:
    # torch.save writes a zip since torch 1.6; older files are a pickle (protocol 2+)
    if not zipfile.is_zipfile(path):
        _open_pickle(path)


# A pickle of protocol 2 to 5 starts with the PROTO opcode (0x80) and the protocol number. Only
# these two bytes are read: the pickle module is not imported (nothing downloaded is unpickled).
PICKLE_PROTO, PICKLE_PROTOCOLS = 0x80, range(2, 6)


def _open_pickle(path: Path) -> None:
    with open(path, "rb") as f:
        head = f.read(2)
    if len(head) < 2 or head[0] != PICKLE_PROTO or head[1] not in PICKLE_PROTOCOLS:
        raise ValueError("no pickle protocol header")


def _open_text(path: Path) -> None:
    with open(path, "rb") as f:
        if b"\0" in f.read(1 << 16):
            raise ValueError("NUL bytes in a text file")


OPENERS = {
    "mat": _open_mat, "gz": _open_gz, "bz2": _open_bz2, "zip": _open_zip, "tar.7z": _open_7z,
    "tar.gz": _open_tar, "tgz": _open_tar, "tar.bz2": _open_tar, "tar.xz": _open_tar,
    "pth": _open_pth, "pkl": _open_pickle, "csv": _open_text, "text": _open_text,
}


def check_format(path: Path, spec: FileSpec) -> None:
    """Raise FormatError unless `path` opens as a `spec.format` file (HTML refused first)."""
    refuse_html(path, spec)
    try:
        OPENERS[spec.format](path)
    except Exception as err:  # each library raises its own kind for bad bytes
        raise FormatError(f"{spec.key}: {path} is not a readable {spec.format} file "
                          f"({type(err).__name__}: {err})") from err
