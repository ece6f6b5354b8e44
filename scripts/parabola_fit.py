"""Rule parabola_fit: day 50's small linear network recovers the parameters of noisy parabolas."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.seeds import seed_everything
from hundreddays.studies import parabola_fit as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    seed_everything(sm.params.seed, threads=sm.threads)
    result = study.run(cfg, sm.params.seed)
    study.plot(result, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
