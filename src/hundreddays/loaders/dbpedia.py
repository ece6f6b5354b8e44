"""DBpedia redirects and page links (N-Triples, bzip2) streamed into a sparse link graph.

Each line is "<subject> <predicate> <object> ." with URIs such as
<http://dbpedia.org/resource/Albert_Einstein>. The predicate is not looked at: the redirects file
says "subject redirects to object", the page-links file "subject links to object". Page names
stay bytes (the raw URI tail, escapes and all).

The files are GBs (some 1e8 lines), so the read runs at about the speed of bz2 decompression:
indexed_bzip2 decompresses the stream in parallel across the rule's threads, a reader thread
keeps it decoding ahead, and decompressed blocks of whole lines are parsed meanwhile by compiled
kernels (ntriples_scan) with the rules of parse_triple, which names the file and line of a
malformed one. The page links never become Python objects line by line: their names go into a
compiled name table (link_table), redirects are resolved once per distinct name, and the link
ends go into two growing int32 arrays (`array.array`, 4 bytes a link) until the sparse matrix is
built.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import scipy.sparse as sp

from .layout import Packaging, layout_error
from .link_table import LinkTable
from .ntriples_scan import last_newline, scan_triples

REDIRECTS_FILE = "redirects_en.nt.bz2"
LINKS_FILE = "page_links_en.nt.bz2"
LAYOUT = f"DBpedia 3.5.1's two files as published, bzip2-compressed: {REDIRECTS_FILE}, {LINKS_FILE}"
OTHER_PACKAGINGS = (
    Packaging(("*_en.nt",), "decompressed N-Triples files: the loader streams the published "
              ".nt.bz2 files; keep (or recompress) them as .bz2"),
    Packaging(("*.ttl*",), "a later DBpedia release in Turtle (.ttl), not the 3.5.1 N-Triples "
              "files the log's PageRank reads"),
)
RESOURCE_PREFIX = b"http://dbpedia.org/resource/"
BLOCK_BYTES = 8 << 20  # decompressed bytes scanned per batch
SPAN_ROWS = 1 << 16  # triples per batch at most
READ_AHEAD = 2  # blocks decompressed ahead of the parse
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def short_name(uri: bytes) -> bytes:
    """Return the name inside <...>, without the DBpedia resource prefix when it has one."""
    inner = uri[1:-1]
    return inner[len(RESOURCE_PREFIX):] if inner.startswith(RESOURCE_PREFIX) else inner


def display_name(name: bytes) -> str:
    """Return a readable page title: N-Triples \\uXXXX escapes and %XX decoded, _ as space."""
    text = name.decode("utf-8", errors="replace")
    text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    return unquote(text).replace("_", " ")


def parse_triple(line: bytes, path: Path | str, lineno: int) -> tuple[bytes, bytes] | None:
    """Return (subject name, object name) of one N-Triples line; None for a blank or comment
    line. Raises ValueError naming the file and line when the line is not <s> <p> <o> ."""
    body = line.strip()
    if not body or body.startswith(b"#"):
        return None
    parts = body[:-1].split() if body.endswith(b".") else ()
    if len(parts) != 3 or not all(p.startswith(b"<") and p.endswith(b">") for p in parts):
        shown = body[:200].decode("utf-8", errors="replace")
        raise ValueError(f"{path}, line {lineno}: not an N-Triples line "
                         f"'<subject> <predicate> <object> .' between URIs: {shown!r}")
    return short_name(parts[0]), short_name(parts[2])


def open_bz2(path: Path | str, threads: int = 1):
    """Open the bz2 file `path` for reading, decompressed by `threads` threads (indexed_bzip2's
    parallel reader: it finds the bzip2 blocks of even a single stream and decodes them ahead
    in parallel; with one thread it decodes in the calling thread)."""
    import indexed_bzip2

    return indexed_bzip2.open(str(path), parallelization=max(1, int(threads)))


def line_blocks(stream, size: int | None = None) -> Iterator[np.ndarray]:
    """Yield the stream's bytes as uint8 views of whole lines, about `size` bytes each (default
    BLOCK_BYTES; each ends with a newline, except a last line without one). A view is valid
    until the next.

    A reader thread fills the blocks READ_AHEAD ahead of the consumer: indexed_bzip2 decodes
    ahead only while its read() is being called, so a consumer that parses between reads
    would leave the decompression threads idle. The parse thus runs beside the `threads`
    decompression threads, in one more thread (which waits while decompression is behind)."""
    size = size or BLOCK_BYTES
    free: queue.SimpleQueue = queue.SimpleQueue()
    full: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(READ_AHEAD + 1):
        free.put(np.empty(size, dtype=np.uint8))
    stop = threading.Event()
    reader = threading.Thread(target=_read_blocks, args=(stream, free, full, stop), daemon=True,
                              name=f"read {getattr(stream, 'name', 'bz2')}")
    reader.start()
    try:
        while (item := full.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            buf, length = item
            yield buf[:length]
            free.put(buf)
    finally:
        stop.set()
        free.put(None)
        reader.join()


def _read_blocks(stream, free: queue.SimpleQueue, full: queue.SimpleQueue,
                 stop: threading.Event) -> None:
    """line_blocks' reader thread: fill each buffer taken from `free` with whole lines (the
    tail of a cut line carried to the next) and put (buffer, length) into `full`; then None.
    An error goes into `full` too, before the None."""
    carry = np.empty(0, dtype=np.uint8)
    try:
        while not stop.is_set():
            buf = free.get()
            if buf is None:
                return
            while carry.shape[0] >= buf.shape[0]:  # a line longer than the buffer
                buf = np.empty(2 * buf.shape[0], dtype=np.uint8)
            filled = carry.shape[0]
            buf[:filled] = carry
            while filled < buf.shape[0] and not stop.is_set():
                try:
                    got = stream.readinto(buf[filled:])
                except (RuntimeError, ValueError, EOFError) as error:  # indexed_bzip2's, bz2's
                    raise OSError(f"{getattr(stream, 'name', 'the stream')}: not a whole bz2 "
                                  f"file, decompression failed: {error}") from error
                if not got:
                    if filled:
                        full.put((buf, filled))
                    return
                filled += got
            cut = last_newline(buf, filled) + 1
            carry = buf[cut:filled].copy()
            if cut:
                full.put((buf, cut))
            else:
                free.put(buf)
    except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
        full.put(error)
    finally:
        full.put(None)


def _bad_line(buf: np.ndarray, pos: int, path: Path, lineno: int) -> None:
    """Raise parse_triple's ValueError for the malformed line starting at buf[pos]."""
    line, newline, _ = buf[pos:].tobytes().partition(b"\n")
    parse_triple(line + newline, path, lineno)
    raise AssertionError(f"{path}, line {lineno}: the scanner and parse_triple disagree")


