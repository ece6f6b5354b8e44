"""Miniature UCI `adult.data`: the adult miniature's synthetic rows as UCI writes its file.

No header; the 15 cells of a row joined by ", "; unknown values '?'; integer education-num
(the education's rank: UCI leaves no cell empty, so the cells the fastai miniature empties are
filled: education-num from the education, occupation with '?'); labels '<=50K' / '>50K'; a
blank line at the end, as in the real file.
"""

from __future__ import annotations

from .adult import EDUCATION, make_rows

DATASET = "adult_uci"
FILE = "adult.data"
UCI_LABELS = {"<50k": "<=50K", ">=50k": ">50K"}
EDUCATION_NUM, OCCUPATION, SALARY = 4, 6, 14  # column positions


def uci_line(row: list[str]) -> str:
    """One adult.data line from a fastai-miniature row."""
    cells = [cell.strip() for cell in row]
    cells[EDUCATION_NUM] = str(EDUCATION.index(cells[3]) + 1)
    cells[OCCUPATION] = cells[OCCUPATION] or "?"
    cells[SALARY] = UCI_LABELS[cells[SALARY]]
    return ", ".join(cells)


def build_files(seed: int, rows: int = 3000) -> dict[str, bytes]:
    """Return {"adult.data": bytes}, deterministic in seed."""
    lines = [uci_line(row) for row in make_rows(seed, rows)]
    return {FILE: ("\n".join(lines) + "\n\n").encode("ascii")}
