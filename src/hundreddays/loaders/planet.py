"""Planet "Understanding the Amazon from Space" chips and their tags.

Two layouts, as fetched and extracted by the data rules:
- fastai's sample (planet_sample.tgz): <folder>/planet_sample/labels.csv + train/<name>.jpg;
- the Kaggle competition data (lesson 3's): <folder>/train_v2.csv + train-jpg/<name>.jpg.
Both csv files have the columns image_name and tags (space-separated).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .layout import Packaging, layout_error

LAYOUTS = (  # (sub-folder, labels csv, image folder)
    ("planet_sample", "labels.csv", "train"),
    (".", "labels.csv", "train"),
    (".", "train_v2.csv", "train-jpg"),
    ("planet", "train_v2.csv", "train-jpg"),
)
LAYOUT = ("fastai's extracted planet_sample.tgz (planet_sample/labels.csv and planet_sample/train/"
          "*.jpg) or Kaggle's competition files (train_v2.csv and the extracted train-jpg/*.jpg)")
OTHER_PACKAGINGS = (
    Packaging(("train_v2.csv/train_v2.csv",), "Kaggle's current packaging, which puts the labels "
              "in a folder of the same name (train_v2.csv/train_v2.csv): move the csv up"),
    Packaging(("train-jpg.tar*",), "Kaggle's image archive, not extracted: extract "
              "train-jpg.tar.7z here (train-jpg/)"),
    Packaging(("train-tif-v2*",), "Kaggle's GeoTIFF images (train-tif-v2), not the JPEG chips "
              "(train-jpg) the lesson reads"),
    Packaging(("planet_sample.tgz",), "the archive itself, not extracted: extract it and name the "
              "folder that holds planet_sample/"),
)


def find_layout(folder: str | Path) -> tuple[Path, Path]:
    """Return (labels csv, image folder) under `folder`; FileNotFoundError naming what is there."""
    folder = Path(folder)
    for sub, csv_name, images in LAYOUTS:
        base = folder / sub
        if (base / csv_name).is_file() and (base / images).is_dir():
            return base / csv_name, base / images
    raise layout_error(folder, f"{folder}: no Planet labels + images found", LAYOUT,
                       OTHER_PACKAGINGS)


def check_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError unless `folder` holds one of the layouts find_layout reads."""
    find_layout(folder)


def load_labels(folder: str | Path, check_images: bool = True) -> pd.DataFrame:
    """Return a table with columns image_name, tags (space-separated) and path (the jpg).

    ValueError naming the csv for missing columns, empty tags or images that are not there.
    """
    csv_path, images = find_layout(folder)
    try:
        table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{csv_path}: not a readable csv ({exc})") from exc
    missing = {"image_name", "tags"} - set(table.columns)
    if missing:
        raise ValueError(f"{csv_path}: missing column(s) {sorted(missing)}; has "
                         f"{list(table.columns)}")
    if table.empty:
        raise ValueError(f"{csv_path}: no rows")
    table = table[["image_name", "tags"]].copy()
    table["tags"] = table["tags"].str.split().str.join(" ")
    empty = table.loc[table["tags"] == "", "image_name"].tolist()
    if empty:
        raise ValueError(f"{csv_path}: {len(empty)} row(s) without tags, e.g. {empty[:3]}")
    table["path"] = [str(images / f"{name}.jpg") for name in table["image_name"]]
    if check_images:
        absent = [p for p in table["path"] if not Path(p).is_file()]
        if absent:
            raise ValueError(f"{csv_path}: {len(absent)} listed image(s) missing from {images}, "
                             f"e.g. {absent[:3]}")
    return table.reset_index(drop=True)


def tag_vocabulary(table: pd.DataFrame) -> list[str]:
    """Return the sorted tags that occur in `table`."""
    return sorted({tag for tags in table["tags"] for tag in tags.split()})
