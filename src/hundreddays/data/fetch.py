"""Fetch one registry file: the mirror first, then each upstream URL; checksum verified before
the file takes its final name; pinned in the lock file when no checksum is published."""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pooch
import requests

from . import kaggle
from .checksums import ChecksumError, verify_file
from .http import ResumableDownloader
from .lockfile import pin, read_lock
from .registry import FileSpec

log = logging.getLogger(__name__)
HTML_STARTS = (b"<!doctype html", b"<html")
TEXT_FORMATS = {"csv", "text"}


class FetchError(RuntimeError):
    """No source gave the file with the right checksum."""


KAGGLE_SOURCE = "kaggle://"


def _sources(spec: FileSpec, mirror: str | None, kaggle_competition: str | None = None
             ) -> list[str]:
    """The mirror first, then the upstream URLs; for Kaggle competition files the Kaggle CLI
    instead (their registry URL is the competition's data page, not a download)."""
    sources = []
    if mirror:
        sep = "" if mirror.endswith("/") else "/"
        sources.append(f"{mirror}{sep}{spec.dataset}/{spec.name}")
    if kaggle_competition:
        return [*sources, f"{KAGGLE_SOURCE}{kaggle_competition}/{spec.name}"]
    return sources + list(spec.urls)


def _expected(
    spec: FileSpec, manifest: dict | None, lockfile: Path | None
) -> tuple[str | None, str]:
    """Return (sha256 that replaces the registry checksum or None, what is checked)."""
    if manifest and spec.key in manifest:
        return manifest[spec.key], "manifest"
    if spec.checksum_kind == "none":
        pinned = read_lock(lockfile).get(spec.key) if lockfile else None
        return (pinned["sha256"], "lock") if pinned else (None, "pinned-now")
    return None, spec.checksum_kind