def scanned(path: Path | str, scan: Callable, limit: int | None = None,
            progress_every: int = 1_000_000, log: Callable[[str], None] = print,
            threads: int = 1) -> Iterator[tuple[np.ndarray, int]]:
    """Drive `scan(buf, pos, max_triples) -> (position, lines, triples, malformed)` (a compiled
    scanner) over the decompressed blocks of the bz2 N-Triples file `path`, yielding (block,
    triples) after each call with triples. Stops after `limit` triples (None = all); logs
    progress every `progress_every` lines; raises parse_triple's ValueError at the first
    malformed line (after yielding the triples before it)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"DBpedia file {path} does not exist")
    lines = count = 0
    with open_bz2(path, threads) as stream, closing(line_blocks(stream)) as blocks:
        for buf in blocks:
            pos = 0
            while pos < buf.shape[0]:
                room = SPAN_ROWS if limit is None else min(SPAN_ROWS, limit - count)
                if room <= 0:
                    break
                pos, read, found, bad = scan(buf, pos, room)
                for mark in range((lines // progress_every + 1) * progress_every,
                                  lines + read + 1, progress_every):
                    log(f"{path.name}: {mark:,} lines read")
                lines, count = lines + read, count + found
                if found:
                    yield buf, found
                if bad:
                    _bad_line(buf, pos, path, lines + 1)
            if limit is not None and count >= limit:
                break
    log(f"{path.name}: done, {lines:,} lines read, {count:,} triples kept")


def triple_spans(path: Path | str, limit: int | None = None, progress_every: int = 1_000_000,
                 log: Callable[[str], None] = print, threads: int = 1,
                 ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (buf, spans) for the triples of the bz2 N-Triples file `path` in order, a batch at a
    time (see scanned): triple t's names are buf[spans[t, 0]:spans[t, 1]] and
    buf[spans[t, 2]:spans[t, 3]] (as parse_triple gives them). Both arrays are reused: valid
    until the next batch."""
    prefix = np.frombuffer(RESOURCE_PREFIX, dtype=np.uint8)
    spans = np.empty((SPAN_ROWS, 4), dtype=np.int64)

    def scan(buf, pos, max_triples):
        return scan_triples(buf, pos, prefix, spans, max_triples)

    for buf, found in scanned(path, scan, limit, progress_every, log, threads):
        yield buf, spans[:found]


