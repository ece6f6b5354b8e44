"""The compiled name table of the DBpedia read: indices in order of first insertion through every
growth of its table and arena, names given back byte for byte; and the line scanner's helper."""

import numpy as np

from hundreddays.loaders.link_table import NameTable, joined
from hundreddays.loaders.ntriples_scan import last_newline


def test_indices_in_first_insertion_order_through_growth():
    rng = np.random.default_rng(0)
    pool = [b"", b"a", b"\xc3\xbc", b"x" * 300] + [f"N{i}".encode() * (i % 5 + 1)
                                                   for i in range(3000)]
    table = NameTable(capacity=2, arena_bytes=8)  # grows many times
    first_seen: dict[bytes, int] = {}
    for batch in range(5):
        names = [pool[i] for i in rng.integers(0, len(pool) if batch else 50, 4000)]
        got = table.intern(*joined(names), np.empty(len(names), dtype=np.int32))
        assert got.tolist() == [first_seen.setdefault(n, len(first_seen)) for n in names]
    assert len(table) == len(first_seen) and table.capacity >= len(table)
    assert table.names() == list(first_seen)
    some = table.offsets()[[5, 0, 17, 3, 2900, -1]]  # any order, a few names a chunk
    assert table.names_at(some, chunk=2) == [list(first_seen)[i] for i in [5, 0, 17, 3, 2900, -1]]


def test_duplicates_in_one_batch():
    names = [b"S", b"o1", b"S", b"o2", b"S", b"o1", b"T", b"o2", b"T", b"S"]
    got = NameTable().intern(*joined(names), np.empty(len(names), dtype=np.int32))
    assert got.tolist() == [0, 1, 0, 2, 0, 1, 3, 2, 3, 0]


def test_last_newline():
    buf = np.frombuffer(b"ab\ncd\nef", dtype=np.uint8)
    assert last_newline(buf, 8) == 5 and last_newline(buf, 5) == 2 and last_newline(buf, 2) == -1

