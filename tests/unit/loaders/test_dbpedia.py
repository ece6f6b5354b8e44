"""The DBpedia N-Triples stream reader, redirect resolution, graph builder, the miniature the
demo mirror writes, and the pagerank_dbpedia study run on it."""

import bz2
import csv
import io

import networkx as nx
import numpy as np
import pytest

from hundreddays.demo_mirror import dbpedia as mini
from hundreddays.loaders import dbpedia, link_table
from hundreddays.loaders.dbpedia import (
    LINKS_FILE,
    REDIRECTS_FILE,
    display_name,
    iter_triples,
    load_dbpedia,
    parse_triple,
    read_links,
    resolve_redirects,
    short_name,
)
from hundreddays.metrics import table_csv
from hundreddays.runner import Context, Reference
from hundreddays.studies import pagerank_dbpedia as study

R = "http://dbpedia.org/resource/"


def nt(s, o, p="http://dbpedia.org/property/wikilink"):
    return f"<{R}{s}> <{p}> <{R}{o}> .\n"


def write_dbpedia(folder, redirects, links):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REDIRECTS_FILE).write_bytes(bz2.compress("".join(nt(a, b) for a, b in redirects)
                                                       .encode()))
    (folder / LINKS_FILE).write_bytes(bz2.compress("".join(nt(a, b) for a, b in links).encode()))
    return folder


# ------------------------------------------------------------------------------ parsing


def test_parse_triple_names_and_predicate_free():
    line = nt("Caf\\u00E9", "Python_%28language%29", p="http://example.org/anything").encode()
    assert parse_triple(line, "f", 1) == (b"Caf\\u00E9", b"Python_%28language%29")
    assert parse_triple(b"<a> <b> <http://x.org/c>.\n", "f", 1) == (b"a", b"http://x.org/c")
    assert parse_triple(b"\n", "f", 1) is None
    assert parse_triple(b"# comment\n", "f", 1) is None
    assert short_name(b"<http://other.org/X>") == b"http://other.org/X"


@pytest.mark.parametrize("line", [b"<a> <b> .\n", b"<a> <b> <c>\n", b'<a> <b> "lit" .\n',
                                  b"<a> <b> <c> <d> .\n"])
def test_malformed_line_names_file_and_line(tmp_path, line):
    path = tmp_path / "links.nt.bz2"
    path.write_bytes(bz2.compress(nt("A", "B").encode() * 2 + line + nt("C", "D").encode()))
    with pytest.raises(ValueError, match=r"links\.nt\.bz2, line 3: not an N-Triples line"):
        list(iter_triples(path))


def test_display_name_decodes_escapes():
    assert display_name(b"Caf\\u00E9_de_Flore") == "Café de Flore"
    assert display_name(b"Python_%28programming_language%29") == "Python (programming language)"
    assert display_name(b"Z%C3%BCrich") == "Zürich"
    assert display_name(b"\\U0001F600") == "\U0001F600"


def test_stream_limit_and_progress(tmp_path):
    path = tmp_path / "l.nt.bz2"
    path.write_bytes(bz2.compress("".join(nt(f"P{i}", "Q") for i in range(25)).encode()))
    messages = []
    triples = list(iter_triples(path, limit=12, progress_every=5, log=messages.append))
    assert [s for s, _ in triples] == [f"P{i}".encode() for i in range(12)]
    assert sum("lines read" in m and "done" not in m for m in messages) == 2  # lines 5, 10
    with pytest.raises(FileNotFoundError, match="nope.nt.bz2"):
        list(iter_triples(tmp_path / "nope.nt.bz2"))


# ------------------------------------------------------------------------------ redirects


def resolve_slowly(redirects, name):
    """Reference: follow the redirects, remembering the path; a cycle ends at its minimum."""
    path = [name]
    while path[-1] in redirects:
        nxt = redirects[path[-1]]
        if nxt in path:
            return min(path[path.index(nxt):])
        path.append(nxt)
    return path[-1]


