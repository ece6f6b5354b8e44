"""Rule report: metrics.csv, claims.csv (each claim, its verdict), REPORT.md with the figures, and
REPORT.html, REPORT.md as one self-contained page for the HTML report."""

import json
from pathlib import Path

from hundreddays.log_figures import read_records
from hundreddays.report import build_report
from hundreddays.report_html import write_report_html
from hundreddays.rule_log import rule_log

sm = snakemake  # noqa: F821 (injected by the script directive)


def table(study: str) -> dict:
    """The study's CSV table (text and path relative to the report), if it has one."""
    if study not in sm.params.tables:
        return {}
    path = Path(sm.params.tables[study])
    return {"table_csv": path.read_text(encoding="utf-8"),
            "table_path": path.relative_to(out_dir).as_posix()}


with rule_log(sm.log[0]):
    out_dir = Path(sm.output.report_md).parent
    studies = sm.params.studies
    figures = [
        {
            "path": Path(fig).relative_to(out_dir).as_posix(),
            "title": sm.params.titles[study],
            "caption": " ".join(Path(caption).read_text(encoding="utf-8").split()),
            "study": study,
            "rule": f"{study} ({sm.params.rule_files[study]})",
            "script": sm.params.code[study],
            "inputs": sm.params.inputs[study],
            **table(study),
        }
        for study, fig, caption in zip(studies, sm.input.figures, sm.input.captions, strict=True)
    ]
    records = [json.loads(Path(p).read_text(encoding="utf-8")) for p in sm.input.records]
    records += sm.params.local_copies  # read in place: one row each, its manifest's sha256
    # the rule's input lists each study's seeds' metrics.json, in study and seed order
    metrics_paths = iter(map(Path, sm.input.metrics))
    metrics_files = {study: {seed: next(metrics_paths) for seed in sm.params.seeds[study]}
                     for study in studies}
    if next(metrics_paths, None) is not None:
        raise ValueError("rule report: more metrics files than the seeds of its studies")
    build_report(dict(sm.output.items()), Path(sm.input.claims), metrics_files, set(studies),
                 figures, records, sm.params.scale, sm.params.not_comparable,
                 log_figures=read_records(sm.input.log_figures, out_dir),
                 environment=Path(sm.input.environment))
    write_report_html(sm.output.report_html, sm.output.report_md)
