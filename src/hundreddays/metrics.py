"""The one writer of results/<study>/metrics.json: a flat object of named finite numbers."""

from __future__ import annotations

import math
import os
import re

from .atomic import write_json

METRIC_KEY = re.compile(r"^[a-z0-9_]+$")  # what a key of metrics.json may be


def write_metrics(path: str | os.PathLike, metrics: dict[str, float | int | bool]) -> None:
    """Check that `metrics` is flat {snake_case_key: number} and write it atomically as JSON."""
    clean: dict[str, float | int] = {}
    for key, value in metrics.items():
        if not METRIC_KEY.match(key):
            raise ValueError(f"{path}: metric key {key!r} must be snake_case")
        if isinstance(value, bool):
            value = int(value)
        finite = isinstance(value, int) or isinstance(value, float) and math.isfinite(value)
        if not finite:
            raise ValueError(f"{path}: metric {key!r} = {value!r} is not a finite number")
        clean[key] = value
    write_json(path, clean)
