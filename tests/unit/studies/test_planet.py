"""Planet: our F2 / accuracy against scikit-learn, the miniature's layout, the loader."""

import io
import tarfile

import numpy as np
import pytest
from sklearn.metrics import fbeta_score

from hundreddays.demo_mirror import planet as mirror
from hundreddays.loaders.planet import find_layout, load_labels, tag_vocabulary
from hundreddays.runner import Context, Reference
from hundreddays.studies import planet as study


def test_fbeta_samples_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.random((40, 17)) < 0.3
    y[np.arange(40), rng.integers(0, 17, 40)] = True  # every chip has a tag
    probs = np.clip(y * 0.5 + rng.random((40, 17)) * 0.6, 0, 1)
    expected = fbeta_score(y, probs > 0.2, beta=2, average="samples", zero_division=0)
    assert study.fbeta_samples(y, probs) == pytest.approx(expected)
    assert study.fbeta_samples(y, y.astype(float)) == pytest.approx(1.0)
    assert study.accuracy_thresh(y, probs) == pytest.approx(((probs > 0.2) == y).mean())
    table = study.per_tag_table(y, probs, [f"t{i}" for i in range(17)])
    for j in range(17):
        assert table["f2"][j] == pytest.approx(
            fbeta_score(y[:, j], probs[:, j] > 0.2, beta=2, zero_division=0))


def test_hand_example():
    # true {a, b}, predicted {a, c}: tp 1, fn 1, fp 1 -> F2 = 5 / (5 + 4 + 1) = 0.5
    assert study.fbeta_samples([[1, 1, 0]], [[0.9, 0.1, 0.3]]) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    files = mirror.build_files(0, count=60)
    out = tmp_path_factory.mktemp("planet")
    with tarfile.open(fileobj=io.BytesIO(files[mirror.ARCHIVE])) as tar:
        names = tar.getnames()
        tar.extractall(out, filter="data")
    return out, names, files


def test_miniature_layout_and_determinism(sample):
    out, names, files = sample
    assert set(files) == {"planet_sample.tgz"}
    assert all(n == "planet_sample" or n.startswith("planet_sample/") for n in names)
    assert "planet_sample/labels.csv" in names and "planet_sample/train/train_0.jpg" in names
    assert mirror.build_files(0, count=60) == files
    assert mirror.build_files(1, count=60) != files
    assert len(files["planet_sample.tgz"]) < 2_000_000
    table = load_labels(out)
    assert list(table.columns) == ["image_name", "tags", "path"] and len(table) == 60
    assert set(tag_vocabulary(table)) <= set(mirror.TAGS)
    cloudy = table[table["tags"].str.contains("cloudy") & ~table["tags"].str.contains("partly")]
    assert (cloudy["tags"] == "cloudy").all()  # a cloudy chip has no other tag
    assert find_layout(out)[0].name == "labels.csv"


def test_tags_are_visible(sample):
    """Water chips are bluer than others, cloudy chips brighter: the features carry the tags."""
    from PIL import Image
    table = load_labels(sample[0])
    pix = {p: np.asarray(Image.open(p), float) for p in table["path"]}

    def mean(mask, fn):
        return np.mean([fn(pix[p]) for p in table["path"][mask]])
    water = table["tags"].str.contains("water")
    cloudy = table["tags"] == "cloudy"
    blue = lambda a: (a[..., 2] - a[..., 1]).max()  # noqa: E731
    assert mean(water, blue) > mean(~water & ~cloudy, blue) + 20
    assert mean(cloudy, np.mean) > mean(~cloudy, np.mean) + 60


def test_loader_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Planet labels"):
        load_labels(tmp_path)
    base = tmp_path / "planet_sample"
    (base / "train").mkdir(parents=True)
    (base / "labels.csv").write_text("image_name,tags\ntrain_0,clear primary\n")
    with pytest.raises(ValueError, match="labels.csv.*missing"):
        load_labels(tmp_path)
    (base / "labels.csv").write_text("name,tag\nx,y\n")
    with pytest.raises(ValueError, match="missing column"):
        load_labels(tmp_path)


def test_kaggle_layout(tmp_path):
    (tmp_path / "train-jpg").mkdir()
    (tmp_path / "train-jpg" / "train_0.jpg").write_bytes(b"x")
    (tmp_path / "train_v2.csv").write_text("image_name,tags\ntrain_0,haze  primary\n")
    table = load_labels(tmp_path)
    assert table["tags"][0] == "haze primary"


TINY = {"arch": "resnet18", "pretrained": False, "sizes": [16], "lrs": [0.02],
        "frozen_epochs": 1, "unfrozen_epochs": 1, "min_lr": 1e-3, "batch_size": 16,
        "valid_pct": 0.2, "log_every": 0}


def test_run_gives_metrics_table_and_figure(sample, tmp_path):
    out, _, _ = sample
    ctx = Context(study="planet", cfg=TINY, seed=0, inputs={"data": str(out)},
                  workdir=tmp_path, log=lambda text: None)
    result = study.run(ctx)
    m = result["metrics"]
    assert (m["n_train"], m["n_valid"], m["epochs"]) == (48, 12, 2)
    assert m["valid_f2"] == pytest.approx(study.fbeta_samples(result["targets"],
                                                              result["probs"]))
    assert 0 <= m["valid_f2_first_size"] <= 1 and m["seconds_per_epoch_16px"] > 0
    vocab = tag_vocabulary(load_labels(out))
    assert [row["tag"] for row in result["table"]] == vocab == result["vocab"]
    assert list(result["table"][0]) == ["tag", "valid_count", "predicted_count", "precision",
                                        "recall", "f2"]
    assert all(m[f"f2_{row['tag']}"] == row["f2"] for row in result["table"])
    assert sum(row["valid_count"] for row in result["table"]) == result["targets"].sum()
    reference = Reference({"valid_f2": {"reported": 1,
                                        "compare": {"kind": "at_least", "threshold": 0.9}}})
    study.plot(result, tmp_path / "f.png", reference)
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
