"""Rule gp_dkl_elevators: deep kernel learning against the same network trained with MSE, on UCI
elevators (and gpytorch's exact-GP warm-up on a sine)."""

from hundreddays.loaders.elevators import load_elevators
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.seeds import seed_everything
from hundreddays.studies import gp_dkl_elevators as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    seed_everything(sm.params.seed, threads=sm.threads)
    x, y = load_elevators(sm.input.data)
    result = study.run(x, y, sm.params.cfg, sm.params.seed)
    study.plot(result, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
