"""The check a study makes of its own config block, for scripts run outside the workflow (the
workflow validates config.yaml against the schema first)."""

from __future__ import annotations

from collections.abc import Iterable


def check_keys(where: str, cfg: dict, keys: Iterable[str]) -> None:
    """Raise ValueError naming `where` (e.g. "studies.parabola_fit") when `cfg` lacks one of
    `keys` or has a key that is not one of them."""
    keys = tuple(keys)
    missing = [k for k in keys if k not in cfg]
    unknown = [k for k in cfg if k not in keys]
    if missing or unknown:
        raise ValueError(f"config {where}: missing keys {missing}, unknown keys {unknown}")
