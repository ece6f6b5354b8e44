"""Whale: MAP@5 against a brute-force definition, new_whale insertion, the miniature, the loader."""

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hundreddays.data import kaggle
from hundreddays.demo_mirror import whale as mirror
from hundreddays.loaders.whale import extract_images, load, read_csv
from hundreddays.runner import Context, Reference
from hundreddays.studies import whale as study


def brute_map5(actual, predicted):
    """Kaggle's AP@5 with one relevant item: sum over k of precision@k * rel(k), / 1."""
    total = 0.0
    for truth, guesses in zip(actual, predicted, strict=True):
        seen, ap = [], 0.0
        for k, g in enumerate(guesses[:5], start=1):
            if g == truth and g not in seen:
                ap += sum(1 for x in guesses[:k] if x == truth) / k
            seen.append(g)
        total += ap
    return total / len(actual)


def test_map5_hand_and_brute_force():
    assert study.map5(["a", "b", "c"], [["a", "x"], ["x", "y", "b"], ["x"] * 5]) == \
        pytest.approx((1 + 1 / 3 + 0) / 3)
    rng = np.random.default_rng(1)
    ids = [f"w{i}" for i in range(8)]
    actual = list(rng.choice(ids, 50))
    predicted = [list(rng.choice(ids, 5, replace=False)) for _ in range(50)]
    assert study.map5(actual, predicted) == pytest.approx(brute_map5(actual, predicted))
    assert study.map5(["a"], [["b", "c", "d", "e", "f", "a"]]) == 0.0  # only 5 count
    with pytest.raises(ValueError):
        study.map5(["a"], [])


def test_top5_inserts_new_whale_at_threshold():
    probs = np.array([[0.7, 0.2, 0.05, 0.03, 0.01, 0.01], [0.1, 0.3, 0.2, 0.2, 0.1, 0.1]])
    classes = ["a", "b", "c", "d", "e", "f"]
    out = study.top5(probs, classes, threshold=0.5)
    assert out[0] == ["a", "new_whale", "b", "c", "d"]
    assert out[1][0] == "new_whale" and out[1][1] == "b"
    assert study.top5(probs, classes, threshold=0.0)[0] == ["a", "b", "c", "d", "e"]


def test_local_split_marks_unseen_whales_new():
    train = pd.DataFrame({"Image": [f"{i}.jpg" for i in range(200)],
                          "Id": [f"w_{i % 50}" if i % 7 else "new_whale" for i in range(200)]})
    fit, valid = study.local_split(train, 0.3, seed=0)
    assert len(fit) + len(valid) == 200 and 0.2 < len(valid) / 200 < 0.4
    seen = set(fit["Id"])
    for row in valid.itertuples():
        assert row.truth == (row.Id if row.Id in seen and row.Id != "new_whale" else "new_whale")
    assert study.local_split(train, 0.3, seed=0)[1].equals(valid)


@pytest.fixture(scope="module")
def files():
    return mirror.build_files(0, whales=6, photos=3, new_train=4, test_known=4, test_new=2)


def test_miniature_layout_and_determinism(files, tmp_path):
    assert set(files) == {"train.zip", "test.zip", "train.csv", "sample_submission.csv"}
    assert mirror.build_files(0, whales=6, photos=3, new_train=4, test_known=4,
                              test_new=2) == files
    rows = list(csv.reader(io.StringIO(files["train.csv"].decode())))
    assert rows[0] == ["Image", "Id"] and len(rows) == 1 + 6 * 3 + 4
    ids = {r[1] for r in rows[1:]}
    assert "new_whale" in ids and all(i == "new_whale" or (i.startswith("w_") and len(i) == 9)
                                      for i in ids)
    with zipfile.ZipFile(io.BytesIO(files["train.zip"])) as zf:
        assert sorted(zf.namelist()) == sorted(r[0] for r in rows[1:])  # bare files, no folder
    sub = list(csv.reader(io.StringIO(files["sample_submission.csv"].decode())))
    assert sub[0] == ["Image", "Id"] and all(len(r[1].split()) == 5 for r in sub[1:])
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    data = load(tmp_path, tmp_path / "work")
    assert len(data["train"]) == 22 and len(data["test"]) == 6
    assert all((tmp_path / "work" / "test" / im).is_file() for im in data["test"]["Image"])


def test_same_whale_photos_look_alike():
    """Photos of one whale are closer to each other than to other whales (learnable ids)."""
    rng = np.random.default_rng(0)
    a, b = mirror._pattern(rng), mirror._pattern(rng)
    same = [mirror.render_fluke(rng, a).astype(float) for _ in range(2)]
    other = mirror.render_fluke(rng, b).astype(float)
    assert np.abs(same[0] - same[1]).mean() < np.abs(same[0] - other).mean() * 1.5