def iter_triples(path: Path | str, limit: int | None = None, progress_every: int = 1_000_000,
                 log: Callable[[str], None] = print, threads: int = 1,
                 ) -> Iterator[tuple[bytes, bytes]]:
    """Yield (subject, object) names of the bz2 N-Triples file `path` (see triple_spans),
    decompressed by `threads` threads."""
    for buf, spans in triple_spans(path, limit, progress_every, log, threads):
        yield from zip(*_pair_names(buf, spans), strict=True)


def _pair_names(buf: np.ndarray, spans: np.ndarray) -> tuple[list[bytes], list[bytes]]:
    """The subject and object names of a batch of triple_spans as bytes objects."""
    first, stop = int(spans[0, 0]), int(spans[-1, 3])
    text = buf[first:stop].tobytes()
    bounds = (spans.T - first).tolist()
    return (list(map(text.__getitem__, map(slice, bounds[0], bounds[1]))),
            list(map(text.__getitem__, map(slice, bounds[2], bounds[3]))))


def read_redirects(path: Path | str, progress_every: int = 1_000_000,
                   log: Callable[[str], None] = print, threads: int = 1) -> dict[bytes, bytes]:
    """Return {redirect name: target name} of the redirects file (last line wins)."""
    redirects: dict[bytes, bytes] = {}
    for buf, spans in triple_spans(path, None, progress_every, log, threads):
        redirects.update(zip(*_pair_names(buf, spans), strict=True))
    return redirects


def resolve_redirects(redirects: dict[bytes, bytes]) -> tuple[dict[bytes, bytes], dict]:
    """Return ({name: final target}, stats) with every chain followed to its end.

    A cycle (A -> B -> A) has no end: all its members, and every chain into it, resolve to the
    cycle's smallest name, so one page stands for the whole cycle. stats counts the redirects,
    those whose final target differs from their direct one (chains), and the cycles broken.
    """
    final: dict[bytes, bytes] = {}
    cycles = 0
    for start in redirects:
        if start in final:
            continue
        path = [start]
        on_path = {start: 0}
        node = redirects[start]
        while True:
            if node in final:
                target = final[node]
                break
            if node not in redirects:
                target = node
                break
            if node in on_path:
                target = min(path[on_path[node]:])
                cycles += 1
                break
            on_path[node] = len(path)
            path.append(node)
            node = redirects[node]
        for name in path:
            final[name] = target
    chains = sum(1 for name, target in redirects.items() if final[name] != target)
    return final, {"redirects": len(redirects), "redirect_chains": chains,
                   "redirect_cycles": cycles}


@dataclass
class LinkGraph:
    names: list[bytes]  # page id -> raw name
    adjacency: sp.csr_array  # (pages x pages) 0/1, [i, j] = 1 when page i links to page j
    stats: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return len(self.names)


