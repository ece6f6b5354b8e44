"""Rule build_demo_mirror: deterministic miniatures of the used datasets, in their real formats
(in a rehearsal: the rehearsal mirror, full-size items)."""

from pathlib import Path

from hundreddays.demo_mirror.build import build_demo_mirror
from hundreddays.rule_log import rule_log

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    out_dir = Path(sm.output.manifest).parent
    checksums = build_demo_mirror(out_dir, sm.params.datasets, seed=sm.params.seed,
                                  rehearsal=sm.params.rehearsal)
    for key, sha in sorted(checksums.items()):
        print(f"{key}  sha256={sha}")
