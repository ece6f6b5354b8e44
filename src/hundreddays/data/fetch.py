"""Fetch one registry file: a copy already in place, the by-hand folder, the mirror, then each
upstream URL. Every way a file arrives passes one verification (`_verify`: no HTML page, size and
checksum, and the format check before a pin) before the file takes its final name; a file whose
publisher gives no checksum is then pinned in the lock file."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pooch
import requests

from . import gdrive, kaggle
from .checksums import ChecksumError, verify_file
from .extract import extract_member
from .formats import check_format, refuse_html
from .http import ResumableDownloader
from .lockfile import drop_command, pin, read_lock
from .registry import FileSpec

log = logging.getLogger(__name__)
BY_HAND = "by hand: "  # the source of a record whose file came from the by-hand folder


class FetchError(RuntimeError):
    """No source gave the file with the right checksum."""


KAGGLE_SOURCE = "kaggle://"


def by_hand_path(data_dir: str | os.PathLike, spec: FileSpec) -> Path:
    """Where a user places `spec`'s file by hand: <data_dir>/by-hand/<dataset>/<file>. No rule
    writes there, so Snakemake never deletes it (it deletes a job's outputs before the job)."""
    return Path(data_dir) / "by-hand" / spec.dataset / spec.name


def _sources(spec: FileSpec, mirror: str | None, kaggle_competition: str | None = None,
             by_hand: Path | None = None) -> list[str]:
    """The by-hand file if there is one, the mirror, then the upstream URLs (a zip that holds the
    file as "<zip url>#<member>"); for Kaggle competition files the Kaggle CLI with the file's
    path in the competition instead of the URLs (their registry URL is the competition's data
    page, not a download), or nothing more where the CLI does not serve the file."""
    sources = [f"{BY_HAND}{by_hand}"] if by_hand is not None and by_hand.is_file() else []
    if mirror:
        sep = "" if mirror.endswith("/") else "/"
        sources.append(f"{mirror}{sep}{spec.dataset}/{spec.name}")
    if kaggle_competition:
        if spec.kaggle_path is None:
            return sources
        return [*sources, f"{KAGGLE_SOURCE}{kaggle_competition}/{spec.kaggle_path}"]
    members = dict(spec.zip_members)
    return sources + [f"{url}#{members[url]}" if url in members else url for url in spec.urls]


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


def _link_or_copy(source: Path, part: Path) -> None:
    """A hard link when `source` is on the same filesystem (no second copy of a large file, and
    deleting the link never deletes the user's file), else a copy."""
    part.unlink(missing_ok=True)
    try:
        os.link(source, part)
    except OSError:
        shutil.copyfile(source, part)


def _retrieve(url: str, part: Path, downloader: ResumableDownloader) -> None:
    with tempfile.TemporaryDirectory(dir=part.parent) as tmp, _pooch_quiet():
        got = pooch.retrieve(url, known_hash=None, fname=part.name, path=tmp,
                             downloader=downloader, progressbar=False)
        Path(got).replace(part)


def _download(source: str, part: Path, retries: int, timeout: float, progress: bool,
              zip_sources: frozenset[str] = frozenset()) -> None:
    """Bring `source` (URL, local path, by-hand file or kaggle://<competition>/<file>) into
    `part`, resuming a cut HTTP transfer and following Google Drive's "Download anyway" form.
    A source in `zip_sources` ("<zip url>#<member>") is the zip's member: the zip is downloaded
    beside `part` (resumable too), its member extracted into `part`, the zip deleted."""
    if source in zip_sources:
        url, member = source.rsplit("#", 1)
        archive = part.with_name(f"{part.name}.zip")
        _download(url, archive, retries, timeout, progress)
        try:
            extract_member(archive, member, part)
        finally:
            archive.unlink(missing_ok=True)
        return
    if source.startswith(BY_HAND):
        _link_or_copy(Path(source.removeprefix(BY_HAND)), part)
        return
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
    _retrieve(source, part, downloader)
    confirmed = gdrive.confirmation_of(part, source)
    if confirmed:  # once: a second warning page is refused as HTML by the verification
        log.info("%s: Google Drive asks to confirm the download; fetching %s", part.name, confirmed)
        part.unlink()
        _retrieve(confirmed, part, downloader)


def _describe(err: Exception) -> str:
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code}"
    if isinstance(err, requests.Timeout):
        return "timed out (no network, or the host is slow)"
    if isinstance(err, requests.ConnectionError):
        return "connection failed (no network, or the host is down)"
    return f"{type(err).__name__}: {err}"


def _verify(path: Path, spec: FileSpec, expected: str | None, checked: str) -> str:
    """The one verification of every arriving file (download, mirror, by hand, already in place):
    no HTML page, then size and checksum; a file about to be pinned (nothing published vouches for
    it) must also open as its registry format. Return its sha256; raise ChecksumError."""
    refuse_html(path, spec)
    sha = verify_file(path, spec, expected)
    if checked == "pinned-now":
        check_format(path, spec)
    return sha


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


