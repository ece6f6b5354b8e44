"""What a reader finds after the demo: its last lines name REPORT.md and the HTML report's command,
and the HTML report that command builds holds every table of REPORT.md (REPORT.html), the
workflow description and every figure, listed by day in the log's two parts."""

import base64
import json
import re
import shlex
import subprocess
import sys

import pytest
from report_tables import html_tables, markdown_tables
from workflow_copy import REPO

from hundreddays.study_table import load_studies

pytestmark = pytest.mark.workflow
TABLE = load_studies(REPO / "studies.yaml")
# Chromium shows no frame whose data URI is longer (Snakemake's report shows HTML in one)
FRAME_URI_LIMIT = 2 * 1024 * 1024


def printed_command(stdout: str) -> list[str]:
    """The words of the HTML report's command the run printed."""
    match = re.search(r"^The HTML report [^:]*: (.*)$", stdout, re.MULTILINE)
    assert match, stdout[-2000:]
    return shlex.split(match.group(1))


def report_variable(page: str, name: str) -> dict:
    match = re.search(rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>', page, re.DOTALL)
    assert match, name
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def html_report(demo_process):
    """The demo's HTML report, built by the very command the demo printed."""
    wf, proc = demo_process
    words = printed_command(proc.stdout)
    built = subprocess.run(words, cwd=wf, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    return wf, (wf / words[words.index("--report") + 1]).read_text(encoding="utf-8")


def test_the_demo_ends_naming_report_md_and_the_html_report_command(demo_process):
    _, proc = demo_process
    last = proc.stdout.rstrip().splitlines()[-2:]
    assert last[0].startswith("The report: results/REPORT.md ")
    assert last[1].startswith("The HTML report ")
    # the test runs Snakemake as `python -m snakemake`: the command calls it the same way
    assert printed_command(proc.stdout) == [
        sys.executable, "-m", "snakemake", "--configfile", "profiles/demo/scale.yaml",
        "--report", "results/report.html"]


def test_the_html_report_holds_every_table_of_report_md(html_report):
    wf, page = html_report
    results = report_variable(page, "results")
    entry = results["results/REPORT.html"]
    assert entry["mime_type"] == "text/html" and entry["labels"]
    assert len(entry["data_uri"]) < FRAME_URI_LIMIT
    shown = base64.b64decode(entry["data_uri"].split("base64,", 1)[1]).decode("utf-8")
    tables = markdown_tables((wf / "results" / "REPORT.md").read_text(encoding="utf-8"))
    assert html_tables(shown) == tables
    headers = [header for header, _ in tables]
    assert headers[0][:2] == ["kind", "claims"]  # the headline: verdicts per kind of claim
    assert ["day", "claim", "kind", "reported", "test", "measured", "verdict"] in headers
    assert ["study", "key", "seed", "value"] in headers  # the metrics
    for study, row in TABLE.items():
        if row.table:
            csv_header = (wf / "results" / study / "table.csv").read_text().splitlines()[0]
            assert csv_header.split(",") in headers, study


def test_the_html_report_has_the_workflow_and_every_figure_by_day(html_report):
    _, page = html_report
    assert "Where to start." in page and "How it works" in page
    results = report_variable(page, "results")
    categories = report_variable(page, "categories")
    assert set(categories) == {"Claims"} | {row.category for row in TABLE.values()}
    for study, row in TABLE.items():
        figure = results[f"results/figures/{study}.png"]
        assert figure["labels"]["study"] == study
        assert any(figure["labels"] == row.report_labels(shows) for shows in
                   ("figure", "not run (why)")), figure["labels"]
        assert any(f"results/figures/{study}.png" in paths
                   for paths in categories[row.category].values()), study
