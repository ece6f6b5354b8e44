import hashlib

import pytest
from fetch_helpers import spec_for

from hundreddays.data.checksums import ChecksumError, verify_file

BIG = bytes(range(256)) * 6000  # > 1 MiB, so fastai's first-MiB md5 differs from the whole md5


@pytest.mark.parametrize("kind", ["sha256", "md5", "fastai", "torchhub"])
def test_each_kind_accepts_the_right_bytes_and_refuses_others(tmp_path, kind):
    good = tmp_path / "good"
    good.write_bytes(BIG)
    spec = spec_for(BIG, ["http://x/f-abc.bin"], kind=kind)
    assert verify_file(good, spec) == hashlib.sha256(BIG).hexdigest()
    bad = tmp_path / "bad"
    bad.write_bytes(BIG[:-1] + b"\x00")
    if kind == "fastai":  # only the first MiB and the size are checked, as fastai does
        verify_file(bad, spec)
        bad.write_bytes(b"\xff" + BIG[1:])
    with pytest.raises(ChecksumError, match=f"toy/f.bin.*{kind}"):
        verify_file(bad, spec)


def test_fastai_does_not_accept_a_whole_file_md5(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(BIG)
    whole = hashlib.md5(BIG).hexdigest()
    with pytest.raises(ChecksumError, match="first MiB"):
        verify_file(path, spec_for(BIG, ["http://x/f"], kind="fastai", value=whole))


def test_size_mismatch_is_reported(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    spec = spec_for(b"abcd", ["http://x/f"], kind="sha256")
    with pytest.raises(ChecksumError, match="size.*4 bytes.*3 bytes"):
        verify_file(path, spec)


def test_expected_sha256_replaces_the_registry_value(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"mini")
    spec = spec_for(b"the real bytes", ["http://x/f"], kind="md5", size=False)
    sha = hashlib.sha256(b"mini").hexdigest()
    assert verify_file(path, spec, expected_sha256=sha) == sha
    with pytest.raises(ChecksumError, match="manifest or lock"):
        verify_file(path, spec, expected_sha256="0" * 64)
