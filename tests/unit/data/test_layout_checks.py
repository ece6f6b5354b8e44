"""Every dataset a study reads can be a local copy, and each is checked by its loader's own
check_layout before anything is pinned: its demo miniature, extracted as prepare_dataset does,
passes; a folder laid out otherwise is refused naming the config key, the folder, what is
missing, what the folder should hold and, where the check can tell, the other packaging it is;
nothing is pinned."""

import importlib
import re
from pathlib import Path

import pytest
from local_copy_layouts import WRONG, make

from hundreddays.data.extract import prepare_dataset
from hundreddays.data.local_copy import (
    LAYOUT_CHECKS,
    LocalCopyError,
    check_layout,
    verify_local_copies,
)
from hundreddays.data.registry import load_registry
from hundreddays.demo_mirror.build import BUILDERS
from hundreddays.study_table import load_studies

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = load_registry(ROOT / "datasets.yaml")
READ_BY_STUDIES = sorted({i for row in load_studies(ROOT / "studies.yaml").values()
                          for i in row.registry_ids})
HTML = b"<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head>"
# hand-made layouts of the ids that have no demo miniature
BY_HAND = {
    "planet_kaggle": {"train_v2.csv": b"image_name,tags\ntrain_0,clear\n",
                      "train-jpg/train_0.jpg": b"x"},
    "wt103_fwd": {"models/fwd_wt103.pth": b"x", "models/itos_wt103.pkl": b"x"},
    "resnet34_imagenet": {"resnet34-b627a593.pth": b"x"},
    "resnet50_imagenet": {"resnet50-0676ba61.pth": b"x"},
}


def test_every_id_a_study_reads_has_its_loaders_check():
    assert set(READ_BY_STUDIES) <= set(LAYOUT_CHECKS) <= set(REGISTRY)
    for module, function in LAYOUT_CHECKS.values():
        assert callable(getattr(importlib.import_module(f"hundreddays.loaders.{module}"),
                                function))
    assert sorted(WRONG) == READ_BY_STUDIES  # each is tried below
    assert set(BY_HAND) | set(BUILDERS) >= set(READ_BY_STUDIES)


@pytest.mark.parametrize("dataset", READ_BY_STUDIES)
def test_the_layout_the_loader_reads_passes(tmp_path, dataset):
    """The demo miniature as prepare_dataset extracts it (the layout of the publisher's archive),
    or, for an id with no miniature, the files its reader opens."""
    folder = tmp_path / dataset
    if dataset in BUILDERS:
        raw = make(tmp_path / "raw", BUILDERS[dataset](0))
        prepare_dataset(REGISTRY[dataset], raw, folder)
    else:
        make(folder, BY_HAND[dataset])
    check_layout(dataset, folder)


@pytest.mark.parametrize("dataset", sorted(WRONG))
def test_a_wrong_layout_is_refused_naming_key_folder_what_is_missing_and_pins_nothing(
        tmp_path, dataset):
    files, missing, other = WRONG[dataset]
    folder = make(tmp_path / "copy", files)
    lock = tmp_path / "datasets.lock.yaml"
    with pytest.raises(LocalCopyError) as err:
        verify_local_copies({dataset: folder}, lock)
    said = str(err.value)
    assert said.startswith(f"config local_copies.{dataset}: the local copy of {dataset} at "
                           f"{folder} is not the layout its loader reads")
    assert "nothing was pinned" in said and "the folder should hold" in said
    assert re.search(missing, said), said
    if other is not None:
        assert re.search(f"It looks like .*{other}", said), said
    assert not (tmp_path / "local-copies").exists()


def test_an_html_page_saved_as_elevators_mat_is_refused(tmp_path):
    folder = make(tmp_path / "copy", {"elevators.mat": HTML})
    with pytest.raises(LocalCopyError, match=r"local_copies\.elevators: .*an HTML page"):
        verify_local_copies({"elevators": folder}, tmp_path / "datasets.lock.yaml")


def test_every_refused_copy_is_named_at_once_and_none_is_pinned(tmp_path):
    good = tmp_path / "adult_uci"
    make(good, {"adult.data": b"39, State-gov, 77516\n"})
    copies = {"adult_uci": good, "camvid": make(tmp_path / "camvid", WRONG["camvid"][0]),
              "mnist": make(tmp_path / "mnist", WRONG["mnist"][0])}
    with pytest.raises(LocalCopyError) as err:
        verify_local_copies(copies, tmp_path / "datasets.lock.yaml")
    lines = str(err.value).splitlines()
    assert lines[0] == "2 local copies refused:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "config local_copies.camvid", "config local_copies.mnist"]
    assert not (tmp_path / "local-copies").exists()  # not even the good one
    verified = verify_local_copies({"adult_uci": good}, tmp_path / "datasets.lock.yaml")
    assert verified["adult_uci"]["pinned_now"]
    assert (tmp_path / "local-copies" / "adult_uci.sha256").is_file()


def test_the_readme_says_what_each_folder_must_hold():
    """README's table of local copies has a row for every id with a check, and no other."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("What each local copy's folder must hold", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1] for line in table.splitlines()[2:]]
    assert sorted(i for cell in rows for i in re.findall(r"`(\w+)`", cell)) == sorted(
        LAYOUT_CHECKS)
