"""REPORT.html: REPORT.md rendered as one HTML page, for Snakemake's HTML report (category Claims)
and for a browser: the same text and tables (rendered from REPORT.md, never written twice), a list
of its sections at the top, links that open outside the frame it is shown in.

Its images stay files beside it (results/figures, results/log-figures), read by relative path:
Snakemake's report shows an HTML result in a frame from a data URI, which Chromium refuses above
2 MB (REPORT.md's figures are several), and from which no relative path reaches a file. There, a
small script puts in each image's place its title and where to see it.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .atomic import write_text

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2933; margin: 1.2rem 1.5rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { margin-top: 1.8rem; font-size: 1.1rem; }
nav { background: #f6f8fa; border: 1px solid #d0d7de; padding: .4rem .8rem; }
nav ul { margin: .2rem 0; padding-left: 1.2rem; columns: 2; }
table { border-collapse: collapse; margin: .4rem 0 1.2rem; font-size: 13px; display: block;
        overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 3px 7px; vertical-align: top; text-align: left; }
th { background: #eef1f4; position: sticky; top: 0; }
tbody tr:nth-child(even) td { background: #f9fafb; }
td img { max-width: 640px; }
img { max-width: 100%; height: auto; }
.unshown { display: inline-block; border: 1px dashed #9aa5b1; padding: .3rem .5rem;
           color: #52606d; font-style: italic; }
code { background: #eef1f4; padding: 0 3px; border-radius: 3px; font-size: 92%;
       overflow-wrap: anywhere; }
"""

# Where an image cannot be read (Snakemake's report frame has no folder), its title and where to
# see it take its place.
UNREACHABLE_IMAGES = """
document.addEventListener("error", function (event) {
  var image = event.target;
  if (image.tagName !== "IMG") return;
  var note = document.createElement("span");
  note.className = "unshown";
  note.textContent = image.alt + ": not shown in this frame. This run's figures are under " +
    "Results in the report's menu, by day; REPORT.html opened from its folder shows every image.";
  image.replaceWith(note);
}, true);
"""


def _slug(text: str, taken: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    unique, n = slug, 2
    while unique in taken:
        unique, n = f"{slug}-{n}", n + 1
    taken.add(unique)
    return unique


def _anchor_headings(tokens: list[Token]) -> list[tuple[int, str, str]]:
    """Give each heading an id; return (level, id, text) of the h2 and h3."""
    headings, taken = [], set()
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            text = tokens[i + 1].content
            token.attrSet("id", _slug(text, taken))
            if token.tag in ("h2", "h3"):
                headings.append((int(token.tag[1]), str(token.attrGet("id")), text))
    return headings


def _contents(headings: list[tuple[int, str, str]]) -> str:
    """The sections (h2), and the titles under them (h3: each figure, the log's other images)
    in a list that opens on a click."""
    def link(anchor: str, text: str) -> str:
        return f'<a href="#{anchor}" target="_self">{html.escape(text)}</a>'

    parts = [link(anchor, text) for level, anchor, text in headings if level == 2]
    subs = [f"<li>{link(anchor, text)}</li>" for level, anchor, text in headings if level == 3]
    nav = "<nav><strong>Sections:</strong> " + " · ".join(parts)
    if subs:
        nav += f"<details><summary>each figure</summary><ul>{''.join(subs)}</ul></details>"
    return nav + "</nav>"


def render_report_html(markdown: str) -> str:
    """REPORT.md's text `markdown` as an HTML page to be read beside REPORT.md (the same relative
    paths). Inline HTML passes as GitHub shows REPORT.md (the <br> of a table cell)."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = md.parse(markdown)
    headings = _anchor_headings(tokens)
    body = md.renderer.render(tokens, md.options, {})
    title = next((tokens[i + 1].content for i, t in enumerate(tokens) if t.tag == "h1"), "Report")
    first_heading_end = body.find("</h1>")
    split = first_heading_end + len("</h1>") if first_heading_end >= 0 else 0
    head = (f'<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n<base target="_blank">\n'
            f"<style>{STYLE}</style>\n<script>{UNREACHABLE_IMAGES}</script>")
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n{head}\n</head>\n<body>\n'
            f"{body[:split]}\n{_contents(headings)}\n{body[split:]}</body>\n</html>\n")


def write_report_html(html_path: str | os.PathLike, report_md: str | os.PathLike) -> None:
    """Write REPORT.html at `html_path` (beside REPORT.md: the same relative image paths) from the
    REPORT.md at `report_md`."""
    if Path(html_path).absolute().parent != Path(report_md).absolute().parent:
        raise ValueError(f"{html_path}: REPORT.html goes beside {report_md}, whose image paths "
                         "it shares")
    write_text(html_path, render_report_html(Path(report_md).read_text(encoding="utf-8")))
