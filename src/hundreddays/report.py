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
from collections.abc import Mapping
from pathlib import Path

from .atomic import write_text
from .claims import KINDS, evaluate, load_claims
from .environment import read_record, report_lines
from .log_figures import pair_table, unshown_section
from .metrics import METRIC_KEY, NOT_MEASURED_KEY, NOT_RUN_KEY, is_timing

METRICS_COLUMNS = ("study", "key", "seed", "value", "scale")
CLAIMS_COLUMNS = (
    "claim",
    "day",
    "reported",
    "measured",
    "measured_min",
    "measured_max",
    "n",
    "verdict",
    "kind",
    "scale",
    "study",
    "statement",
    "unit",
    "comparison",
    "metric",
    "figure",
)
VERDICT_ORDER = ("reproduced", "differs", "inconclusive", "log inexact", "conditions not given",
                 "not comparable", "not measured", "not run", "not reproducible")
SCALE_MEANING = {
    "full": "the log's datasets, model sizes and epochs; measured numbers are compared with the "
    "log's.",
    "demo": "miniature datasets in the real formats, on CPU, in minutes. Numbers measured on "
    "miniature data or with a config smaller than config.yaml's are not comparable with the "
    "log's (derived from the merged configs); only claims of studies that run here with their "
    "full-scale config and read no miniature, and claims whose value does not depend on the "
    "config (claims.yaml's config_independent), get a reproduced/differs/inconclusive verdict.",
    "rehearsal": "config.yaml's full-scale config with every loop cut to a few steps, on inputs "
    "of full per-item size (profiles/rehearsal): a check that every full-scale path runs and a "
    "measure of its time and memory. No number is a result, and no claim is judged.",
}


class ReportError(ValueError):
    """A metrics file that is not a flat JSON object of named numbers."""


def read_results(metrics_files: Mapping[str, Mapping[int, str | os.PathLike]]
                 ) -> tuple[dict[str, dict[int, float]], dict[str, str], dict[str, str]]:
    """Read each seed's metrics.json of each study once; `metrics_files` maps a study to
    {seed: its metrics.json}. Returns ({"<study>.<key>": {seed: value}}, seeds ascending, over
    all files; {study: reason} of the studies that did not run here, or ran without their data
    (their data-free metrics are read beside the reason); {"<study>.<key>": reason} of the
    metrics a study says it could not measure, in any of its seeds). A key that one seed
    measured and another did not has the measuring seeds' values only."""
    metrics: dict[str, dict[int, float]] = {}
    not_run: dict[str, str] = {}
    not_measured: dict[str, str] = {}
    for study, files in sorted(metrics_files.items()):
        if not isinstance(files, Mapping) or not files:
            raise ReportError(f"metrics of study {study}: expected {{seed: metrics.json}}, got "
                              f"{files!r}")
        for seed, path in sorted(files.items()):
            data = _read_one(Path(path))
            if NOT_RUN_KEY in data:
                not_run[study] = data.pop(NOT_RUN_KEY)
            for key, reason in data.pop(NOT_MEASURED_KEY, {}).items():
                not_measured.setdefault(f"{study}.{key}", reason)
            for key, value in data.items():
                metrics.setdefault(f"{study}.{key}", {})[seed] = value
    return metrics, not_run, not_measured


def read_metrics(metrics_files: Mapping[str, Mapping[int, str | os.PathLike]]
                 ) -> dict[str, list[float]]:
    """{"<study>.<key>": its values over the study's seeds, in seed order} (see read_results)."""
    return over_seeds(read_results(metrics_files)[0])


def over_seeds(metrics: Mapping[str, Mapping[int, float]]) -> dict[str, list[float]]:
    """{name: {seed: value}} -> {name: the values in seed order}."""
    return {name: list(values.values()) for name, values in metrics.items()}