def test_chain_and_cycle():
    redirects = {b"U.S.": b"USA", b"USA": b"United_States", b"X": b"Y", b"Y": b"X",
                 b"Z": b"Y", b"Self": b"Self"}
    final, stats = resolve_redirects(redirects)
    assert final[b"U.S."] == final[b"USA"] == b"United_States"
    assert final[b"X"] == final[b"Y"] == final[b"Z"] == b"X"
    assert final[b"Self"] == b"Self"
    assert stats == {"redirects": 6, "redirect_chains": 3, "redirect_cycles": 2}


@pytest.mark.parametrize("seed", range(5))
def test_resolution_matches_reference_on_random_maps(seed):
    rng = np.random.default_rng(seed)
    names = [f"N{i}".encode() for i in range(300)]
    sources = rng.choice(300, 200, replace=False)
    redirects = {names[s]: names[rng.integers(300)] for s in sources}
    final, stats = resolve_redirects(redirects)
    assert final == {name: resolve_slowly(redirects, name) for name in redirects}
    for target in set(final.values()):  # every final target is a fixed point
        assert final.get(target, target) == target


# ------------------------------------------------------------------------------ the graph


def test_load_resolves_redirects_dedupes_and_drops_self_loops(tmp_path):
    folder = write_dbpedia(
        tmp_path / "db",
        redirects=[("U.S.", "USA"), ("USA", "United_States"), ("Loop_a", "Loop_b"),
                   ("Loop_b", "Loop_a")],
        links=[("Paris", "France"), ("Paris", "U.S."), ("Paris", "United_States"),
               ("USA", "United_States"), ("France", "Loop_b"), ("Ohio", "USA")],
    )
    g = load_dbpedia(folder, progress_every=2, log=lambda m: None)
    names = [n.decode() for n in g.names]
    assert names == ["Paris", "France", "United_States", "Loop_a", "Ohio"]
    edges = {(names[i], names[j]) for i, j in zip(*g.adjacency.nonzero(), strict=True)}
    assert edges == {("Paris", "France"), ("Paris", "United_States"), ("France", "Loop_a"),
                     ("Ohio", "United_States")}
    assert g.stats["self_loops"] == 1 and g.stats["duplicate_links"] == 1
    assert g.stats["link_lines"] == 6 and g.stats["link_ends_redirected"] == 4
    assert g.adjacency.dtype == np.float64 and set(g.adjacency.data) == {1.0}
    kept = load_dbpedia(folder, keep_self_loops=True, log=lambda m: None)
    assert kept.adjacency[2, 2] == 1 and kept.stats["links"] == 5
    limited = load_dbpedia(folder, max_links=2, log=lambda m: None)
    assert limited.stats["link_lines"] == 2 and limited.pages == 3


def test_missing_file_is_named(tmp_path):
    (tmp_path / REDIRECTS_FILE).write_bytes(bz2.compress(b""))
    with pytest.raises(FileNotFoundError, match=LINKS_FILE):
        load_dbpedia(tmp_path)


# ------------------------------------------------------------------------------ the miniature


