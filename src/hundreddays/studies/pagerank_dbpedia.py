"""Day 12: PageRank of the DBpedia link graph by the power method, checked against a sparse
eigensolver (ARPACK on the same Google matrix) and networkx.pagerank.

The log: "By now learning about page-rank" (fast.ai computational linear algebra, notebook
"7. PageRank with Eigen Decompositions", after scikit-learn's wikipedia_principal_eigenvector
example). PageRank is the leading eigenvector of the Google matrix; the power method finds it
with one sparse product per iteration, its residual shrinking by about the damping per step.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import rehearsal
from ..linalg.pagerank import (
    google_apply,
    pagerank_eigs,
    pagerank_power,
    rel_diff_l1,
    transition_transpose,
)
from ..loaders.dbpedia import LinkGraph, display_name, load_dbpedia
from ..timing import timed


def networkx_pagerank(adjacency, damping: float, tol: float, max_iter: int) -> np.ndarray:
    """Return networkx.pagerank of the same graph as a vector in page-id order. networkx stops
    when the L1 residual is below n * tol, so it gets tol / n to stop where our power method
    does."""
    import networkx as nx

    n = adjacency.shape[0]
    coo = adjacency.tocoo()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(coo.row.tolist(), coo.col.tolist(), strict=True))
    scores = nx.pagerank(graph, alpha=damping, tol=tol / n, max_iter=max_iter)
    return np.array([scores[i] for i in range(n)])


def _scaled(name: str, links: int, fn: Callable, full: int | None = None):
    """fn() as a rehearsal's data phase: its time grows with the links (at most `full`)."""
    with rehearsal.phase(name, kind="data", items=links, full=full, whole=True):
        return fn()


def rank_pages(graph: LinkGraph, damping: float, tol: float, max_iter: int,
               timing_repeats: int, networkx_max_links: int, seed: int,
               log: Callable[[str], None] = print) -> dict:
    """Run the power method, the eigensolver and (for graphs of at most `networkx_max_links`
    links) networkx on `graph`; return their vectors, the convergence history and the timings."""
    a = graph.adjacency
    seconds = dict(graph.seconds)
    power, seconds["power"] = timed(lambda: pagerank_power(a, damping, tol, max_iter),
                                    timing_repeats)
    log(f"power method: {power.iterations} iterations, final L1 residual "
        f"{power.residuals[-1]:.3g}, converged {power.converged}, {seconds['power']:.3g} s")
    (eig_vector, eigenvalue), seconds["eigensolver"] = timed(
        lambda: _scaled("eigensolver", a.nnz, lambda: pagerank_eigs(a, damping, seed)),
        timing_repeats)
    pt, dangling = transition_transpose(a)
    eig_residual = float(np.abs(google_apply(pt, dangling, damping, eig_vector)
                                - eig_vector).sum())
    results = {
        "power": power,
        "eigensolver": eig_vector,
        "eigenvalue": eigenvalue,
        "eigensolver_residual": eig_residual,
        "dangling_pages": int(dangling.sum()),
        "damping": damping,
        "tol": tol,
        "seconds": seconds,
    }
    log(f"eigensolver: eigenvalue {eigenvalue:.12f}, L1 diff to power method "
        f"{rel_diff_l1(power.scores, eig_vector):.3g}, {seconds['eigensolver']:.3g} s")
    if a.nnz <= networkx_max_links:
        results["networkx"], seconds["networkx"] = timed(
            lambda: _scaled("networkx", a.nnz, lambda: networkx_pagerank(a, damping, tol,
                                                                          max_iter),
                            full=networkx_max_links), timing_repeats)
        log(f"networkx: L1 diff to power method "
            f"{rel_diff_l1(power.scores, results['networkx']):.3g}, {seconds['networkx']:.3g} s")
    else:
        log(f"networkx skipped: {a.nnz:,} links > networkx_max_links {networkx_max_links:,}")
    return results


def top_pages(graph: LinkGraph, scores: np.ndarray, k: int) -> list[dict]:
    """Return the `k` highest-scored pages as rows {rank, page, score, in_links}."""
    in_links = np.asarray(graph.adjacency.sum(axis=0)).ravel()
    order = np.argsort(-scores, kind="stable")[:k]
    return [{"rank": r + 1, "page": display_name(graph.names[i]), "score": float(scores[i]),
             "in_links": int(in_links[i])} for r, i in enumerate(order)]


def decay_rate(residuals: np.ndarray, last: int = 10) -> float:
    """Return the geometric mean of residual[k+1] / residual[k] over the `last` steps."""
    r = residuals[-(last + 1):]
    if r.shape[0] < 2 or r[0] <= 0 or r[-1] <= 0:
        return float("nan")
    return float((r[-1] / r[0]) ** (1.0 / (r.shape[0] - 1)))


