"""fastai's adult sample: `adult_sample/adult.csv` (header row, 15 columns, target `salary` with
the values '<50k' / '>=50k'). String cells keep the UCI files' leading space (' Private'), as the
lesson reads them; empty cells become NaN (FillMissing's job)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FILE = Path("adult_sample") / "adult.csv"
TARGET = "salary"
LABELS = ("<50k", ">=50k")
COLUMNS = ("age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
           "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
           "hours-per-week", "native-country", "salary")
NUMERIC = ("age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week")


def csv_path(folder: str | Path) -> Path:
    """Return the path of adult.csv inside the prepared dataset `folder` (or `folder` itself if
    it is the CSV file)."""
    folder = Path(folder)
    return folder if folder.is_file() else folder / FILE


def load_adult(folder: str | Path) -> pd.DataFrame:
    """Return adult.csv as a DataFrame in file order, after checking its columns, numeric
    columns and salary labels; raise with the file's name when anything is off."""
    path = csv_path(folder)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: expected the extracted adult_sample.tgz "
                                f"(adult_sample/adult.csv) in {folder}")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: not a readable CSV ({type(exc).__name__}: {exc})") from exc
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; found {list(df.columns)}")
    for column in NUMERIC:
        if not pd.api.types.is_numeric_dtype(df[column]):
            raise ValueError(f"{path}: column {column!r} is not numeric "
                             f"(first values {df[column].head(3).tolist()})")
    labels = set(df[TARGET].dropna().unique())
    if df[TARGET].isna().any() or not labels <= set(LABELS):
        raise ValueError(f"{path}: column {TARGET!r} must hold only {LABELS}, found "
                         f"{sorted(map(str, labels))} and {int(df[TARGET].isna().sum())} empty")
    if len(labels) < 2:
        raise ValueError(f"{path}: column {TARGET!r} holds a single class {sorted(labels)}")
    return df
