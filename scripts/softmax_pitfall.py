"""Rule softmax_pitfall: the same classifier trained on logits and with an extra nn.Softmax."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.seeds import seed_everything
from hundreddays.studies import softmax_pitfall as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    seed_everything(sm.params.seed, threads=sm.threads)
    result = study.run(cfg, sm.params.seed)
    print({k: round(v, 4) for k, v in result["metrics"].items()})
    study.plot(result, sm.output.figure)
    write_metrics(sm.output.metrics, result["metrics"])
