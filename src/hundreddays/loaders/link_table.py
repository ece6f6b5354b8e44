"""The compiled name table of the DBpedia page links, and the kernel that reads link lines into it.

`NameTable` maps distinct byte strings to entries: open addressing with linear probing over
8-byte slots (the hash's top 24 bits and the entry's place), the entries end to end in one
arena, each a 16-byte header (length, index in order of insertion, link, page) and the name's
bytes, padded to 4 bytes. A lookup touches two places in memory (slot, entry) where a Python dict
of bytes touches three (index, entry, key object); a name costs len(name) + 40 to 70 bytes (by
the table's fill) against some len(name) + 110 in a dict.

`LinkTable.scan` reads the link lines of a decompressed block (ntriples_scan's rules) and gives
each link end its page id at once. A name met for the first time as a link end is resolved
through the redirect table (a NameTable of the redirect names, with their targets), and pages get
ids in order of first appearance of the resolved name, as the line-by-line reader's dict of ids
did. The lines go in groups of GROUP: scanned, hashed, their slots and then entries read ahead
(the loads overlap, where one lookup after the other would wait for memory each time), then
looked up in order. A line that starts with the same '<subject> <predicate> ' bytes as the
triple before (the dumps group each page's links) is read from its object on, and its subject
keeps the page id of the line before.
"""

from __future__ import annotations

import numba
import numpy as np

from .ntriples_scan import NEWLINE, common_line, general_line, object_end, same_bytes, word

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
MIX_1 = np.uint64(0xFF51AFD7ED558CCD)
MIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
U8, U32, U33, U40 = np.uint64(8), np.uint64(32), np.uint64(33), np.uint64(40)
LOW_40 = np.uint64((1 << 40) - 1)
NONE = 0xFFFFFFFF  # a link or page not given yet
REDIRECTED = 1 << 31  # the link field's flag: the name is a redirect name
HEADER = 16  # the entry header: length, index, link, page (uint32 each)
LENGTH, INDEX, LINK, PAGE = 0, 1, 2, 3
SIZE, USED, PAGES, MOVED = 0, 1, 2, 3  # a table's state: names, arena bytes, pages, redirected ends
GROUP = 16  # lines whose lookups scan_links overlaps
MOST_NAMES = 1 << 30  # page ids and the flag share 32 bits
START_NAMES, START_ARENA = 1 << 16, 1 << 21  # a new NameTable's room (names, arena bytes)


@numba.njit(cache=True, nogil=True, inline="always")
def _hash(buf, start, stop):
    """64-bit hash of buf[start:stop]: FNV-style over the length and 8-byte words (the last one
    zero-padded), then murmur3's finalizer."""
    h = FNV_OFFSET ^ np.uint64(stop - start)
    i = start
    while i + 8 <= stop:
        h = (h ^ word(buf, i)) * FNV_PRIME
        h ^= h >> U32
        i += 8
    if i < stop:
        rest = np.uint64(stop - i)
        if i + 8 <= buf.shape[0]:  # one load, the bytes after the name masked off
            w = word(buf, i) & ((np.uint64(1) << (U8 * rest)) - np.uint64(1))
        else:
            w = np.uint64(0)
            for k in range(stop - i):
                w |= np.uint64(buf[i + k]) << (U8 * np.uint64(k))
        h = (h ^ w) * FNV_PRIME
    h ^= h >> U33
    h *= MIX_1
    h ^= h >> U33
    h *= MIX_2
    return h ^ (h >> U33)


