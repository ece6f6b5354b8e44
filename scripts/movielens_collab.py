"""Rule movielens_collab: fastai lesson 4's collaborative filtering on MovieLens 100K, the
dot-product model and the embedding net against predicting the mean rating."""

from hundreddays.loaders.movielens import load_rating_movie
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import movielens_collab as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    df = load_rating_movie(sm.input.data)
    print(f"u.data: {len(df)} ratings, {df['user'].nunique()} users, "
          f"{df['title'].nunique()} titles")
    result = study.run(df, cfg, sm.params.seed, threads=sm.threads)
    study.plot(result, cfg, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
    print(result["metrics"])
