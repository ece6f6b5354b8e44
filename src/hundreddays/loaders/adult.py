"""fastai's adult sample: `adult_sample/adult.csv` (header row, 15 columns, target `salary` with
the values '<50k' / '>=50k'). String cells keep the UCI files' leading space (' Private'), as the
lesson reads them; empty cells become NaN (FillMissing's job).

UCI's own `adult.data` (source `uci`, registry id adult_uci) is read into the same frame: it has
no header, the same 15 columns separated by ", " and the labels '<=50K' / '>50K', which become
'<50k' / '>=50k'. Its unknown values, ' ?', stay ' ?' as adult.csv keeps them (a category of its
own for the lesson's Categorify)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .layout import Packaging, layout_error

FILE = Path("adult_sample") / "adult.csv"
UCI_FILE = "adult.data"
LAYOUT = "fastai's extracted adult_sample.tgz: adult_sample/adult.csv"
UCI_LAYOUT = f"UCI's {UCI_FILE} (headerless, 15 columns)"
OTHER_PACKAGINGS = (
    Packaging((UCI_FILE,), f"UCI's own {UCI_FILE}: that is a local copy of adult_uci "
              "(local_copies.adult_uci, with studies.adult_tabular.source: uci)"),
    Packaging(("adult.csv",), "the adult_sample/ folder itself: name the folder that holds "
              "adult_sample/"),
    Packaging(("adult_sample.tgz",), "the archive itself, not extracted: extract it here"),
)
UCI_PACKAGINGS = (
    Packaging(("adult_sample/adult.csv",), "fastai's adult_sample: that is a local copy of adult "
              "(local_copies.adult, with studies.adult_tabular.source: fastai)"),
    Packaging(("adult.zip",), f"UCI's adult.zip, not extracted: extract {UCI_FILE} from it"),
)
UCI_LABELS = {"<=50K": "<50k", ">50K": ">=50k"}
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


def check_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError naming adult_sample/adult.csv when `folder` lacks it."""
    path = csv_path(folder)
    if not path.is_file():
        raise layout_error(folder, f"{path} not found", LAYOUT, OTHER_PACKAGINGS)


def check_uci_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError naming adult.data when `folder` lacks it."""
    path = Path(folder) / UCI_FILE
    if not path.is_file():
        raise layout_error(folder, f"{path} not found", UCI_LAYOUT, UCI_PACKAGINGS)


def load_adult(folder: str | Path) -> pd.DataFrame:
    """Return adult.csv as a DataFrame in file order, after checking its columns, numeric
    columns and salary labels; raise with the file's name when anything is off."""
    check_layout(folder)
    path = csv_path(folder)
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: not a readable CSV ({type(exc).__name__}: {exc})") from exc
    return _checked(df, path)


def load_adult_uci(folder: str | Path) -> pd.DataFrame:
    """Return UCI's adult.data as the frame load_adult returns (same columns, leading spaces,
    ' ?' kept, labels '<50k' / '>=50k'); raise with the file's name when anything is off."""
    check_uci_layout(folder)
    path = Path(folder) / UCI_FILE
    try:
        df = pd.read_csv(path, header=None, names=list(COLUMNS), na_values=[""],
                         keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: not a readable UCI adult file ({type(exc).__name__}: "
                         f"{exc})") from exc
    if df[COLUMNS[-1]].isna().any():
        raise ValueError(f"{path}: {int(df[COLUMNS[-1]].isna().sum())} row(s) with fewer than "
                         f"{len(COLUMNS)} fields, first on line "
                         f"{int(df[COLUMNS[-1]].isna().to_numpy().argmax()) + 1}")
    labels = df[TARGET].str.strip()
    unknown = sorted(set(labels) - set(UCI_LABELS))
    if unknown:
        raise ValueError(f"{path}: column {TARGET!r} (the last) must hold only "
                         f"{sorted(UCI_LABELS)}, found {unknown[:5]}")
    df[TARGET] = labels.map(UCI_LABELS)
    return _checked(df, path)


LOADERS = {"fastai": load_adult, "uci": load_adult_uci}

# What fastai's adult_sample/adult.csv is, as far as it can be checked without the file: UCI's
# adult.data, its 32,561 rows in another order (the ten rows a public df.head(10) shows are UCI
# lines 2926, 26179, 30509, 1804, 25849, 31375, 3008, 22313, 3930, 12656, equal in every filled
# cell), the labels renamed, and some cells emptied in two columns. The count of emptied cells is
# read from that notebook's df.info() of adult.csv (github.com/gnoparus/bualabs,
# nbs/21a-preprocessing-fillna.ipynb: 32561 entries; education-num 32074 non-null, occupation
# 32049 non-null, every other column complete).
SAMPLE_BLANKS = {"education-num": 32561 - 32074, "occupation": 32561 - 32049}


def with_sample_blanks(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A copy of the UCI frame `df` with as many cells emptied (NaN) in each column of
    SAMPLE_BLANKS as fastai's sample has, scaled to len(df), at rows drawn from `seed`: UCI's
    data with the sample's missing values, for measuring what they change."""
    out = df.copy()
    rng = np.random.default_rng(seed)
    for column, count in SAMPLE_BLANKS.items():
        n = round(count * len(df) / 32561)
        out.loc[out.index[rng.choice(len(df), size=n, replace=False)], column] = np.nan
    return out


def load_source(folder: str | Path, source: str) -> pd.DataFrame:
    """The adult frame from `folder` as the config's `source` (fastai or uci) lays it out."""
    if source not in LOADERS:
        raise ValueError(f"adult source {source!r} must be one of {sorted(LOADERS)}")
    return LOADERS[source](folder)


def _checked(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """`df` after checking its columns, numeric columns and salary labels (errors name `path`)."""
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
