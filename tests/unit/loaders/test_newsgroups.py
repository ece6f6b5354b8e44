"""The 20 Newsgroups loader and its demo miniature: real layout, deterministic, and the loader
returns what scikit-learn's fetch_20newsgroups returns for the same archive."""

import codecs
import pickle
import re

import numpy as np
import pytest
from miniatures import extract
from sklearn.datasets import fetch_20newsgroups, load_files

from hundreddays.demo_mirror import newsgroups as mini
from hundreddays.loaders.newsgroups import COURSE_CATEGORIES, load_newsgroups

REAL_GROUPS = """alt.atheism comp.graphics comp.os.ms-windows.misc comp.sys.ibm.pc.hardware
comp.sys.mac.hardware comp.windows.x misc.forsale rec.autos rec.motorcycles rec.sport.baseball
rec.sport.hockey sci.crypt sci.electronics sci.med sci.space soc.religion.christian
talk.politics.guns talk.politics.mideast talk.politics.misc talk.religion.misc""".split()


@pytest.fixture(scope="module")
def archive():
    return mini.build_files(0)[mini.ARCHIVE]


@pytest.fixture(scope="module")
def root(archive, tmp_path_factory):
    """The miniature extracted, as the workflow's prepare step does."""
    out = tmp_path_factory.mktemp("newsgroups")
    extract(archive, out)
    return out


def sklearn_fetch(root, tmp_path, **kwargs):
    """fetch_20newsgroups on the same posts, offline: its cache written the way its own download
    step writes it (load_files of both split folders, zlib-compressed pickle)."""
    cache = {split: load_files(root / f"20news-bydate-{split}", encoding="latin1")
             for split in ("train", "test")}
    (tmp_path / "20news-bydate_py3.pkz").write_bytes(
        codecs.encode(pickle.dumps(cache), "zlib_codec"))
    return fetch_20newsgroups(data_home=tmp_path, download_if_missing=False, **kwargs)


def test_miniature_is_deterministic_in_the_seed(archive):
    assert mini.build_files(0)[mini.ARCHIVE] == archive
    assert mini.build_files(1)[mini.ARCHIVE] != archive


def test_miniature_has_the_real_layout(root):
    for split, (course, other) in {"train": (mini.COURSE_POSTS[0], mini.OTHER_POSTS[0]),
                                   "test": (mini.COURSE_POSTS[1], mini.OTHER_POSTS[1])}.items():
        folder = root / f"20news-bydate-{split}"
        assert sorted(p.name for p in folder.iterdir()) == sorted(REAL_GROUPS)
        for group in REAL_GROUPS:
            posts = list((folder / group).iterdir())
            assert all(p.name.isdigit() for p in posts)
            assert len(posts) == (course if group in COURSE_CATEGORIES else other)


def test_posts_look_like_usenet_posts(root):
    texts = [p.read_bytes().decode("latin-1") for p in root.glob("20news-bydate-*/*/*")]
    for text in texts:
        header, body = text.split("\n\n", 1)
        assert re.match(r"From: \S+@\S+ \(.+\)\nSubject: .+\nOrganization: .+\n", header)
        assert int(header.rsplit("Lines: ", 1)[1]) == len(body.rstrip("\n").split("\n"))
    share = {key: np.mean([key in t for t in texts]) for key in (" writes:\n> ", "\n-- \n")}
    assert 0.2 < share[" writes:\n> "] < 0.5 and 0.25 < share["\n-- \n"] < 0.55
    assert any(not t.isascii() for t in texts)  # latin-1 names, as in the real archive


@pytest.mark.parametrize("subset", ["train", "test"])
def test_loader_returns_what_fetch_20newsgroups_returns(root, tmp_path, subset):
    ours = load_newsgroups(root, subset)
    theirs = sklearn_fetch(root, tmp_path, subset=subset, categories=list(COURSE_CATEGORIES),
                           remove=("headers", "footers", "quotes"))
    assert ours["data"] == theirs.data
    assert ours["target_names"] == theirs.target_names == sorted(COURSE_CATEGORIES)
    np.testing.assert_array_equal(ours["target"], theirs.target)
    np.testing.assert_array_equal(ours["filenames"], theirs.filenames)
    assert len(ours["data"]) == 4 * mini.COURSE_POSTS[subset == "test"]


def test_loader_without_stripping_or_filter_keeps_everything(root, tmp_path):
    ours = load_newsgroups(root, "train", categories=None, remove=(), shuffle=False)
    theirs = sklearn_fetch(root, tmp_path, subset="train", shuffle=False)
    assert ours["data"] == theirs.data and ours["target_names"] == REAL_GROUPS
    assert all(text.startswith("From: ") for text in ours["data"])


def test_stripping_removes_headers_quotes_and_signatures(root):
    texts = load_newsgroups(root, "train")["data"]
    joined = "\n".join(texts)
    assert "From: " not in joined and "Organization: " not in joined
    assert "writes:" not in joined and "\n> " not in joined
    assert not any(re.search(r"\S+@\S+\.(edu|com|uk)", t) for t in texts)  # signatures gone
    # A one-paragraph reply loses its body to the footer heuristic (it cuts at the last blank
    # line), as some real posts do; most keep text.
    assert sum(bool(t.strip()) for t in texts) > 0.9 * len(texts)


def test_missing_category_names_the_folder_and_the_groups_found(root):
    with pytest.raises(FileNotFoundError, match=r"sci\.nonsense.*20news-bydate-train.*found \["):
        load_newsgroups(root, "train", categories=["sci.space", "sci.nonsense"])


def test_missing_split_folder_and_bad_arguments_are_named(tmp_path):
    (tmp_path / "something_else").mkdir()
    with pytest.raises(FileNotFoundError, match="20news-bydate-train.*something_else"):
        load_newsgroups(tmp_path)
    with pytest.raises(ValueError, match="subset 'dev'"):
        load_newsgroups(tmp_path, "dev")
    with pytest.raises(ValueError, match="signatures"):
        load_newsgroups(tmp_path, remove=("signatures",))
