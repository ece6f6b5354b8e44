"""Screenshots of Snakemake's HTML report in a real browser (headless Chromium), to look at what a
reader sees: the start page, each category's list, REPORT.html at its top, claims and figures, a
figure with its caption and a study's table. Not run by the tests (CI has no browser).

    snakemake --configfile profiles/demo/scale.yaml --report results/report.html
    python bench/report_screenshots.py results/report.html /tmp/shots

The report is a single-page app with no URL per view: for each view this writes a copy of the
report whose last script opens that view through the app's own functions (app.showCategory,
app.showResultInfo, app.setView), and lets Chromium screenshot it (Debian: apt-get install
chromium).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=15000"]


def _variable(page: str, name: str) -> dict:
    """A JSON object the report defines as `var <name> = {...};` in a script of its own."""
    match = re.search(rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>', page, re.DOTALL)
    if match is None:
        raise SystemExit(f"no `var {name}` in the report: not a Snakemake 9 HTML report?")
    return json.loads(match.group(1))


def _show(path: str, fragment: str = "", category: str | None = None) -> str:
    """JavaScript that opens the result `path` as its eye button does, beside its description
    (as its info button shows it) or, given its `category`, beside that category's list;
    `fragment` scrolls an HTML result to an anchor. One setView: the app reads its state of
    before the call, so two calls in a row would lose the first."""
    kind = {"text/html": "html", "image/png": "img", "image/svg+xml": "img"}
    if category:
        navbar = (f"var c = {json.dumps(category)}; var s = Object.keys(categories[c]); "
                  "var v = s.length == 1 ? {navbarMode: 'subcategory', category: c, "
                  "subcategory: s[0]} : {navbarMode: 'category', category: c};")
    else:
        navbar = "var v = {navbarMode: 'resultinfo'};"
    return (f"var p = {json.dumps(path)}; {navbar} "
            f"var k = {json.dumps(kind)}[results[p].mime_type]; "
            "if (k) { v.content = k; "
            f"v.contentPath = results[p].data_uri + {json.dumps(fragment)}; }} "
            "v.resultPath = p; app.setView(v);")


def views(results: dict, categories: dict) -> list[tuple[str, str]]:
    """(file name, JavaScript that opens the view) of each screenshot."""
    shots = [("01-start", "")]
    by_name = {Path(p).name: p for p in results}
    report = by_name.get("REPORT.html")
    if report:
        category = next(c for c, subs in categories.items()
                        if any(report in paths for paths in subs.values()))
        shots.append(("02-report-category", f"app.showCategory({json.dumps(category)});"))
        for i, anchor in enumerate(["", "#claims", "#figures", "#datasets", "#metrics"]):
            shots.append((f"03-report-html-{i}{anchor.replace('#', '-')}",
                          _show(report, anchor, category)))
    for i, (category, subs) in enumerate(sorted(categories.items()), start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")
        shots.append((f"04-category-{i}-{slug}", f"app.showCategory({json.dumps(category)});"))
        paths = [p for ps in subs.values() for p in ps]
        figure = next((p for p in paths if results[p]["mime_type"] == "image/png"), None)
        table = next((p for p in paths if results[p]["mime_type"] == "text/csv"), None)
        table = table or next((p for p in paths if Path(p).name.endswith("table.html")), None)
        for what, path in (("figure", figure), ("table", table)):
            if path:
                shots.append((f"05-{slug}-{what}", _show(path)))
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="Snakemake's report.html")
    parser.add_argument("out", type=Path, help="folder for the screenshots (PNG)")
    parser.add_argument("--chromium", default=shutil.which("chromium")
                        or shutil.which("chromium-browser"))
    parser.add_argument("--size", default="1400,1000", help="window width,height")
    args = parser.parse_args()
    if not args.chromium:
        parser.error("no chromium on PATH (apt-get install chromium), or give --chromium")
    page = args.report.read_text(encoding="utf-8")
    results, categories = _variable(page, "results"), _variable(page, "categories")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, script in views(results, categories):
            copy = Path(tmp) / f"{name}.html"
            opener = ("<script>window.addEventListener('load', () => setTimeout(() => {"
                      f"{script}}}, 500));</script>")
            head, body_end, tail = page.rpartition("</body>")  # the page's own, the last one
            copy.write_text(head + opener + body_end + tail, encoding="utf-8")
            command = [args.chromium, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
                       f"--window-size={args.size}", f"--screenshot={args.out / name}.png",
                       copy.as_uri()]
            subprocess.run(command, check=True, capture_output=True, timeout=300)
            copy.unlink()
            print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
