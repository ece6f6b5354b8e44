"""Send a rule script's prints and warnings both to its Snakemake log file and to the terminal."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path


class _Tee:
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()

    def isatty(self) -> bool:  # progress bars draw compactly only on a terminal
        return False


@contextlib.contextmanager
def rule_log(path: str | os.PathLike) -> Iterator[None]:
    """Within the block, stdout, stderr and the logging module also go to `path` (overwritten)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as log:
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Tee(out, log), _Tee(err, log)
        handler = logging.StreamHandler(sys.stderr)
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.INFO)
        try:
            yield
        finally:
            logging.getLogger().removeHandler(handler)
            sys.stdout, sys.stderr = out, err
