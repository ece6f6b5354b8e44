"""Rule nmf_topics: topics of 20 Newsgroups posts by SVD, scikit-learn NMF and PyTorch NMF."""

from pathlib import Path

from hundreddays.atomic import write_text
from hundreddays.loaders.newsgroups import load_newsgroups
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.seeds import seed_everything
from hundreddays.studies import nmf_topics as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    seed_everything(sm.params.seed, threads=sm.threads)
    posts = load_newsgroups(Path(sm.input.data), cfg["subset"], cfg["categories"])
    print(f"{len(posts['data'])} {cfg['subset']} posts of {posts['target_names']}")
    result = study.run(posts["data"], cfg, sm.params.seed)
    for method, topic, words in study.topics_table(result):
        print(f"{method}, topic {topic}: {words}")
    study.plot(result, sm.output.figure)
    write_text(sm.output.table, study.topics_csv(result))
    write_metrics(sm.output.metrics, result["metrics"])
