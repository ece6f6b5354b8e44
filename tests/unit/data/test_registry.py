import copy

import pytest
import yaml

from hundreddays.data.registry import RegistryError, load_registry

VALID = {"datasets": {"toy": {
    "title": "Toy", "homepage": "https://example.org",
    "files": {
        "a.tgz": {"urls": ["https://example.org/a.tgz"], "size": 10,
                  "checksum": {"kind": "md5", "value": "0" * 32, "source": "test"},
                  "format": "tgz"},
        "w-1234abcd.pth": {"urls": ["https://example.org/w-1234abcd.pth"], "size": None,
                           "checksum": {"kind": "torchhub", "value": "1234abcd", "source": "t"},
                           "format": "pth"},
    }}}}


def write(tmp_path, data):
    path = tmp_path / "datasets.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_valid_registry_loads_with_defaults(tmp_path):
    reg = load_registry(write(tmp_path, VALID))
    a = reg["toy"].files["a.tgz"]
    assert a.key == "toy/a.tgz" and a.extract is True and reg["toy"].access == "public"
    assert reg["toy"].files["w-1234abcd.pth"].extract is False


def test_the_project_registry_loads():
    reg = load_registry("datasets.yaml")
    assert {"mnist", "ucsd_bgsub"} <= set(reg)


def broken(change):
    data = copy.deepcopy(VALID)
    change(data["datasets"]["toy"]["files"])
    return data


@pytest.mark.parametrize("change, key", [
    (lambda f: f["a.tgz"].pop("urls"), "datasets.toy.files.a.tgz"),
    (lambda f: f["a.tgz"]["checksum"].update(kind="crc32"), "checksum.kind"),
    (lambda f: f["a.tgz"]["checksum"].update(value="abc"), "a.tgz.checksum.value"),
    (lambda f: f["a.tgz"]["checksum"].update(kind="fastai") or f["a.tgz"].update(size=None),
     "a.tgz.size"),
    (lambda f: f["w-1234abcd.pth"]["checksum"].update(value="deadbeef"),
     "w-1234abcd.pth.checksum.value"),
    (lambda f: f["a.tgz"]["checksum"].update(kind="none"), "a.tgz.checksum.value"),
    (lambda f: f["w-1234abcd.pth"].update(extract=True), "w-1234abcd.pth.extract"),
    (lambda f: f["a.tgz"].update(kaggle_file="a/a.tgz"), "a.tgz.kaggle_file"),  # not Kaggle's
    (lambda f: f["a.tgz"].update(urls=[{"url": "https://example.org/z.zip"}]), "a.tgz.urls.0"),
])
def test_bad_registry_names_the_key(tmp_path, change, key):
    with pytest.raises(RegistryError, match=key.replace(".", r"\.")) as err:
        load_registry(write(tmp_path, broken(change)))
    assert "datasets.yaml" in str(err.value)


def test_a_zip_member_source_and_kaggle_paths(tmp_path):
    data = copy.deepcopy(VALID)
    data["datasets"]["toy"]["files"]["a.tgz"]["urls"] = [
        "https://example.org/a.tgz", {"url": "https://example.org/z.zip", "member": "a.tgz"}]
    data["datasets"]["kag"] = {"title": "K", "homepage": "https://www.kaggle.com/competitions/k",
                               "access": "kaggle", "files": {
        "t.csv": {**VALID["datasets"]["toy"]["files"]["a.tgz"], "format": "csv",
                  "kaggle_file": "t.csv/t.csv"},
        "i.zip": {**VALID["datasets"]["toy"]["files"]["a.tgz"], "format": "zip",
                  "kaggle_file": None}}}
    reg = load_registry(write(tmp_path, data))
    a = reg["toy"].files["a.tgz"]
    assert a.urls == ("https://example.org/a.tgz", "https://example.org/z.zip")
    assert a.zip_members == (("https://example.org/z.zip", "a.tgz"),)
    assert reg["kag"].files["t.csv"].kaggle_path == "t.csv/t.csv"
    assert reg["kag"].files["i.zip"].kaggle_path is None
