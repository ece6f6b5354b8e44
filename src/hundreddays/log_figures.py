"""The log's own images beside the figures the studies regenerate.

log_figures.yaml names each image the log links, the commit of the log's repository it is read
at, its size and sha256, and the study whose figure regenerates it. `fetch_originals` brings each
original (the mirror first, then raw.githubusercontent.com at the pinned commit) with the
datasets' fetch code, verified against the sha256; a failed fetch is recorded, never raised: the
report then links to the original at the pinned commit. `original_cell`, `pair_table` and
`unshown_section` are the report's Markdown for them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_json
from .data.fetch import FetchError, fetch_file
from .data.registry import FileSpec
from .yaml_files import read_checked

log = logging.getLogger(__name__)
REGISTRY_FILE = "log_figures.yaml"
DATASET = "log_figures"  # a mirror holds the originals as <mirror>/log_figures/<name>
RAW_HOST = "https://raw.githubusercontent.com"
RECORDS = "records.json"
NO_NETWORK = ("connection failed", "timed out")  # as hundreddays.data.fetch describes them


class LogFiguresError(ValueError):
    """log_figures.yaml is malformed or names an unknown study; the message names file and key."""


@dataclass(frozen=True)
class LogImage:
    """One image of the log, at the pinned commit of the log's repository."""

    name: str
    day: int
    kind: str
    study: str | None
    why: str | None
    size: int
    sha256: str
    repository: str
    commit: str
    commit_source: str

    def url(self, host: str = RAW_HOST) -> str:
        """The file's bytes at the pinned commit (raw.githubusercontent.com, or `host` alike)."""
        return f"{host.rstrip('/')}/{self.repository}/{self.commit}/{self.name}"

    @property
    def page(self) -> str:
        """GitHub's page of the file at the pinned commit."""
        return f"https://github.com/{self.repository}/blob/{self.commit}/{self.name}"

    def spec(self, host: str = RAW_HOST) -> FileSpec:
        """The file as the datasets' fetch code takes it: one URL, size and sha256."""
        return FileSpec(dataset=DATASET, name=self.name, urls=(self.url(host),), size=self.size,
                        checksum_kind="sha256", checksum_value=self.sha256,
                        checksum_source=f"{REGISTRY_FILE} ({self.repository}@{self.commit})",
                        format="png", extract=False)


def load_log_figures(path: str | os.PathLike, studies: Iterable[str] | None = None
                     ) -> dict[str, LogImage]:
    """Read and check log_figures.yaml; with `studies`, each image's study must be one of them and
    no study may regenerate two images. Raises LogFiguresError naming the file and the key."""
    raw = read_checked(path, "log_figures.schema.yaml", "the log's figures", LogFiguresError)
    images = {
        name: LogImage(name=name, day=entry["day"], kind=entry["kind"], study=entry["study"],
                       why=entry.get("why"), size=entry["size"], sha256=entry["sha256"],
                       repository=raw["repository"], commit=raw["commit"],
                       commit_source=" ".join(raw["commit_source"].split()))
        for name, entry in raw["images"].items()
    }
    if studies is not None:
        known, seen = set(studies), {}
        for image in images.values():
            if image.study is None:
                continue
            if image.study not in known:
                raise LogFiguresError(f"{path}: images.{image.name}.study: {image.study!r} is not "
                                      f"a study of studies.yaml")
            if image.study in seen:
                raise LogFiguresError(f"{path}: images.{image.name}.study: {image.study!r} "
                                      f"already regenerates {seen[image.study]}")
            seen[image.study] = image.name
    return images


def _record(image: LogImage, fetched: dict | None, note: str) -> dict:
    return {"image": image.name, "day": image.day, "kind": image.kind, "study": image.study,
            "why": image.why, "commit": image.commit, "url": image.url(), "page": image.page,
            "sha256": image.sha256, "size": image.size, "fetched": fetched is not None,
            "source": fetched["source"] if fetched else None, "note": note}


def fetch_originals(images: dict[str, LogImage], out_dir: str | os.PathLike, *, fetch: bool,
                    mirror: str | None = None, host: str = RAW_HOST, timeout: float = 30.0
                    ) -> list[dict]:
    """Bring each original into `out_dir/<name>`, verified against its sha256, and write
    `out_dir/records.json`: one record per image (fetched or not, and why not). With `fetch`
    false (an offline run) nothing is tried. A failed fetch leaves no file and is not an error."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    records, offline = [], None
    for image in images.values():
        if not fetch:
            records.append(_record(image, None, "this run does not download (offline scale)"))
            continue
        if offline:
            records.append(_record(image, None, f"not tried, {offline}"))
            continue
        try:
            got = fetch_file(image.spec(host), out_dir / image.name, mirror=mirror,
                             progress=False, retries=1, timeout=timeout)
        except FetchError as err:
            log.warning("%s", err)
            # "  - <source>: <what went wrong>" per source tried; the URL is in the record
            tried = "; ".join(t.split(": ", 1)[-1] for t in str(err).splitlines()[1:-1])
            records.append(_record(image, None, f"could not be fetched: {tried}"))
            if any(cause in tried for cause in NO_NETWORK):  # spare the others the timeouts
                offline = f"as {image.name} could not be reached (no network?)"
            continue
        records.append(_record(image, got, f"fetched from {got['source']}, sha256 verified"))
    write_json(out_dir / RECORDS, records)
    return records


def read_records(folder: str | os.PathLike, report_dir: str | os.PathLike) -> list[dict]:
    """The records `fetch_originals` wrote in `folder`, each with `path`: the fetched file
    relative to the report's folder (None when not fetched)."""
    folder = Path(folder)
    path = folder / RECORDS
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise LogFiguresError(f"{path}: cannot read the log figures' records: {err}") from err
    rel = Path(os.path.relpath(folder, report_dir)).as_posix()
    return [{**r, "path": f"{rel}/{r['image']}" if r["fetched"] else None} for r in records]


def original_cell(record: dict) -> str:
    """The log's original as a Markdown table cell: the fetched image (and where it is from), or
    a link to it at the pinned commit when it was not fetched."""
    short = record["commit"][:7]
    if record["path"]:
        return (f"![the log, day {record['day']}: {record['image']}]({record['path']})<br>"
                f"[{record['image']} at {short}]({record['page']}), sha256 "
                f"`{record['sha256'][:12]}…` verified")
    return (f"[{record['image']} at {short}]({record['url']}) (not shown: {record['note']}; "
            f"sha256 `{record['sha256'][:12]}…`)")


def pair_table(record: dict, figure_path: str, title: str) -> list[str]:
    """Two columns: the log's original (day N) and the figure of this run."""
    alt = title.replace("[", "(").replace("]", ")")
    return [f"| the log, day {record['day']} | this run |", "|---|---|",
            f"| {original_cell(record)} | ![{alt}]({figure_path}) |"]


def unshown_section(records: list[dict], shown: set[str]) -> list[str]:
    """The log's images that no figure of this report stands beside, with the reason."""
    rest = [r for r in records if r["image"] not in shown]
    if not rest:
        return []
    lines = ["### The log's other images", "",
             "Images the log shows that no figure of this run regenerates "
             f"(read at {records[0]['commit'][:7]}):", ""]
    for r in sorted(rest, key=lambda r: (r["day"], r["image"])):
        why = r["why"] or f"its study `{r['study']}` has no figure in this report"
        lines.append(f"- day {r['day']}, [{r['image']}]({r['url']}) ({r['kind']}): {why}")
    return [*lines, ""]
