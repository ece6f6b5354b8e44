"""Rule prepare_dataset: extract (safely) or link a dataset's verified files into its folder."""

from pathlib import Path

from hundreddays.data.extract import prepare_dataset
from hundreddays.data.registry import load_registry
from hundreddays.rule_log import rule_log

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    dataset = load_registry(sm.params.registry)[sm.wildcards.dataset]
    prepare_dataset(dataset, Path(sm.params.raw_dir), Path(sm.output[0]))
    print(f"{dataset.id}: prepared {sm.output[0]}")
