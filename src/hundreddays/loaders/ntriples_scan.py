"""Compiled (numba) scanner of N-Triples lines, with the rules of loaders.dbpedia.parse_triple.

A line is stripped of ASCII whitespace; blank lines and lines starting with '#' are skipped;
any other must end with '.' before which stand exactly three whitespace-separated terms, each
<...>. The names of a triple are its subject and object terms without <>, and without the DBpedia
resource prefix where the inner part starts with it. The common line of the dumps ('<s> <p> <o> .'
with single spaces) is read in one pass; any other line by the general rules. The scanner writes
byte spans, not Python objects, and stops at the first malformed line and says where.
"""

from __future__ import annotations

import numba

NEWLINE, SPACE, HASH, DOT, LT, GT = 10, 32, 35, 46, 60, 62


@numba.njit(cache=True, nogil=True, inline="always")
def _space(c) -> bool:
    """bytes.isspace of one byte: space, \\t, \\n, \\v, \\f, \\r."""
    return c <= SPACE and (c == SPACE or (c >= 9 and c <= 13))


@numba.njit(cache=True, nogil=True, inline="always")
def _name_start(buf, start, stop, prefix) -> int:
    """Start of the name inside the term buf[start:stop] = <...>: after '<' and the prefix."""
    inner = start + 1
    n = prefix.shape[0]
    if stop - 1 - inner < n:
        return inner
    for i in range(n):
        if buf[inner + i] != prefix[i]:
            return inner
    return inner + n


@numba.njit(cache=True, nogil=True, inline="always")
def common_line(buf, pos, end, prefix, spans, row) -> int:
    """Read the common line '<s> <p> <o> .' (single spaces, no byte below '!' in a term, then
    a newline or the end) into spans[row]; return the next line's start, or -1 for any other
    line (left to the general rules)."""
    i = pos
    n = prefix.shape[0]
    for term in range(3):
        if i >= end or buf[i] != LT:
            return -1
        j = i + 1
        start = j
        if term != 1:  # the prefix first: its bytes are all above ' '
            m = 0
            while m < n and j < end and buf[j] == prefix[m]:
                j += 1
                m += 1
            if m == n:  # and the term goes on to a '>' (checked below): a longer inner part
                start = j
        while j < end and buf[j] > SPACE:
            j += 1
        if j >= end or buf[j] != SPACE or buf[j - 1] != GT:
            return -1
        if term != 1:  # subject -> columns 0, 1; object -> columns 2, 3
            spans[row, term] = start
            spans[row, term + 1] = j - 1
        i = j + 1
    if i < end and buf[i] == DOT and (i + 1 == end or buf[i + 1] == NEWLINE):
        return i + 2
    return -1


@numba.njit(cache=True, nogil=True, inline="always")
def general_line(buf, pos, stop, prefix, spans, row) -> int:
    """parse_triple's rules on the line buf[pos:stop]: 1 = a triple (into spans[row]),
    0 = blank or comment, -1 = malformed."""
    a, b = pos, stop
    while a < b and _space(buf[a]):
        a += 1
    while b > a and _space(buf[b - 1]):
        b -= 1
    if a == b or buf[a] == HASH:
        return 0
    if buf[b - 1] != DOT:
        return -1
    b -= 1
    terms = 0
    i = a
    while True:
        while i < b and _space(buf[i]):
            i += 1
        if i == b:
            break
        j = i
        while j < b and not _space(buf[j]):
            j += 1
        if terms == 3 or buf[i] != LT or buf[j - 1] != GT:
            return -1
        if terms != 1:
            spans[row, terms] = _name_start(buf, i, j, prefix)
            spans[row, terms + 1] = j - 1
        terms += 1
        i = j
    return 1 if terms == 3 else -1


@numba.njit(cache=True, nogil=True)
def scan_triples(buf, pos, prefix, spans, max_triples):
    """Parse the lines of buf (uint8) from byte `pos` until its end or `max_triples` triples
    (at most spans.shape[0]), triple t's names being buf[spans[t, 0]:spans[t, 1]] (subject) and
    buf[spans[t, 2]:spans[t, 3]] (object). Returns (position reached, lines read, triples,
    malformed): when malformed, the position is the start of the bad line, not read."""
    end = buf.shape[0]
    lines = 0
    found = 0
    while pos < end and found < max_triples:
        nxt = common_line(buf, pos, end, prefix, spans, found)
        if nxt >= 0:
            found += 1
        else:
            nxt = pos
            while nxt < end and buf[nxt] != NEWLINE:
                nxt += 1
            kind = general_line(buf, pos, nxt, prefix, spans, found)
            if kind < 0:
                return pos, lines, found, True
            found += kind
            nxt += 1
        lines += 1
        pos = nxt
    return min(pos, end), lines, found, False


@numba.njit(cache=True, nogil=True)
def last_newline(buf, stop) -> int:
    """Index of the last '\\n' in buf[:stop], -1 when there is none."""
    for i in range(stop - 1, -1, -1):
        if buf[i] == NEWLINE:
            return i
    return -1
