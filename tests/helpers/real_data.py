"""Where the publishers' genuine files lie (../shared/real-data beside the repository; CI has
them at the same place). Tests read them there and never copy them into the repository.

A fresh clone has no ../shared: a test that needs it is skipped, naming the folder. Under CI
(environment CI=true, which .ci/run exports) the folder must be there, so a missing one fails
the test rather than letting CI skip it silently."""

import os
from pathlib import Path

import pytest

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "real-data"


def under_ci() -> bool:
    """True when the tests run under CI (CI=true, as .ci/run and CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def real(*parts: str) -> Path:
    """The genuine file or folder `parts` under ../shared/real-data. When it is absent: skip the
    test, naming the folder and its README; under CI, fail it."""
    path = REAL_DATA.joinpath(*parts)
    if not path.exists():
        said = (f"genuine data {path} is missing: these tests read the publishers' files in "
                f"../shared/real-data ({REAL_DATA}; see its README.md), which lies beside the "
                f"repository only on the project's own machines and CI")
        if under_ci():
            pytest.fail(f"{said}; CI=true, so it must be there")
        pytest.skip(said)
    return path
