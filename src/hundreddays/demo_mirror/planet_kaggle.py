"""Miniature of the Planet Kaggle competition files the lesson reads (course-v3 lesson3-planet,
cells 10-14): train_v2.csv (image_name,tags) and train-jpg.tar.7z, a 7z holding train-jpg.tar,
which holds train-jpg/<image_name>.jpg. The chips are planet_sample's (demo_mirror.planet), only
packed as the competition packs them.
"""

from __future__ import annotations

import io
from unittest import mock

from .archive import TAR_MTIME, tar_bytes
from .planet import chips

DATASET = "planet_kaggle"
LABELS = "train_v2.csv"
ARCHIVE = "train-jpg.tar.7z"
INNER = "train-jpg.tar"


def seven_zip_bytes(name: str, data: bytes) -> bytes:
    """A 7z archive holding one member `name` with `data` (py7zr, the reader the fetch uses),
    deterministic: py7zr stamps a member written from bytes with the current time, and has no
    argument for it, so the stamp is held at the mirror's fixed instant (archive.TAR_MTIME)."""
    import py7zr
    from py7zr import py7zr as writer

    buffer = io.BytesIO()
    with mock.patch.object(writer.ArchiveTimestamp, "from_now",
                           staticmethod(lambda: writer.ArchiveTimestamp.from_datetime(TAR_MTIME))):
        with py7zr.SevenZipFile(buffer, "w") as archive:
            archive.writestr(data, name)
    return buffer.getvalue()


def build_files(seed: int, count: int = 240, size: int | None = None) -> dict[str, bytes]:
    """Return {train_v2.csv, train-jpg.tar.7z: bytes}: planet_sample's `count` chips (planet.chips,
    deterministic in `seed`; `size`: resized to size x size) in the competition's packaging."""
    images, labels = chips(seed, count, size)
    members = {f"train-jpg/{name}.jpg": data for name, data in images.items()}
    return {LABELS: labels.encode(), ARCHIVE: seven_zip_bytes(INNER, tar_bytes(members))}
