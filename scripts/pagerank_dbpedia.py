"""Rule pagerank_dbpedia: PageRank of the DBpedia link graph by power iteration, checked against
ARPACK and networkx."""

from pathlib import Path

from hundreddays.atomic import write_text
from hundreddays.loaders.dbpedia import load_dbpedia
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import pagerank_dbpedia as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    graph = load_dbpedia(Path(sm.input.data), cfg["max_links"], cfg["keep_self_loops"],
                         cfg["progress_every"])
    print(f"graph: {graph.pages:,} pages, {graph.stats['links']:,} links")
    results = study.rank_pages(graph, cfg["damping"], cfg["tol"], cfg["max_iter"],
                               cfg["timing_repeats"], cfg["networkx_max_links"], sm.params.seed)
    rows = study.top_pages(graph, results["power"].scores, cfg["top"])
    for row in rows:
        print(f"{row['rank']:3d}  {row['score']:.6f}  {row['in_links']:8,d}  {row['page']}")
    write_text(sm.output.table, study.table_csv(rows))
    study.plot(graph, results, rows, sm.output.figure)
    write_metrics(sm.output.metrics, study.summarize(graph, results, cfg["top"]))
