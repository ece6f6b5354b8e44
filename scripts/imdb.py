"""Rule imdb: ULMFiT on IMDB (fast.ai lesson 3, log day 24): LM fine-tuning, then classifier."""

import tempfile
from pathlib import Path

from hundreddays.atomic import write_text
from hundreddays.loaders.imdb import load_imdb, wt103_files
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import imdb as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    weights = getattr(sm.input, "weights", None)  # the prepared wt103_fwd folder
    if cfg["pretrained"] and weights is None:
        raise ValueError("config imdb.pretrained is true but the rule has no weights input")
    wt103 = wt103_files(weights) if cfg["pretrained"] else None
    df = load_imdb(Path(sm.input.data), unsup=cfg["lm"]["use_unsup"])
    print(f"IMDB: {df['split'].value_counts().to_dict()} reviews", flush=True)
    with tempfile.TemporaryDirectory(prefix="imdb-") as workdir:
        results = study.run(df, cfg, sm.params.seed, workdir, sm.threads, wt103)
    stages = cfg["classifier"]["stages"]
    log_accuracy = {stages[0]["name"]: sm.params.log_frozen_accuracy,
                    stages[-1]["name"]: sm.params.log_unfrozen_accuracy}
    study.plot(results, log_accuracy, sm.params.log_epoch_seconds, sm.output.figure)
    if hasattr(sm.output, "table"):
        write_text(sm.output.table, study.stage_table(results["stages"], log_accuracy))
    write_metrics(sm.output.metrics, study.summarize(results))
