"""The report: results/metrics.csv (every measured number), results/claims.csv (every claim of the
log with its verdict) and results/REPORT.md (the verdicts, the figures with their provenance, the
datasets with their checksums, the metrics)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections import Counter
from pathlib import Path

from .atomic import write_text
from .claims import evaluate, load_claims
from .metrics import METRIC_KEY, NOT_MEASURED_KEY, NOT_RUN_KEY, is_timing

METRICS_COLUMNS = ("study", "key", "value", "scale")
CLAIMS_COLUMNS = (
    "claim",
    "day",
    "reported",
    "reproduced",
    "verdict",
    "scale",
    "study",
    "statement",
    "unit",
    "comparison",
    "metric",
)
VERDICT_ORDER = ("reproduced", "differs", "not comparable", "not measured", "not run",
                 "not reproducible")
SCALE_MEANING = {
    "full": "the log's datasets, model sizes and epochs; measured numbers are compared with the "
    "log's.",
    "demo": "miniature datasets in the real formats, on CPU, in minutes. Numbers measured on "
    "miniature data are not comparable with the log's; only claims about synthetic "
    "experiments, which run the same at both scales, get a reproduced/differs verdict.",
}


class ReportError(ValueError):
    """A metrics file that is not a flat JSON object of named numbers."""


def read_results(metrics_files: dict[str, str | os.PathLike]
                 ) -> tuple[dict[str, float], dict[str, str], dict[str, str]]:
    """Read each study's metrics.json once. Returns ({"<study>.<key>": value} over all files,
    {study: reason} of the studies that did not run here, {"<study>.<key>": reason} of the
    metrics a study says it could not measure)."""
    metrics: dict[str, float] = {}
    not_run: dict[str, str] = {}
    not_measured: dict[str, str] = {}
    for study, path in sorted(metrics_files.items()):
        data = _read_one(Path(path))
        if NOT_RUN_KEY in data:
            not_run[study] = data[NOT_RUN_KEY]
            continue
        for key, reason in data.pop(NOT_MEASURED_KEY, {}).items():
            not_measured[f"{study}.{key}"] = reason
        metrics.update({f"{study}.{key}": value for key, value in data.items()})
    return metrics, not_run, not_measured


def read_metrics(metrics_files: dict[str, str | os.PathLike]) -> dict[str, float]:
    """{"<study>.<key>": value} over all metrics files (see read_results)."""
    return read_results(metrics_files)[0]


def _read_one(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read metrics: {exc}") from exc
    if not isinstance(data, dict):
        raise ReportError(
            f"{path}: metrics must be a JSON object of named numbers, not {type(data).__name__}"
        )
    if NOT_RUN_KEY in data:
        if list(data) != [NOT_RUN_KEY] or not isinstance(data[NOT_RUN_KEY], str):
            raise ReportError(f"{path}: {NOT_RUN_KEY!r} must be the only key, with the reason "
                              f"as text")
        return data
    reasons = data.get(NOT_MEASURED_KEY, {})
    if not isinstance(reasons, dict) or not all(
            isinstance(k, str) and isinstance(r, str) for k, r in reasons.items()):
        raise ReportError(f"{path}: {NOT_MEASURED_KEY!r} must map metric keys to reasons")
    for key, value in data.items():
        if key == NOT_MEASURED_KEY:
            continue
        if not METRIC_KEY.match(key):
            raise ReportError(f"{path}: metric key {key!r} must be snake_case")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ReportError(f"{path}: metric {key!r} = {value!r} is not a number")
    return data


def exact(value: float | None) -> str:
    """Return `value` as text that reads back to the same number ("" for None)."""
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else repr(float(value))


def _csv_text(header: tuple[str, ...], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_metrics_csv(path: str | os.PathLike, metrics: dict[str, float], scale: str,
                      timings: bool = False) -> None:
    """Write the metrics that are not wall-clock timings (or, with `timings`, only those) as
    rows study,key,value,scale, sorted by study and key."""
    rows = sorted([*name.split(".", 1), exact(value), scale] for name, value in metrics.items()
                  if is_timing(name.split(".", 1)[1]) == timings)
    write_text(path, _csv_text(METRICS_COLUMNS, rows))


def write_claims_csv(path: str | os.PathLike, rows: list[dict]) -> None:
    """Write the verdict rows of `evaluate`, in claim order, with the CLAIMS_COLUMNS."""
    numeric = ("reported", "reproduced")
    table = [[exact(row[c]) if c in numeric else row[c] for c in CLAIMS_COLUMNS] for row in rows]
    write_text(path, _csv_text(CLAIMS_COLUMNS, table))


def _cell(value: object) -> str:
    return str(value).replace("\n", " ").replace("|", "\\|")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _show(value: float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def _reported(row: dict) -> str:
    if row["reported"] is None:
        return "—"
    if row["unit"] == "bool":
        return "true" if row["reported"] else "false"
    return f"{_show(row['reported'])} {row['unit']}".strip()


def _verdict_kind(verdict: str) -> str:
    return next((kind for kind in VERDICT_ORDER if verdict.startswith(kind)), verdict)


def _summary(rows: list[dict]) -> list[str]:
    counts = Counter(_verdict_kind(row["verdict"]) for row in rows)
    order = [kind for kind in VERDICT_ORDER if kind in counts]
    return [f"{len(rows)} claims: " + ", ".join(f"{counts[kind]} {kind}" for kind in order) + "."]


def _claims_section(rows: list[dict]) -> list[str]:
    body = [
        [
            row["day"],
            f"{row['statement']} (`{row['claim']}`, `{row['metric'] or row['study']}`)",
            _reported(row),
            row["comparison"] or "—",
            _show(row["reproduced"]),
            row["verdict"],
        ]
        for row in rows
    ]
    intro = (
        "A metric `study.key` is the key `key` of `<study>/metrics.json`; a qualitative "
        "statement is reported as true and tested through the measured quantity named in "
        "claims.yaml's note."
    )
    return [
        "## Claims",
        "",
        intro,
        "",
        *_table(["day", "claim", "reported", "test", "reproduced", "verdict"], body),
    ]


def _csv_as_table(text: str, max_rows: int = 40) -> list[str]:
    """A study's CSV table as Markdown, numbers shortened to 4 significant digits."""
    header, *rows = list(csv.reader(io.StringIO(text)))
    shown = [[_show_text(v) for v in row] for row in rows[:max_rows]]
    if len(rows) > max_rows:
        shown.append([f"... {len(rows) - max_rows} more rows"] + [""] * (len(header) - 1))
    return _table(header, shown)


