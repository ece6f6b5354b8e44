"""A study that cannot run here (e.g. Kaggle data without credentials): its metrics file says
why, so the report gives each of its claims that reason, and its figure says the same."""

from hundreddays.figures import not_run_figure
from hundreddays.metrics import write_not_run
from hundreddays.rule_log import rule_log

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    study = sm.wildcards.study
    print(f"{study}: not run: {sm.params.reason}")
    not_run_figure(sm.output.figure, study, sm.params.reason, sm.params.claims)
    write_not_run(sm.output.metrics, sm.params.reason)
