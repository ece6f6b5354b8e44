"""Demo miniatures for unit tests: extracted as the workflow's prepare step extracts them."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path


def extract(archive: bytes, out: Path) -> Path:
    """Extract the tar `archive` (bytes, as the demo mirror builds it) into `out`; return `out`."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    return out


def pets_images(out: Path, per_breed: int = 2) -> list[Path]:
    """The pets miniature's images (every breed, `per_breed` each) extracted into `out`."""
    from hundreddays.demo_mirror import pets
    from hundreddays.loaders.pets import list_images

    extract(pets.build_files(seed=0, per_breed=per_breed)["oxford-iiit-pet.tgz"], out)
    return list_images(out)
