"""Rule fastai_tensor: fastai's tensor(3., 2.) against torch.tensor(3., 2.), run live."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import fastai_tensor as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    outcomes = study.probes()
    libs = study.versions()
    for out in outcomes.values():
        print(f"{out.call:45s} -> {out.text}")
    study.write_table(outcomes, libs, sm.output.table)
    study.plot(outcomes, libs, sm.output.figure)
    write_metrics(sm.output.metrics, study.summarize(outcomes))
