"""The dataset registry (datasets.yaml): validated, then read into small frozen records."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..yaml_files import read_checked

ARCHIVE_FORMATS = {"tar.gz", "tgz", "tar.bz2", "tar.xz", "tar.7z", "zip", "gz", "bz2"}
HEX_LENGTHS = {"md5": 32, "sha256": 64, "fastai": 32}  # fastai's value is an md5 too


class RegistryError(ValueError):
    """datasets.yaml is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset: where to get it and how to check it."""

    dataset: str
    name: str
    urls: tuple[str, ...]
    size: int | None
    checksum_kind: str
    checksum_value: str | None
    checksum_source: str
    format: str
    extract: bool
    zip_members: tuple[tuple[str, str], ...] = ()  # (url, member): the file is a zip's member
    kaggle_file: str | None = None  # its path in a Kaggle competition, where not `name`
    kaggle_cli: bool = True  # False: the kaggle CLI does not serve it

    @property
    def key(self) -> str:
        """Return "<dataset>/<file>", the file's name in lock files and manifests."""
        return f"{self.dataset}/{self.name}"

    @property
    def kaggle_path(self) -> str | None:
        """The path `kaggle competitions download -f` takes for this file of a Kaggle
        competition (its kaggle_file, else its name); None where the CLI does not serve it."""
        return (self.kaggle_file or self.name) if self.kaggle_cli else None


@dataclass(frozen=True)
class Dataset:
    """One registry entry."""

    id: str
    title: str
    homepage: str
    access: str
    files: dict[str, FileSpec]
    items: int | None = None  # the publisher's count of items (datasets.yaml items.count)

    @property
    def kaggle_competition(self) -> str | None:
        """The competition slug of a Kaggle dataset (from its homepage), else None."""
        if self.access != "kaggle":
            return None
        prefix = "https://www.kaggle.com/competitions/"
        if not self.homepage.startswith(prefix):
            raise RegistryError(f"dataset {self.id}: access kaggle needs a homepage {prefix}<slug>")
        return self.homepage.removeprefix(prefix).strip("/").split("/")[0]


def _urls(entry: dict) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(every URL in order, the (url, member) pairs of the URLs that are a zip holding it)."""
    urls = tuple(u["url"] if isinstance(u, dict) else u for u in entry["urls"])
    members = tuple((u["url"], u["member"]) for u in entry["urls"] if isinstance(u, dict))
    return urls, members


def _check_semantics(path: str, ds_id: str, name: str, entry: dict, access: str) -> None:
    where = f"{path}: datasets.{ds_id}.files.{name}"
    if "kaggle_file" in entry and access != "kaggle":
        raise RegistryError(f"{where}.kaggle_file: only a file of a Kaggle dataset (access "
                            f"kaggle) has one")
    if entry.get("extract") and entry["format"] not in ARCHIVE_FORMATS:
        raise RegistryError(f"{where}.extract: format {entry['format']} is not an archive")
    kind, value = entry["checksum"]["kind"], entry["checksum"]["value"]
    if kind == "none":
        if value is not None:
            raise RegistryError(f"{where}.checksum.value: must be null for kind none")
        return
    if value is None:
        raise RegistryError(f"{where}.checksum.value: kind {kind} needs a value")
    expected = HEX_LENGTHS.get(kind)
    if expected and len(value) != expected:
        raise RegistryError(f"{where}.checksum.value: a {kind} digest has {expected} hex digits, "
                            f"got {len(value)}")
    if kind == "fastai" and entry["size"] is None:
        raise RegistryError(f"{where}.size: the fastai check needs the file size")
    if kind == "torchhub":
        if len(value) < 8:
            raise RegistryError(f"{where}.checksum.value: a torchhub prefix has >= 8 hex digits")
        if not all(value in url.rsplit("/", 1)[-1] for url in _urls(entry)[0]):
            raise RegistryError(f"{where}.checksum.value: prefix {value} is not in the file name "
                                "of every URL")


def load_registry(path: str | os.PathLike) -> dict[str, Dataset]:
    """Return {dataset id: Dataset} from `path`, after schema and consistency checks."""
    path = str(path)
    raw = read_checked(path, "datasets.schema.yaml", "the dataset registry", RegistryError)
    registry = {}
    for ds_id, ds in raw["datasets"].items():
        specs = {}
        for name, entry in ds["files"].items():
            _check_semantics(path, ds_id, name, entry, ds.get("access", "public"))
            urls, members = _urls(entry)
            specs[name] = FileSpec(
                dataset=ds_id, name=name, urls=urls, size=entry["size"],
                checksum_kind=entry["checksum"]["kind"], checksum_value=entry["checksum"]["value"],
                checksum_source=entry["checksum"]["source"], format=entry["format"],
                extract=entry.get("extract", entry["format"] in ARCHIVE_FORMATS),
                zip_members=members, kaggle_file=entry.get("kaggle_file"),
                kaggle_cli="kaggle_file" not in entry or entry["kaggle_file"] is not None,
            )
        registry[ds_id] = Dataset(id=ds_id, title=ds["title"], homepage=ds["homepage"],
                                  access=ds.get("access", "public"),
                                  files=specs, items=(ds.get("items") or {}).get("count"))
    return registry


