"""Extraction refuses members that escape the target; corrupt archives are re-fetched."""

import errno
import gzip
import io
import tarfile
import zipfile

import pytest

from hundreddays.data import extract
from hundreddays.data.extract import (
    CorruptArchiveError,
    UnsafeArchiveError,
    prepare_dataset,
    safe_extract,
)
from hundreddays.data.registry import Dataset, FileSpec


def make_tar(path, members):
    """members: (name, bytes | None, kwargs for TarInfo such as type/linkname)."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data, extra in members:
            info = tarfile.TarInfo(name)
            for key, value in extra.items():
                setattr(info, key, value)
            info.size = len(data or b"")
            tar.addfile(info, io.BytesIO(data or b""))
    return path


OK = ("top/ok.txt", b"fine", {})


@pytest.mark.parametrize("bad", [
    ("../escape.txt", b"x", {}),
    ("top/../../escape.txt", b"x", {}),
    ("/abs/escape.txt", b"x", {}),
    ("top/link", None, {"type": tarfile.SYMTYPE, "linkname": "../../etc/passwd"}),
    ("top/abslink", None, {"type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}),
    ("top/hard", None, {"type": tarfile.LNKTYPE, "linkname": "../outside"}),
    ("top/dev", None, {"type": tarfile.CHRTYPE}),
])
def test_tar_members_escaping_the_target_are_refused_before_writing(tmp_path, bad):
    archive = make_tar(tmp_path / "a.tar.gz", [OK, bad])
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match=r"a\.tar\.gz"):
        safe_extract(archive, target, "tar.gz")
    assert not any(target.rglob("*"))
    assert not (tmp_path / "escape.txt").exists()


def test_links_inside_the_target_are_fine(tmp_path):
    archive = make_tar(tmp_path / "a.tgz", [OK, ("top/l", None, {"type": tarfile.SYMTYPE,
                                                                  "linkname": "ok.txt"})])
    safe_extract(archive, tmp_path / "out", "tgz")
    assert (tmp_path / "out" / "top" / "l").read_bytes() == b"fine"


def test_zip_escape_refused_and_normal_zip_extracts(tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr("../escape.txt", "x")
    with pytest.raises(UnsafeArchiveError, match="escape"):
        safe_extract(bad, tmp_path / "out", "zip")
    assert not (tmp_path / "escape.txt").exists()
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("ml-100k/u.data", "1\t2\t3\t4\n")
    assert [p.name for p in safe_extract(good, tmp_path / "z", "zip")] == ["ml-100k", "u.data"]


def test_single_gz_file_is_decompressed(tmp_path):
    src = tmp_path / "t10k-labels-idx1-ubyte.gz"
    src.write_bytes(gzip.compress(b"\x00\x00\x08\x01payload"))
    safe_extract(src, tmp_path / "out", "gz")
    assert (tmp_path / "out" / "t10k-labels-idx1-ubyte").read_bytes() == b"\x00\x00\x08\x01payload"


def dataset(fmt="tar.gz", name="a.tar.gz", extract=True):
    spec = FileSpec(dataset="toy", name=name, urls=("http://x/a",), size=None, checksum_kind="none",
                    checksum_value=None, checksum_source="t", format=fmt, extract=extract)
    return Dataset(id="toy", title="t", homepage="h", access="public",
                   files={name: spec})


def test_prepare_dataset_extracts_or_links(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    make_tar(raw / "a.tar.gz", [OK])
    prepare_dataset(dataset(), raw, tmp_path / "toy")
    assert (tmp_path / "toy" / "top" / "ok.txt").read_bytes() == b"fine"
    (raw / "big.nt.bz2").write_bytes(b"BZh")
    prepare_dataset(dataset("bz2", "big.nt.bz2", extract=False), raw, tmp_path / "toy2")
    assert (tmp_path / "toy2" / "big.nt.bz2").read_bytes() == b"BZh"


def test_truncated_archive_is_deleted_for_refetch_and_leaves_no_folder(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    whole = make_tar(tmp_path / "whole.tar.gz", [("top/big.bin", bytes(range(256)) * 4000, {}), OK])
    (raw / "a.tar.gz").write_bytes(whole.read_bytes()[:3000])
    with pytest.raises(CorruptArchiveError, match="fetched again"):
        prepare_dataset(dataset(), raw, tmp_path / "toy")
    assert not (raw / "a.tar.gz").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw", "whole.tar.gz"]


def test_a_link_escaping_through_an_earlier_link_is_refused_not_called_corrupt(tmp_path):
    # each link looks inside on paper; only once d/e/s exists does d/e/y point above the target
    archive = make_tar(tmp_path / "a.tar.gz", [
        OK,
        ("d/e/s", None, {"type": tarfile.SYMTYPE, "linkname": "../.."}),
        ("d/e/y", None, {"type": tarfile.SYMTYPE, "linkname": "s/../../.."}),
    ])
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match="d/e/y"):
        safe_extract(archive, target, "tar.gz")
    assert list(target.iterdir()) == []  # what the filter let through first is removed again


@pytest.mark.parametrize("fmt, data", [("gz", b"\x1f\x8b\x08\x00garbage"), ("bz2", b"BZh9junk")])
def test_a_damaged_single_file_is_corrupt(tmp_path, fmt, data):
    src = tmp_path / f"f.{fmt}"
    src.write_bytes(data)
    with pytest.raises(CorruptArchiveError, match=f"f.{fmt}"):
        safe_extract(src, tmp_path / "out", fmt)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_full_disk_is_not_taken_for_a_corrupt_archive(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "f.gz").write_bytes(gzip.compress(b"data"))

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(extract.shutil, "copyfileobj", disk_full)
    with pytest.raises(OSError, match="No space") as err:
        prepare_dataset(dataset("gz", "f.gz"), raw, tmp_path / "toy")
    assert not isinstance(err.value, CorruptArchiveError)
    assert (raw / "f.gz").exists()  # the verified download is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


def make_tar_7z(path, members, tmp_path):
    """A tar (plain) of `members` inside a 7z, as Kaggle's train-jpg.tar.7z."""
    import py7zr

    tar = make_tar(tmp_path / "inner.tar.gz", members)
    plain = tmp_path / "train-jpg.tar"
    with tarfile.open(tar) as src, tarfile.open(plain, "w") as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m) if m.isfile() else None)
    with py7zr.SevenZipFile(path, "w") as z:
        z.write(plain, plain.name)
    return path


def test_tar_inside_7z_extracts_and_is_checked_like_any_tar(tmp_path):
    good = make_tar_7z(tmp_path / "good.tar.7z", [OK], tmp_path)
    written = safe_extract(good, tmp_path / "out", "tar.7z")
    assert (tmp_path / "out" / "top" / "ok.txt").read_bytes() == b"fine"
    assert all(".7z-" not in str(p) for p in written)
    assert not list(tmp_path.glob(".7z-*"))  # scratch folder gone
    bad = make_tar_7z(tmp_path / "bad.tar.7z", [OK, ("../escape.txt", b"x", {})], tmp_path)
    with pytest.raises(UnsafeArchiveError, match=r"bad\.tar\.7z"):
        safe_extract(bad, tmp_path / "out2", "tar.7z")
    assert not any((tmp_path / "out2").rglob("*"))


def test_truncated_7z_is_corrupt(tmp_path):
    good = make_tar_7z(tmp_path / "good.tar.7z", [OK], tmp_path)
    cut = tmp_path / "cut.tar.7z"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(CorruptArchiveError, match="cut.tar.7z"):
        safe_extract(cut, tmp_path / "out", "tar.7z")
    assert not any((tmp_path / "out").rglob("*"))
