"""Compiled (numba) scanner of N-Triples lines, with the rules of loaders.dbpedia.parse_triple.

A line is stripped of ASCII whitespace; blank lines and lines starting with '#' are skipped;
any other must end with '.' before which stand exactly three whitespace-separated terms, each
<...>. The names of a triple are its subject and object terms without <>, and without the DBpedia
resource prefix where the inner part starts with it. The common line of the dumps ('<s> <p> <o> .'
with single spaces) is read in one pass, eight bytes at a time; any other line by the general
rules. The scanner writes byte spans, not Python objects, and stops at the first malformed line
and says where.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

NEWLINE, SPACE, HASH, DOT, LT, GT = 10, 32, 35, 46, 60, 62
U3, U8 = np.uint64(3), np.uint64(8)
HIGH_BITS = np.uint64(0x8080808080808080)
ABOVE_SPACE = np.uint64(0x2121212121212121)  # '!' in every byte


@numba.njit(cache=True, nogil=True)
def word(buf, i):
    """buf[i:i + 8] as one little-endian uint64. The index is unsigned so that numba adds no
    wraparound check for negative ones, and LLVM makes the eight loads one."""
    u = np.uint64(i)
    w = np.uint64(0)
    for k in range(8):
        w |= np.uint64(buf[u + np.uint64(k)]) << (U8 * np.uint64(k))
    return w


@numba.njit(cache=True, nogil=True)
def same_bytes(a, i, b, j, n) -> bool:
    """a[i:i + n] == b[j:j + n], eight bytes at a time."""
    k = 0
    while k + 8 <= n:
        if word(a, i + k) != word(b, j + k):
            return False
        k += 8
    while k < n:
        if a[i + k] != b[j + k]:
            return False
        k += 1
    return True


@numba.njit(cache=True, nogil=True)
def next_space(buf, j, end) -> int:
    """The first index from j on whose byte is ' ' or below (end when none), eight bytes at a
    time: in w - 0x21.. & ~w & 0x80.., the lowest flagged byte is the first below '!' (bytes
    from 0x80 up are never flagged, and no borrow reaches a byte before the first flagged)."""
    while j + 8 <= end:
        w = word(buf, j)
        below = (w - ABOVE_SPACE) & ~w & HIGH_BITS
        if below:
            return j + np.int64(trailing_zeros(below) >> U3)
        j += 8
    while j < end and buf[j] > SPACE:
        j += 1
    return j


@numba.njit(cache=True, nogil=True, inline="always")
def _space(c) -> bool:
    """bytes.isspace of one byte: space, \\t, \\n, \\v, \\f, \\r."""
    return c <= SPACE and (c == SPACE or (c >= 9 and c <= 13))


@numba.njit(cache=True, nogil=True, inline="always")
def _name_start(buf, start, stop, prefix) -> int:
    """Start of the name inside the term buf[start:stop] = <...>: after '<' and the prefix."""
    inner = start + 1
    n = prefix.shape[0]
    if stop - 1 - inner < n or not same_bytes(buf, inner, prefix, 0, n):
        return inner
    return inner + n


@numba.njit(cache=True, nogil=True)
def common_term(buf, i, end, prefix, spans, row, column) -> int:
    """Read the term '<...>' at buf[i] of a common line, followed by a space, its name (without
    the prefix) into spans[row, column:column + 2] unless column < 0; return the index after the
    space, or -1 when the term is not '<' bytes above ' ' '>' then a space."""
    if i >= end or buf[i] != LT:
        return -1
    j = i + 1
    start = j
    n = prefix.shape[0]
    if column >= 0 and j + n <= end and same_bytes(buf, j, prefix, 0, n):
        j += n  # the prefix's bytes are all above ' ': the term goes on (to a '>', below)
        start = j
    j = next_space(buf, j, end)
    if j >= end or buf[j] != SPACE or buf[j - 1] != GT:
        return -1
    if column >= 0:
        spans[row, column] = start
        spans[row, column + 1] = j - 1
    return j + 1


@numba.njit(cache=True, nogil=True)
def object_end(buf, i, end, prefix, spans, row) -> int:
    """Read the object term and ' .' ending a common line from buf[i] (see common_term) into
    spans[row, 2:4]; return the next line's start, or -1."""
    i = common_term(buf, i, end, prefix, spans, row, 2)
    if i >= 0 and i < end and buf[i] == DOT and (i + 1 == end or buf[i + 1] == NEWLINE):
        return i + 2
    return -1


@numba.njit(cache=True, nogil=True, inline="always")
def common_line(buf, pos, end, prefix, spans, row):
    """Read the common line '<s> <p> <o> .' (single spaces, no byte below '!' in a term, then
    a newline or the end) into spans[row]; return (the next line's start, the object term's
    start), or (-1, -1) for any other line (left to the general rules)."""
    i = common_term(buf, pos, end, prefix, spans, row, 0)
    if i >= 0:
        i = common_term(buf, i, end, prefix, spans, row, -1)
    if i < 0:
        return -1, -1
    return object_end(buf, i, end, prefix, spans, row), i


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
        nxt, _ = common_line(buf, pos, end, prefix, spans, found)
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
