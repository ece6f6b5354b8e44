"""Oxford-IIIT Pet as fastai repackages it: <folder>/oxford-iiit-pet/images/<Breed_name>_<n>.jpg,
or as VGG's own archives extract: <folder>/images/ beside <folder>/annotations/ (a local copy).

The breed is the file-name prefix (lesson 1's regex); cat breeds are Capitalised, dog breeds
lower-case (annotations/list.txt says so). The images folder also holds a few non-JPEG files
(.mat) in the real archive: only .jpg files are items.
"""

from __future__ import annotations

import re
from pathlib import Path

from .layout import Packaging, layout_error

TOP = "oxford-iiit-pet"
LAYOUT = ("fastai's extracted oxford-iiit-pet.tgz (oxford-iiit-pet/images/<Breed_name>_<n>.jpg) "
          "or VGG's images.tar.gz and annotations.tar.gz extracted side by side (images/, "
          "annotations/)")
OTHER_PACKAGINGS = (
    Packaging(("PetImages/Cat",), "Microsoft's Kaggle Cats and Dogs set (PetImages/Cat, "
              "PetImages/Dog: two classes), not the 37 breeds of Oxford-IIIT Pet"),
    Packaging(("*.t*gz",), "an archive, not extracted: extract oxford-iiit-pet.tgz (or VGG's "
              "images.tar.gz) and name the folder it makes"),
)
LABEL_PATTERN = r"^(.+)_\d+\.jpg$"  # course-v3 lesson1-pets: r'/([^/]+)_\d+.jpg$'
_LABEL = re.compile(LABEL_PATTERN)


def images_folder(data_dir: str | Path) -> Path:
    """Return the images folder inside the dataset folder: fastai's oxford-iiit-pet/images, or
    images/ itself as the VGG archives (images.tar.gz, annotations.tar.gz) extract side by side;
    FileNotFoundError naming both when neither is there."""
    candidates = [Path(data_dir) / TOP / "images", Path(data_dir) / "images"]
    for folder in candidates:
        if folder.is_dir():
            return folder
    raise layout_error(data_dir, f"pets images folder not found: neither {candidates[0]} (the "
                                 f"extracted oxford-iiit-pet.tgz) nor {candidates[1]} (the VGG "
                                 f"images.tar.gz)", LAYOUT, OTHER_PACKAGINGS)


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
        raise layout_error(data_dir, f"no .jpg images in {folder}", LAYOUT, OTHER_PACKAGINGS)
    for path in files:
        breed_of(path)
    return files


def check_layout(data_dir: str | Path) -> None:
    """Raise FileNotFoundError (no images folder, no .jpg in it) or ValueError (a .jpg without
    a breed in its name) where list_images would."""
    list_images(data_dir)