def test_loader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="train.csv"):
        read_csv(tmp_path, "train.csv")
    (tmp_path / "train.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="Image,Id"):
        read_csv(tmp_path, "train.csv")
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        zf.writestr("train/x.jpg", b"x")
    with pytest.raises(ValueError, match="bare image files"):
        extract_images(tmp_path / "bad.zip", tmp_path / "out")
    (tmp_path / "junk.zip").write_bytes(b"nope")
    with pytest.raises(ValueError, match="junk.zip"):
        extract_images(tmp_path / "junk.zip", tmp_path / "out")


def test_submission_csv():
    text = study.submission_csv(["a.jpg"], [["new_whale", "w_1", "w_2", "w_3", "w_4"]])
    assert text == "Image,Id\na.jpg,new_whale w_1 w_2 w_3 w_4\n"


# --- run(ctx): training, submission CSVs, Kaggle scores or not_measured, figure -----------------

TINY = {"arch": "resnet18", "pretrained": False, "batch_size": 8, "valid_pct": 0.3,
        "min_lr": 1e-3, "new_whale_threshold": 0.3, "predict_test": True, "submit": False,
        "log_every": 0,
        "first": {"size": 16, "frozen_epochs": 1, "unfrozen_epochs": 0, "lr": 0.02},
        "improved": {"size": 16, "frozen_epochs": 0, "unfrozen_epochs": 1, "lr": 0.02},
        "longer": {"size": 16, "frozen_epochs": 0, "unfrozen_epochs": 3, "lr": 0.02,
                   "stop_after": 1}}
REFERENCE = Reference({"first_submission_map5": {"reported": 0.284, "compare": {}},
                       "improved_map5": {"reported": 0.456, "compare": {}}})


def _context(files, tmp_path, **cfg) -> Context:
    data = tmp_path / "data"
    data.mkdir(parents=True)
    for name, content in files.items():
        (data / name).write_bytes(content)
    (tmp_path / "work").mkdir()
    return Context(study="whale", cfg={**TINY, **cfg}, seed=0, scale="unit-test",
                   inputs={"data": str(data)},
                   outputs={"metrics": str(tmp_path / "out" / "metrics.json")},
                   workdir=tmp_path / "work", log=lambda text: None)


def _no_kaggle(monkeypatch, reason=None):
    """Kaggle's CLI steps replaced: submissions recorded, each scored from a table."""
    calls = []

    def submit(competition, csv_path, message):
        calls.append((competition, Path(csv_path).name, message))

    def poll_score(competition, message):
        return {"first": 0.30, "improved": 0.45, "longer": 0.41}[message.split()[2]]

    monkeypatch.setattr(kaggle, "submit", submit)
    monkeypatch.setattr(kaggle, "poll_score", poll_score)
    monkeypatch.setattr(kaggle, "not_run_reason", lambda: reason)
    return calls


def test_run_without_submission_writes_csvs_and_says_why_not_measured(files, tmp_path,
                                                                      monkeypatch):
    calls = _no_kaggle(monkeypatch, reason="no Kaggle credentials")  # never asked: submit false
    ctx = _context(files, tmp_path)
    result = study.run(ctx)
    m = result["metrics"]
    assert m["n_fit"] + m["n_local_valid"] == 22 and m["n_whales"] <= 6
    assert (m["first_epochs"], m["improved_epochs"], m["longer_epochs"]) == (1, 1, 1)
    for key in ("local_first_map5", "local_improved_map5", "local_longer_midway_map5"):
        assert 0 <= m[key] <= 1
    assert m["local_longer_run_midway_gain"] == pytest.approx(
        m["local_longer_midway_map5"] - m["local_improved_map5"])
    assert not set(study.KAGGLE_METRICS) & set(m) and calls == []
    assert set(result["not_measured"]) == set(study.KAGGLE_METRICS)
    assert all("unit-test scale" in r and "whale.submit: false" in r
               for r in result["not_measured"].values())
    test_images = list(load(tmp_path / "data", tmp_path / "again")["test"]["Image"])
    for name in study.VARIANTS:  # beside metrics.json, one row per test image
        rows = list(csv.reader(open(tmp_path / "out" / f"submission_{name}.csv")))
        assert rows[0] == ["Image", "Id"] and [r[0] for r in rows[1:]] == test_images
        assert all(len(r[1].split()) == 5 for r in rows[1:])
    assert (tmp_path / "work" / "train").is_dir()  # the photos went to the scratch folder
    study.plot(result, tmp_path / "f.png", REFERENCE)
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _trained(data, cfg, seed, weights, device, threads, log_every):
    """A stand-in for train_runs: fixed test predictions, no training."""
    guesses = [["new_whale", "w_1", "w_2", "w_3", "w_4"]] * len(data["test"])
    return {"metrics": {"local_improved_map5": 0.5},
            "runs": {name: {"test": guesses} for name in study.VARIANTS}}


def test_run_with_submission_reads_kaggle_scores_back(files, tmp_path, monkeypatch):
    calls = _no_kaggle(monkeypatch)
    monkeypatch.setattr(study, "train_runs", _trained)
    result = study.run(_context(files, tmp_path, submit=True))
    m = result["metrics"]
    assert [c[1] for c in calls] == [f"submission_{n}.csv" for n in study.VARIANTS]
    assert all(c[0] == study.COMPETITION and "seed 0" in c[2] for c in calls)
    assert (m["first_submission_map5"], m["improved_map5"], m["longer_midway_map5"]) == \
        (0.30, 0.45, 0.41)
    assert m["longer_run_midway_gain"] == pytest.approx(0.41 - 0.45)
    assert "not_measured" not in result


def test_run_refuses_a_submission_it_cannot_make_before_training(files, tmp_path, monkeypatch):
    _no_kaggle(monkeypatch, reason="no Kaggle credentials")

    def never(*args, **kwargs):
        raise AssertionError("trained although the submission cannot be made")

    monkeypatch.setattr(study, "train_runs", never)
    with pytest.raises(RuntimeError, match="no Kaggle credentials"):
        study.run(_context(files, tmp_path / "a", submit=True))
    _no_kaggle(monkeypatch)
    with pytest.raises(ValueError, match="whale.predict_test"):
        study.run(_context(files, tmp_path / "b", submit=True, predict_test=False))
