"""Rule environment: environment.txt, the software this run ran on (the lock file's sha256, every
installed version, where the installation differs from the lock)."""

from pathlib import Path

from hundreddays.atomic import write_text
from hundreddays.environment import record_text
from hundreddays.rule_log import rule_log

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    text = record_text(Path(sm.input[0]) if sm.input else None)  # no input: no lock file
    write_text(sm.output[0], text)
    print("\n".join(line for line in text.splitlines() if line.startswith("# ")))
