"""The writers of a study's results: metrics.json (a flat object of named finite numbers) and
table.csv."""

from __future__ import annotations

import csv
import io
import math
import os
import re

from .atomic import write_json, write_text

METRIC_KEY = re.compile(r"^[a-z0-9_]+$")  # what a key of metrics.json may be
# Wall-clock measurements and ratios of them: they change from run to run, so the report keeps
# them in timings.csv and metrics.csv stays byte-identical between runs. A study that names a
# timing otherwise breaks that (the determinism test of the demo run says which key).
TIMING_KEY = re.compile(
    r"(^|_)(seconds|per_second|speedup|time_ratio|ms_per_megapixel|growth_factor)(_|$)"
)


def is_timing(key: str) -> bool:
    """True for the key of a wall-clock measurement (see TIMING_KEY)."""
    return TIMING_KEY.search(key) is not None


NOT_RUN_KEY = "not_run"
NOT_MEASURED_KEY = "not_measured"


def write_not_run(path: str | os.PathLike, reason: str) -> None:
    """Write the metrics file of a study that could not run here: {"not_run": reason}. The
    report gives each of the study's claims the verdict "not run (<reason>)"."""
    if not reason.strip():
        raise ValueError(f"{path}: a study that did not run needs the reason")
    write_json(path, {NOT_RUN_KEY: reason.strip()})


def write_metrics(path: str | os.PathLike, metrics: dict[str, float | int | bool],
                  not_measured: dict[str, str] | None = None,
                  not_run: str | None = None) -> None:
    """Check that `metrics` is flat {snake_case_key: number} and write it atomically as JSON.

    `not_measured` names metrics this run could not measure, each with the reason (e.g. a
    Kaggle score without a submission); the report gives their claims that reason. `not_run`:
    why the part of the study that needs its data did not run (the study measured its
    data-free metrics only); the report gives the claims on every other metric "not run
    (<not_run>)"."""
    clean: dict = {}
    for key, value in metrics.items():
        if not METRIC_KEY.match(key):
            raise ValueError(f"{path}: metric key {key!r} must be snake_case")
        if isinstance(value, bool):
            value = int(value)
        finite = isinstance(value, int) or isinstance(value, float) and math.isfinite(value)
        if not finite:
            raise ValueError(f"{path}: metric {key!r} = {value!r} is not a finite number")
        clean[key] = value
    for key, reason in (not_measured or {}).items():
        if not METRIC_KEY.match(key) or key in clean or not str(reason).strip():
            raise ValueError(f"{path}: not_measured {key!r} must be a snake_case key that was "
                             f"not measured, with a reason")
    if not_measured:
        clean[NOT_MEASURED_KEY] = {k: str(r).strip() for k, r in sorted(not_measured.items())}
    if not_run is not None:
        if not not_run.strip():
            raise ValueError(f"{path}: a study whose data part did not run needs the reason")
        clean[NOT_RUN_KEY] = not_run.strip()
    write_json(path, clean)


def table_csv(rows: list[dict]) -> str:
    """CSV text of `rows` (dicts with the same keys, in the first row's order): floats with six
    significant digits, everything else as str()."""
    if not rows:
        raise ValueError("a study table needs at least one row")
    header = list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        if list(row) != header:
            raise ValueError(f"table row {row} has other columns than {header}")
        writer.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row.values()])
    return buffer.getvalue()


def write_table(path: str | os.PathLike, rows: list[dict]) -> None:
    """The one writer of results/<study>/table.csv (atomically); see table_csv."""
    write_text(path, table_csv(rows))
