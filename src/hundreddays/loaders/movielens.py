"""MovieLens 100K as GroupLens ships it: `ml-100k/u.data` (user, item, rating, timestamp;
tab-separated, no header) and `ml-100k/u.item` ('|'-separated, latin-1: movie id, title,
release date, video release date, IMDb URL, 19 genre flags)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .layout import Packaging, layout_error

FOLDER = "ml-100k"
LAYOUT = "the extracted ml-100k.zip: ml-100k/ with u.data and u.item (and the zip's other files)"
OTHER_PACKAGINGS = (
    Packaging(("u.data", "u.item"), "the ml-100k/ folder itself: name the folder that holds "
              "ml-100k/"),
    Packaging(("ml-100k.zip",), "the archive itself, not extracted: extract it here"),
    Packaging(("ratings.dat",), "MovieLens 1M or 10M (ratings.dat), not MovieLens 100K"),
    Packaging(("ratings.csv",), "a MovieLens release with ratings.csv (ml-latest-small, ml-25m, "
              "or fastai's movie_lens_sample), not MovieLens 100K"),
)
RATING_COLUMNS = ["user", "item", "rating", "timestamp"]
ITEM_FIELDS = 24  # id, title, two dates, URL, 19 genres


def _file(folder: str | Path, name: str) -> Path:
    path = Path(folder) / FOLDER / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: expected the extracted ml-100k.zip "
                                f"({FOLDER}/{name}) in {folder}")
    return path


def check_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError naming the files of ml-100k/u.data, u.item that `folder` lacks
    (the files _file opens), and, where it can tell, the other packaging `folder` is."""
    missing = [f"{FOLDER}/{name}" for name in ("u.data", "u.item")
               if not (Path(folder) / FOLDER / name).is_file()]
    if missing:
        raise layout_error(folder, f"MovieLens files {', '.join(missing)} missing in {folder}",
                           LAYOUT, OTHER_PACKAGINGS)


def load_ratings(folder: str | Path) -> pd.DataFrame:
    """Return u.data as a DataFrame with int columns user, item, rating, timestamp (file order);
    raise ValueError naming the file if a line is malformed or a rating is outside 1-5."""
    path = _file(folder, "u.data")
    try:
        df = pd.read_csv(path, sep="\t", header=None, names=RATING_COLUMNS, dtype=np.int64)
    except (ValueError, pd.errors.ParserError) as exc:
        raise ValueError(f"{path}: expected 4 tab-separated integers per line "
                         f"(user, item, rating, timestamp): {exc}") from exc
    if df.isna().any().any() or len(df) == 0:
        raise ValueError(f"{path}: empty or with missing fields")
    bad = df[(df.rating < 1) | (df.rating > 5)]
    if len(bad):
        raise ValueError(f"{path}: {len(bad)} rating(s) outside 1-5, first on line "
                         f"{bad.index[0] + 1}")
    return df


def load_movies(folder: str | Path) -> pd.DataFrame:
    """Return u.item's movie ids and titles as a DataFrame with columns item, title."""
    path = _file(folder, "u.item")
    text = path.read_bytes().decode("latin-1")
    items, names = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line:
            continue
        fields = line.split("|")
        if len(fields) != ITEM_FIELDS or not fields[0].isdigit():
            raise ValueError(f"{path}, line {number}: expected {ITEM_FIELDS} '|'-separated "
                             f"fields starting with the movie id, got {len(fields)}")
        items.append(int(fields[0]))
        names.append(fields[1])
    return pd.DataFrame({"item": np.array(items, dtype=np.int64), "title": names})


def load_rating_movie(folder: str | Path) -> pd.DataFrame:
    """Return the lesson's `rating_movie`: u.data joined with the titles (user, item, rating,
    timestamp, title), in u.data's order; raise if a rated movie has no title."""
    ratings, movies = load_ratings(folder), load_movies(folder)
    unknown = sorted(set(ratings.item) - set(movies.item))
    if unknown:
        raise ValueError(f"{Path(folder) / FOLDER / 'u.data'}: movie ids {unknown[:5]} "
                         f"not in u.item")
    return ratings.merge(movies, on="item", how="left", sort=False)
