"""Checksum checks in each kind a publisher gives: whole-file sha256/md5, fastai's size + md5 of
the first MiB, torch hub's sha256 prefix."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .registry import FileSpec

CHUNK = 1 << 20
FASTAI_HEAD = 1 << 20  # fastdownload's path_stats hashes only the first MiB


class ChecksumError(ValueError):
    """A file's bytes are not the published ones."""


def _hash_file(path: Path, algorithms: tuple[str, ...]) -> dict[str, str]:
    """Return {algorithm: hex digest} of the whole file, read once in chunks (files can be GBs)."""
    hashes = {name: hashlib.new(name) for name in algorithms}
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            for h in hashes.values():
                h.update(chunk)
    return {name: h.hexdigest() for name, h in hashes.items()}


def _head_md5(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.md5(f.read(FASTAI_HEAD)).hexdigest()


def sha256_of(path: str | os.PathLike) -> str:
    """Return the hex sha256 of the whole file."""
    return _hash_file(Path(path), ("sha256",))["sha256"]


def verify_file(path: str | os.PathLike, spec: FileSpec, expected_sha256: str | None = None) -> str:
    """Check `path` against `expected_sha256` if given, else against the registry's checksum.

    Returns the file's whole-file sha256 (for provenance records and pinning); raises
    ChecksumError naming the file, the kind, the expected and the found values.
    """
    path = Path(path)
    kind, value = spec.checksum_kind, spec.checksum_value

    def fail(kind: str, expected: str, got: str, source: str) -> None:
        raise ChecksumError(f"{spec.key}: {kind} check failed for {path}: expected {expected}, "
                            f"got {got} (expected value from {source})")

    size = path.stat().st_size
    # the registry size belongs to the registry checksum; a manifest or lock value replaces both
    if expected_sha256 is None and spec.size is not None and size != spec.size:
        fail("size", f"{spec.size} bytes", f"{size} bytes", spec.checksum_source)
    # one pass for both digests: an md5-checked file is also recorded by its sha256
    need_md5 = expected_sha256 is None and kind == "md5"
    digests = _hash_file(path, ("sha256", "md5") if need_md5 else ("sha256",))
    actual = digests["sha256"]
    if expected_sha256 is not None:
        if actual != expected_sha256:
            fail("sha256", expected_sha256, actual, "the manifest or lock file")
    elif kind == "sha256" and actual != value:
        fail(kind, value, actual, spec.checksum_source)
    elif kind == "md5" and digests["md5"] != value:
        fail(kind, value, digests["md5"], spec.checksum_source)
    elif kind == "fastai" and (got := _head_md5(path)) != value:
        fail("fastai (md5 of the first MiB)", value, got, spec.checksum_source)
    elif kind == "torchhub" and not actual.startswith(value):
        fail("torchhub (sha256 prefix)", f"{value}...", actual, spec.checksum_source)
    return actual
