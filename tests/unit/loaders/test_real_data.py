"""The loaders on the publishers' genuine bytes (../shared/real-data, read in place): MNIST's
test files, Oxford-IIIT Pet images in the VGG layout, the whole 20 Newsgroups corpus, ml-100k
and UCI's adult.data."""

import io
import tarfile
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from real_data import real

from hundreddays.demo_mirror import adult as adult_mirror
from hundreddays.loaders import adult, mnist, movielens, newsgroups, pets


def test_mnist_test_files_and_train_labels():
    folder = real("mnist")
    images = mnist.read_idx(mnist.find_idx(folder, mnist.FILES["test_images"]))
    labels = mnist.read_idx(mnist.find_idx(folder, mnist.FILES["test_labels"]))
    train_labels = mnist.read_idx(mnist.find_idx(folder, mnist.FILES["train_labels"]))
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and train_labels.shape == (60000,)
    assert set(np.unique(labels)) == set(range(10)) == set(np.unique(train_labels))
    assert images.max() == 255 and images.min() == 0


def test_mnist_layout_check_names_the_one_missing_file():
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        mnist.check_layout(real("mnist"))


def test_pets_images_in_the_vgg_layout():
    folder = real("pets")
    assert pets.images_folder(folder) == folder / "images"
    files = pets.list_images(folder)
    breeds = Counter(pets.breed_of(f) for f in files)
    assert breeds == {"Abyssinian": 12, "Bengal": 12, "american_bulldog": 12}
    assert sum(pets.is_cat(b) for b in breeds) == 2
    for path in files:
        with Image.open(path) as image:
            image.load()
            assert image.size[0] > 0 and image.size[1] > 0
    # the trimaps and head boxes beside them are no items
    assert not any("annotations" in f.parts for f in files)


def test_pets_names_both_layouts_when_neither_is_there(tmp_path):
    with pytest.raises(FileNotFoundError, match="oxford-iiit-pet/images.*images"):
        pets.images_folder(tmp_path)


def test_newsgroups_whole_corpus():
    root = real("newsgroups20")
    newsgroups.check_layout(root)
    train = newsgroups.load_newsgroups(root, "train", categories=None, remove=())
    assert len(train["data"]) == 11314 and len(train["target_names"]) == 20
    test = newsgroups.load_newsgroups(root, "test", categories=newsgroups.COURSE_CATEGORIES,
                                      remove=newsgroups.COURSE_REMOVE)
    assert len(test["data"]) == 1353  # the fast.ai notebook's test posts of the four groups
    assert sorted(test["target_names"]) == sorted(newsgroups.COURSE_CATEGORIES)
    # latin-1 reads every byte; stripping removed the headers (all but posts whose body
    # itself starts with a forwarded "From:" line)
    assert all(isinstance(d, str) for d in train["data"])
    headed = sum(d.startswith("From:") for d in train["data"])
    assert headed > 0.9 * len(train["data"])
    assert sum(d.startswith("From:") for d in test["data"]) < 0.02 * len(test["data"])


def test_newsgroups_course_train_split():
    train = newsgroups.load_newsgroups(real("newsgroups20"), "train",
                                       categories=newsgroups.COURSE_CATEGORIES,
                                       remove=newsgroups.COURSE_REMOVE)
    assert len(train["data"]) == 2034  # the fast.ai notebook's newsgroups_train


def test_movielens_100k():
    folder = real("movielens_100k")
    movielens.check_layout(folder)
    ratings = movielens.load_ratings(folder)
    assert len(ratings) == 100000
    assert ratings.user.nunique() == 943 and ratings.item.nunique() == 1682
    assert set(ratings.rating.unique()) == {1, 2, 3, 4, 5}
    movies = movielens.load_movies(folder)
    assert len(movies) == 1682
    assert movies.set_index("item").title[1] == "Toy Story (1995)"
    assert any(not t.isascii() for t in movies.title)  # latin-1 titles decode
    assert len(movielens.load_rating_movie(folder)) == 100000


def test_adult_uci_reads_into_the_fastai_frame():
    df = adult.load_adult_uci(real("adult_uci"))
    assert len(df) == 32561
    assert df.salary.value_counts().to_dict() == {"<50k": 24720, ">=50k": 7841}
    unknown = (df == " ?").sum()  # UCI's unknowns, kept as adult.csv keeps them
    assert (unknown.workclass, unknown.occupation, unknown["native-country"]) == (1836, 1843, 583)
    assert not df.isna().any().any()
    assert df.workclass.str.startswith(" ").all()  # the leading space, as in adult.csv
    sample = adult_mirror.build_files(0, rows=200)[adult_mirror.FILE]
    with tarfile.open(fileobj=io.BytesIO(sample)) as tar:
        fastai = adult.pd.read_csv(tar.extractfile(adult_mirror.MEMBER))
    assert list(df.columns) == list(fastai.columns)
    assert (fastai.workclass == " ?").any()  # the miniature keeps the marks as adult.csv does
    for column in adult.NUMERIC:
        assert df[column].dtype.kind in "if" and fastai[column].dtype.kind in "if"