@numba.njit(cache=True, nogil=True, inline="always")
def _put(table, h, at) -> None:
    """Enter the entry at arena offset `at` (hash h) in the first free slot from its home."""
    mask = np.uint64(table.shape[0] - 1)
    slot = h & mask
    while table[slot] != 0:
        slot = (slot + np.uint64(1)) & mask
    table[slot] = ((h >> U40) << U40) | np.uint64(at // 4 + 1)


@numba.njit(cache=True, nogil=True, inline="always")
def _lookup(src, a, b, h, add, table, arena, words, state) -> int:
    """Arena offset of the entry of the name src[a:b] (hash h); when absent, -1, or a new entry
    (link and page not given) when `add` (the caller has checked that it fits)."""
    mask = np.uint64(table.shape[0] - 1)
    tag = h >> U40
    slot = h & mask
    while True:
        entry = table[slot]
        if entry == 0:
            if not add:
                return -1
            at = state[USED]
            table[slot] = (tag << U40) | np.uint64(at // 4 + 1)
            w = at // 4
            words[w + LENGTH] = b - a
            words[w + INDEX] = state[SIZE]
            words[w + LINK] = NONE
            words[w + PAGE] = NONE
            arena[at + HEADER:at + HEADER + (b - a)] = src[a:b]
            state[USED] = (at + HEADER + (b - a) + 3) // 4 * 4
            state[SIZE] += 1
            return at
        if entry >> U40 == tag:
            at = (np.int64(entry & LOW_40) - 1) * 4
            if words[at // 4 + LENGTH] == b - a and same_bytes(arena, at + HEADER, src, a, b - a):
                return at
        slot = (slot + np.uint64(1)) & mask


@numba.njit(cache=True, nogil=True, inline="always")
def _room(table, arena, state, names, name_bytes) -> int:
    """0 when `names` more names of `name_bytes` bytes in all fit (table at most half full),
    else the arena bytes they need."""
    need = names * (HEADER + 3) + name_bytes
    if state[SIZE] + names > table.shape[0] // 2 or state[USED] + need > arena.shape[0]:
        return need
    return 0


@numba.njit(cache=True, nogil=True)
def _intern(src, spans, first, count, table, arena, words, state, out):
    """out[r] = insertion index of the name src[spans[r, 0]:spans[r, 1]] for rows first..
    count-1, adding new names. Stops before a row that does not fit; returns (rows done, arena
    bytes the row needs)."""
    for r in range(first, count):
        a, b = spans[r, 0], spans[r, 1]
        need = _room(table, arena, state, 1, b - a)
        if need:
            return r, need
        at = _lookup(src, a, b, _hash(src, a, b), True, table, arena, words, state)
        out[r] = words[at // 4 + INDEX]
    return count, 0


@numba.njit(cache=True, nogil=True)
def _rehash(arena, words, used, table):
    table[:] = 0
    at = 0
    while at < used:
        length = np.int64(words[at // 4 + LENGTH])
        _put(table, _hash(arena, at + HEADER, at + HEADER + length), at)
        at = (at + HEADER + length + 3) // 4 * 4


@numba.njit(cache=True, nogil=True)
def _offsets(words, used, size):
    """Arena offsets of all entries, in order of insertion."""
    out = np.empty(size, dtype=np.int64)
    at = 0
    for k in range(size):
        out[k] = at
        at = (at + HEADER + np.int64(words[at // 4 + LENGTH]) + 3) // 4 * 4
    return out


def _grown(a: np.ndarray, length: int, fill=None) -> np.ndarray:
    b = np.empty(length, dtype=a.dtype) if fill is None else np.full(length, fill, a.dtype)
    b[:a.shape[0]] = a
    return b


class NameTable:
    """Distinct byte strings -> entries with an index in order of first insertion."""

    def __init__(self, capacity: int | None = None, arena_bytes: int | None = None):
        capacity = 1 << max(int(capacity or START_NAMES) - 1, 1).bit_length()
        self.table = np.zeros(2 * capacity, dtype=np.uint64)
        self.arena = np.zeros(((arena_bytes or START_ARENA) + 3) // 4 * 4, dtype=np.uint8)
        self.words = self.arena.view(np.uint32)
        self.pages = np.empty(capacity, dtype=np.int64)  # page id -> entry offset
        self.state = np.zeros(4, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.state[SIZE])

    @property
    def capacity(self) -> int:
        return self.table.shape[0] // 2

    def intern(self, src: np.ndarray, spans: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Fill out[r] with the insertion index of the name src[spans[r, 0]:spans[r, 1]]
        (spans: (m, 2)), adding the names not yet in the table; returns out[:m]."""
        m = spans.shape[0]
        done = 0
        while True:
            done, need = _intern(src, spans, done, m, self.table, self.arena, self.words,
                                 self.state, out)
            if done == m:
                return out[:m]
            self.grow(1, need)

    def grow(self, names: int, need: int) -> None:
        """Make room for `names` more names and `need` more arena bytes."""
        capacity = self.capacity
        while len(self) + names > capacity:
            capacity *= 2
        if capacity > MOST_NAMES:
            raise ValueError(f"more than {MOST_NAMES:,} distinct names do not fit the table")
        if capacity > self.capacity:
            self.table = np.empty(2 * capacity, dtype=np.uint64)
            _rehash(self.arena, self.words, self.state[USED], self.table)
            self.pages = _grown(self.pages, capacity)
        if self.state[USED] + need > self.arena.shape[0]:
            size = max(2 * self.arena.shape[0], int(self.state[USED]) + need)
            self.arena = _grown(self.arena, (size + 3) // 4 * 4, 0)
            self.words = self.arena.view(np.uint32)

    def names_at(self, offsets: np.ndarray, chunk: int = 1 << 16) -> list[bytes]:
        """The names of the entries at arena `offsets` as bytes objects, copied out of the
        arena a chunk of names at a time (not the whole arena at once)."""
        names: list[bytes] = []
        for first in range(0, offsets.shape[0], chunk):
            starts = offsets[first:first + chunk] + HEADER
            stops = starts + self.words[(starts - HEADER) // 4]
            low = int(starts.min())
            text = self.arena[low:int(stops.max())].tobytes()
            names += map(text.__getitem__, map(slice, (starts - low).tolist(),
                                               (stops - low).tolist()))
        return names

    def offsets(self) -> np.ndarray:
        """The arena offsets of all entries, in order of insertion."""
        return _offsets(self.words, self.state[USED], len(self))

    def names(self) -> list[bytes]:
        """All names in order of insertion."""
        return self.names_at(self.offsets())


def joined(names: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The names end to end as one uint8 array, and their (start, stop) spans."""
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
    stops = np.cumsum(lengths)
    return (np.frombuffer(b"".join(names), dtype=np.uint8),
            np.stack([stops - lengths, stops], axis=1))


@numba.njit(cache=True, nogil=True)
def _link(at, h, table, arena, words, pages, state, rtable, rarena, rwords, targets, spans,
          flags) -> int:
    """Give the entry at `at` (hash h) its link: the page id of the name it resolves to (the
    redirect target, or itself), with the REDIRECTED flag. Not inlined: it runs once a name."""
    w = at // 4
    a = at + HEADER
    r = _lookup(arena, a, a + np.int64(words[w + LENGTH]), h, False, rtable, rarena, rwords,
                state)
    target, flag = at, 0
    if r >= 0:
        k = rwords[r // 4 + INDEX]
        ta, tb = spans[k, 0], spans[k, 1]
        target = _lookup(targets, ta, tb, _hash(targets, ta, tb), True, table, arena, words,
                         state)
        flag = REDIRECTED if flags[k] else 0
    t = target // 4
    if words[t + PAGE] == NONE:
        words[t + PAGE] = state[PAGES]
        pages[state[PAGES]] = target
        state[PAGES] += 1
    link = np.int64(words[t + PAGE]) | flag
    words[w + LINK] = link
    return link


@numba.njit(cache=True, nogil=True)
def _scan_links(buf, pos, prefix, max_triples, table, arena, words, pages, state, rtable, rarena,
                rwords, targets, spans, flags, most_target, ids):
    """ids[0, t], ids[1, t] = page ids of triple t's subject and object. Returns (position,
    lines, triples, status, arena bytes needed, a checksum of the reads ahead): status 0 = read
    to the end or max_triples, 1 = the line at `position` is malformed, 2 = the table must grow
    before the line at `position`."""
    end = buf.shape[0]
    mask = np.uint64(table.shape[0] - 1)
    group = np.empty((GROUP, 4), dtype=np.int64)
    hashes = np.empty((GROUP, 2), dtype=np.uint64)
    fresh = np.empty(GROUP, dtype=np.bool_)  # the subject differs from the line before's
    line_a, head = 0, -1  # the last triple's line starts with head bytes '<s> <p> ' (-1: unknown)
    lines = 0
    found = 0
    last_a, last_b, last_link = 0, -1, 0
    ahead = np.uint64(0)
    moved = 0
    while pos < end and found < max_triples:
        state[MOVED] += moved
        moved = 0
        start, g, read, bad, name_bytes = pos, 0, 0, False, 0
        prev_a, prev_b = last_a, last_b
        while pos < end and g < GROUP and found + g < max_triples:
            nxt, kind = -1, 1
            if head > 0 and pos + head < end and same_bytes(buf, pos, buf, line_a, head):
                # subject and predicate as the last triple's: only the object is new
                nxt = object_end(buf, pos + head, end, prefix, group, g)
                if nxt >= 0:
                    group[g, 0] = prev_a + (pos - line_a)
                    group[g, 1] = prev_b + (pos - line_a)
                    fresh[g] = False
                    line_a = pos
            if nxt < 0:
                nxt, object_at = common_line(buf, pos, end, prefix, group, g)
                if nxt >= 0:
                    line_a, head = pos, object_at - pos
                else:
                    nxt, head = pos, -1
                    while nxt < end and buf[nxt] != NEWLINE:
                        nxt += 1
                    kind = general_line(buf, pos, nxt, prefix, group, g)
                    if kind < 0:
                        bad = True
                        break
                    nxt += 1
                if kind == 1:
                    sa, sb = group[g, 0], group[g, 1]
                    fresh[g] = sb - sa != prev_b - prev_a or not same_bytes(buf, sa, buf, prev_a,
                                                                           sb - sa)
            if kind == 1:
                prev_a, prev_b = group[g, 0], group[g, 1]
                name_bytes += (group[g, 1] - group[g, 0] + group[g, 3] - group[g, 2]
                               + 2 * most_target)
                g += 1
            read += 1
            pos = nxt
        need = _room(table, arena, state, 4 * g, name_bytes)
        if need:
            return start, lines, found, 2, need, ahead
        for r in range(g):
            for side in range(2):
                if side == 1 or fresh[r]:
                    h = _hash(buf, group[r, 2 * side], group[r, 2 * side + 1])
                    hashes[r, side] = h
                    ahead += table[h & mask]
        for r in range(g):
            for side in range(2):
                if side == 1 or fresh[r]:
                    entry = table[hashes[r, side] & mask]
                    if entry != 0:
                        ahead += words[(np.int64(entry & LOW_40) - 1) + LINK]
        for r in range(g):
            for side in range(2):
                if side == 0 and not fresh[r]:
                    link = last_link
                else:
                    h = hashes[r, side]
                    at = _lookup(buf, group[r, 2 * side], group[r, 2 * side + 1], h, True, table,
                                 arena, words, state)
                    link = np.int64(words[at // 4 + LINK])
                    if link == NONE:  # the name's first time as a link end
                        link = _link(at, h, table, arena, words, pages, state, rtable, rarena,
                                     rwords, targets, spans, flags)
                    if side == 0:
                        last_link = link
                ids[side, found + r] = link & (REDIRECTED - 1)
                moved += link >> 31
        last_a, last_b = prev_a, prev_b
        found += g
        lines += read
        if bad:
            state[MOVED] += moved
            return pos, lines, found, 1, 0, ahead
    state[MOVED] += moved
    return min(pos, end), lines, found, 0, 0, ahead


class LinkTable(NameTable):
    """The names met in the page links, each given its page id through the redirect map
    {redirect name: target} (names, targets); `redirected` says, per redirect name, whether a
    link end with that name counts as redirected."""

    def __init__(self, names: list[bytes], targets: list[bytes], redirected: list[bool]):
        super().__init__()
        self.redirects = NameTable(capacity=max(len(names), 1), arena_bytes=sum(map(len, names))
                                   + (HEADER + 3) * len(names))
        keys, key_spans = joined(names)
        self.redirects.intern(keys, key_spans, np.empty(len(names), dtype=np.int32))
        self.targets, self.target_spans = joined(targets)
        self.flags = np.array(redirected, dtype=np.bool_).reshape(-1)
        self.most_target = max(map(len, targets), default=0)

    def scan(self, buf: np.ndarray, pos: int, prefix: np.ndarray, max_triples: int,
             ids: np.ndarray) -> tuple[int, int, int, bool]:
        """Read the link lines of buf from `pos` (at most max_triples), their page ids into
        ids[0, t] (subject) and ids[1, t] (object); return (position, lines, triples,
        malformed) as ntriples_scan.scan_triples does."""
        lines = found = 0
        r = self.redirects
        while True:
            pos, read, got, status, need, _ = _scan_links(
                buf, pos, prefix, max_triples - found, self.table, self.arena, self.words,
                self.pages, self.state, r.table, r.arena, r.words, self.targets,
                self.target_spans, self.flags, self.most_target, ids[:, found:])
            lines, found = lines + read, found + got
            if status != 2:
                return pos, lines, found, status == 1
            self.grow(4 * GROUP, need)

    @property
    def page_count(self) -> int:
        return int(self.state[PAGES])

    @property
    def redirected_ends(self) -> int:
        return int(self.state[MOVED])

    def page_names(self) -> list[bytes]:
        """The names of the pages by page id."""
        return self.names_at(self.pages[:self.page_count])
