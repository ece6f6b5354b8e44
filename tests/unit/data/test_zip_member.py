"""A file that a URL serves inside a zip (UCI's static/public/2/adult.zip holds adult.data): the zip
is downloaded from a local HTTP server, its one member extracted and verified against the file's
own size and sha256; extract_member on its own."""

import dataclasses
import zipfile
from pathlib import Path

import pytest
from real_data import real

from hundreddays.data.extract import CorruptArchiveError, UnsafeArchiveError, extract_member
from hundreddays.data.fetch import FetchError, fetch_file
from hundreddays.data.registry import load_registry

REPO = Path(__file__).resolve().parents[3]
ADULT = load_registry(REPO / "datasets.yaml")["adult_uci"].files["adult.data"]


def zip_bytes(path, members):
    """The bytes of a zip written at `path` holding {name: bytes}."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path.read_bytes()


def served_adult(httpserver, tmp_path, members):
    """The registry's adult.data with its URLs on `httpserver`: the old file URL answers 404,
    the zip URL serves a zip of `members`."""
    httpserver.expect_request("/ml/machine-learning-databases/adult/adult.data").respond_with_data(
        "Not Found", status=404)
    httpserver.expect_request("/static/public/2/adult.zip").respond_with_data(
        zip_bytes(tmp_path / "adult.zip", members), content_type="application/zip")
    old = httpserver.url_for("/ml/machine-learning-databases/adult/adult.data")
    new = httpserver.url_for("/static/public/2/adult.zip")
    return dataclasses.replace(ADULT, urls=(old, new), zip_members=((new, "adult.data"),))


def fetch(spec, dest):
    return fetch_file(spec, dest, progress=False, retries=0, timeout=5)


def test_the_genuine_adult_data_comes_out_of_uci_s_zip_verified(httpserver, tmp_path):
    genuine = real("adult_uci", "adult.data").read_bytes()
    spec = served_adult(httpserver, tmp_path, {"Index": b"index\n", "adult.data": genuine,
                                               "adult.names": b"names\n"})
    dest = tmp_path / "raw" / "adult.data"
    record = fetch(spec, dest)
    assert dest.read_bytes() == genuine
    assert record["source"] == httpserver.url_for("/static/public/2/adult.zip") + "#adult.data"
    assert record["sha256"] == ADULT.checksum_value and record["size"] == ADULT.size == 3974305
    assert sorted(p.name for p in dest.parent.iterdir()) == ["adult.data"]  # no zip left


def test_a_changed_member_or_a_zip_without_it_is_refused(httpserver, tmp_path):
    genuine = bytearray(real("adult_uci", "adult.data").read_bytes())
    genuine[100] ^= 0x01
    spec = served_adult(httpserver, tmp_path, {"adult.data": bytes(genuine)})
    with pytest.raises(FetchError, match=r"adult\.zip#adult\.data: .*sha256 check failed"):
        fetch(spec, tmp_path / "raw" / "adult.data")
    assert not list((tmp_path / "raw").iterdir())
    httpserver.clear()
    spec = served_adult(httpserver, tmp_path, {"adult.test": b"x"})
    with pytest.raises(FetchError, match=r"no member 'adult\.data' \(members: \['adult\.test'\]"):
        fetch(spec, tmp_path / "raw" / "adult.data")


def test_extract_member_writes_one_member_only(tmp_path):
    archive = tmp_path / "a.zip"
    zip_bytes(archive, {"dir/a.txt": b"a", "b.txt": b"b"})
    extract_member(archive, "dir/a.txt", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_bytes() == b"a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "out.txt"]
    with pytest.raises(ValueError, match="no member 'dir/'"):
        extract_member(archive, "dir/", tmp_path / "d")
    zipfile.ZipFile(tmp_path / "stored.zip", "w").writestr("c.txt", b"c" * 100)
    stored = bytearray((tmp_path / "stored.zip").read_bytes())
    stored[40] ^= 0xFF  # inside the member's uncompressed bytes: its CRC fails
    (tmp_path / "stored.zip").write_bytes(bytes(stored))
    with pytest.raises(CorruptArchiveError, match="stored.zip"):
        extract_member(tmp_path / "stored.zip", "c.txt", tmp_path / "c.txt")
    assert not (tmp_path / "c.txt").exists()
    link = zipfile.ZipInfo("l")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as zf:
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="symlink"):
        extract_member(tmp_path / "link.zip", "l", tmp_path / "l")