def _fetch_verified(source: str, part: Path, spec: FileSpec, expected: str | None, checked: str,
                    download: Callable[[str, Path], None]) -> str:
    """Return the sha256 of `part` once it holds `source`'s verified bytes; wrong bytes are
    deleted and raise ChecksumError."""
    resumed = source.startswith(("http://", "https://")) and part.exists()  # HTTP resumes
    try:
        download(source, part)
        return _verify(part, spec, expected, checked)
    except ChecksumError:
        part.unlink(missing_ok=True)  # wrong bytes: never resume from them
        if not resumed:
            raise
    # the kept bytes of a cut transfer may be stale (the file changed since): once more from zero
    log.warning("%s: the resumed download from %s does not verify; starting over", spec.key, source)
    return _fetch_verified(source, part, spec, expected, checked, download)


def _record(spec: FileSpec, source: str, sha: str, size: int, checked: str) -> dict:
    return {"dataset": spec.dataset, "file": spec.name, "source": source, "sha256": sha,
            "size": size, "checksum_kind": checked,
            # no publisher checksum: the bytes are trusted because the lock file pinned them
            "pinned": checked in ("pinned-now", "lock")}


def _failure(spec: FileSpec, by_hand: Path, part: Path, tried: list[str], expected_text: str,
             checked: str, lockfile: Path | None, kaggle_competition: str | None) -> FetchError:
    if kaggle_competition and spec.kaggle_path is None:
        tried = [*tried, f"the kaggle CLI: it does not serve this file (datasets.yaml notes); "
                         f"download it in a browser from {spec.urls[0]}"]
    lines = "\n".join(f"  - {t}" for t in tried)
    kept = f"The partial download {part} is kept and resumed next time. " if part.exists() else ""
    unpin = ""
    if checked == "lock":
        unpin = (f"\nIf that pin is wrong (say a web page was pinned as the file), drop it: "
                 f"delete the entry '{spec.key}' from {lockfile}, or run `"
                 f"{drop_command(lockfile, spec.key)}`; the next fetch pins the file anew.")
    return FetchError(
        f"Could not fetch {spec.key} (dataset {spec.dataset}, file {spec.name}). Tried:\n{lines}\n"
        f"{kept}Place the file by hand at {by_hand} (expected: {expected_text}) and run again, "
        f"or set `mirror:` in config.yaml to a folder or URL that holds "
        f"{spec.dataset}/{spec.name}.{unpin}")


def fetch_file(spec: FileSpec, dest: Path, *, mirror: str | None = None,
               manifest: dict[str, str] | None = None, lockfile: Path | None = None,
               progress: bool = True, retries: int = 3, timeout: float = 60.0,
               kaggle_competition: str | None = None, by_hand: Path | None = None) -> dict:
    """Make `dest` hold the verified file; return its provenance record
    {dataset, file, source, sha256, size, checksum_kind (what was checked), pinned (the checksum
    is one the lock file pinned at a first download, not a publisher's)}.
    `by_hand`: where a user may place the file (the workflow passes `by_hand_path`), tried first
    and linked or copied into `dest`, never moved or deleted; without it the error message tells
    the user to place the file at `dest`. `kaggle_competition`: the file is a file of that Kaggle
    competition, downloaded with the kaggle CLI (after the mirror) under its path there
    (spec.kaggle_path), or only by hand or from the mirror where the CLI does not serve it. A
    URL that is a zip holding the file (spec.zip_members) gives the member, verified the same.
    Raises FetchError, naming every source tried and where to place the file by hand."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    expected, checked = _expected(spec, manifest, lockfile)
    if dest.exists():
        try:
            sha = _verify(dest, spec, expected, checked)
            if checked == "pinned-now" and lockfile:
                pin(lockfile, spec.key, sha, dest.stat().st_size, str(dest))
            return _record(spec, "cached", sha, dest.stat().st_size, checked)
        except ChecksumError as err:
            log.warning("%s; fetching it again", err)
            dest.unlink()
    part = dest.with_name(dest.name + ".part")
    zip_sources = frozenset(f"{url}#{member}" for url, member in spec.zip_members)
    download = functools.partial(_download, retries=retries, timeout=timeout, progress=progress,
                                 zip_sources=zip_sources)
    tried = []
    for source in _sources(spec, mirror, kaggle_competition, by_hand):
        log.info("%s: fetching from %s", spec.key, source)
        try:
            sha = _fetch_verified(source, part, spec, expected, checked, download)
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
    expected_text = _expected_text(spec, expected, checked, lockfile)
    raise _failure(spec, by_hand or dest, part, tried, expected_text, checked, lockfile,
                   kaggle_competition)
