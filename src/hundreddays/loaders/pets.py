"""Oxford-IIIT Pet as fastai repackages it: <folder>/oxford-iiit-pet/images/<Breed_name>_<n>.jpg.

The breed is the file-name prefix (lesson 1's regex); cat breeds are Capitalised, dog breeds
lower-case (annotations/list.txt says so). The images folder also holds a few non-JPEG files
(.mat) in the real archive: only .jpg files are items.
"""

from __future__ import annotations

import re
from pathlib import Path

TOP = "oxford-iiit-pet"
LABEL_PATTERN = r"^(.+)_\d+\.jpg$"  # course-v3 lesson1-pets: r'/([^/]+)_\d+.jpg$'
_LABEL = re.compile(LABEL_PATTERN)


def images_folder(data_dir: str | Path) -> Path:
    """Return the images folder inside the prepared dataset folder, with a clear error."""
    folder = Path(data_dir) / TOP / "images"
    if not folder.is_dir():
        raise FileNotFoundError(f"pets images folder not found: {folder} (expected the "
                                f"extracted oxford-iiit-pet.tgz in {data_dir})")
    return folder


def breed_of(path: str | Path) -> str:
    """Return the breed of an image file name (lesson 1's regex), or raise naming the file."""
    match = _LABEL.match(Path(path).name)
    if match is None:
        raise ValueError(f"{path}: file name does not match <Breed_name>_<n>.jpg")
    return match.group(1)


def is_cat(breed: str) -> bool:
    """True for a cat breed (Capitalised name), False for a dog breed (lower-case)."""
    return breed[:1].isupper()


def list_images(data_dir: str | Path) -> list[Path]:
    """Return the pets JPEGs, sorted by name (a fixed order, so a seeded split is the same on
    every file system); raises if there are none or a name has no breed."""
    folder = images_folder(data_dir)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".jpg")
    if not files:
        raise FileNotFoundError(f"no .jpg images in {folder}")
    for path in files:
        breed_of(path)
    return files