def read_links(path: Path | str, final: dict[bytes, bytes], limit: int | None = None,
               progress_every: int = 1_000_000, log: Callable[[str], None] = print,
               threads: int = 1) -> tuple[list[bytes], np.ndarray, np.ndarray, int]:
    """Read the page links, resolving both ends through `final` (see resolve_redirects).

    Returns (names by id, source ids, target ids (int32 arrays, one entry per link line), the
    number of link ends that were redirect names). Ids are given in order of first appearance.
    The compiled LinkTable interns the names and resolves each distinct one once, so no line
    becomes Python objects; it holds at most link_table.MOST_NAMES names (int32 ids).
    """
    names = list(final)
    targets = list(final.values())
    # A link end counts as redirected when final.get(end, end) is not the parsed end itself:
    # always for a redirect name of two bytes or more (the parse makes a new object), and for a
    # shorter one unless final maps it to the very object a parse of it gives (Python's shared
    # one-byte and empty bytes), as the line-by-line reader counted.
    redirected = [len(n) > 1 or t is not (b"\0" + n)[1:]
                  for n, t in zip(names, targets, strict=True)]
    table = LinkTable(names, targets, redirected)
    del names, targets, redirected
    sources, ends = array("i"), array("i")
    if sources.itemsize != 4:
        raise RuntimeError(f"array('i') holds {sources.itemsize}-byte ints here, need 4")
    prefix = np.frombuffer(RESOURCE_PREFIX, dtype=np.uint8)
    ids = np.empty((2, SPAN_ROWS), dtype=np.int32)

    def scan(buf, pos, max_triples):
        return table.scan(buf, pos, prefix, max_triples, ids)

    for _, found in scanned(path, scan, limit, progress_every, log, threads):
        sources.frombytes(memoryview(ids[0, :found]).cast("B"))
        ends.frombytes(memoryview(ids[1, :found]).cast("B"))
    return (table.page_names(), np.frombuffer(sources, dtype=np.int32),
            np.frombuffer(ends, dtype=np.int32), table.redirected_ends)


def build_adjacency(sources: np.ndarray, targets: np.ndarray, pages: int,
                    keep_self_loops: bool = False) -> tuple[sp.csr_array, dict]:
    """Return (0/1 CSR adjacency, stats): duplicate links (often made by redirect resolution)
    count once; self-loops are dropped unless `keep_self_loops`."""
    self_loop = sources == targets
    if not keep_self_loops and self_loop.any():
        sources, targets = sources[~self_loop], targets[~self_loop]
    data = np.ones(sources.shape[0], dtype=np.float64)
    a = sp.coo_array((data, (sources, targets)), shape=(pages, pages)).tocsr()
    a.sum_duplicates()
    a.data[:] = 1.0
    stats = {"self_loops": int(self_loop.sum()), "links": int(a.nnz),
             "duplicate_links": int(sources.shape[0] - a.nnz)}
    return a, stats


def dbpedia_files(folder: Path | str) -> tuple[Path, Path]:
    """Return the paths of the redirects and page-links files in `folder`, or raise naming the
    missing ones."""
    folder = Path(folder)
    paths = folder / REDIRECTS_FILE, folder / LINKS_FILE
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise layout_error(folder, f"DBpedia files {', '.join(missing)} missing in {folder}",
                           LAYOUT, OTHER_PACKAGINGS)
    return paths


def check_layout(folder: Path | str) -> None:
    """Raise FileNotFoundError unless `folder` holds the two files dbpedia_files returns."""
    dbpedia_files(folder)


def load_dbpedia(folder: Path | str, max_links: int | None = None, keep_self_loops: bool = False,
                 progress_every: int = 1_000_000, log: Callable[[str], None] = print,
                 threads: int = 1) -> LinkGraph:
    """Read the redirects and page links in `folder` into a LinkGraph (redirects resolved,
    at most `max_links` link lines read; None = all; decompressed by `threads` threads), timing
    each step."""
    redirects_path, links_path = dbpedia_files(folder)
    seconds = {}
    start = time.perf_counter()
    redirects = read_redirects(redirects_path, progress_every, log, threads)
    seconds["read_redirects"] = time.perf_counter() - start

    start = time.perf_counter()
    final, stats = resolve_redirects(redirects)
    del redirects
    seconds["resolve_redirects"] = time.perf_counter() - start
    log(f"redirects: {stats}")

    start = time.perf_counter()
    names, sources, targets, resolved = read_links(links_path, final, max_links, progress_every,
                                                   log, threads)
    del final
    seconds["read_links"] = time.perf_counter() - start
    stats.update(link_lines=int(sources.shape[0]), link_ends_redirected=resolved)

    start = time.perf_counter()
    adjacency, adjacency_stats = build_adjacency(sources, targets, len(names), keep_self_loops)
    seconds["build_adjacency"] = time.perf_counter() - start
    stats.update(adjacency_stats, pages=len(names))
    log(f"graph: {stats}")
    return LinkGraph(names, adjacency, stats, seconds)
