"""Where the publishers' genuine files lie (../shared/real-data beside the repository; CI has
them at the same place). Tests read them there and never copy them into the repository."""

from pathlib import Path

import pytest

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "real-data"


def real(*parts: str) -> Path:
    """The genuine file or folder `parts` under ../shared/real-data; fail (not skip) if absent."""
    path = REAL_DATA.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"genuine data {path} is missing (../shared/real-data, see its README)")
    return path
