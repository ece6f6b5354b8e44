"""The format check a file passes before it is pinned: each registry format, good and bad bytes."""

import bz2
import gzip
import io
import pickle
import tarfile
import zipfile

import numpy as np
import pytest
import scipy.io
import yaml
from fetch_helpers import spec_for

from hundreddays.data.formats import OPENERS, FormatError, check_format


def mat_bytes():
    buf = io.BytesIO()
    scipy.io.savemat(buf, {"data": np.eye(3)})
    return buf.getvalue()


def tar_bytes(compression="gz"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=f"w:{compression}") as tar:
        info = tarfile.TarInfo("a.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    return buf.getvalue()


def zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "abc")
    return buf.getvalue()


GZ = gzip.compress(bytes(range(256)) * 400, mtime=0)
GOOD = {
    "mat": mat_bytes(), "gz": GZ, "bz2": bz2.compress(b"abc" * 1000), "zip": zip_bytes(),
    "tar.gz": tar_bytes(), "tgz": tar_bytes(), "tar.bz2": tar_bytes("bz2"),
    "tar.xz": tar_bytes("xz"), "tar.7z": b"7z\xbc\xaf\x27\x1c" + bytes(30),
    "pth": zip_bytes(), "pkl": pickle.dumps(["a", "b"], protocol=2), "csv": b"a,b\n1,2\n",
    "text": b"plain words\n",
}
BAD = {
    "mat": b"MATLAB? no, a note", "gz": GZ[: len(GZ) // 2], "bz2": b"BZh9 cut",
    "zip": zip_bytes()[:-30], "tar.gz": tar_bytes()[:40], "tgz": GZ,
    "tar.bz2": tar_bytes("bz2")[:50], "tar.xz": tar_bytes("xz")[:50], "tar.7z": b"PK\x03\x04",
    "pth": b"not torch",
    "pkl": b"(lp0\n", "csv": b"a,b\n\x00\x00", "text": b"\x00\x01\x02",
}


@pytest.mark.parametrize("fmt", sorted(GOOD))
def test_a_good_file_passes_and_a_bad_one_is_refused_naming_it(fmt, tmp_path):
    spec = spec_for(b"", [], kind="none", size=False, fmt=fmt)
    path = tmp_path / f"f.{fmt}"
    path.write_bytes(GOOD[fmt])
    check_format(path, spec)
    path.write_bytes(BAD[fmt])
    with pytest.raises(FormatError, match=f"toy/f.bin: {path} is not a readable {fmt} file"):
        check_format(path, spec)


def test_every_registry_format_has_a_check():
    from importlib.resources import files

    schema_file = files("hundreddays") / "schemas" / "datasets.schema.yaml"
    schema = yaml.safe_load(schema_file.read_text(encoding="utf-8"))
    enum = set(_find_enum(schema, "format"))
    assert enum and enum <= set(OPENERS) and enum <= set(GOOD)


def _find_enum(node, key):
    if isinstance(node, dict):
        if key in node and isinstance(node[key], dict) and "enum" in node[key]:
            return node[key]["enum"]
        for value in node.values():
            if found := _find_enum(value, key):
                return found
    return None


@pytest.mark.parametrize("fmt", ["gz", "tar.gz"])
def test_a_large_file_is_checked_at_its_start_only(fmt, tmp_path, monkeypatch):
    import hundreddays.data.formats as formats

    noise = np.random.default_rng(0).bytes(3 << 20)  # incompressible: the cut lands late in it
    if fmt == "gz":
        whole = gzip.compress(noise, mtime=0)
    else:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            info = tarfile.TarInfo("noise.bin")
            info.size = len(noise)
            tar.addfile(info, io.BytesIO(noise))
        whole = buf.getvalue()
    spec = spec_for(b"", [], kind="none", size=False, fmt=fmt)
    path = tmp_path / "cut"
    path.write_bytes(whole[: len(whole) * 4 // 5])
    with pytest.raises(FormatError):
        check_format(path, spec)
    monkeypatch.setattr(formats, "READ_THROUGH_LIMIT", 10)
    check_format(path, spec)  # the start is sound: a large file is not read to its end