def _read_one(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read metrics: {exc}") from exc
    if not isinstance(data, dict):
        raise ReportError(
            f"{path}: metrics must be a JSON object of named numbers, not {type(data).__name__}"
        )
    if NOT_RUN_KEY in data and not isinstance(data[NOT_RUN_KEY], str):
        raise ReportError(f"{path}: {NOT_RUN_KEY!r} must give the reason as text")
    reasons = data.get(NOT_MEASURED_KEY, {})
    if not isinstance(reasons, dict) or not all(
            isinstance(k, str) and isinstance(r, str) for k, r in reasons.items()):
        raise ReportError(f"{path}: {NOT_MEASURED_KEY!r} must map metric keys to reasons")
    for key, value in data.items():
        if key in (NOT_MEASURED_KEY, NOT_RUN_KEY):
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


def _per_seed_rows(metrics: Mapping[str, Mapping[int, float]], timings: bool | None = None
                   ) -> list[list]:
    """[study, key, seed, value] of each seed's value, sorted by study, key and seed (as a
    number); with `timings` True or False only the wall-clock timings or only the others."""
    rows = []
    for name, values in metrics.items():
        study, key = name.split(".", 1)
        if timings is None or is_timing(key) == timings:
            rows.extend([study, key, seed, value] for seed, value in values.items())
    rows.sort(key=lambda row: row[:3])
    return [[study, key, str(seed), exact(value)] for study, key, seed, value in rows]


def write_metrics_csv(path: str | os.PathLike, metrics: Mapping[str, Mapping[int, float]],
                      scale: str, timings: bool = False) -> None:
    """Write the metrics ({"<study>.<key>": {seed: value}}) that are not wall-clock timings (or,
    with `timings`, only those) as rows study,key,seed,value,scale, one per seed, sorted by
    study, key and seed."""
    rows = [[*row, scale] for row in _per_seed_rows(metrics, timings)]
    write_text(path, _csv_text(METRICS_COLUMNS, rows))


def write_claims_csv(path: str | os.PathLike, rows: list[dict]) -> None:
    """Write the verdict rows of `evaluate`, in claim order, with the CLAIMS_COLUMNS."""
    numeric = ("reported", "measured", "measured_min", "measured_max")
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
    """The headline: verdict counts over all claims, then per kind of claim (a table)."""
    counts = Counter(_verdict_kind(row["verdict"]) for row in rows)
    order = [kind for kind in VERDICT_ORDER if kind in counts]
    by_kind = Counter((row["kind"], _verdict_kind(row["verdict"])) for row in rows)
    per_kind = Counter(row["kind"] for row in rows)
    body = [[label, per_kind[kind], *(by_kind[kind, verdict] or "" for verdict in order)]
            for kind, label in KINDS.items() if per_kind[kind]]
    return [
        f"{len(rows)} claims: " + ", ".join(f"{counts[kind]} {kind}" for kind in order) + ".",
        "",
        "Verdicts per kind of claim (only the first row is the log's own experiments on real "
        "data):",
        "",
        *_table(["kind", "claims", *order], body),
    ]


def _measured(row: dict) -> str:
    """The measured value: the mean over the seeds, with the spread (min–max) and n; "1 seed"
    where only one seed ran."""
    if not row["n"]:
        return "—"
    if row["n"] == 1:
        return f"{_show(row['measured'])} (1 seed)"
    return (f"{_show(row['measured'])} ({_show(row['measured_min'])}–"
            f"{_show(row['measured_max'])}, n = {row['n']})")


def _claims_section(rows: list[dict]) -> list[str]:
    body = [
        [
            row["day"],
            f"{row['statement']} (`{row['claim']}`, `{row['metric'] or row['study']}`)",
            row["kind"],
            _reported(row),
            row["comparison"] or "—",
            _measured(row),
            row["verdict"],
        ]
        for row in rows
    ]
    intro = (
        "A metric `study.key` is the key `key` of `<study>/metrics.json`; a qualitative "
        "statement is reported as true and tested through the measured quantity named in "
        "claims.yaml's note. `measured` is the mean over the seeds, with the spread (min–max) "
        "and the number of seeds n: `reproduced` when every seed agrees with the claim, "
        "`differs` when none does (our run disagrees with the log), `inconclusive` when the "
        "seeds split or the mean lies closer to the claim's boundary than the seeds' spread; "
        "`log inexact` when none agrees with a statement the claim predicted, before the run, to "
        "be inexact as the log wrote it; `conditions not given` when the log's number depends on "
        "what this reproduction cannot give (shown, never judged)."
    )
    return [
        "## Claims",
        "",
        intro,
        "",
        *_table(["day", "claim", "kind", "reported", "test", "measured", "verdict"], body),
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


def _evidence_table(rows: list[dict], image: str) -> list[str]:
    """The claims whose reported value is read from the log's image `image`: what the log's
    figure shows against what this run's shows, with the verdict ([] when there are none)."""
    read = [row for row in rows if row.get("figure") == image]
    if not read:
        return []
    body = [[f"{row['statement']} (`{row['claim']}`)", _reported(row), row["comparison"] or "—",
             _measured(row), row["verdict"]] for row in read]
    return ["Read from both figures:", "",
            *_table(["quantity", "the log's figure", "test", "this run", "verdict"], body), ""]


def _figure_section(figures: list[dict], log_figures: list[dict] | None = None,
                    rows: list[dict] | None = None) -> list[str]:
    """Each figure with its provenance; beside it, the log's original of the same experiment
    where the log shows one (`log_figures`: hundreddays.log_figures.read_records), with the
    quantities read from both (the claims `rows` whose `figure` is that image), then the log's
    images that no figure regenerates."""
    originals = {r["study"]: r for r in log_figures or [] if r["study"]}
    shown = set()
    lines = ["## Figures", ""]
    if log_figures:
        lines += ["Where the log shows a figure of the same experiment, the log's original stands "
                  "on the left, read from the log's repository at the commit pinned in "
                  "log_figures.yaml.", ""]
    for fig in figures:
        alt = fig["title"].replace("[", "(").replace("]", ")")
        original = originals.get(fig["study"])
        if original:
            shown.add(original["image"])
            lines += [f"### {fig['title']}", "",
                      *pair_table(original, fig["path"], fig["title"]), "",
                      *_evidence_table(rows or [], original["image"])]
        else:
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
    return [*lines, *unshown_section(log_figures or [], shown)]


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


def _environment_section(record: Path | None, report_md: Path) -> list[str]:
    """The software the run ran on (environment.txt, hundreddays.environment), linked from
    REPORT.md; nothing where the run has no record."""
    if record is None:
        return []
    link = Path(os.path.relpath(record, Path(report_md).parent)).as_posix()
    return [*report_lines(read_record(record), link), ""]


def _metrics_section(metrics: Mapping[str, Mapping[int, float]]) -> list[str]:
    return ["## Metrics", "", *_table(["study", "key", "seed", "value"], _per_seed_rows(metrics))]


def write_report_md(
    path: str | os.PathLike,
    rows: list[dict],
    metrics: Mapping[str, Mapping[int, float]],
    figures: list[dict],
    fetch_records: list[dict],
    scale: str,
    log_figures: list[dict] | None = None,
    environment: str | os.PathLike | None = None,
) -> None:
    """Write REPORT.md: the scale and what it means, the verdict counts, the claims table, each
    figure with its rule, script and inputs (beside the log's original: `log_figures`), the
    datasets' provenance, the software (the record `environment`, if given) and the metrics."""
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
        *_figure_section(figures, log_figures, rows),
        *_dataset_section(fetch_records),
        "",
        *_environment_section(Path(environment) if environment else None, Path(path)),
        *_metrics_section(metrics),
    ]
    write_text(path, "\n".join(lines) + "\n")


REPORT_FILES = {"metrics_csv": "metrics.csv", "timings_csv": "timings.csv",
                "claims_csv": "claims.csv", "report_md": "REPORT.md"}


def build_report(
    out: str | os.PathLike | dict[str, str | os.PathLike],
    claims_path: str | os.PathLike,
    metrics_files: Mapping[str, Mapping[int, str | os.PathLike]],
    studies_run: set[str],
    figures: list[dict],
    fetch_records: list[dict],
    scale: str,
    not_comparable: dict[str, str | None],
    log_figures: list[dict] | None = None,
    environment: str | os.PathLike | None = None,
) -> dict[str, Path]:
    """Judge every claim and write metrics.csv, timings.csv, claims.csv and REPORT.md from the
    metrics files of every study's seeds (`metrics_files`: {study: {seed: metrics.json}}): at the
    paths `out` names ({"metrics_csv", "timings_csv", "claims_csv", "report_md"}: the report
    rule's declared outputs), or under those names in the folder `out`. `log_figures`: the
    log's originals to show beside the figures (hundreddays.log_figures.read_records);
    `environment`: the run's environment.txt, which REPORT.md summarises and links to.

    `not_comparable` maps each study to why its numbers are not comparable with the log's at
    this scale, or to None where they are (hundreddays.comparability.why_not_comparable; a
    study missing from it counts as not comparable). Returns the written paths by file name.
    """
    if not isinstance(out, dict):
        out = {key: Path(out) / name for key, name in REPORT_FILES.items()}
    paths = {name: Path(out[key]) for key, name in REPORT_FILES.items()}
    metrics, not_run, not_measured = read_results(metrics_files)
    rows = evaluate(load_claims(claims_path), over_seeds(metrics), set(studies_run), scale,
                    not_comparable, not_run, not_measured)
    write_metrics_csv(paths["metrics.csv"], metrics, scale)
    write_metrics_csv(paths["timings.csv"], metrics, scale, timings=True)
    write_claims_csv(paths["claims.csv"], rows)
    write_report_md(paths["REPORT.md"], rows, metrics, figures, fetch_records, scale,
                    log_figures, environment)
    return paths
