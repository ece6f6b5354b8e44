"""Day 30 study: the MovieLens miniature (zip layout, formats, determinism), the loader's checks,
our split against fastai's, the mean-rating baseline, and a tiny run whose recorded validation
loss equals the MSE of the model's own predictions."""

import io
import zipfile

import numpy as np
import pytest
import torch

from hundreddays.demo_mirror import movielens as mirror
from hundreddays.loaders.movielens import load_movies, load_rating_movie, load_ratings
from hundreddays.runner import Context, Reference
from hundreddays.studies import movielens_collab as study

TINY = {"valid_pct": 0.1, "batch_size": 64, "n_factors": 8, "y_range": [0, 5.5], "wd": 0.1,
        "epochs": 2, "lr": 5e-3, "nn_layers": [16], "bias_top_movies": 20, "log_every": 0}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("ml")
    data = mirror.build_files(0, users=60, items=80)[mirror.FILE]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["ml-100k/", "ml-100k/u.data", "ml-100k/u.item"]
        archive.extractall(out)
    return out


def test_miniature_is_deterministic_and_seeded():
    assert mirror.build_files(1, 30, 40) == mirror.build_files(1, 30, 40)
    assert mirror.build_files(1, 30, 40) != mirror.build_files(2, 30, 40)


def test_miniature_formats(folder):
    first = (folder / "ml-100k" / "u.data").read_text().splitlines()[0].split("\t")
    assert len(first) == 4 and all(f.isdigit() for f in first)
    item_line = (folder / "ml-100k" / "u.item").read_bytes().decode("latin-1").splitlines()[0]
    assert len(item_line.split("|")) == 24
    ratings = load_ratings(folder)
    assert ratings.rating.between(1, 5).all() and ratings.groupby("user").size().min() >= 20
    assert not ratings.duplicated(["user", "item"]).any()
    movies = load_movies(folder)
    assert len(movies) == 80 and movies.title.is_unique
    assert any("é" in t for t in mirror.titles(0, 200))  # latin-1 letters round-trip
    joined = load_rating_movie(folder)
    assert list(joined.columns) == ["user", "item", "rating", "timestamp", "title"]
    assert (joined[["user", "item", "rating"]].to_numpy()
            == ratings[["user", "item", "rating"]].to_numpy()).all()


def test_loader_names_the_file_when_something_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="u.data"):
        load_ratings(tmp_path)
    (tmp_path / "ml-100k").mkdir()
    (tmp_path / "ml-100k" / "u.data").write_text("1\t2\t7\t100\n")
    with pytest.raises(ValueError, match=r"u\.data.*outside 1-5"):
        load_ratings(tmp_path)
    (tmp_path / "ml-100k" / "u.data").write_text("1\t2\tx\t100\n")
    with pytest.raises(ValueError, match=r"u\.data"):
        load_ratings(tmp_path)
    (tmp_path / "ml-100k" / "u.item").write_text("1|Title (1995)|01-Jan-1995\n")
    with pytest.raises(ValueError, match=r"u\.item, line 1"):
        load_movies(tmp_path)


def test_mean_rating_mse_against_the_direct_formula():
    ratings = np.array([1, 2, 3, 4, 5, 5])
    assert study.mean_rating_mse(ratings, [0, 1, 2], [3, 4, 5]) == pytest.approx(
        ((4 - 2) ** 2 + (5 - 2) ** 2 * 2) / 3)


def test_tiny_run_matches_fastai_split_and_own_predictions(folder):
    df = load_rating_movie(folder)
    learn, dls, history = study.train_collab(df, TINY, seed=0, use_nn=False)
    train, valid = study.split(len(df), TINY["valid_pct"], 0)
    assert sorted(dls.valid_ds.items.index) == sorted(valid)
    assert sorted(dls.train_ds.items.index) == sorted(train)
    preds, targets = learn.get_preds(ds_idx=1)
    mse = float(torch.mean((preds.flatten() - targets.flatten()) ** 2))
    assert history["valid_mse"][-1] == pytest.approx(mse, rel=1e-5)
    assert len(history["valid_mse"]) == TINY["epochs"] == len(history["seconds"])
    biases = study.movie_biases(learn, dls, df, TINY["bias_top_movies"])
    counts = df.groupby("title").size()
    assert len(biases) == 20 and biases.is_monotonic_increasing
    assert counts[biases.index].min() >= counts.drop(biases.index).max()
    vocab = dls.classes["title"]
    title = biases.index[0]
    assert biases.iloc[0] == learn.model.i_bias.weight[vocab.o2i[title], 0].item()


def test_run_compares_both_models_with_the_mean_and_plots(folder, tmp_path):
    df = load_rating_movie(folder)
    result = study.run(Context(study="movielens_collab", cfg=TINY, seed=0,
                               inputs={"data": str(folder)}, log=lambda text: None))
    m = result["metrics"]
    train, valid = study.split(len(df), TINY["valid_pct"], 0)
    assert (m["train_ratings"], m["valid_ratings"]) == (len(train), len(valid))
    assert m["mean_rating_mse"] == study.mean_rating_mse(df["rating"].to_numpy(), train, valid)
    assert m["valid_mse"] == result["dot"]["valid_mse"][-1]
    assert m["nn_valid_mse"] == result["nn"]["valid_mse"][-1]
    assert m["valid_mse_over_mean_rating_mse"] == pytest.approx(m["valid_mse"]
                                                                / m["mean_rating_mse"])
    # each model from the seed: the dot-product run again gives the same loss
    _, _, again = study.train_collab(df, TINY, seed=0, use_nn=False)
    assert again["valid_mse"] == result["dot"]["valid_mse"]
    assert len(result["biases"]) == TINY["bias_top_movies"]
    study.plot(result, tmp_path / "f.png", Reference({}))
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
