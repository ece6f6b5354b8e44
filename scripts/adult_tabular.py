"""Rule adult_tabular: fastai lesson 4's tabular model on the adult census sample, the lesson's
200-row validation, a larger random validation split and a sweep of epochs and layer sizes."""

from hundreddays.loaders.adult import load_adult
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import adult_tabular as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    df = load_adult(sm.input.data)
    print(f"adult.csv: {len(df)} rows, salary {df['salary'].value_counts().to_dict()}")
    result = study.run(df, cfg, sm.params.seed, threads=sm.threads)
    study.write_table(result["table"], sm.output.table)
    # the log's and the lesson's accuracies come from claims.yaml (reference lines)
    study.plot(result, {**cfg, "log_accuracy": sm.params.log_accuracy,
                        "lesson_accuracy": sm.params.lesson_accuracy}, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
    print(result["metrics"])
