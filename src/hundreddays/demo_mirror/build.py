"""Build the demo mirror: `<out>/<dataset>/<file>` for each requested dataset, plus a manifest.

Each dataset has one builder module exposing `DATASET` (the registry id) and
`build_files(seed) -> {file name: bytes}`; adding a dataset means adding a module and one entry
in `BUILDERS`. The files are written atomically, and `<out>/manifest.yaml` maps
"<dataset>/<file>" to its sha256 (the fetch layer verifies the mirror's files against it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import yaml

from ..atomic import atomic_path, write_text
from . import (
    adult,
    adult_uci,
    biwi,
    camvid,
    dbpedia,
    elevators,
    elevators_csv,
    imdb,
    mnist,
    movielens,
    newsgroups,
    pets,
    planet,
    planet_kaggle,
    ucsd,
    whale,
)

BUILDERS: dict[str, Callable[[int], dict[str, bytes]]] = {
    module.DATASET: module.build_files
    for module in (adult, adult_uci, biwi, camvid, dbpedia, elevators, elevators_csv, imdb, mnist,
                   movielens, newsgroups, pets, planet, planet_kaggle, ucsd, whale)
}
MANIFEST = "manifest.yaml"


def check_datasets(datasets: list[str], rehearsal: bool = False) -> None:
    """Raise ValueError naming any dataset id that has no miniature builder."""
    from .rehearsal import SPEC
    from .weights import BUILDERS as WEIGHTS

    unknown = sorted(set(datasets) - set(SPEC if rehearsal else {**BUILDERS, **WEIGHTS}))
    if unknown:
        raise ValueError(f"no demo-mirror builder for dataset(s) {unknown}; "
                         f"known: {sorted(BUILDERS)}")


def write_bytes(path: Path, data: bytes) -> str:
    """Write `data` to `path` atomically and return its sha256 hex digest."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def build_demo_mirror(out_dir: Path, datasets: list[str], seed: int = 0,
                      rehearsal: bool = False) -> dict[str, str]:
    """Write the miniatures of `datasets` under `out_dir` and `out_dir/manifest.yaml` (with
    `rehearsal`: the rehearsal mirror, hundreddays.demo_mirror.rehearsal).

    Returns {"<dataset>/<file>": sha256 hex digest}, the same mapping the manifest holds.
    Raises ValueError, before writing anything, if a dataset id has no builder.
    """
    from .rehearsal import builder
    from .weights import BUILDERS as WEIGHTS

    check_datasets(datasets, rehearsal)
    out_dir = Path(out_dir)
    checksums = {}
    for dataset in sorted(set(datasets)):
        build = builder(dataset) if rehearsal else {**BUILDERS, **WEIGHTS}[dataset]
        for name, data in build(seed).items():
            checksums[f"{dataset}/{name}"] = write_bytes(out_dir / dataset / name, data)
    write_text(out_dir / MANIFEST, yaml.safe_dump(checksums, sort_keys=True))
    if rehearsal:  # what the rehearsal's estimate scales from (hundreddays.rehearsal.table)
        from .rehearsal import ITEMS_FILE, SPEC

        items = {d: SPEC[d]["items"] for d in sorted(set(datasets)) if SPEC[d].get("items")}
        write_text(out_dir / ITEMS_FILE, yaml.safe_dump(items, sort_keys=True))
    return dict(sorted(checksums.items()))
