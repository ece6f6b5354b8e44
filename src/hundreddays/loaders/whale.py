"""Kaggle humpback-whale-identification files as fetched into data/humpback_whale/: train.csv
(Image,Id), sample_submission.csv (Image,Id), train.zip and test.zip (bare image files, kept
unextracted; `extract_images` unzips one into a folder of its own).
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd

from .layout import Packaging, layout_error

FILES = ("train.zip", "test.zip", "train.csv", "sample_submission.csv")
NEW_WHALE = "new_whale"
LAYOUT = ("the four files of Kaggle's humpback-whale-identification competition: train.csv, "
          "sample_submission.csv, and train.zip and test.zip unextracted")
OTHER_PACKAGINGS = (
    Packaging(("humpback-whale-identification.zip",), "Kaggle's one-archive download: unzip it "
              "here (train.zip and test.zip stay zipped)"),
    Packaging(("train/*.jpg",), "the images extracted from train.zip: the loader reads train.zip "
              "and test.zip themselves"),
)


def _require(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise layout_error(folder, f"{path} not found", LAYOUT, OTHER_PACKAGINGS)
    return path


def check_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError naming the files of FILES that `folder` lacks."""
    folder = Path(folder)
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise layout_error(folder, f"humpback_whale files {', '.join(missing)} missing in "
                                   f"{folder}", LAYOUT, OTHER_PACKAGINGS)


def read_csv(folder: str | Path, name: str) -> pd.DataFrame:
    """Return train.csv / sample_submission.csv as a table with columns Image, Id."""
    path = _require(Path(folder), name)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(table.columns[:2]) != ["Image", "Id"]:
        raise ValueError(f"{path}: expected columns Image,Id, got {list(table.columns)}")
    if table.empty or (table["Image"] == "").any() or (table["Id"] == "").any():
        raise ValueError(f"{path}: empty table or empty Image / Id cells")
    return table[["Image", "Id"]]


def extract_images(archive: str | Path, dest: str | Path) -> dict[str, Path]:
    """Unzip the image files of `archive` (bare names, no folders) into `dest`.

    Returns {image name: path}. ValueError naming the archive for a bad zip or a member with a
    folder or an unsafe path.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            nested = [n for n in names if len(PurePosixPath(n).parts) != 1 or n.startswith(".")]
            if nested:
                raise ValueError(f"{archive}: expected bare image files, found {nested[:3]}")
            zf.extractall(dest, members=names)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{archive}: not a zip file ({exc})") from exc
    return {name: dest / name for name in names}


def load(folder: str | Path, workdir: str | Path) -> dict:
    """Return {'train': table Image, Id, path; 'test': table Image, path} with the images of
    train.zip / test.zip unzipped into workdir/train and workdir/test."""
    folder, workdir = Path(folder), Path(workdir)
    train = read_csv(folder, "train.csv").copy()
    test = read_csv(folder, "sample_submission.csv")[["Image"]].copy()
    for table, split in ((train, "train"), (test, "test")):
        paths = extract_images(_require(folder, f"{split}.zip"), workdir / split)
        missing = sorted(set(table["Image"]) - set(paths))
        if missing:
            raise ValueError(f"{folder / f'{split}.zip'}: {len(missing)} image(s) listed in the "
                             f"csv are missing, e.g. {missing[:3]}")
        table["path"] = [str(paths[name]) for name in table["Image"]]
    return {"train": train, "test": test}
