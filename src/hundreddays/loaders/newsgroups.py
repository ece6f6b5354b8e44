"""20 Newsgroups ("bydate" split) from the extracted 20news-bydate.tar.gz, as fetch_20newsgroups
would return it.

scikit-learn's `fetch_20newsgroups` cannot read an archive or folder that is already on disk: it
reads only its own pickled cache (<data_home>/20news-bydate_py3.pkz) and otherwise downloads the
archive, whatever `data_home` and `download_if_missing` say. So this loader repeats what that
function does after its download, with scikit-learn's own pieces: `load_files(<split folder>,
encoding="latin1")` over all groups (shuffled with load_files' default seed, as the cache is),
then the header / footer / quote stripping functions of sklearn.datasets._twenty_newsgroups, then
the category filter, then fetch_20newsgroups' shuffle (random_state=42). The documents therefore
come in the same order as from fetch_20newsgroups, which the tests check, and which
`sklearn_fetch_matches` checks at run time by calling fetch_20newsgroups on its own cache.
"""

from __future__ import annotations

import codecs
import pickle
from pathlib import Path

import numpy as np
from sklearn.datasets import load_files
from sklearn.datasets._twenty_newsgroups import (
    strip_newsgroup_footer,
    strip_newsgroup_header,
    strip_newsgroup_quoting,
)

from .layout import Packaging, layout_error

SPLIT_FOLDERS = {"train": "20news-bydate-train", "test": "20news-bydate-test"}
LAYOUT = ("the extracted 20news-bydate.tar.gz: 20news-bydate-train/ and 20news-bydate-test/, one "
          "folder a newsgroup, one file a post")
OTHER_PACKAGINGS = (
    Packaging(("20news-bydate.tar.gz",), "the archive itself, not extracted: extract it here"),
    Packaging(("20news-bydate_py3.pkz",), "scikit-learn's pickled cache of the corpus, not the "
              "extracted archive it is made from"),
    Packaging(("20news-18828",), "the 20news-18828 packaging (duplicates removed, no train/test "
              "split), not the bydate split"),
    Packaging(("20_newsgroups",), "the original 20news-19997 packaging (no train/test split), "
              "not the bydate split"),
)
# The fast.ai "Computational Linear Algebra" topic-modelling notebook's choice.
COURSE_CATEGORIES = ("alt.atheism", "talk.religion.misc", "comp.graphics", "sci.space")
COURSE_REMOVE = ("headers", "footers", "quotes")
STRIPPERS = {  # applied in this order, as fetch_20newsgroups does
    "headers": strip_newsgroup_header,
    "footers": strip_newsgroup_footer,
    "quotes": strip_newsgroup_quoting,
}
FETCH_RANDOM_STATE = 42  # fetch_20newsgroups' default shuffle seed


def split_folder(root: str | Path, subset: str) -> Path:
    """Return <root>/20news-bydate-<subset>; FileNotFoundError naming what `root` holds instead."""
    if subset not in SPLIT_FOLDERS:
        raise ValueError(f"20 Newsgroups subset {subset!r} must be one of {sorted(SPLIT_FOLDERS)}")
    root = Path(root)
    folder = root / SPLIT_FOLDERS[subset]
    if not folder.is_dir():
        found = sorted(p.name for p in root.iterdir()) if root.is_dir() else None
        raise FileNotFoundError(f"20 Newsgroups folder {folder} does not exist; {root} holds "
                                f"{found if found is not None else 'nothing (no such folder)'}")
    return folder


def check_layout(root: str | Path) -> None:
    """Raise FileNotFoundError naming the split folders missing under `root` (split_folder's
    folders), and, where it can tell, the other packaging `root` is."""
    missing = [name for name in SPLIT_FOLDERS.values() if not (Path(root) / name).is_dir()]
    if missing:
        raise layout_error(root, f"20 Newsgroups folders {', '.join(missing)} missing in {root}",
                           LAYOUT, OTHER_PACKAGINGS)


def load_newsgroups(root: str | Path, subset: str = "train",
                    categories: list[str] | tuple[str, ...] | None = COURSE_CATEGORIES,
                    remove: tuple[str, ...] = COURSE_REMOVE, shuffle: bool = True) -> dict:
    """Return the posts of `categories` (all groups if None) of one split, like
    fetch_20newsgroups(subset=..., categories=..., remove=..., shuffle=...).

    Returns {"data": list of str, "target": int array, "target_names": list of str (sorted),
    "filenames": array of str}. Raises FileNotFoundError naming the folder and the groups found
    when a category is missing, ValueError for an unknown `remove` entry.
    """
    unknown = sorted(set(remove) - set(STRIPPERS))
    if unknown:
        raise ValueError(f"20 Newsgroups remove={remove!r}: unknown parts {unknown}; "
                         f"known: {list(STRIPPERS)}")
    folder = split_folder(root, subset)
    groups = sorted(p.name for p in folder.iterdir() if p.is_dir())
    missing = [c for c in categories or () if c not in groups]
    if missing or not groups:
        raise FileNotFoundError(f"20 Newsgroups categories {missing} not found in {folder}; "
                                f"found {groups or 'none'}")
    bunch = load_files(folder, encoding="latin1")
    data = list(bunch.data)
    for part, strip in STRIPPERS.items():
        if part in remove:
            data = [strip(text) for text in data]
    target, names = np.asarray(bunch.target), list(bunch.target_names)
    filenames = np.asarray(bunch.filenames)
    if categories is not None:
        labels = sorted(names.index(c) for c in categories)
        keep = np.isin(target, labels)
        data = [text for text, k in zip(data, keep, strict=True) if k]
        target = np.searchsorted(labels, target[keep])
        filenames = filenames[keep]
        names = [names[i] for i in labels]
    if shuffle:
        order = np.random.RandomState(FETCH_RANDOM_STATE).permutation(len(data))
        data, target, filenames = [data[i] for i in order], target[order], filenames[order]
    return {"data": data, "target": target, "target_names": names, "filenames": filenames}


def sklearn_fetch_matches(root: str | Path, subset: str, categories: list[str], posts: dict,
                          home: str | Path) -> int:
    """Return 1 when scikit-learn's fetch_20newsgroups(subset, categories, remove=("headers",
    "footers", "quotes")) returns exactly `posts`' data, target and target_names, else 0.

    fetch_20newsgroups reads its own cache or downloads; offline, its cache is written into
    `home` the way its download step writes it: load_files of both split folders (latin1), a
    zlib-compressed pickle under sklearn's own cache name."""
    from sklearn.datasets import fetch_20newsgroups
    from sklearn.datasets._base import _pkl_filepath
    from sklearn.datasets._twenty_newsgroups import CACHE_NAME

    Path(home).mkdir(parents=True, exist_ok=True)
    cache = {split: load_files(split_folder(root, split), encoding="latin1")
             for split in SPLIT_FOLDERS}
    Path(_pkl_filepath(str(home), CACHE_NAME)).write_bytes(
        codecs.encode(pickle.dumps(cache), "zlib_codec"))
    fetched = fetch_20newsgroups(data_home=str(home), subset=subset, categories=categories,
                                 remove=COURSE_REMOVE, download_if_missing=False)
    return int(list(fetched.data) == list(posts["data"])
               and np.array_equal(fetched.target, posts["target"])
               and list(fetched.target_names) == list(posts["target_names"]))
