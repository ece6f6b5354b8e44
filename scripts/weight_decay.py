"""Rule weight_decay: library defaults, L2 term vs optimizer weight decay, a wd sweep on MNIST."""

from pathlib import Path

from hundreddays.atomic import write_text
from hundreddays.loaders.mnist import load_mnist
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.seeds import seed_everything
from hundreddays.studies import weight_decay as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    seed_everything(sm.params.seed, threads=sm.threads)
    data = load_mnist(Path(sm.input.data))
    result = study.run(data, cfg, sm.params.seed, log_values=sm.params.log_values)
    write_text(sm.output.table, study.defaults_csv(result["defaults"]["table"]))
    study.plot(result, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
