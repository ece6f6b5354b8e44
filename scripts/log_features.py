"""Rule log_features: a simulated flux catalogue; one regressor on standardised, log and asinh
inputs."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.seeds import seed_everything
from hundreddays.studies import log_features as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    seed_everything(sm.params.seed, threads=sm.threads)
    result = study.run(sm.params.cfg, sm.params.seed)
    study.plot(result, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
