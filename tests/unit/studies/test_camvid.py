"""CamVid study: scores against scikit-learn, the miniature's layout and determinism, loader."""

import io
import tarfile

import numpy as np
import pytest
import torch
from miniatures import extract
from PIL import Image
from sklearn.metrics import confusion_matrix, jaccard_score, recall_score

from hundreddays.demo_mirror import camvid as mirror
from hundreddays.loaders.camvid import load_camvid
from hundreddays.studies import camvid as study


def test_snake_case_class_names():
    assert study.snake("Column_Pole") == "column_pole"
    assert study.snake("SUVPickupTruck") == "suv_pickup_truck"
    assert study.snake("LaneMkgsDriv") == "lane_mkgs_driv"
    assert study.snake("Truck_Bus") == "truck_bus"


def _random_labels(seed, n_classes=6, shape=(3, 20, 30)):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, n_classes, shape)
    pred = np.where(rng.uniform(size=shape) < 0.6, target, rng.integers(0, n_classes, shape))
    return pred, target


def test_scores_match_sklearn_ignoring_void():
    codes, void = ["A", "B", "Void", "C", "D", "Column_Pole"], 2
    pred, target = _random_labels(0)
    conf = study.confusion(torch.tensor(pred), torch.tensor(target), len(codes))
    assert np.array_equal(conf, confusion_matrix(target.ravel(), pred.ravel(), labels=range(6)))
    keep = target.ravel() != void
    t, p = target.ravel()[keep], pred.ravel()[keep]
    labels = [0, 1, 3, 4, 5]
    iou = jaccard_score(t, p, labels=labels, average=None)
    recall = recall_score(t, p, labels=labels, average=None)
    rows = study.class_scores(conf, codes, void)
    assert [r["class"] for r in rows] == ["A", "B", "C", "D", "Column_Pole"]
    assert np.allclose([r["iou"] for r in rows], iou)
    assert np.allclose([r["accuracy"] for r in rows], recall)
    metrics = study.summarize(conf, codes, void)
    assert metrics["pixel_accuracy"] == pytest.approx(np.mean(t == p))
    assert metrics["mean_iou"] == pytest.approx(iou.mean())
    assert metrics["iou_c"] == pytest.approx(iou[2])
    assert metrics["pole_to_mean_iou"] == pytest.approx(iou[4] / iou.mean())


def test_fastai_metric_equals_confusion_pixel_accuracy():
    pred, target = _random_labels(1)
    logits = torch.nn.functional.one_hot(torch.tensor(pred), 6).permute(0, 3, 1, 2).float()
    acc = study.void_accuracy(2)(logits, torch.tensor(target)[:, None])
    conf = study.confusion(torch.tensor(pred), torch.tensor(target), 6)
    codes = ["A", "B", "Void", "C", "D", "Column_Pole"]
    assert float(acc) == pytest.approx(study.summarize(conf, codes, 2)["pixel_accuracy"])


def test_pole_ratio_and_missing_pole():
    codes, void = ["Road", "Column_Pole", "Void"], 2
    conf = np.array([[90, 10, 0], [6, 4, 0], [5, 5, 100]])
    m = study.summarize(conf, codes, void)
    road, pole = 90 / (100 + 96 - 90), 4 / (10 + 14 - 4)
    assert m["pole_to_mean_iou"] == pytest.approx(pole / ((road + pole) / 2))
    conf[1] = 0
    with pytest.raises(ValueError, match="Column_Pole"):
        study.summarize(conf, codes, void)


@pytest.fixture(scope="module")
def archive():
    return mirror.build_files(0)[mirror.FILE]


def test_miniature_is_deterministic_and_small(archive):
    assert archive == mirror.build_files(0)[mirror.FILE]
    assert archive != mirror.build_files(1)[mirror.FILE]
    assert len(archive) < 2_000_000


def test_miniature_layout_and_loader(archive, tmp_path):
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path, filter="data")
    assert all(n == "camvid" or n.startswith("camvid/") for n in names)
    codes = (tmp_path / "camvid/codes.txt").read_text().split()
    assert len(codes) == 32 and codes[8] == "Column_Pole" and codes[30] == "Void"
    data = load_camvid(tmp_path)
    assert len(data.valid) == 8 and all(n.startswith("0016E5_") for n in data.valid)
    mask = np.asarray(Image.open(data.label_path(data.images[0])))
    image = Image.open(data.images[0])
    assert image.mode == "RGB" and mask.shape == image.size[::-1] and mask.max() < 32
    present = set()
    for p in data.images:
        present |= set(np.unique(np.asarray(Image.open(data.label_path(p)))).tolist())
    assert {codes.index(c) for c in ("Sky", "Road", "Building", "Column_Pole", "Void")} <= present
    data.label_path(data.images[1]).unlink()
    with pytest.raises(FileNotFoundError, match="_P.png"):
        load_camvid(tmp_path)


def test_loader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="images"):
        load_camvid(tmp_path)


def test_run_trains_scores_tables_and_plots(tmp_path):
    """The study's entry on a small miniature (tiny encoder, one epoch per stage)."""
    from hundreddays.runner import Context, Reference

    extract(mirror.build_files(0, n_train=8)[mirror.FILE], tmp_path / "data")
    cfg = {"arch": "tiny", "pretrained": False, "size_divisor": 2, "batch_size": 4,
           "augment": False, "weight_decay": 0.01, "lr": 0.01, "frozen_epochs": 1,
           "frozen_pct_start": 0.9, "unfrozen_epochs": 1, "unfrozen_lr_divisors": [400, 4],
           "unfrozen_pct_start": 0.8, "log_every": 0, "figure_images": 1}
    torch.manual_seed(0)
    result = study.run(Context(study="camvid", cfg=cfg, inputs={"data": str(tmp_path / "data")},
                               log=lambda _: None))
    m, table = result["metrics"], result["table"]
    assert [r["iou"] for r in table] == sorted(r["iou"] for r in table)  # weakest first
    assert len(table) == m["n_classes_present"]
    assert list(table[0]) == ["class", "iou", "accuracy", "true_pixels", "predicted_pixels"]
    assert m["mean_iou"] == pytest.approx(np.mean([r["iou"] for r in table]))
    assert 0 <= m["pixel_accuracy"] <= 1 and m["seconds_per_epoch"] > 0
    assert {"frozen_seconds_per_epoch", "unfrozen_seconds_per_epoch", "pole_to_mean_iou"} <= set(m)
    study.plot(result, tmp_path / "f.png", Reference({"pixel_accuracy": {"reported": 0.9}}))
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
