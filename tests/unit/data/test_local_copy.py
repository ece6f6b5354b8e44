"""Local copies: the config's ids and folders, the loaders' layout checks, and the manifest pinned
on first use and checked later, on the genuine 20 Newsgroups corpus and ml-100k (read in place;
changed only in tmp_path copies)."""

import shutil
from pathlib import Path

import pytest
import yaml
from real_data import real

from hundreddays.data.local_copy import (
    LocalCopyError,
    check_config,
    check_layout,
    manifest_path,
    read_manifest,
    report_record,
    verify_local_copy,
)
from hundreddays.report import _dataset_section
from hundreddays.yaml_files import first_error, schema

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("dataset, folder, files", [
    ("newsgroups20", "newsgroups20", 18846),
    ("movielens_100k", "movielens_100k", 23),
])
def test_genuine_folder_is_pinned_then_rechecked_in_place(tmp_path, dataset, folder, files):
    manifest = manifest_path(tmp_path / "datasets.lock.yaml", dataset)
    assert manifest == tmp_path / "local-copies" / f"{dataset}.sha256"
    first = verify_local_copy(dataset, real(folder), manifest)
    assert first["pinned_now"] and first["files"] == files == len(read_manifest(manifest))
    again = verify_local_copy(dataset, real(folder), manifest)
    assert not again["pinned_now"] and again["manifest_sha256"] == first["manifest_sha256"]


@pytest.mark.parametrize("dataset, folder, victim", [
    ("newsgroups20", "newsgroups20", "20news-bydate-test/sci.space/61242"),
    ("movielens_100k", "movielens_100k", "ml-100k/u.data"),
])
def test_one_changed_byte_is_named_with_how_to_repin(tmp_path, dataset, folder, victim):
    copy = tmp_path / "copy"
    shutil.copytree(real(folder), copy)
    manifest = tmp_path / "local-copies" / f"{dataset}.sha256"
    verify_local_copy(dataset, copy, manifest)
    data = bytearray((copy / victim).read_bytes())
    data[len(data) // 2] ^= 0x01
    (copy / victim).write_bytes(bytes(data))
    with pytest.raises(LocalCopyError, match=rf"changed: {copy / victim}.*delete {manifest}"):
        verify_local_copy(dataset, copy, manifest)
    manifest.unlink()  # re-pinned as the message says
    assert verify_local_copy(dataset, copy, manifest)["pinned_now"]


def test_missing_and_added_files_are_named(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(real("movielens_100k"), copy)
    manifest = tmp_path / "m.sha256"
    verify_local_copy("movielens_100k", copy, manifest)
    (copy / "ml-100k" / "u1.test").unlink()
    (copy / "ml-100k" / "notes.txt").write_text("mine")
    with pytest.raises(LocalCopyError, match=r"missing: .*u1\.test; added: .*notes\.txt"):
        verify_local_copy("movielens_100k", copy, manifest)


def test_layout_errors_name_the_folder_and_what_is_missing(tmp_path):
    (tmp_path / "20news-bydate-train").mkdir()
    with pytest.raises(LocalCopyError, match=rf"newsgroups20 at {tmp_path}.*20news-bydate-test"):
        check_layout("newsgroups20", tmp_path)
    with pytest.raises(LocalCopyError, match=r"ml-100k/u\.data"):
        check_layout("movielens_100k", tmp_path)
    with pytest.raises(LocalCopyError, match="adult.data"):
        check_layout("adult_uci", real("movielens_100k"))
    with pytest.raises(LocalCopyError, match=r"local_copies\.ucsd_bgsub: .*no UCSD video"):
        check_layout("ucsd_bgsub", tmp_path / "20news-bydate-train")
    with pytest.raises(LocalCopyError, match="holds no files"):  # an id no study reads
        check_layout("camvid_tiny", tmp_path / "20news-bydate-train")
    check_layout("pets", real("pets"))  # the VGG layout
    check_layout("adult_uci", real("adult_uci"))
    assert not (tmp_path / "local-copies").exists()  # a refused folder pins nothing


def test_config_errors_name_the_key(tmp_path):
    registry = {"newsgroups20": object()}
    with pytest.raises(LocalCopyError, match=r"local_copies\.news20: 'news20' is not a dataset"):
        check_config({"news20": str(tmp_path)}, registry, "data")
    with pytest.raises(LocalCopyError, match=r"local_copies\.newsgroups20: folder .*nope does not"):
        check_config({"newsgroups20": str(tmp_path / "nope")}, registry, "data")
    (tmp_path / "data" / "mine").mkdir(parents=True)
    with pytest.raises(LocalCopyError, match="inside data_dir"):
        check_config({"newsgroups20": str(tmp_path / "data" / "mine")}, registry,
                     str(tmp_path / "data"))
    check_config({"newsgroups20": str(tmp_path)}, registry, str(tmp_path / "data"))


def test_a_garbled_manifest_is_named(tmp_path):
    manifest = tmp_path / "m.sha256"
    manifest.write_text("not a line\n")
    with pytest.raises(LocalCopyError, match=rf"{manifest}, line 1.*delete {manifest}"):
        verify_local_copy("adult_uci", real("adult_uci"), manifest)


def test_report_shows_a_local_copy_with_its_manifest_hash(tmp_path):
    verified = verify_local_copy("adult_uci", real("adult_uci"), tmp_path / "m.sha256")
    lines = "\n".join(_dataset_section([report_record(verified)]))
    assert f"local copy {real('adult_uci')}" in lines
    assert verified["manifest_sha256"] in lines and "1 files" in lines
    assert "Read in place from a local copy" in lines


def test_config_schema_checks_local_copies():
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    assert config["local_copies"] == {}
    config_schema = schema("config.schema.yaml")
    assert first_error(config, config_schema) is None
    config["local_copies"] = {"newsgroups20": ""}
    assert first_error(config, config_schema).startswith("local_copies.newsgroups20")
    config["local_copies"] = ["newsgroups20"]
    assert first_error(config, config_schema).startswith("local_copies")