def _show_text(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    return value if value.isdigit() else _show(number)


def _figure_section(figures: list[dict]) -> list[str]:
    lines = ["## Figures", ""]
    for fig in figures:
        alt = fig["title"].replace("[", "(").replace("]", ")")
        lines += [f"### {fig['title']}", "", f"![{alt}]({fig['path']})", ""]
        if fig.get("caption") and fig["caption"] != fig["title"]:
            lines += [fig["caption"], ""]
        if fig.get("table_csv"):
            lines += [*_csv_as_table(fig["table_csv"]), "",
                      f"(table: `{fig['table_path']}`)", ""]
        inputs = ", ".join(f"`{name}`" for name in fig.get("inputs", [])) or "none (synthetic data)"
        lines += [
            f"- study: `{fig['study']}`, numbers in `{fig['study']}/metrics.json`",
            f"- rule: `{fig['rule']}`",
            f"- code: `{fig['script']}`",
            f"- inputs: {inputs}",
            "",
        ]
    return lines


def _dataset_section(records: list[dict]) -> list[str]:
    lines = ["## Datasets", ""]
    if not records:
        return [*lines, "No dataset was downloaded: every study of this run uses synthetic data."]
    body = [
        [
            rec.get("dataset", ""),
            rec.get("file", ""),
            rec.get("source", ""),
            f"`{rec.get('sha256', '')}`",
            rec.get("checksum_kind", ""),
            "yes" if rec.get("pinned") else "no",
        ]
        for rec in sorted(records, key=lambda r: (r.get("dataset", ""), r.get("file", "")))
    ]
    lines += _table(["dataset", "file", "source", "sha256", "checksum", "pinned"], body)
    return [*lines, "", *_checksum_notes(records)]


def _checksum_notes(records: list[dict]) -> list[str]:
    """Say what each file's bytes were checked against: a publisher, the lock file, a manifest."""
    pinned = sorted({rec.get("dataset", "") for rec in records if rec.get("pinned")})
    mirrored = sorted({rec.get("dataset", "") for rec in records
                       if rec.get("checksum_kind") == "manifest"})
    local = sorted({rec.get("dataset", "") for rec in records if rec.get("local_copy")})
    notes = []
    if pinned:
        notes.append(f"Pinned at first download, because their publishers give no checksum: "
                     f"{', '.join(pinned)}. Later downloads are verified against the pinned "
                     "sha256.")
    if mirrored:
        notes.append(f"Verified against the mirror's manifest instead of the publishers' checksums "
                     f"(the demo's miniatures are, by construction, other bytes): "
                     f"{', '.join(mirrored)}.")
    if local:
        notes.append(f"Read in place from a local copy (config local_copies), nothing fetched or "
                     f"copied: {', '.join(local)}. Its sha256 is that of the manifest of its "
                     "files (relative path and sha256 of each), pinned at first use and checked "
                     "on every run.")
    if not notes:
        notes.append("No dataset was pinned: every file was verified against a published checksum.")
    return [line for note in notes for line in (note, "")][:-1]


def _metrics_section(metrics: dict[str, float]) -> list[str]:
    body = sorted([*name.split(".", 1), exact(value)] for name, value in metrics.items())
    return ["## Metrics", "", *_table(["study", "key", "value"], body)]


def write_report_md(
    path: str | os.PathLike,
    rows: list[dict],
    metrics: dict[str, float],
    figures: list[dict],
    fetch_records: list[dict],
    scale: str,
) -> None:
    """Write REPORT.md: the scale and what it means, the verdict counts, the claims table, each
    figure with its rule, script and inputs, the datasets' provenance, and the metrics."""
    meaning = SCALE_MEANING.get(scale, "a scale this report does not describe.")
    lines = [
        "# Reproducing the 100days log, days 1-53",
        "",
        f"Scale: **{scale}**: {meaning}",
        "",
        *_summary(rows),
        "",
        *_claims_section(rows),
        "",
        *_figure_section(figures),
        *_dataset_section(fetch_records),
        "",
        *_metrics_section(metrics),
    ]
    write_text(path, "\n".join(lines) + "\n")


REPORT_FILES = {"metrics_csv": "metrics.csv", "timings_csv": "timings.csv",
                "claims_csv": "claims.csv", "report_md": "REPORT.md"}


def build_report(
    out: str | os.PathLike | dict[str, str | os.PathLike],
    claims_path: str | os.PathLike,
    metrics_files: dict[str, str | os.PathLike],
    studies_run: set[str],
    figures: list[dict],
    fetch_records: list[dict],
    scale: str,
) -> dict[str, Path]:
    """Judge every claim and write metrics.csv, timings.csv, claims.csv and REPORT.md: at the
    paths `out` names ({"metrics_csv", "timings_csv", "claims_csv", "report_md"}: the report
    rule's declared outputs), or under those names in the folder `out`.

    Returns the written paths by file name.
    """
    if not isinstance(out, dict):
        out = {key: Path(out) / name for key, name in REPORT_FILES.items()}
    paths = {name: Path(out[key]) for key, name in REPORT_FILES.items()}
    metrics, not_run, not_measured = read_results(metrics_files)
    rows = evaluate(load_claims(claims_path), metrics, set(studies_run), scale, not_run,
                    not_measured)
    write_metrics_csv(paths["metrics.csv"], metrics, scale)
    write_metrics_csv(paths["timings.csv"], metrics, scale, timings=True)
    write_claims_csv(paths["claims.csv"], rows)
    write_report_md(paths["REPORT.md"], rows, metrics, figures, fetch_records, scale)
    return paths
