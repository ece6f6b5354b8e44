"""pets (day 16): the miniature archive's layout, the loader, and the study's measurements."""

import io
import re
import tarfile

import numpy as np
import pytest
from miniatures import extract
from PIL import Image

from hundreddays.demo_mirror import pets as mirror
from hundreddays.loaders.pets import LABEL_PATTERN, breed_of, is_cat, list_images
from hundreddays.studies import pets as study


@pytest.fixture(scope="module")
def archive():
    return mirror.build_files(seed=0)["oxford-iiit-pet.tgz"]


@pytest.fixture(scope="module")
def extracted(archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("pets")
    extract(archive, out)
    return out


def test_archive_is_deterministic_small_and_seeded(archive):
    assert mirror.build_files(seed=0)["oxford-iiit-pet.tgz"] == archive
    assert mirror.build_files(seed=1)["oxford-iiit-pet.tgz"] != archive
    assert len(archive) < 2_000_000


def test_archive_has_fastai_layout(archive):
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        names = tar.getnames()
    assert all(n == "oxford-iiit-pet" or n.startswith("oxford-iiit-pet/") for n in names)
    images = [n for n in names if n.startswith("oxford-iiit-pet/images/")]
    assert all(re.fullmatch(r"oxford-iiit-pet/images/[A-Za-z_]+_\d+\.jpg", n) for n in images)
    for member in ("list.txt", "trainval.txt", "test.txt"):
        assert f"oxford-iiit-pet/annotations/{member}" in names


def test_loader_finds_37_real_breeds_split_by_case(extracted):
    files = list_images(extracted)
    assert files == sorted(files)
    breeds = {breed_of(f) for f in files}
    assert len(breeds) == 37
    assert sum(is_cat(b) for b in breeds) == 12  # the VGG paper: 12 cat, 25 dog breeds
    assert {"Abyssinian", "Sphynx", "american_pit_bull_terrier", "yorkshire_terrier"} <= breeds
    with Image.open(files[0]) as image:
        assert image.format == "JPEG" and image.mode == "RGB"


def test_annotation_list_agrees_with_file_names(extracted):
    rows = [line.split() for line in
            (extracted / "oxford-iiit-pet/annotations/list.txt").read_text().splitlines()
            if not line.startswith("#")]
    assert len(rows) == len(list_images(extracted))
    for name, _, species, *_ in rows:
        assert (species == "1") == is_cat(breed_of(f"{name}.jpg"))


def test_loader_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="images"):
        list_images(tmp_path)
    (tmp_path / "oxford-iiit-pet/images").mkdir(parents=True)
    (tmp_path / "oxford-iiit-pet/images/noindex.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match="noindex.jpg"):
        list_images(tmp_path)


def test_label_regex_is_the_lessons():
    assert re.match(LABEL_PATTERN, "great_pyrenees_173.jpg").group(1) == "great_pyrenees"
    assert re.match(LABEL_PATTERN, "British_Shorthair_2.jpg").group(1) == "British_Shorthair"
    assert breed_of("/x/y/Maine_Coon_10.jpg") == "Maine_Coon"


def test_classes_are_learnable_colours():
    """Each breed a distinct (animal, background) colour pair: the demo is not chance."""
    pairs = {mirror.breed_colour(i) for i in range(37)}
    assert len(pairs) == 37


def test_seeded_split_has_valid_pct_and_depends_on_seed(extracted):
    files = list_images(extracted)
    a = study.split_names(files, 0.2, seed=3)
    assert a == study.split_names(files, 0.2, seed=3)
    assert a != study.split_names(files, 0.2, seed=4)
    assert len(a) == int(0.2 * len(files))
    assert set(a) <= {f.name for f in files}


def test_group_accuracy_matches_hand_count():
    vocab = ["Bengal", "beagle", "pug"]
    targets = np.array([0, 0, 1, 2, 2, 1])
    preds = np.array([0, 1, 1, 2, 0, 1])
    got = study.group_accuracy(preds, targets, vocab)
    assert got["accuracy"] == pytest.approx(4 / 6)
    assert got["cat_breed_accuracy"] == pytest.approx(1 / 2)
    assert got["dog_breed_accuracy"] == pytest.approx(3 / 4)
    assert (got["valid_cats"], got["valid_dogs"]) == (2, 4)


def test_lr_finder_ratio_uses_the_plotted_curve():
    losses = np.array([1.0, 0.9, 0.5, 0.6, 0.9, 5.0, 9.0])
    assert study.lr_finder_ratio(losses, skip_end=2) == pytest.approx(0.9 / 0.5)
    assert study.lr_finder_ratio(losses, skip_end=0) == pytest.approx(9.0 / 0.5)
    with pytest.raises(ValueError):
        study.lr_finder_ratio(losses[:2], skip_end=2)


def test_run_trains_writes_model_and_recipe_and_plots(tmp_path):
    """The study's entry on a 2-images-per-breed miniature: metrics, the two outputs that
    onnx_export reads, and the figure."""
    import json

    import torch

    from hundreddays.runner import Context, Reference

    archive = mirror.build_files(seed=0, per_breed=2)["oxford-iiit-pet.tgz"]
    extract(archive, tmp_path / "data")
    cfg = {"arch": "resnet18", "pretrained": False, "item_size": 40, "size": 32, "bs": 32,
           "valid_pct": 0.2, "frozen_epochs": 1, "frozen_lr": 0.01, "unfrozen_epochs": 1,
           "unfrozen_lr_min": 0.001, "unfrozen_lr_max": 0.01, "lr_find_start": 1e-7,
           "lr_find_end": 10.0, "lr_find_iterations": 6, "lr_plot_skip_end": 2, "log_every": 0}
    outputs = {"model": str(tmp_path / "model.pth"), "recipe": str(tmp_path / "model.json")}
    torch.manual_seed(0)
    result = study.run(Context(study="pets", cfg=cfg, inputs={"data": str(tmp_path / "data")},
                               outputs=outputs, workdir=tmp_path / "work", log=lambda _: None))
    m = result["metrics"]
    assert m["classes"] == 37 and m["valid_images"] == int(0.2 * 74)
    assert m["train_images"] + m["valid_images"] == 74
    assert m["error_rate"] == pytest.approx(1 - m["accuracy"])
    assert {"error_rate_epoch_1", "error_rate_epoch_2"} <= set(m)
    assert "error_rate_epoch_3" not in m and m["lr_finder_end_to_min_loss_ratio"] >= 1
    last = result["history"][-1]  # train_loss, valid_loss, error_rate, accuracy
    assert m["unfrozen_final_train_to_valid_loss"] == pytest.approx(last[0] / last[1])
    recipe = json.loads((tmp_path / "model.json").read_text())
    assert recipe["valid_files"] == study.split_names(list_images(tmp_path / "data"), 0.2, 0)
    state = torch.load(tmp_path / "model.pth", weights_only=True)
    assert state["1.8.weight"].shape == (37, 512)  # the head's last layer: 37 breeds
    assert "learn" not in result
    study.plot(result, tmp_path / "f.png", Reference({"error_rate": {"reported": 0.049}}))
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
