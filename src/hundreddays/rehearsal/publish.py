"""A finished rehearsal gathered into a committed folder published/rehearsal-<run>/: its tables
(rehearsal.csv per study, phases.csv per phase), rehearsal.md and machine.md. The last such
folder is what README's estimate and the workflow's resources are written from
(scripts/rehearsal_resources.py)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml

from ..data.registry import load_registry
from ..demo_mirror.rehearsal import ITEMS_FILE
from ..study_table import load_studies
from .summary import PHASES_CSV, STUDIES_CSV, markdown
from .table import PHASE_COLUMNS, STUDY_COLUMNS, tables, write_csv

PREFIX = "rehearsal-"
RECORDS = "records"  # the studies' records (hundreddays.rehearsal.record), one JSON each


def merged_config(repo: Path, profile_config: Path) -> tuple[dict, dict]:
    """(config.yaml with the profile's config file merged over it, config.yaml)."""
    from snakemake.utils import update_config

    full = yaml.safe_load((repo / "config.yaml").read_text(encoding="utf-8"))
    merged = yaml.safe_load((repo / "config.yaml").read_text(encoding="utf-8"))
    update_config(merged, yaml.safe_load(Path(profile_config).read_text(encoding="utf-8")))
    return merged, full


def write_tables(repo: Path, records: Path, profile_config: Path, out: Path,
                 mirror: Path | None = None) -> Path:
    """rehearsal.csv and phases.csv of the records in `records` into the folder `out` (the
    items of the rehearsal mirror as built: `mirror`/items.yaml)."""
    config, full = merged_config(repo, profile_config)
    studies = load_studies(repo / "studies.yaml")
    registry = load_registry(repo / "datasets.yaml")
    items_file = Path(mirror or repo / "resources" / "rehearsal-mirror") / ITEMS_FILE
    # a mirror without the file is the demo's (rehearsal.mirror: demo): its counts are unknown
    items = yaml.safe_load(items_file.read_text()) if items_file.is_file() else {}
    study_rows, phase_rows = tables(records, studies, config, full, registry,
                                    config.get("skip") or {}, items)
    write_csv(out / STUDIES_CSV, study_rows, STUDY_COLUMNS)
    write_csv(out / PHASES_CSV, phase_rows, PHASE_COLUMNS)
    return out


def publish(results: Path, out: Path, machine: str, records: Path | None = None,
            files: tuple[Path, ...] = ()) -> Path:
    """Copy the tables of `results` (written by write_tables) into `out`, which must not exist,
    with rehearsal.md and machine.md, the study records `records` as records/ and the `files`
    that exist (the mirror's items.yaml, the run's environment.txt): what retabulate needs to
    write the tables again. The folder appears whole or not at all."""
    results, out = Path(results), Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists already: choose another run name or remove it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name in (STUDIES_CSV, PHASES_CSV):
            shutil.copyfile(results / name, tmp / name)
        if records is not None and Path(records).is_dir():
            shutil.copytree(records, tmp / RECORDS)
        for path in map(Path, files):
            if path.is_file():
                shutil.copyfile(path, tmp / path.name)
        (tmp / "machine.md").write_text(machine, encoding="utf-8")
        (tmp / "rehearsal.md").write_text(markdown(tmp, machine, out.name), encoding="utf-8")
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def retabulate(repo: Path, folder: Path, profile_config: Path, note: str) -> Path:
    """Write a published rehearsal's tables and rehearsal.md again from its records/ and
    items.yaml with the estimator as it is now; `note` (which code did it) is added to its
    machine.md."""
    folder = Path(folder)
    if not (folder / RECORDS).is_dir():
        raise FileNotFoundError(f"{folder}: no {RECORDS}/ to write the tables from")
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        write_tables(repo, folder / RECORDS, profile_config, Path(tmp), mirror=folder)
        for name in (STUDIES_CSV, PHASES_CSV):
            shutil.copyfile(Path(tmp) / name, folder / name)
    machine = (folder / "machine.md").read_text(encoding="utf-8").rstrip("\n") + f"\n- {note}\n"
    (folder / "machine.md").write_text(machine, encoding="utf-8")
    (folder / "rehearsal.md").write_text(markdown(folder, machine), encoding="utf-8")
    return folder


def latest(published: Path) -> Path | None:
    """The published rehearsal named last in sort order (names carry the date)."""
    runs = sorted(p for p in Path(published).glob(f"{PREFIX}*") if p.is_dir())
    return runs[-1] if runs else None
