"""Benchmark: the DBpedia page-links read (loaders.dbpedia.read_links, redirects resolved) against
plain bz2 decompression of the same file, per thread count, on synthetic files in the real format.

The files (page_links_en.nt.bz2 with --lines lines, redirects_en.nt.bz2 with an alias for one
page in twenty) are written once into --dir and reused: N-Triples lines like the dumps', links
grouped by subject page, targets drawn with Zipf-like weights, some names escaped, some link
targets redirect names, each file one bz2 stream (level 9), as the dumps are. Every measurement
runs in a fresh process (JIT warmed on the demo miniature first) and reports its wall time and
how much its peak RSS grew: for the read that is the memory of the ids, arrays and name table.

"threads" is the decompression's (indexed_bzip2's parallelization, the rule's threads); the read
parses in one more thread beside them (loaders.dbpedia.line_blocks), busy for a small share of
the time. On 2 cores with 2 threads the three share the cores, so the read is within the
decompression's time only as far as the parse is cheap.

    .venv/bin/python bench/dbpedia_read.py [--dir DIR] [--lines 1e7] [--threads 1 2]
                                           [--repeats 1] [--csv table.csv]
"""

from __future__ import annotations

import argparse
import bz2
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hundreddays.demo_mirror.dbpedia import LINK_PREDICATE, REDIRECT_PREDICATE, RESOURCE
from hundreddays.loaders.dbpedia import LINKS_FILE, REDIRECTS_FILE

SYLLABLES = ["ka", "ri", "to", "man", "el", "son", "ber", "lin", "a", "o", "ste", "ven", "mar",
             "ia", "ton", "ville", "burg", "ford", "land", "is", "sch", "u", "ne", "der", "ham",
             "wood", "ley", "\\u00E9", "%C3%BC", "_(film)", "%28album%29"]
MEAN_LINKS = 15  # links per page
REDIRECTED = 0.05  # pages with a redirect alias
TO_ALIAS = 0.03  # of the links to a page with an alias, those written with the alias
WRITE_LINES = 200_000  # lines formatted and compressed at a time


