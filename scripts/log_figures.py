"""Rule log_figures: the log's originals at the pinned commit, verified, or a record of why not."""

from pathlib import Path

from hundreddays.log_figures import fetch_originals, load_log_figures
from hundreddays.rule_log import rule_log

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    # not checked against the study list here: adding a study must not rerun this rule
    # (tests/unit/test_log_figures.py checks that every study named exists)
    images = load_log_figures(sm.input.registry)
    records = fetch_originals(images, Path(sm.output[0]), fetch=sm.params.fetch,
                              mirror=sm.params.mirror)
    for record in records:
        print(f"{record['image']}: {record['note']}")
