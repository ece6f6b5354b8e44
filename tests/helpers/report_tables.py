"""The tables of REPORT.md and of its HTML rendering, read independently of the code that writes
them: each as (header cells, number of body rows), in document order."""

from __future__ import annotations

import re
from html.parser import HTMLParser

DELIMITER = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")


def markdown_tables(text: str) -> list[tuple[list[str], int]]:
    """Each pipe table of Markdown `text`: its header cells and its number of body rows."""
    lines = text.splitlines()
    tables = []
    for i in range(1, len(lines)):
        if DELIMITER.match(lines[i]) and lines[i - 1].startswith("|"):
            header = [cell.strip() for cell in lines[i - 1].strip().strip("|").split(" | ")]
            rows = 0
            while i + 1 + rows < len(lines) and lines[i + 1 + rows].startswith("|"):
                rows += 1
            tables.append((header, rows))
    return tables


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[list[str], int]] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], 0))
        elif tag == "thead":
            self._in_head = True
        elif tag == "th":
            self._cell = []
        elif tag == "tr" and not self._in_head and self.tables:
            header, rows = self.tables[-1]
            self.tables[-1] = (header, rows + 1)

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag == "th" and self._cell is not None:
            self.tables[-1][0].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> list[tuple[list[str], int]]:
    """Each <table> of HTML `text`: its header cells' text and its number of body rows."""
    parser = _Tables()
    parser.feed(text)
    return parser.tables