# The first ten rows of fastai's adult_sample/adult.csv as a public df.head(10) prints them
# (github.com/gnoparus/bualabs nbs/21a-preprocessing-fillna.ipynb; the 2018 lesson4-tabular
# notebook of course-v3 prints the same first five): None where the sample's cell is empty.
SAMPLE_HEAD = [
    (49, "Private", 101320, "Assoc-acdm", 12, "Married-civ-spouse", None, "Wife", "White",
     "Female", 0, 1902, 40, "United-States", ">=50k"),
    (44, "Private", 236746, "Masters", 14, "Divorced", "Exec-managerial", "Not-in-family",
     "White", "Male", 10520, 0, 45, "United-States", ">=50k"),
    (38, "Private", 96185, "HS-grad", None, "Divorced", None, "Unmarried", "Black", "Female", 0,
     0, 32, "United-States", "<50k"),
    (38, "Self-emp-inc", 112847, "Prof-school", 15, "Married-civ-spouse", "Prof-specialty",
     "Husband", "Asian-Pac-Islander", "Male", 0, 0, 40, "United-States", ">=50k"),
    (42, "Self-emp-not-inc", 82297, "7th-8th", None, "Married-civ-spouse", "Other-service",
     "Wife", "Black", "Female", 0, 0, 50, "United-States", "<50k"),
    (20, "Private", 63210, "HS-grad", 9, "Never-married", "Handlers-cleaners", "Own-child",
     "White", "Male", 0, 0, 15, "United-States", "<50k"),
    (49, "Private", 44434, "Some-college", 10, "Divorced", None, "Other-relative", "White",
     "Male", 0, 0, 35, "United-States", "<50k"),
    (37, "Private", 138940, "11th", 7, "Married-civ-spouse", None, "Husband", "White", "Male", 0,
     0, 40, "United-States", "<50k"),
    (46, "Private", 328216, "HS-grad", 9, "Married-civ-spouse", "Craft-repair", "Husband",
     "White", "Male", 0, 0, 40, "United-States", ">=50k"),
    (36, "Self-emp-inc", 216711, "HS-grad", None, "Married-civ-spouse", None, "Husband", "White",
     "Male", 99999, 0, 50, "?", ">=50k"),
]


def test_fastai_sample_rows_are_uci_rows_with_cells_emptied():
    """Each shown row of fastai's sample is one row of UCI's adult.data, equal in every filled
    cell; the emptied cells lie only in the two columns whose counts SAMPLE_BLANKS holds, and
    education-num, one of them, repeats the category `education` (one number per category)."""
    df = adult.load_adult_uci(real("adult_uci"))
    text = df.apply(lambda c: c.str.strip() if c.dtype == object else c)
    found = []
    for row in SAMPLE_HEAD:
        match = pd.Series(True, index=df.index)
        for column, value in zip(adult.COLUMNS, row, strict=True):
            if value is not None:
                match &= text[column] == value
        assert match.sum() == 1, row
        found.append(int(match.idxmax()) + 1)  # the line of adult.data
    assert found == [2926, 26179, 30509, 1804, 25849, 31375, 3008, 27334, 3930, 12656]
    emptied = {adult.COLUMNS[i] for row in SAMPLE_HEAD for i, v in enumerate(row) if v is None}
    assert emptied == set(adult.SAMPLE_BLANKS)
    assert (df.groupby("education")["education-num"].nunique() == 1).all()


def test_uci_with_the_samples_blanks():
    df = adult.load_adult_uci(real("adult_uci"))
    blanked = adult.with_sample_blanks(df, seed=3)
    assert blanked.isna().sum().to_dict() == {c: adult.SAMPLE_BLANKS.get(c, 0)
                                              for c in df.columns}
    assert blanked.isna().sum().sum() == 487 + 512
    assert not df.isna().any().any()  # a copy; else equal, education-num now float as in
    pd.testing.assert_frame_equal(blanked.fillna(df), df, check_dtype=False)  # the sample
    assert blanked["education-num"].dtype.kind == "f"
    assert adult.with_sample_blanks(df, seed=3).equals(blanked)
    assert not adult.with_sample_blanks(df, seed=4).isna().equals(blanked.isna())
    half = adult.with_sample_blanks(df.iloc[::2], seed=0)
    assert half.isna().sum()["occupation"] == round(512 * len(half) / 32561)


def test_adult_source_picks_the_loader(tmp_path):
    assert len(adult.load_source(real("adult_uci"), "uci")) == 32561
    with pytest.raises(FileNotFoundError, match="adult.csv"):
        adult.load_source(real("adult_uci"), "fastai")
    with pytest.raises(ValueError, match="must be one of"):
        adult.load_source(real("adult_uci"), "kaggle")


def test_adult_uci_names_a_short_row_and_a_foreign_label(tmp_path):
    lines = real("adult_uci", "adult.data").read_text().splitlines()
    (tmp_path / "adult.data").write_text("\n".join([lines[0], "39, State-gov, 77516"]) + "\n")
    with pytest.raises(ValueError, match="adult.data: 1 row.*line 2"):
        adult.load_adult_uci(tmp_path)
    (tmp_path / "adult.data").write_text(lines[0].replace("<=50K", "<=50K.") + "\n")
    with pytest.raises(ValueError, match=r"adult.data: column 'salary'.*<=50K\."):
        adult.load_adult_uci(tmp_path)


def test_the_uci_miniature_is_read_like_the_genuine_file(tmp_path):
    from hundreddays.demo_mirror import adult_uci

    data = adult_uci.build_files(0, rows=300)[adult_uci.FILE]
    assert data == adult_uci.build_files(0, rows=300)[adult_uci.FILE]
    genuine = real("adult_uci", "adult.data").read_bytes()
    assert data.endswith(b"\n\n") and genuine.endswith(b"\n\n")  # the real file's blank end
    assert data.count(b", ") == 14 * 300
    (tmp_path / "adult.data").write_bytes(data)
    mini, full = adult.load_adult_uci(tmp_path), adult.load_adult_uci(real("adult_uci"))
    assert len(mini) == 300 and (mini.dtypes == full.dtypes).all()
    assert set(mini.workclass) <= set(full.workclass)  # UCI's vocabulary, ' ?' included
