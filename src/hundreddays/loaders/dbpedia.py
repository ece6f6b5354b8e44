"""DBpedia redirects and page links (N-Triples, bzip2) streamed into a sparse link graph.

Each line is "<subject> <predicate> <object> ." with URIs such as
<http://dbpedia.org/resource/Albert_Einstein>. The predicate is not looked at: the redirects file
says "subject redirects to object", the page-links file "subject links to object". The files are
GBs, so they are read line by line from the bz2 stream; page names stay bytes (the raw URI tail,
escapes and all) as keys of one dict name -> int id, and the link endpoints go into two growing
int32 arrays (`array.array`, 4 bytes a link) until the sparse matrix is built.
"""

from __future__ import annotations

import bz2
import re
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import scipy.sparse as sp

REDIRECTS_FILE = "redirects_en.nt.bz2"
LINKS_FILE = "page_links_en.nt.bz2"
RESOURCE_PREFIX = b"http://dbpedia.org/resource/"
INT32_MAX = 2**31 - 1
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


def iter_triples(path: Path | str, limit: int | None = None, progress_every: int = 1_000_000,
                 log: Callable[[str], None] = print) -> Iterator[tuple[bytes, bytes]]:
    """Yield (subject, object) names of the bz2 N-Triples file `path`, streamed line by line,
    stopping after `limit` triples (None = all); log progress every `progress_every` lines."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"DBpedia file {path} does not exist")
    count = 0
    lineno = 0
    with bz2.open(path, "rb") as stream:
        for lineno, line in enumerate(stream, 1):
            if limit is not None and count >= limit:
                break
            if lineno % progress_every == 0:
                log(f"{path.name}: {lineno:,} lines read")
            triple = parse_triple(line, path, lineno)
            if triple is not None:
                count += 1
                yield triple
    log(f"{path.name}: done, {lineno:,} lines read, {count:,} triples kept")


def read_redirects(path: Path | str, progress_every: int = 1_000_000,
                   log: Callable[[str], None] = print) -> dict[bytes, bytes]:
    """Return {redirect name: target name} of the redirects file (last line wins)."""
    return dict(iter_triples(path, None, progress_every, log))


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
               ) -> tuple[list[bytes], np.ndarray, np.ndarray, int]:
    """Stream the page links, resolving both ends through `final` (see resolve_redirects).

    Returns (names by id, source ids, target ids (int32 arrays, one entry per link line), the
    number of link ends that were redirect names). Ids are given in order of first appearance.
    """
    ids: dict[bytes, int] = {}
    sources, targets = array("i"), array("i")
    if sources.itemsize != 4:
        raise RuntimeError(f"array('i') holds {sources.itemsize}-byte ints here, need 4")
    resolved = 0
    for subject, obj in iter_triples(path, limit, progress_every, log):
        s, o = final.get(subject, subject), final.get(obj, obj)
        resolved += (s is not subject) + (o is not obj)
        sources.append(ids.setdefault(s, len(ids)))
        targets.append(ids.setdefault(o, len(ids)))
        if len(ids) > INT32_MAX:
            raise ValueError(f"{path}: more than {INT32_MAX} pages do not fit int32 ids")
    names = list(ids)  # insertion order = id order
    return (names, np.frombuffer(sources, dtype=np.int32), np.frombuffer(targets, dtype=np.int32),
            resolved)


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
        raise FileNotFoundError(f"DBpedia folder {folder} lacks {missing}")
    return paths


def load_dbpedia(folder: Path | str, max_links: int | None = None, keep_self_loops: bool = False,
                 progress_every: int = 1_000_000, log: Callable[[str], None] = print,
                 ) -> LinkGraph:
    """Read the redirects and page links in `folder` into a LinkGraph (redirects resolved,
    at most `max_links` link lines read; None = all), timing each step."""
    redirects_path, links_path = dbpedia_files(folder)
    seconds = {}
    start = time.perf_counter()
    redirects = read_redirects(redirects_path, progress_every, log)
    seconds["read_redirects"] = time.perf_counter() - start

    start = time.perf_counter()
    final, stats = resolve_redirects(redirects)
    del redirects
    seconds["resolve_redirects"] = time.perf_counter() - start
    log(f"redirects: {stats}")

    start = time.perf_counter()
    names, sources, targets, resolved = read_links(links_path, final, max_links, progress_every,
                                                   log)
    del final
    seconds["read_links"] = time.perf_counter() - start
    stats.update(link_lines=int(sources.shape[0]), link_ends_redirected=resolved)

    start = time.perf_counter()
    adjacency, adjacency_stats = build_adjacency(sources, targets, len(names), keep_self_loops)
    seconds["build_adjacency"] = time.perf_counter() - start
    stats.update(adjacency_stats, pages=len(names))
    log(f"graph: {stats}")
    return LinkGraph(names, adjacency, stats, seconds)
