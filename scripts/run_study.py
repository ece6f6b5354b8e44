"""Every study rule (rules/studies.smk) runs this script: hundreddays.runner.run_study does the
rest, the same for every study."""

import gc

from hundreddays.rule_log import rule_log
from hundreddays.runner import run_study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    run_study(sm.params.study, cfg=sm.params.cfg, seed=sm.params.seed, threads=sm.threads,
              scale=sm.params.scale, inputs=dict(sm.input.items()),
              outputs=dict(sm.output.items()), reference=sm.params.reference,
              checkpoint=sm.params.checkpoint, table=sm.params.table,
              without_data=sm.params.without_data,
              rehearsal=sm.params.rehearsal, rehearsal_record=sm.log.get("rehearsal"))
# Every output is written and closed: spare the interpreter's last garbage collection over
# torch's and fastai's objects at exit (about a second a rule; bench/demo_time_share.py).
gc.freeze()