@contextlib.contextmanager
def _pooch_quiet():
    """Silence pooch's INFO lines: they name its temporary folder and advise its own users to pass
    the file's hash as `known_hash`, which misleads ours (our log names the source)."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _download(source: str, part: Path, retries: int, timeout: float, progress: bool) -> None:
    """Bring `source` (URL, local path or kaggle://<competition>/<file>) into `part`, resuming
    a cut HTTP transfer."""
    if source.startswith(KAGGLE_SOURCE):
        competition, name = source.removeprefix(KAGGLE_SOURCE).split("/", 1)
        kaggle.download(competition, name, part, timeout=max(timeout, 6 * 3600))
        return
    if "://" not in source:
        if not Path(source).is_file():
            raise FileNotFoundError(f"not in the mirror folder: {source}")
        shutil.copyfile(source, part)
        return
    downloader = ResumableDownloader(part, retries=retries, timeout=timeout, progress=progress)
    with tempfile.TemporaryDirectory(dir=part.parent) as tmp, _pooch_quiet():
        got = pooch.retrieve(source, known_hash=None, fname=part.name, path=tmp,
                             downloader=downloader, progressbar=False)
        Path(got).replace(part)


def _describe(err: Exception) -> str:
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code}"
    if isinstance(err, requests.Timeout):
        return "timed out (no network, or the host is slow)"
    if isinstance(err, requests.ConnectionError):
        return "connection failed (no network, or the host is down)"
    return f"{type(err).__name__}: {err}"


def _refuse_html(part: Path, spec: FileSpec) -> None:
    if spec.format not in TEXT_FORMATS:
        with open(part, "rb") as f:
            head = f.read(512).lstrip().lower()
        if head.startswith(HTML_STARTS):
            raise ChecksumError(f"{spec.key}: the server sent an HTML page, not the {spec.format} "
                                "file (a login or confirmation page?)")


def _expected_text(spec: FileSpec, expected: str | None, checked: str,
                   lockfile: Path | None) -> str:
    if checked == "manifest":
        return f"sha256 {expected} (from the mirror manifest)"
    if checked == "lock":
        return f"sha256 {expected} (pinned in {lockfile})"
    if checked == "pinned-now":
        return f"no checksum is published; the file will be pinned in {lockfile}"
    size = f", {spec.size} bytes" if spec.size is not None else ""
    return f"{checked} {spec.checksum_value}{size} (published in {spec.checksum_source})"


def _fetch_verified(source: str, part: Path, spec: FileSpec, expected: str | None,
                    download: Callable[[str, Path], None]) -> str:
    """Return the sha256 of `part` once it holds `source`'s verified bytes; wrong bytes are
    deleted and raise ChecksumError."""
    resumed = source.startswith(("http://", "https://")) and part.exists()  # HTTP resumes
    try:
        download(source, part)
        _refuse_html(part, spec)
        return verify_file(part, spec, expected)
    except ChecksumError:
        part.unlink(missing_ok=True)  # wrong bytes: never resume from them
        if not resumed:
            raise
    # the kept bytes of a cut transfer may be stale (the file changed since): once more from zero
    log.warning("%s: the resumed download from %s does not verify; starting over", spec.key, source)
    return _fetch_verified(source, part, spec, expected, download)


def _record(spec: FileSpec, source: str, sha: str, size: int, checked: str) -> dict:
    return {"dataset": spec.dataset, "file": spec.name, "source": source, "sha256": sha,
            "size": size, "checksum_kind": checked,
            # no publisher checksum: the bytes are trusted because the lock file pinned them
            "pinned": checked in ("pinned-now", "lock")}


def _failure(spec: FileSpec, dest: Path, part: Path, tried: list[str], expected_text: str
             ) -> FetchError:
    lines = "\n".join(f"  - {t}" for t in tried)
    kept = f"The partial download {part} is kept and resumed next time. " if part.exists() else ""
    return FetchError(
        f"Could not fetch {spec.key} (dataset {spec.dataset}, file {spec.name}). Tried:\n{lines}\n"
        f"{kept}Place the file by hand at {dest} (expected: {expected_text}) and run again, or "
        f"set `mirror:` in config.yaml to a folder or URL that holds {spec.dataset}/{spec.name}.")


def fetch_file(spec: FileSpec, dest: Path, *, mirror: str | None = None,
               manifest: dict[str, str] | None = None, lockfile: Path | None = None,
               progress: bool = True, retries: int = 3, timeout: float = 60.0,
               kaggle_competition: str | None = None) -> dict:
    """Make `dest` hold the verified file; return its provenance record
    {dataset, file, source, sha256, size, checksum_kind (what was checked), pinned (the checksum
    is one the lock file pinned at a first download, not a publisher's)}.
    `kaggle_competition`: the file is a file of that Kaggle competition, downloaded with the
    kaggle CLI (after the mirror).
    Raises FetchError, naming every source tried and where to place the file by hand."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    expected, checked = _expected(spec, manifest, lockfile)
    if dest.exists():
        try:
            sha = verify_file(dest, spec, expected)
            if checked == "pinned-now" and lockfile:  # placed by hand: pin what is there
                pin(lockfile, spec.key, sha, dest.stat().st_size, str(dest))
            return _record(spec, "cached", sha, dest.stat().st_size, checked)
        except ChecksumError as err:
            log.warning("%s; fetching it again", err)
            dest.unlink()
    part = dest.with_name(dest.name + ".part")
    download = functools.partial(_download, retries=retries, timeout=timeout, progress=progress)
    tried = []
    for source in _sources(spec, mirror, kaggle_competition):
        log.info("%s: fetching from %s", spec.key, source)
        try:
            sha = _fetch_verified(source, part, spec, expected, download)
        except ChecksumError as err:
            tried.append(f"{source}: {err}")
            continue
        except (requests.RequestException, OSError, ValueError, RuntimeError) as err:
            tried.append(f"{source}: {_describe(err)}")
            continue
        size = part.stat().st_size
        part.replace(dest)
        if checked == "pinned-now" and lockfile:
            pin(lockfile, spec.key, sha, size, source)
        return _record(spec, source, sha, size, checked)
    raise _failure(spec, dest, part, tried, _expected_text(spec, expected, checked, lockfile))