@pytest.fixture(scope="module")
def miniature(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dbpedia")
    for name, data in mini.build_files(0).items():
        (folder / name).write_bytes(data)
    return folder


def test_miniature_is_deterministic_real_ntriples(miniature):
    files = mini.build_files(0)
    assert set(files) == {REDIRECTS_FILE, LINKS_FILE} and mini.DATASET == "dbpedia"
    assert files == mini.build_files(0) and files != mini.build_files(1)
    text = bz2.decompress(files[LINKS_FILE]).decode()
    assert "\\u00" in text and "%C3%" in text  # escaped names, as in the dumps
    for i, line in enumerate(text.splitlines(keepends=True), 1):
        assert parse_triple(line.encode(), LINKS_FILE, i) is not None


def test_miniature_graph_has_hubs_dangling_pages_and_redirects(miniature):
    g = load_dbpedia(miniature, log=lambda m: None)
    assert 250 <= g.pages <= 400
    in_degree = np.asarray(g.adjacency.sum(axis=0)).ravel()
    assert in_degree.max() > 20 * np.median(in_degree)  # heavy tail: a few hubs
    assert (np.asarray(g.adjacency.sum(axis=1)).ravel() == 0).sum() >= 3  # dangling pages
    names = set(g.names)
    assert b"United_States" in names and not {b"USA", b"U.S."} & names
    assert g.stats["redirect_chains"] >= 1 and g.stats["redirect_cycles"] == 1
    assert g.stats["link_ends_redirected"] > 20 and g.stats["duplicate_links"] >= 1


def test_study_on_miniature(miniature, tmp_path):
    cfg = {"max_links": None, "keep_self_loops": False, "damping": 0.85, "tol": 1e-10,
           "max_iter": 1000, "top": 10, "timing_repeats": 1, "networkx_max_links": 10**6,
           "progress_every": 10**6}
    lines = []
    result = study.run(Context(study="pagerank_dbpedia", cfg=cfg, seed=0,
                               inputs={"data": str(miniature)}, log=lines.append))
    g, rows, metrics = result["graph"], result["table"], result["metrics"]
    assert any(line.startswith(f"graph: {g.pages:,} pages") for line in lines)
    assert metrics["power_vs_eigensolver_rel_diff"] < 1e-8
    assert metrics["networkx_rel_diff"] < 1e-8
    assert metrics["power_converged"] and metrics["power_final_residual"] < 1e-10
    assert metrics["residual_decay_per_iteration"] <= 0.85 + 1e-9
    assert rows[0]["page"] == "United States"
    # networkx on a graph built straight from the link lines, redirects resolved by hand
    ref = nx.DiGraph()
    final, _ = resolve_redirects(dict(iter_triples(miniature / REDIRECTS_FILE, log=lambda m: None)))
    for s, o in iter_triples(miniature / LINKS_FILE, log=lambda m: None):
        s, o = final.get(s, s), final.get(o, o)
        ref.add_node(s)
        ref.add_node(o)
        if s != o:
            ref.add_edge(s, o)
    pr = nx.pagerank(ref, alpha=0.85, tol=1e-14)
    top = sorted(pr, key=pr.get, reverse=True)[:10]
    assert [r["page"] for r in rows] == [display_name(n) for n in top]
    np.testing.assert_allclose([r["score"] for r in rows], [pr[n] for n in top], rtol=1e-7)

    table = list(csv.DictReader(io.StringIO(table_csv(rows))))
    assert list(table[0]) == ["rank", "page", "score", "in_links"]
    assert int(table[0]["in_links"]) == ref.in_degree(b"United_States")
    study.plot(result, tmp_path / "p.png", Reference({}))
    assert (tmp_path / "p.png").stat().st_size > 10_000


# ------------------------------------------------------------------------------ the bulk read
# The compiled read against the reader it replaced (bz2 line by line, parse_triple, a dict of
# ids), on files with every kind of line parse_triple accepts or skips.

ODD_NAMES = [b"Caf\\u00E9_de_Flore", b"Python_%28language%29", "Zürich".encode(), b"A", b"B",
             b"", b"a\x01b", b"http://dbpedia.org/resource/Twice", b"X>Y", b"X<Y"]
ODD_URIS = [b"<http://other.org/Elsewhere>", b"<>", b"<http://dbpedia.org/res>",
            b"<http://dbpedia.org/resource/>", b"<a>b>"]
LAYOUTS = [b"%s %s %s .\n", b"%s  %s\t%s .\n", b"  %s %s %s .\n", b"%s %s %s . \n",
           b"%s %s %s .\r\n", b"%s %s %s.\n", b"%s\x0b%s\x0c%s\t.\n"]
SKIPPED = [b"# a comment\n", b"\n", b"   \t\n", b"#<a> <b> <c> .\n"]


def odd_lines(rng, n, names, grouped=False):
    """n lines: mostly the dumps' layout, else any layout parse_triple accepts, comments and
    blank lines; names from `names` (short) and odd full URIs. `grouped`: most lines keep the
    subject of the line before, as the dumps' lines do (the scanner's shortcut)."""
    lines, subject = [], None
    for _ in range(n):
        if rng.random() < 0.05:
            lines.append(SKIPPED[rng.integers(len(SKIPPED))])
            continue
        s, o = (ODD_URIS[rng.integers(len(ODD_URIS))] if rng.random() < 0.05
                else b"<" + R.encode() + names[rng.integers(len(names))] + b">"
                for _ in range(2))
        if grouped and subject is not None and rng.random() < 0.8:
            s = subject
        subject = s
        layout = LAYOUTS[0] if rng.random() < 0.7 else LAYOUTS[rng.integers(len(LAYOUTS))]
        lines.append(layout % (s, b"<http://dbpedia.org/property/wikilink>", o))
    return lines


def line_by_line_links(path, final):
    """The reader the bulk one replaced: bz2 line by line, parse_triple, a dict of ids."""
    ids, sources, targets, resolved = {}, [], [], 0
    with bz2.open(path, "rb") as stream:
        for lineno, line in enumerate(stream, 1):
            triple = parse_triple(line, path, lineno)
            if triple is None:
                continue
            subject, obj = triple
            s, o = final.get(subject, subject), final.get(obj, obj)
            resolved += (s is not subject) + (o is not obj)
            sources.append(ids.setdefault(s, len(ids)))
            targets.append(ids.setdefault(o, len(ids)))
    return list(ids), sources, targets, resolved


def odd_case(tmp_path, seed, n=3000, last_newline=True, grouped=False):
    """A links file of odd lines and a resolved redirect map over its names (chains, cycles,
    one-byte names redirected to themselves)."""
    rng = np.random.default_rng(seed)
    names = ODD_NAMES + [f"P{i}".encode() for i in range(300)]
    lines = odd_lines(rng, n, names, grouped)
    if not last_newline:
        lines[-1] = lines[-1].rstrip(b"\n")
    path = tmp_path / f"links{seed}.nt.bz2"
    path.write_bytes(bz2.compress(b"".join(lines)))
    redirects = {names[i]: names[j] for i, j in rng.integers(0, len(names), (60, 2))}
    redirects.update({b"A": b"A", b"B": b"Caf\\u00E9_de_Flore", b"X>Y": b"X<Y", b"X<Y": b"X>Y"})
    return path, lines, resolve_redirects(redirects)[0]


@pytest.fixture(params=["default batches", "tiny batches"])
def batches(request, monkeypatch):
    if request.param == "tiny batches":  # blocks and span batches end mid-file, lines carried,
        monkeypatch.setattr(dbpedia, "BLOCK_BYTES", 100)  # the name table grows mid-batch
        monkeypatch.setattr(dbpedia, "SPAN_ROWS", 7)
        monkeypatch.setattr(link_table, "START_NAMES", 2)
        monkeypatch.setattr(link_table, "START_ARENA", 16)


@pytest.mark.parametrize("grouped", [False, True], ids=["shuffled", "grouped by subject"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("seed", range(4))
def test_bulk_read_matches_line_by_line(tmp_path, batches, threads, seed, grouped):
    path, lines, final = odd_case(tmp_path, seed, last_newline=seed % 2 == 0, grouped=grouped)
    names, sources, targets, resolved = read_links(path, final, log=lambda m: None,
                                                   threads=threads)
    ref_names, ref_sources, ref_targets, ref_resolved = line_by_line_links(path, final)
    assert names == ref_names
    assert sources.tolist() == ref_sources and targets.tolist() == ref_targets
    assert sources.dtype == targets.dtype == np.int32
    assert resolved == ref_resolved and resolved > 0
    with bz2.open(path, "rb") as stream:
        ref_triples = [t for i, line in enumerate(stream, 1)
                       if (t := parse_triple(line, path, i)) is not None]
    assert list(iter_triples(path, log=lambda m: None, threads=threads)) == ref_triples
    assert len(ref_triples) > 0.9 * len(lines)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("where", [0, 1, 1777, 2999])
def test_bad_line_named_as_line_by_line(tmp_path, batches, threads, where):
    path, lines, final = odd_case(tmp_path, 7)
    lines[where] = [b"<a> <b> <c> <d> .\n", b"<a> <b> c .\n", b"<a> <b> <c>\n"][where % 3]
    path.write_bytes(bz2.compress(b"".join(lines)))
    with pytest.raises(ValueError) as expected:
        line_by_line_links(path, final)
    with pytest.raises(ValueError) as got:
        read_links(path, final, log=lambda m: None, threads=threads)
    assert str(got.value) == str(expected.value)
    assert f"links7.nt.bz2, line {where + 1}: not an N-Triples line" in str(got.value)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("tail", [b"c .\n", b"<c> <d> .\n", b"<c> .. \n", b"<c>.\n", b"<c>  .\n"])
def test_line_after_same_head_read_as_line_by_line(tmp_path, threads, tail):
    """A line that starts with the line before's '<s> <p> ' but ends otherwise: malformed, or
    a layout the shortcut does not take."""
    path, lines, final = odd_case(tmp_path, 3, grouped=True)
    where = next(i for i in range(1500, 3000) if lines[i].count(b" ") == 3
                 and lines[i - 1].startswith(b"<") and lines[i - 1].count(b" ") == 3)
    head = lines[where - 1][:lines[where - 1].index(b"> <", lines[where - 1].index(b"> <") + 1) + 2]
    lines[where] = head + tail
    path.write_bytes(bz2.compress(b"".join(lines)))
    try:
        expected = line_by_line_links(path, final)
    except ValueError as error:
        with pytest.raises(ValueError) as got:
            read_links(path, final, log=lambda m: None, threads=threads)
        assert str(got.value) == str(error)
        assert f"line {where + 1}: not an N-Triples line" in str(error)
    else:
        names, sources, targets, resolved = read_links(path, final, log=lambda m: None,
                                                       threads=threads)
        assert (names, sources.tolist(), targets.tolist(), resolved) == expected


def test_long_lines_multistream_and_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(dbpedia, "BLOCK_BYTES", 64)  # lines longer than a block
    long_name = "L" * 500
    text = "".join(nt(f"P{i % 7}", long_name if i % 5 == 0 else f"Q{i}") for i in range(40))
    path = tmp_path / "multi.nt.bz2"  # two bz2 streams one after the other, as pbzip2 writes
    path.write_bytes(bz2.compress(text[:2000].encode()) + bz2.compress(text[2000:].encode()))
    ref = line_by_line_links(path, {})
    for threads in (1, 2):
        names, sources, targets, _ = read_links(path, {}, log=lambda m: None, threads=threads)
        assert (names, sources.tolist(), targets.tolist()) == ref[:3]
    for threads in (1, 2):
        names, sources, targets, _ = read_links(path, {}, limit=13, log=lambda m: None,
                                                threads=threads)
        assert sources.tolist() == ref[1][:13] and names == ref[0][:len(names)]
        assert long_name.encode() in names


@pytest.mark.parametrize("threads", [1, 2])
def test_broken_bz2_named(tmp_path, threads):
    data = bz2.compress("".join(nt(f"P{i}", "Q") for i in range(20000)).encode())
    for broken in (data[:len(data) // 2], data[:100] + b"x" * 50 + data[150:]):
        (tmp_path / "broken.nt.bz2").write_bytes(broken)
        with pytest.raises(OSError, match="broken.nt.bz2: not a whole bz2 file"):
            read_links(tmp_path / "broken.nt.bz2", {}, log=lambda m: None, threads=threads)
