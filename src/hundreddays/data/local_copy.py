"""Local copies: a dataset already extracted on this machine or cluster, read where it lies.

The config names the folder (`local_copies: {<dataset id>: <folder>}`); nothing is fetched,
extracted or copied. Its layout is checked with the loader's own check (each loader's
`check_layout`, which tests what its reader opens first), and a manifest of its files (relative
path -> sha256) is pinned on first use and checked on every later run, so the study reads the
bytes that were pinned or the run stops naming the file that changed. A folder its loader
refuses is named with the config key, what it should hold and what it looks like instead, and
nothing is pinned: `verify_local_copies` checks every copy's layout before it pins any.

The manifest lies next to the lock file, `<lockfile's folder>/local-copies/<dataset>.sha256`, one
line per file in `sha256sum` format ("<hex>  <relative path>", sorted by path): from inside the
folder, `sha256sum -c <manifest>` checks it too. The check runs when the workflow is read
(rules/common.smk), i.e. on every snakemake call that plans a study on the copy; a rule with a
"verified" output would be skipped by Snakemake once that output exists.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path

from ..atomic import write_text

MANIFEST_FOLDER = "local-copies"
CHUNK = 1 << 20


class LocalCopyError(ValueError):
    """A local copy is misnamed, misshapen or no longer what its manifest pinned."""


# dataset id -> (loader module, its layout check), which raises FileNotFoundError (or ValueError)
# naming what is missing; imported only when used, so reading the workflow imports no loader
# that no local copy needs. Every id a study reads has one (tests/unit/data/test_layout_checks).
LAYOUT_CHECKS: dict[str, tuple[str, str]] = {
    "ucsd_bgsub": ("ucsd", "check_layout"),
    "newsgroups20": ("newsgroups", "check_layout"),
    "dbpedia": ("dbpedia", "check_layout"),
    "mnist": ("mnist", "check_layout"),
    "pets": ("pets", "check_layout"),
    "planet_sample": ("planet", "check_layout"),
    "planet_kaggle": ("planet", "check_layout"),
    "camvid": ("camvid", "check_layout"),
    "imdb": ("imdb", "check_layout"),
    "wt103_fwd": ("imdb", "check_wt103_layout"),
    "biwi_head_pose": ("biwi", "check_layout"),
    "adult": ("adult", "check_layout"),
    "adult_uci": ("adult", "check_uci_layout"),
    "movielens_100k": ("movielens", "check_layout"),
    "humpback_whale": ("whale", "check_layout"),
    "resnet34_imagenet": ("weights", "check_layout"),
    "resnet50_imagenet": ("weights", "check_layout"),
    "elevators": ("elevators", "check_layout"),
    "elevators_csv": ("elevators", "check_csv_layout"),
}


def manifest_path(lockfile: str | os.PathLike, dataset: str) -> Path:
    """Where the manifest of `dataset`'s local copy is pinned: beside the lock file."""
    return Path(lockfile).parent / MANIFEST_FOLDER / f"{dataset}.sha256"


def check_config(local_copies: dict[str, str], registry: dict, data_dir: str) -> None:
    """Raise LocalCopyError naming the key `local_copies.<id>` when the id is not in the registry,
    the folder does not exist, or it lies inside `data_dir` (the workflow's own output folder)."""
    for dataset, folder in local_copies.items():
        key = f"local_copies.{dataset}"
        if dataset not in registry:
            raise LocalCopyError(f"config {key}: {dataset!r} is not a dataset of the registry "
                                 f"(datasets.yaml); known ids: {sorted(registry)}")
        if not Path(folder).is_dir():
            raise LocalCopyError(f"config {key}: folder {folder} does not exist (or is not a "
                                 f"folder); name the folder that holds the extracted dataset")
        inside = Path(os.path.abspath(folder))
        if inside == Path(os.path.abspath(data_dir)) or Path(os.path.abspath(data_dir)) in \
                inside.parents:
            raise LocalCopyError(f"config {key}: {folder} lies inside data_dir ({data_dir}), "
                                 f"where the workflow writes; name a folder outside it")


def check_layout(dataset: str, folder: str | os.PathLike) -> None:
    """Raise LocalCopyError naming the config key local_copies.<dataset>, the folder and what
    its loader misses (what it should hold, what it looks like instead) when `folder` does not
    hold `dataset` in the layout its loader reads (any file at all, for an id no study reads)."""
    folder = Path(folder)
    check = LAYOUT_CHECKS.get(dataset)
    try:
        if check is not None:
            module, function = check
            getattr(importlib.import_module(f"hundreddays.loaders.{module}"), function)(folder)
        elif not list_files(folder):
            raise FileNotFoundError(f"{folder} holds no files")
    except (FileNotFoundError, ValueError) as err:
        raise LocalCopyError(f"config local_copies.{dataset}: the local copy of {dataset} at "
                             f"{folder} is not the layout its loader reads, so nothing was "
                             f"pinned: {err}") from err


