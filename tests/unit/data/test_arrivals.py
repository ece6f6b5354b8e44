"""One verification for every way a file arrives (download, mirror, by hand, already in place):
the same bad bytes are refused the same way, nothing bad is pinned, and a bad pin can be dropped."""

import gzip
import socket
from pathlib import Path

import pytest
import yaml
from fetch_helpers import spec_for
from real_data import real

from hundreddays.data import lockfile
from hundreddays.data.fetch import FetchError, by_hand_path, fetch_file
from hundreddays.data.registry import load_registry

REPO = Path(__file__).resolve().parents[3]
PAYLOAD = bytes(range(256)) * 40
GOOD_GZ = gzip.compress(PAYLOAD, mtime=0)
WAYS = ["download", "mirror", "by hand", "cached"]


def drive_page() -> Path:
    """What Google Drive answered for elevators.mat (../shared/real-data, read in place)."""
    return real("elevators", "drive-answer-for-elevators.mat.html")


def closed_port_url(path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}{path}"


def arrive(way, data, spec_args, tmp_path, httpserver, lock=None):
    """Make `data` arrive by `way` for a spec built by spec_for(**spec_args); return
    (fetch record or the FetchError, what was logged is in caplog, the paths involved)."""
    data_dir = tmp_path / "data"
    dest = data_dir / "raw" / "toy" / "f.bin"
    urls = [closed_port_url("/up/f.bin")]
    if way == "download":
        httpserver.expect_request("/up/f.bin").respond_with_data(data)
        urls = [httpserver.url_for("/up/f.bin")]
    spec = spec_for(urls=urls, **spec_args)
    mirror = None
    if way == "mirror":
        mirror = tmp_path / "mirror"
        (mirror / "toy").mkdir(parents=True)
        (mirror / "toy" / "f.bin").write_bytes(data)
    by_hand = by_hand_path(data_dir, spec)
    if way == "by hand":
        by_hand.parent.mkdir(parents=True)
        by_hand.write_bytes(data)
    if way == "cached":
        dest.parent.mkdir(parents=True)
        dest.write_bytes(data)
    result = fetch_file(spec, dest, mirror=str(mirror) if mirror else None, lockfile=lock,
                        by_hand=by_hand, progress=False, retries=0, timeout=5)
    return result, dest, by_hand


BAD = {  # bytes, spec arguments, what the refusal says
    "html page": (b"<!DOCTYPE html><html>Download anyway</html>",
                  {"payload": b"", "kind": "none", "size": False, "fmt": "mat"}, "is an HTML page"),
    "html page with a matching checksum": (
        b"<html>quota</html>", {"payload": b"<html>quota</html>", "fmt": "csv"}, "is an HTML page"),
    "short file": (GOOD_GZ[:-1], {"payload": GOOD_GZ}, "size check failed"),
    "other bytes": (bytes(len(GOOD_GZ)), {"payload": GOOD_GZ}, "sha256 check failed"),
    "not a gzip, unpinned": (PAYLOAD, {"payload": b"", "kind": "none", "size": False},
                             "is not a readable gz file"),
    "truncated gzip, unpinned": (GOOD_GZ[:100], {"payload": b"", "kind": "none", "size": False},
                                 "is not a readable gz file"),
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("bad", list(BAD))
def test_every_way_refuses_the_same_bad_bytes(way, bad, tmp_path, httpserver, caplog):
    data, spec_args, says = BAD[bad]
    lock = tmp_path / "datasets.lock.yaml"
    with pytest.raises(FetchError) as err:
        arrive(way, data, spec_args, tmp_path, httpserver, lock)
    assert says in str(err.value) + caplog.text  # a file in place is refused in the log, then
    assert "toy/f.bin" in str(err.value)          # every source is tried
    assert not lock.exists()  # nothing pinned
    dest = tmp_path / "data" / "raw" / "toy" / "f.bin"
    assert not dest.exists() and not dest.with_name("f.bin.part").exists()
    if way == "by hand":  # the user's file is never deleted
        assert by_hand_path(tmp_path / "data", spec_for(b"", [])).read_bytes() == data


@pytest.mark.parametrize("way", WAYS)
def test_every_way_pins_a_file_that_opens_as_its_format(way, tmp_path, httpserver):
    lock = tmp_path / "datasets.lock.yaml"
    record, dest, by_hand = arrive(way, GOOD_GZ, {"payload": b"", "kind": "none", "size": False},
                                   tmp_path, httpserver, lock)
    assert dest.read_bytes() == GOOD_GZ and record["pinned"] is True
    assert yaml.safe_load(lock.read_text())["toy/f.bin"]["sha256"] == record["sha256"]
    expected_source = {"download": httpserver.url_for("/up/f.bin"), "cached": "cached",
                       "mirror": str(tmp_path / "mirror" / "toy" / "f.bin"),
                       "by hand": f"by hand: {by_hand}"}[way]
    assert record["source"] == expected_source
    if way == "by hand":
        assert by_hand.read_bytes() == GOOD_GZ


def test_a_drive_page_saved_as_the_mat_file_is_not_pinned(tmp_path):
    """The issue's case: the warning page saved as data/raw/elevators/elevators.mat."""
    spec = load_registry(REPO / "datasets.yaml")["elevators"].files["elevators.mat"]
    spec = spec.__class__(**{**spec.__dict__, "urls": (closed_port_url("/uc"),)})
    dest = tmp_path / "data" / "raw" / "elevators" / "elevators.mat"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(drive_page().read_bytes())
    lock = tmp_path / "datasets.lock.yaml"
    with pytest.raises(FetchError, match="elevators/elevators.mat"):
        fetch_file(spec, dest, lockfile=lock, by_hand=by_hand_path(tmp_path / "data", spec),
                   progress=False, retries=0, timeout=5)
    assert not lock.exists() and not dest.exists()


def test_an_error_against_a_pin_says_how_to_drop_it_and_the_command_does(tmp_path, httpserver):
    lock = tmp_path / "datasets.lock.yaml"
    lockfile.pin(lock, "toy/f.bin", "0" * 64, 3, "https://example.org/f.bin")
    with pytest.raises(FetchError) as err:
        arrive("by hand", GOOD_GZ, {"payload": b"", "kind": "none", "size": False}, tmp_path,
               httpserver, lock)
    text = str(err.value)
    assert f"pinned in {lock}" in text and "delete the entry 'toy/f.bin'" in text
    command = f"python -m hundreddays.data.lockfile drop toy/f.bin --lockfile {lock}"
    assert command in text
    assert lockfile.main(command.split()[3:]) == 0
    assert "toy/f.bin" not in lockfile.read_lock(lock)
    spec = spec_for(b"", [closed_port_url("/f.bin")], kind="none", size=False)
    data_dir = tmp_path / "data"
    record = fetch_file(spec, data_dir / "raw" / "toy" / "f.bin", lockfile=lock,
                        by_hand=by_hand_path(data_dir, spec), progress=False, retries=0)
    assert record["pinned"] and lockfile.read_lock(lock)["toy/f.bin"]["sha256"] == record["sha256"]


def test_dropping_a_key_that_is_not_pinned_says_what_is(tmp_path, capsys):
    lock = tmp_path / "datasets.lock.yaml"
    lockfile.pin(lock, "toy/a.bin", "0" * 64, 3, "u")
    assert lockfile.main(["drop", "toy/b.bin", "--lockfile", str(lock)]) == 1
    assert "pins no 'toy/b.bin'" in capsys.readouterr().err and "toy/a.bin" in lock.read_text()
