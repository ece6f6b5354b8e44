import json
import re
from pathlib import Path

import pytest
from report_tables import html_tables, markdown_tables

from hundreddays.claims import load_claims
from hundreddays.report import build_report
from hundreddays.report_html import render_report_html, write_report_html

CLAIMS_FILE = Path(__file__).resolve().parents[2] / "claims.yaml"
MARKDOWN = """# Reproducing

Scale: **demo**.

| kind | claims |
|---|---|
| synthetic | 3 |
| library fact | 1 |

## Claims

| day | claim | verdict |
|---|---|---|
| 2 | drift (`a_b`, `s.k`) | differs |

## Figures

### Day 2 - one

| the log, day 2 | this run |
|---|---|
| original<br>[log image](https://example.org/a.png) | ![Day 2](figures/one.png) |

### Day 2 - one

![missing](figures/none.png)

## Metrics
"""


def test_every_table_is_rendered_with_its_header_and_rows():
    page = render_report_html(MARKDOWN)
    assert html_tables(page) == markdown_tables(MARKDOWN) == [
        (["kind", "claims"], 2), (["day", "claim", "verdict"], 1),
        (["the log, day 2", "this run"], 1)]


def test_images_stay_beside_it_and_links_leave_the_frame():
    page = render_report_html(MARKDOWN)
    assert '<img src="figures/one.png" alt="Day 2" />' in page
    assert 'src="figures/none.png"' in page
    assert 'href="https://example.org/a.png"' in page
    assert '<base target="_blank">' in page
    # where no image can be read (Snakemake's frame), a note takes its place
    assert 'addEventListener("error"' in page and "image.replaceWith(note)" in page


def test_inline_html_passes_as_github_shows_report_md():
    page = render_report_html(MARKDOWN)
    assert "[log image](https://example.org/a.png)" not in page
    assert "original<br>" in page


def test_headings_get_unique_anchors_listed_at_the_top():
    page = render_report_html(MARKDOWN)
    assert '<h2 id="claims">' in page and '<h3 id="day-2-one">' in page
    assert '<h3 id="day-2-one-2">' in page
    nav = page[page.index("<nav>"):page.index("</nav>")]
    assert [a for a in re.findall(r'href="#([^"]+)"', nav)] == [
        "claims", "figures", "metrics", "day-2-one", "day-2-one-2"]
    assert page.index("</h1>") < page.index("<nav>") < page.index("Scale:")
    assert "<title>Reproducing</title>" in page


def test_it_must_lie_beside_report_md(tmp_path):
    (tmp_path / "REPORT.md").write_text(MARKDOWN, encoding="utf-8")
    with pytest.raises(ValueError, match="beside"):
        write_report_html(tmp_path / "elsewhere" / "REPORT.html", tmp_path / "REPORT.md")
    assert not (tmp_path / "elsewhere").exists()


def test_report_html_of_a_built_report_holds_every_table_of_report_md(tmp_path):
    results = tmp_path / "results"
    metrics = results / "fibonacci" / "metrics.json"
    metrics.parent.mkdir(parents=True)
    measured = {c["metric"].split(".", 1)[1]: 1.0 for c in load_claims(CLAIMS_FILE)
                if c["study"] == "fibonacci" and c.get("metric")}
    metrics.write_text(json.dumps(measured), encoding="utf-8")
    figures = [{"path": "figures/fibonacci.png", "title": "Day 13 - Fibonacci", "caption": "c",
                "study": "fibonacci", "rule": "fibonacci (rules/studies.smk)",
                "script": "scripts/run_study.py", "inputs": [],
                "table_csv": "method,seconds\nnaive,0.5\nmatrix,0.001\n",
                "table_path": "fibonacci/table.csv"}]
    paths = build_report(results, CLAIMS_FILE, {"fibonacci": {0: metrics}}, {"fibonacci"},
                         figures, [], "demo", {"fibonacci": None})
    write_report_html(results / "REPORT.html", paths["REPORT.md"])
    markdown = paths["REPORT.md"].read_text(encoding="utf-8")
    page = (results / "REPORT.html").read_text(encoding="utf-8")
    tables = markdown_tables(markdown)
    assert len(tables) >= 4  # headline per kind, claims, the study's table, metrics
    assert (["method", "seconds"], 2) in tables
    assert html_tables(page) == tables
    assert '<img src="figures/fibonacci.png" alt="Day 13 - Fibonacci" />' in page
