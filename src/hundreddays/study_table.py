"""The study table (studies.yaml): validated, then read into small frozen records.

It is the one list of studies: rules/studies.smk makes a rule per row, the report takes its
order, titles and categories from it, the dataset registry's users are derived from it, and the
tests read it. Each study's config block is checked against its own schema,
schemas/studies/<study>.yaml.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .yaml_files import first_error, read_checked, schema

LAST_COURSE_DAY = 15  # days 1-15: the computational linear algebra course


class StudyTableError(ValueError):
    """studies.yaml, or a study's config block, is malformed; the message names file and key."""


@dataclass(frozen=True)
class Study:
    """One row of the study table."""

    id: str
    day: str
    title: str
    datasets: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)
    pretrained: tuple[str, ...] = ()
    after: dict[str, str] = field(default_factory=dict)
    table: bool = False
    outputs: dict[str, str] = field(default_factory=dict)
    threads: int = 1
    gpu: int = 0
    mem_mb: int | None = None
    one_seed: str | None = None  # why it runs only the base seed (a run too long to repeat)
    data_free: tuple[str, ...] = ()  # the metrics (or glob patterns) it measures without data

    @property
    def days(self) -> list[int]:
        """Every day the row names ("3-4" gives both ends)."""
        return [int(d) for part in self.day.split(", ") for d in part.split("-")]

    @property
    def category(self) -> str:
        """The report's section: the linear-algebra course or the rest of the log."""
        return "Days 1-15" if self.days[0] <= LAST_COURSE_DAY else "Days 16-53"

    def report_labels(self, shows: str) -> dict[str, str]:
        """Its entry in a category of the HTML report, where a figure or table is `shows`: the
        day with each number zero-padded (the report sorts entries as text: "02" before "12", as
        in the log), the study and what the entry shows. Short: the report's menu grows with
        them and squeezes the figure beside it; the entry's description says the rest."""
        day = re.sub(r"\d+", lambda number: f"{int(number.group()):02d}", self.day)
        return {"day": day, "study": self.id, "shows": shows}

    @property
    def heading(self) -> str:
        """The figure's title as the report shows it: "Days 3-4 - <title>"."""
        plural = "s" if "-" in self.day or "," in self.day else ""
        return f"Day{plural} {self.day} - {self.title}"

    @property
    def registry_ids(self) -> list[str]:
        """Every registry id the row names: datasets, each source, pretrained weights."""
        return list(dict.fromkeys([*self.datasets, *self.sources.values(), *self.pretrained]))

    def data(self, cfg: dict) -> list[str]:
        """The datasets the study reads under its config block `cfg` (`source` picks one of
        the row's sources)."""
        if self.sources:
            return [self.sources[cfg["source"]]]
        return list(self.datasets)

    def weights(self, cfg: dict) -> list[str]:
        """The pretrained weights it reads: the row's, when `cfg` says pretrained: true."""
        return list(self.pretrained) if cfg.get("pretrained", False) else []

    def seeds(self, seed: int, count: int) -> list[int]:
        """The seeds it runs when the config asks for `count` from `seed` (seed, seed + 1, ...):
        only `seed` when the row gives a reason for one seed."""
        return [seed] if self.one_seed else list(range(seed, seed + count))


def load_studies(path: str | os.PathLike) -> dict[str, Study]:
    """Return {study id: Study} from `path`, in file order, after schema and consistency checks."""
    path = str(path)
    raw = read_checked(path, "studies.schema.yaml", "the study table", StudyTableError)
    studies = {}
    for sid, row in raw["studies"].items():
        resources = row.get("resources", {})
        studies[sid] = Study(
            id=sid, day=row["day"], title=row["title"],
            datasets=tuple(row.get("datasets", ())), sources=dict(row.get("sources", {})),
            pretrained=tuple(row.get("pretrained", ())), after=dict(row.get("after", {})),
            table=row.get("table", False), outputs=dict(row.get("outputs", {})),
            threads=resources.get("threads", 1), gpu=resources.get("gpu", 0),
            mem_mb=resources.get("mem_mb"), one_seed=row.get("one_seed"),
            data_free=tuple(row.get("data_free", ())),
        )
    for study in studies.values():
        if study.data_free and not study.registry_ids:
            raise StudyTableError(f"{path}: studies.{study.id}.data_free: the study reads no "
                                  f"dataset, so every metric of it is data-free")
        for name, ref in study.after.items():
            other, output = ref.split(".")
            if other not in studies or output not in studies[other].outputs:
                raise StudyTableError(f"{path}: studies.{study.id}.after.{name}: {ref} is not an "
                                      f"output of a study in the table")
    return studies


def check_registry(studies: dict[str, Study], registry: dict, table_path: str = "studies.yaml"
                   ) -> None:
    """Raise StudyTableError naming the row and the id when a study reads a dataset or weights
    file that the registry (datasets.yaml) does not list."""
    for study in studies.values():
        unknown = [d for d in study.registry_ids if d not in registry]
        if unknown:
            raise StudyTableError(f"{table_path}: studies.{study.id}: {unknown} not in the dataset "
                                  f"registry (datasets.yaml)")


def used_by(studies: dict[str, Study]) -> dict[str, list[str]]:
    """{registry id: the studies that may read it (any source, weights included)}."""
    users: dict[str, list[str]] = {}
    for study in studies.values():
        for d in study.registry_ids:
            users.setdefault(d, []).append(study.id)
    return users


def validate_config(config: dict, studies: dict[str, Study]) -> None:
    """Check config["studies"]: one block per row of the table and nothing else, each valid
    against schemas/studies/<study>.yaml. Raises StudyTableError naming the key."""
    blocks = config.get("studies", {})
    missing = [s for s in studies if s not in blocks]
    unknown = [s for s in blocks if s not in studies]
    if missing or unknown:
        raise StudyTableError(f"config studies: every study of studies.yaml needs a block and no "
                              f"other may have one; missing {missing}, unknown {unknown}")
    for sid, block in blocks.items():
        try:
            block_schema = schema(f"studies/{sid}.yaml")
        except FileNotFoundError as err:
            raise StudyTableError(f"config studies.{sid}: no schema "
                                  f"src/hundreddays/schemas/studies/{sid}.yaml") from err
        problem = first_error(block, block_schema, f"studies.{sid}")
        if problem:
            raise StudyTableError(f"config {problem}")
