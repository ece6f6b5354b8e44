"""Where the publishers' genuine files lie (../shared/real-data beside the repository; CI has
them at the same place), and the rest of ../shared that tests read (the log, its figures). Tests
read them there and never copy them into the repository.

A fresh clone has no ../shared: a test that needs it is skipped, naming the folder. Under CI
(environment CI=true, which .ci/run exports) the folder must be there, so a missing one fails
the test rather than letting CI skip it silently."""

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REAL_DATA = SHARED / "real-data"


def under_ci() -> bool:
    """True when the tests run under CI (CI=true, as .ci/run and CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def real(*parts: str) -> Path:
    """The genuine file or folder `parts` under ../shared/real-data. When it is absent: skip the
    test, naming the folder and its README; under CI, fail it."""
    path = REAL_DATA.joinpath(*parts)
    return _there(path, f"genuine data {path} is missing: these tests read the publishers' files "
                        f"in ../shared/real-data ({REAL_DATA}; see its README.md), which lies "
                        f"beside the repository only on the project's own machines and CI")


def shared(*parts: str) -> Path:
    """The file or folder `parts` under ../shared that is not genuine data (the log in seed/, the
    log's images in reference-figures/): skipped or failed as `real` is."""
    path = SHARED.joinpath(*parts)
    return _there(path, f"{path} is missing: these tests read ../shared ({SHARED}), which lies "
                        f"beside the repository only on the project's own machines and CI")


def _there(path: Path, said: str) -> Path:
    if not path.exists():
        if under_ci():
            pytest.fail(f"{said}; CI=true, so it must be there")
        pytest.skip(said)
    return path
