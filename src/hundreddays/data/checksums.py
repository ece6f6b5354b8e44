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


def _digest(path: Path, algorithm: str, limit: int | None = None) -> str:
    h = hashlib.new(algorithm)
    left = limit
    with open(path, "rb") as f:
        while left is None or left > 0:
            chunk = f.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
    return h.hexdigest()


def sha256_of(path: str | os.PathLike) -> str:
    """Return the hex sha256 of the whole file."""
    return _digest(Path(path), "sha256")


def verify_file(path: str | os.PathLike, spec: FileSpec, expected_sha256: str | None = None) -> str:
    """Check `path` against `expected_sha256` if given, else against the registry's checksum.

    Returns the file's whole-file sha256 (for provenance records and pinning); raises
    ChecksumError naming the file, the kind, the expected and the found values.
    """
    path = Path(path)
    actual = sha256_of(path)
    size = path.stat().st_size

    def fail(kind: str, expected: str, got: str, source: str) -> None:
        raise ChecksumError(f"{spec.key}: {kind} check failed for {path}: expected {expected}, "
                            f"got {got} (expected value from {source})")

    if expected_sha256 is not None:
        if actual != expected_sha256:
            fail("sha256", expected_sha256, actual, "the manifest or lock file")
        return actual
    if spec.size is not None and size != spec.size:
        fail("size", f"{spec.size} bytes", f"{size} bytes", spec.checksum_source)
    kind, value = spec.checksum_kind, spec.checksum_value
    if kind == "sha256" and actual != value:
        fail(kind, value, actual, spec.checksum_source)
    elif kind == "md5" and (got := _digest(path, "md5")) != value:
        fail(kind, value, got, spec.checksum_source)
    elif kind == "fastai" and (got := _digest(path, "md5", FASTAI_HEAD)) != value:
        fail("fastai (md5 of the first MiB)", value, got, spec.checksum_source)
    elif kind == "torchhub" and not actual.startswith(value):
        fail("torchhub (sha256 prefix)", f"{value}...", actual, spec.checksum_source)
    return actual
