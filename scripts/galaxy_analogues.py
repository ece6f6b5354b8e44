"""Rule galaxy_analogues: simulated analogues of the log's galaxy-distance statements."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.seeds import seed_everything
from hundreddays.studies import galaxy_analogues as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    seed_everything(sm.params.seed, threads=sm.threads)
    result = study.run(cfg, sm.params.seed)
    study.plot(result, sm.output.figure, cfg["z_max"])
    write_metrics(sm.output.metrics, result["metrics"])