def list_files(folder: str | os.PathLike) -> list[str]:
    """Every file under `folder` as a sorted relative POSIX path (links to files included)."""
    folder = Path(folder)
    found = []
    for here, dirs, files in os.walk(folder):
        dirs.sort()
        rel = Path(here).relative_to(folder)
        found += [(rel / name).as_posix() for name in files]
    for name in found:
        if "\n" in name or "\\" in name:
            raise LocalCopyError(f"{folder / name}: a file name with a newline or backslash "
                                 f"cannot be listed in a manifest; rename it")
    return sorted(found)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(path: str | os.PathLike) -> dict[str, str]:
    """{relative path: sha256} of a manifest file; raise LocalCopyError naming a bad line."""
    digests = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        value, sep, name = line.partition("  ")
        if not sep or len(value) != 64 or not name:
            raise LocalCopyError(f"{path}, line {number}: expected '<sha256>  <relative path>'; "
                                 f"delete {path} to pin the folder again")
        digests[name] = value
    return digests


def manifest_text(digests: dict[str, str]) -> str:
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))


def verify_local_copies(copies: dict[str, str | os.PathLike],
                        lockfile: str | os.PathLike) -> dict[str, dict]:
    """verify_local_copy for each {dataset: folder} of `copies`, its manifest beside `lockfile`,
    after the layout of every one was checked: one LocalCopyError names every refused folder,
    and then none is pinned."""
    refused = []
    for dataset in sorted(copies):
        try:
            check_layout(dataset, copies[dataset])
        except LocalCopyError as err:
            refused.append(str(err))
    if refused:
        head = [f"{len(refused)} local copies refused:"] if len(refused) > 1 else []
        raise LocalCopyError("\n".join(head + refused))
    return {dataset: verify_local_copy(dataset, copies[dataset],
                                       manifest_path(lockfile, dataset))
            for dataset in sorted(copies)}


def verify_local_copy(dataset: str, folder: str | os.PathLike,
                      manifest: str | os.PathLike) -> dict:
    """Check `folder`'s layout, then pin its manifest at `manifest` (first use) or check every
    file against it. Returns {"dataset", "folder", "manifest", "files", "manifest_sha256",
    "pinned_now"}. Raises LocalCopyError naming the first missing, added or changed files and
    how to pin the folder again."""
    folder, manifest = Path(folder), Path(manifest)
    check_layout(dataset, folder)
    names = list_files(folder)
    pinned_now = not manifest.exists()
    if pinned_now:
        write_text(manifest, manifest_text({n: file_sha256(folder / n) for n in names}))
    else:
        _compare(dataset, folder, manifest, names)
    text = manifest.read_bytes()
    return {"dataset": dataset, "folder": str(folder), "manifest": str(manifest),
            "files": len(names), "manifest_sha256": hashlib.sha256(text).hexdigest(),
            "pinned_now": pinned_now}


def _compare(dataset: str, folder: Path, manifest: Path, names: list[str]) -> None:
    pinned = read_manifest(manifest)
    missing = sorted(set(pinned) - set(names))
    added = sorted(set(names) - set(pinned))
    changed = [] if missing or added else [
        n for n in names if file_sha256(folder / n) != pinned[n]]
    problems = [(what, found) for what, found in
                (("missing", missing), ("added", added), ("changed", changed)) if found]
    if problems:
        said = "; ".join(f"{what}: {', '.join(str(folder / n) for n in found[:5])}"
                         f"{f' and {len(found) - 5} more' if len(found) > 5 else ''}"
                         for what, found in problems)
        raise LocalCopyError(
            f"local copy of {dataset} at {folder} differs from the manifest pinned in {manifest} "
            f"({said}). Restore the files, or, if the change is intended, delete {manifest} and "
            f"rerun to pin the folder as it is now")


def report_record(verified: dict) -> dict:
    """The report's provenance row of a verified local copy (report._dataset_section)."""
    return {"dataset": verified["dataset"], "file": f"{verified['files']} files",
            "source": f"local copy {verified['folder']}", "sha256": verified["manifest_sha256"],
            "checksum_kind": "local manifest", "pinned": False, "local_copy": True,
            "manifest": verified["manifest"]}
