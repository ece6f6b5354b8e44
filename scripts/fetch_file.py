"""Rule fetch_file: one registry file from the by-hand folder, the mirror or its upstream URLs,
verified."""

from pathlib import Path

import yaml

from hundreddays.atomic import write_json
from hundreddays.data.fetch import fetch_file
from hundreddays.data.registry import load_registry
from hundreddays.rule_log import rule_log

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    dataset = load_registry(sm.params.registry)[sm.wildcards.dataset]
    spec = dataset.files[sm.wildcards.filename]
    settings = sm.params.settings
    manifest = None
    if settings["manifest"]:
        manifest = yaml.safe_load(Path(settings["manifest"]).read_text(encoding="utf-8"))
    record = fetch_file(spec, Path(sm.output.file), mirror=settings["mirror"], manifest=manifest,
                        lockfile=Path(sm.params.lockfile), by_hand=Path(sm.params.by_hand),
                        kaggle_competition=dataset.kaggle_competition)
    print(record)
    write_json(sm.output.record, record)
