"""Day 26 study: the adult miniature (layout, determinism), the loader's checks, the splits, and
a tiny fastai run whose per-epoch readings equal separately trained shorter fits."""

import io
import tarfile

import numpy as np
import pandas as pd
import pytest

from hundreddays.demo_mirror import adult as mirror
from hundreddays.loaders.adult import COLUMNS, load_adult
from hundreddays.metrics import table_csv
from hundreddays.runner import Context, Reference
from hundreddays.studies import adult_tabular as study

TINY = {"source": "fastai", "layers": [16, 8], "epochs": 1, "lr": 1e-2, "batch_size": 64,
        "lesson_valid_rows": [80, 120], "valid_pct": 0.25, "sweep_layers": [[16, 8], [8]],
        "sweep_epochs": [1, 2], "log_every": 0}
REFERENCE = Reference({"accuracy": {"reported": 0.84, "compare": {}},
                       "lesson_split_accuracy": {"reported": 0.82, "compare": {}}})


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("adult")
    data = mirror.build_files(0, rows=600)[mirror.FILE]
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == ["adult_sample", "adult_sample/adult.csv"]
        tar.extractall(out, filter="data")
    return out


def test_miniature_is_deterministic_and_seeded():
    assert mirror.build_files(3, rows=200) == mirror.build_files(3, rows=200)
    assert mirror.build_files(3, rows=200) != mirror.build_files(4, rows=200)


def test_miniature_has_the_real_columns_and_conventions(folder):
    text = (folder / "adult_sample" / "adult.csv").read_text()
    assert text.splitlines()[0] == ",".join(COLUMNS)
    df = load_adult(folder)
    assert len(df) == 600 and list(df.columns) == list(COLUMNS)
    assert set(df.salary) == {"<50k", ">=50k"}
    assert df["workclass"].str.startswith(" ").all()  # UCI cells keep their leading space
    assert df["education-num"].isna().any() and df["occupation"].isna().any()
    known = df.dropna(subset=["education-num"])
    order = {name: i + 1 for i, name in enumerate(mirror.EDUCATION)}
    assert (known["education"].str.strip().map(order) == known["education-num"]).all()
    assert 0.1 < (df.salary == ">=50k").mean() < 0.45


def test_loader_names_the_file_when_something_is_wrong(tmp_path, folder):
    with pytest.raises(FileNotFoundError, match="adult.csv"):
        load_adult(tmp_path)
    df = pd.read_csv(folder / "adult_sample" / "adult.csv")
    bad = tmp_path / "adult_sample"
    bad.mkdir()
    df.assign(salary=df.salary.replace("<50k", "low")).to_csv(bad / "adult.csv", index=False)
    with pytest.raises(ValueError, match=r"adult\.csv.*salary"):
        load_adult(tmp_path)
    df.drop(columns="occupation").to_csv(bad / "adult.csv", index=False)
    with pytest.raises(ValueError, match="occupation"):
        load_adult(tmp_path)


def test_splits():
    train, valid = study.lesson_split(1200, [800, 1000])
    assert valid == list(range(800, 1000)) and len(train) == 1000 and 800 not in train
    with pytest.raises(ValueError, match="lesson_valid_rows"):
        study.lesson_split(900, [800, 1000])
    train, valid = study.random_split(1000, 0.2, seed=5)
    assert len(valid) == 200 and sorted(train + valid) == list(range(1000))
    assert study.random_split(1000, 0.2, seed=5) == (train, valid)
    assert study.random_split(1000, 0.2, seed=6)[1] != valid


def test_majority_accuracy_and_sweep_rows():
    df = pd.DataFrame({"salary": ["<50k"] * 6 + [">=50k"] * 4})
    assert study.majority_accuracy(df, [0, 1, 2, 6], [3, 7, 8, 9]) == 0.25
    rows = study.sweep_rows({"[4]": [0.5, 0.6, 0.7]}, [1, 3])
    assert rows == [{"layers": "[4]", "epochs": 1, "accuracy": 0.5},
                    {"layers": "[4]", "epochs": 3, "accuracy": 0.7}]
    assert study.variants({"layers": [8], "sweep_layers": [[4], [8]]}) == [[8], [4]]


def test_tiny_run_reads_epochs_of_one_fit_like_separate_fits(folder, tmp_path):
    df = load_adult(folder)
    lines = []
    result = study.run(Context(study="adult_tabular", cfg=TINY, seed=0,
                               inputs={"data": str(folder)}, log=lines.append))
    m = result["metrics"]
    assert lines[0].startswith("adult (fastai): 600 rows")
    splits = study.random_split(len(df), TINY["valid_pct"], 0)
    alone = study.train_tabular(df, splits, [16, 8], 1, TINY, seed=0)
    assert m["accuracy"] == pytest.approx(alone["accuracy"][0], abs=1e-7)
    best = max(r["accuracy"] for r in result["table"])
    assert m["best_variant_accuracy_gain"] == pytest.approx(best - m["accuracy"])
    assert m["majority_class_accuracy"] < m["best_variant_accuracy"] <= 1  # it learns
    assert m["valid_rows"] == 150 and len(result["table"]) == 4
    assert np.isfinite(m["seconds_per_epoch"]) and 0 < m["lesson_split_accuracy"] <= 1
    assert table_csv(result["table"]).splitlines()[:2] == [
        "layers,epochs,accuracy", f'"[16, 8]",1,{result["table"][0]["accuracy"]:.6g}']
    study.plot(result, tmp_path / "f.png", REFERENCE)
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_on_uci_the_samples_blanks_are_measured(tmp_path):
    """Source uci: the baseline again on the data with fastai's sample's share of emptied cells,
    same split and seed; the change is the measured difference of the two."""
    from hundreddays.demo_mirror import adult_uci

    (tmp_path / "adult.data").write_bytes(adult_uci.build_files(0, rows=400)[adult_uci.FILE])
    cfg = {**TINY, "source": "uci", "sweep_layers": [[16, 8]], "sweep_epochs": [1]}
    result = study.run(Context(study="adult_tabular", cfg=cfg, seed=0,
                               inputs={"data": str(tmp_path)}, log=lambda _: None))
    m = result["metrics"]
    assert m["sample_blanks_accuracy_change"] == pytest.approx(
        m["sample_blanks_accuracy"] - m["accuracy"])
    assert 0 < m["sample_blanks_accuracy"] <= 1


def test_the_samples_own_file_has_no_blanks_measurement(folder):
    result = study.run(Context(study="adult_tabular", cfg=TINY, seed=0,
                               inputs={"data": str(folder)}, log=lambda _: None))
    assert "sample_blanks_accuracy_change" not in result["metrics"]