def page_names(rng: np.random.Generator, pages: int) -> list[str]:
    """`pages` distinct titles of one to three words made of syllables, in random order."""
    words = sorted({"".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), k))
                    for k in rng.integers(2, 5, 4 * pages // 3 + 100)})
    words = [w[0].upper() + w[1:] for w in words]
    names: set[str] = set()
    while len(names) < pages:
        count = rng.integers(1, 4, pages)
        picks = rng.integers(0, len(words), (pages, 3))
        names.update("_".join(words[i] for i in row[:k]) for k, row in zip(count, picks,
                                                                        strict=True))
    chosen = sorted(names)[:pages]
    return [chosen[i] for i in rng.permutation(pages)]


def write_files(folder: Path, lines: int, seed: int = 0) -> None:
    """Write the synthetic redirects and page-links files into `folder`."""
    rng = np.random.default_rng(seed)
    pages = max(lines // MEAN_LINKS, 100)
    names = page_names(rng, pages)
    uris = [f"<{RESOURCE}{n}>" for n in names]
    aliased = rng.permutation(pages)[:int(REDIRECTED * pages)]
    alias = {int(p): f"<{RESOURCE}{names[p]}_(redirect)>" for p in aliased}
    redirects = "".join(f"{alias[p]} <{REDIRECT_PREDICATE}> {uris[p]} .\n" for p in alias)
    (folder / REDIRECTS_FILE).write_bytes(bz2.compress(redirects.encode(), 9))

    cdf = np.cumsum(1.0 / np.arange(1, pages + 1))
    cdf /= cdf[-1]
    compressor = bz2.BZ2Compressor(9)
    tmp = folder / (LINKS_FILE + ".part")
    with open(tmp, "wb") as f:
        page, done = 0, 0
        while done < lines:
            n = min(WRITE_LINES, lines - done)
            subjects = np.repeat(np.arange(page, page + n), rng.geometric(1 / MEAN_LINKS, n))[:n]
            page = int(subjects[-1]) + 1
            targets = np.searchsorted(cdf, rng.random(n))
            to_alias = rng.random(n) < TO_ALIAS
            text = "".join(f"{uris[s % pages]} <{LINK_PREDICATE}> "
                           f"{alias.get(t, uris[t]) if a else uris[t]} .\n"
                           for s, t, a in zip(subjects.tolist(), targets.tolist(),
                                              to_alias.tolist(), strict=True))
            f.write(compressor.compress(text.encode()))
            done += n
        f.write(compressor.flush())
    tmp.rename(folder / LINKS_FILE)


def ensure_files(folder: Path, lines: int) -> dict:
    """Write the files unless `folder` holds them for `lines` lines; return their description."""
    done = folder / "complete.json"
    if done.is_file() and json.loads(done.read_text())["lines"] == lines:
        return json.loads(done.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    print(f"writing {lines:,} link lines into {folder} (once; bz2 level 9 on one core) ...",
          flush=True)
    start = time.perf_counter()
    write_files(folder, lines)
    with bz2.open(folder / LINKS_FILE, "rb") as f:
        raw = sum(len(b) for b in iter(lambda: f.read(1 << 24), b""))
    info = {"lines": lines, "bz2_bytes": (folder / LINKS_FILE).stat().st_size, "raw_bytes": raw}
    done.write_text(json.dumps(info))
    print(f"written in {time.perf_counter() - start:.0f} s", flush=True)
    return info


# ------------------------------------------------------------------ one measurement (a child)


def warm_up() -> None:
    """Compile (or load) the numba kernels on the demo miniature, outside the timing."""
    from hundreddays.demo_mirror.dbpedia import build_files
    from hundreddays.loaders.dbpedia import load_dbpedia

    with tempfile.TemporaryDirectory() as tmp:
        for name, data in build_files(0).items():
            (Path(tmp) / name).write_bytes(data)
        load_dbpedia(tmp, log=lambda m: None)


def current_rss_kib() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() // 1024


def measure(method: str, folder: Path, threads: int) -> dict:
    """Time one pass of `method` over the links file; return seconds and peak RSS growth."""
    from hundreddays.loaders import dbpedia

    warm_up()
    links = folder / LINKS_FILE
    final = {}
    if method == "read":
        final, _ = dbpedia.resolve_redirects(dbpedia.read_redirects(
            folder / REDIRECTS_FILE, log=lambda m: None))
    before = current_rss_kib()
    start = time.perf_counter()
    if method == "bz2":
        with bz2.open(links, "rb") as f:
            while f.read(1 << 23):
                pass
    elif method == "decompress":
        with dbpedia.open_bz2(links, threads) as f:
            while f.read(1 << 23):
                pass
    elif method == "read":
        dbpedia.read_links(links, final, log=lambda m: None, threads=threads)
    else:
        raise ValueError(f"unknown method {method}")
    seconds = time.perf_counter() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {"seconds": seconds, "peak_rss_growth_mib": grown / 1024}


def run_child(method: str, folder: Path, threads: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", method, "--dir", str(folder),
                          "--threads", str(threads)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ the table


WHAT = {"bz2": "decompress (Python's bz2, one thread)",
        "decompress": "decompress (indexed_bzip2)",
        "read": "read_links (decompress, parse, ids)"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder for the synthetic files (default: one under the temp dir)")
    parser.add_argument("--lines", type=float, default=1e7)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs of each, interleaved; the fastest counts")
    parser.add_argument("--csv", type=Path, default=None, help="also write the table here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    lines = int(args.lines)
    folder = args.dir or Path(tempfile.gettempdir()) / f"hundreddays-dbpedia-read-{lines}"
    if args.child:
        print(json.dumps(measure(args.child, folder, args.threads[0])))
        return
    info = ensure_files(folder, lines)
    print(f"{folder / LINKS_FILE}: {lines:,} lines, {info['bz2_bytes'] / 2**20:.0f} MiB bz2, "
          f"{info['raw_bytes'] / 2**20:.0f} MiB decompressed", flush=True)
    rows = []
    for threads in args.threads:
        methods = (["bz2"] if threads == 1 else []) + ["decompress", "read"]
        runs: dict[str, list[dict]] = {m: [] for m in methods}
        for _ in range(args.repeats):  # interleaved, so that a busy spell hits all alike
            for method in methods:
                runs[method].append(run_child(method, folder, threads))
                print(f"  {threads} thread(s), {method}: {runs[method][-1]['seconds']:.2f} s "
                      f"(load average {os.getloadavg()[0]:.2f})", flush=True)
        for method in methods:
            best = min(runs[method], key=lambda r: r["seconds"])
            rows.append({"threads": threads, "what": WHAT[method],
                         "seconds": round(best["seconds"], 2),
                         "lines_per_s": round(lines / best["seconds"]),
                         "peak_rss_growth_mib": round(max(r["peak_rss_growth_mib"]
                                                          for r in runs[method]))})
        fastest = min(r["seconds"] for r in rows if r["threads"] == threads
                      and not r["what"].startswith("read"))
        for r in rows:
            if r["threads"] == threads:
                r["x_decompression"] = round(r["seconds"] / fastest, 3)
    print(f"\n{'threads':>7}  {'what':<40} {'seconds':>8} {'lines/s':>11} {'x decomp.':>9} "
          f"{'peak RSS +MiB':>13}")
    for r in rows:
        print(f"{r['threads']:>7}  {r['what']:<40} {r['seconds']:>8.2f} {r['lines_per_s']:>11,} "
              f"{r['x_decompression']:>9.3f} {r['peak_rss_growth_mib']:>13,}")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
