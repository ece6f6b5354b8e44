"""Fetch on the publishers' bytes (../shared/real-data, copied only into tmp_path): through a
mirror folder, checked against the whole-file checksums datasets.yaml publishes; one changed byte
is refused with a message that names the dataset and the file."""

import shutil
from pathlib import Path

import pytest
from real_data import real

from hundreddays.data.fetch import FetchError, fetch_file
from hundreddays.data.registry import load_registry

REPO = Path(__file__).resolve().parents[3]
REGISTRY = load_registry(REPO / "datasets.yaml")
GENUINE = [  # (dataset, file, the checksum kind datasets.yaml publishes for it)
    ("mnist", "t10k-images-idx3-ubyte.gz", "md5"),
    ("mnist", "t10k-labels-idx1-ubyte.gz", "md5"),
    ("mnist", "train-labels-idx1-ubyte.gz", "md5"),
    ("adult_uci", "adult.data", "sha256"),
]


def mirror_of(tmp_path, dataset, name, change_byte=None):
    """A mirror folder holding the genuine file (one byte changed at `change_byte`)."""
    mirror = tmp_path / "mirror"
    (mirror / dataset).mkdir(parents=True)
    copy = mirror / dataset / name
    shutil.copyfile(real(dataset, name), copy)
    if change_byte is not None:
        data = bytearray(copy.read_bytes())
        data[change_byte] ^= 0x01
        copy.write_bytes(bytes(data))
    return mirror


def fetch(spec, tmp_path, mirror):
    return fetch_file(spec, tmp_path / "raw" / spec.dataset / spec.name, mirror=str(mirror),
                      lockfile=tmp_path / "datasets.lock.yaml", progress=False, retries=0,
                      timeout=1)


@pytest.mark.parametrize(("dataset", "name", "kind"), GENUINE)
def test_genuine_files_pass_their_published_whole_file_checksum(dataset, name, kind, tmp_path):
    spec = REGISTRY[dataset].files[name]
    assert spec.checksum_kind == kind  # whole-file checksums: the test checks every byte
    record = fetch(spec, tmp_path, mirror_of(tmp_path, dataset, name))
    assert record["checksum_kind"] == kind and record["pinned"] is False
    assert record["source"] == str(tmp_path / "mirror" / dataset / name)
    dest = tmp_path / "raw" / dataset / name
    assert dest.read_bytes() == (real(dataset, name)).read_bytes()
    assert not (tmp_path / "datasets.lock.yaml").exists()


@pytest.mark.parametrize(("dataset", "name", "kind"), GENUINE)
def test_one_changed_byte_is_refused_naming_dataset_and_file(dataset, name, kind, tmp_path):
    spec = REGISTRY[dataset].files[name]
    spec = spec.__class__(**{**spec.__dict__, "urls": ()})  # the mirror only: no network
    middle = (real(dataset, name)).stat().st_size // 2
    mirror = mirror_of(tmp_path, dataset, name, change_byte=middle)
    with pytest.raises(FetchError) as err:
        fetch(spec, tmp_path, mirror)
    text = str(err.value)
    assert f"dataset {dataset}, file {name}" in text and f"{kind} check failed" in text
    assert not (tmp_path / "raw" / dataset / name).exists()