def summarize(graph: LinkGraph, results: dict, k: int) -> dict:
    """Return the flat metrics: graph sizes, agreement (L1 relative differences), convergence and
    the seconds of each step."""
    power = results["power"]
    stats = graph.stats
    metrics = {key: stats[key] for key in ("pages", "links", "link_lines", "redirects",
                                           "redirect_chains", "redirect_cycles",
                                           "link_ends_redirected", "self_loops",
                                           "duplicate_links")}
    eig = results["eigensolver"]
    top_power = np.argsort(-power.scores, kind="stable")[:k]
    top_eig = np.argsort(-eig, kind="stable")[:k]
    metrics.update(
        dangling_pages=results["dangling_pages"],
        power_iterations=power.iterations,
        power_converged=power.converged,
        power_final_residual=float(power.residuals[-1]),
        residual_decay_per_iteration=decay_rate(power.residuals),
        power_vs_eigensolver_rel_diff=rel_diff_l1(power.scores, eig),
        eigensolver_eigenvalue=results["eigenvalue"],
        eigensolver_residual=results["eigensolver_residual"],
        top_pages_same_as_eigensolver=bool(np.array_equal(top_power, top_eig)),
        top_page_score=float(power.scores[top_power[0]]),
    )
    if "networkx" in results:
        metrics["networkx_rel_diff"] = rel_diff_l1(power.scores, results["networkx"])
    metrics.update({f"{step}_seconds": s for step, s in results["seconds"].items()})
    return {key: v for key, v in metrics.items() if not isinstance(v, float) or np.isfinite(v)}


def graph_bytes(graph) -> int:
    """The bytes the link graph holds: its CSR arrays, and the page names (each a bytes object,
    and a pointer to it in the list)."""
    adjacency = graph.adjacency
    arrays = adjacency.data.nbytes + adjacency.indices.nbytes + adjacency.indptr.nbytes
    return arrays + sum(sys.getsizeof(name) + 8 for name in graph.names)


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): the link graph of the prepared dataset
    ctx.inputs["data"] (as much of it as the config block says, decompressed by ctx.threads
    threads), ranked by rank_pages() with ctx.seed for the eigensolver's start. Returns
    {"metrics" (summarize), "table" (top_pages), "graph", "results" (rank_pages)}."""
    cfg = ctx.cfg
    with rehearsal.phase("read", kind="data", whole=True) as read:
        graph = load_dbpedia(Path(ctx.inputs["data"]), cfg["max_links"], cfg["keep_self_loops"],
                             cfg["progress_every"], log=ctx.log, threads=ctx.threads)
        read.read(graph.stats["link_lines"], kept_bytes=graph_bytes(graph))
    ctx.log(f"graph: {graph.pages:,} pages, {graph.stats['links']:,} links")
    results = rank_pages(graph, cfg["damping"], cfg["tol"], cfg["max_iter"],
                         cfg["timing_repeats"], cfg["networkx_max_links"], ctx.seed, log=ctx.log)
    rows = top_pages(graph, results["power"].scores, cfg["top"])
    for row in rows:
        ctx.log(f"{row['rank']:3d}  {row['score']:.6f}  {row['in_links']:8,d}  {row['page']}")
    return {"metrics": summarize(graph, results, cfg["top"]), "table": rows, "graph": graph,
            "results": results}


def plot(result: dict, path, reference) -> None:
    """Left: the power method's L1 residual per iteration (log y) against the damping^k bound;
    right: the top pages' scores as bars with their names and in-link counts. No reference value
    is drawn."""
    from ..figures import new_figure, save_figure

    graph, results, rows = result["graph"], result["results"], result["table"]
    power, damping = results["power"], results["damping"]
    fig, (ax_c, ax_t) = new_figure(1, 2, size=(14, 0.28 * len(rows) + 3.2),
                                   gridspec_kw={"width_ratios": [1, 1.3]})
    k = np.arange(1, power.iterations + 1)
    ax_c.semilogy(k, power.residuals, "o-", ms=3, label="power method")
    ax_c.semilogy(k, power.residuals[0] * damping ** (k - 1.0), "--", color="gray",
                  label=f"bound: residual$_1$ x {damping:g}$^{{k-1}}$ (contraction by damping)")
    ax_c.axhline(results["tol"], color="crimson", lw=1, label=f"tol = {results['tol']:.0e}")
    ax_c.set_xlabel("iteration k")
    ax_c.set_ylabel(r"L1 residual $\|x_k - x_{k-1}\|_1$")
    diff = rel_diff_l1(power.scores, results["eigensolver"])
    nx_text = (f", networkx {rel_diff_l1(power.scores, results['networkx']):.1e}"
               if "networkx" in results else "")
    ax_c.set_title(f"Convergence: {power.iterations} iterations\n"
                   f"L1 rel. diff. to ARPACK eigs {diff:.1e}{nx_text}")
    ax_c.legend(loc="upper right")

    y = np.arange(len(rows))
    scores = np.array([r["score"] for r in rows])
    ax_t.barh(y, scores, color="#1f77b4", alpha=0.35)
    for yi, r in zip(y, rows, strict=True):
        ax_t.text(scores.max() * 0.01, yi, f"{r['page']}  ({r['in_links']:,} in-links)",
                  va="center", fontsize=8)
    ax_t.set_yticks(y, [str(r["rank"]) for r in rows])
    ax_t.invert_yaxis()
    ax_t.set_ylabel("rank")
    ax_t.set_xlabel("PageRank score (sums to 1 over all pages)")
    ax_t.set_title(f"Top {len(rows)} of {graph.pages:,} pages "
                   f"({graph.stats['links']:,} links, damping {damping:g})")
    ax_t.grid(axis="y", visible=False)
    save_figure(fig, path)
