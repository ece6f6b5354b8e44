"""Fetching against a local HTTP server on 127.0.0.1: resume, wrong bytes, failover, no network."""

import dataclasses
import gzip
import hashlib
import logging.handlers
import socket

import pooch
import pytest
import yaml
from fetch_helpers import spec_for
from werkzeug import Response

from hundreddays.data.fetch import FetchError, fetch_file

PAYLOAD = bytes(range(256)) * 800  # 200 KiB


def closed_port_url(path="/f.bin"):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def fetch(spec, dest, **kw):
    return fetch_file(spec, dest, progress=False, retries=kw.pop("retries", 1), timeout=5, **kw)


def ranged(request):
    """Serve PAYLOAD honouring a Range: bytes=N- header, as real hosts do."""
    rng = request.headers.get("Range")
    if rng:
        start = int(rng.removeprefix("bytes=").rstrip("-"))
        span = f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}"
        return Response(PAYLOAD[start:], status=206, headers={"Content-Range": span})
    return Response(PAYLOAD)


def test_resume_after_a_run_was_cut(httpserver, tmp_path):
    dest = tmp_path / "raw" / "f.bin"
    dest.parent.mkdir()
    (tmp_path / "raw" / "f.bin.part").write_bytes(PAYLOAD[:50_000])  # left by a killed run
    seen = []
    httpserver.expect_request("/f.bin").respond_with_handler(
        lambda r: seen.append(r.headers.get("Range")) or ranged(r))
    record = fetch(spec_for(PAYLOAD, [httpserver.url_for("/f.bin")]), dest)
    assert seen == ["bytes=50000-"]
    assert dest.read_bytes() == PAYLOAD and not dest.with_name("f.bin.part").exists()
    assert record["sha256"] == hashlib.sha256(PAYLOAD).hexdigest()


def cut_then_ranged(calls, cut_at=70_000, cuts=1):
    """Handler: the first `cuts` answers announce the whole file but drop the connection after
    `cut_at` bytes; later ones honour Range."""
    def handler(request):
        calls.append(request.headers.get("Range"))
        if len(calls) <= cuts:
            return Response(iter([PAYLOAD[:cut_at]]), headers={"Content-Length": str(len(PAYLOAD))})
        return ranged(request)
    return handler


def test_transfer_cut_mid_stream_resumes_with_range(httpserver, tmp_path):
    calls = []
    httpserver.expect_request("/f.bin").respond_with_handler(cut_then_ranged(calls))
    dest = tmp_path / "f.bin"
    fetch(spec_for(PAYLOAD, [httpserver.url_for("/f.bin")]), dest, retries=2)
    assert len(calls) == 2 and calls[0] is None
    start = int(calls[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= 70_000  # the retry asked only for the bytes it did not have
    assert dest.read_bytes() == PAYLOAD


def test_a_run_cut_for_good_keeps_the_part_for_the_next_run(httpserver, tmp_path):
    calls = []
    httpserver.expect_request("/f.bin").respond_with_handler(cut_then_ranged(calls))
    dest = tmp_path / "f.bin"
    spec = spec_for(PAYLOAD, [httpserver.url_for("/f.bin")])
    with pytest.raises(FetchError, match="kept and resumed"):
        fetch(spec, dest, retries=0)
    kept = dest.with_name("f.bin.part").stat().st_size
    assert kept > 0 and not dest.exists()
    fetch(spec, dest, retries=0)
    assert calls == [None, f"bytes={kept}-"] and dest.read_bytes() == PAYLOAD


def test_stale_part_that_does_not_verify_is_fetched_again_from_zero(httpserver, tmp_path):
    dest = tmp_path / "f.bin"
    dest.with_name("f.bin.part").write_bytes(b"\xff" * 50_000)  # left over from other bytes
    seen = []
    httpserver.expect_request("/f.bin").respond_with_handler(
        lambda r: seen.append(r.headers.get("Range")) or ranged(r))
    fetch(spec_for(PAYLOAD, [httpserver.url_for("/f.bin")]), dest)
    assert seen == ["bytes=50000-", None] and dest.read_bytes() == PAYLOAD


def test_wrong_bytes_give_a_clear_error_and_keep_nothing(httpserver, tmp_path):
    httpserver.expect_request("/f.bin").respond_with_data(b"x" * len(PAYLOAD))
    dest = tmp_path / "f.bin"
    with pytest.raises(FetchError, match="sha256 check failed"):
        fetch(spec_for(PAYLOAD, [httpserver.url_for("/f.bin")]), dest)
    assert list(tmp_path.iterdir()) == []


def test_404_on_the_mirror_falls_through_to_upstream(httpserver, tmp_path):
    httpserver.expect_request("/mirror/toy/f.bin").respond_with_data("gone", status=404)
    httpserver.expect_request("/up/f.bin").respond_with_data(PAYLOAD)
    spec = spec_for(PAYLOAD, [httpserver.url_for("/up/f.bin")])
    record = fetch(spec, tmp_path / "f.bin", mirror=httpserver.url_for("/mirror"))
    assert record["source"] == httpserver.url_for("/up/f.bin")
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_pooch_advice_to_its_own_users_is_muted(httpserver, tmp_path):
    httpserver.expect_request("/f.bin").respond_with_data(PAYLOAD)
    heard = logging.handlers.BufferingHandler(100)
    pooch.get_logger().addHandler(heard)
    try:
        fetch(spec_for(PAYLOAD, [httpserver.url_for("/f.bin")]), tmp_path / "f.bin")
    finally:
        pooch.get_logger().removeHandler(heard)
    assert not any("known_hash" in r.getMessage() for r in heard.buffer)


def test_server_errors_are_retried(httpserver, tmp_path):
    httpserver.expect_ordered_request("/f.bin").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/f.bin").respond_with_data(PAYLOAD)
    fetch(spec_for(PAYLOAD, [httpserver.url_for("/f.bin")]), tmp_path / "f.bin", retries=2)
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_no_network_says_what_was_tried_and_where_to_place_the_file(tmp_path):
    urls = [closed_port_url("/a/f.bin"), closed_port_url("/b/f.bin")]
    dest = tmp_path / "raw" / "toy" / "f.bin"
    with pytest.raises(FetchError) as err:
        fetch(spec_for(PAYLOAD, urls), dest, retries=0)
    msg = str(err.value)
    assert "toy/f.bin" in msg and all(u in msg for u in urls)
    assert "connection failed" in msg and f"Place the file by hand at {dest}" in msg
    assert "sha256 " + spec_for(PAYLOAD, urls).checksum_value in msg


def test_folder_mirror_and_manifest_checksum(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "f.bin").write_bytes(b"miniature")
    spec = spec_for(PAYLOAD, [closed_port_url()])  # the registry's checksum is of PAYLOAD
    manifest = {"toy/f.bin": hashlib.sha256(b"miniature").hexdigest()}
    spec = spec.__class__(**{**spec.__dict__, "size": None})
    record = fetch(spec, tmp_path / "f.bin", mirror=str(mirror), manifest=manifest)
    assert record["checksum_kind"] == "manifest" and record["source"].endswith("toy/f.bin")
    with pytest.raises(FetchError):  # without the manifest the miniature is rejected
        fetch(spec, tmp_path / "g.bin", mirror=str(mirror), retries=0)
    with pytest.raises(FetchError, match=f"sha256 {manifest['toy/f.bin']} .from the mirror"):
        fetch(spec, tmp_path / "h.bin", mirror=str(tmp_path / "empty"), manifest=manifest)


def test_unpublished_checksum_is_pinned_then_enforced(httpserver, tmp_path):
    gz = gzip.compress(PAYLOAD, mtime=0)  # the spec's format is gz: checked before pinning
    httpserver.expect_request("/f.bin").respond_with_data(gz)
    spec = spec_for(gz, [httpserver.url_for("/f.bin")], kind="none", size=False)
    lock = tmp_path / "datasets.lock.yaml"
    first = fetch(spec, tmp_path / "a" / "f.bin", lockfile=lock)
    assert first["pinned"] is True
    pinned = yaml.safe_load(lock.read_text())["toy/f.bin"]
    assert pinned["sha256"] == hashlib.sha256(gz).hexdigest()
    assert pinned["size"] == len(gz)
    second = fetch(spec, tmp_path / "b" / "f.bin", lockfile=lock)
    assert second["checksum_kind"] == "lock" and second["pinned"] is True
    httpserver.clear()
    httpserver.expect_request("/f.bin").respond_with_data(b"changed upstream")
    with pytest.raises(FetchError, match="manifest or lock"):
        fetch(spec, tmp_path / "c" / "f.bin", lockfile=lock)


def test_an_html_page_is_not_taken_for_the_file(httpserver, tmp_path):
    httpserver.expect_request("/f.mat").respond_with_data(b"<!DOCTYPE html><html>sign in</html>")
    spec = spec_for(b"", [httpserver.url_for("/f.mat")], kind="none", size=False, fmt="mat")
    lock = tmp_path / "lock.yaml"
    with pytest.raises(FetchError, match="HTML page"):
        fetch(spec, tmp_path / "f.mat", lockfile=lock)
    assert not lock.exists()


def test_a_verified_file_is_not_downloaded_again_and_a_bad_one_is(httpserver, tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(PAYLOAD)
    spec = spec_for(PAYLOAD, [httpserver.url_for("/f.bin")])
    assert fetch(spec, dest)["source"] == "cached"
    assert httpserver.log == []
    dest.write_bytes(b"tampered")
    httpserver.expect_request("/f.bin").respond_with_data(PAYLOAD)
    assert fetch(spec, dest)["source"] == httpserver.url_for("/f.bin")
    assert dest.read_bytes() == PAYLOAD


def test_a_206_from_another_byte_is_not_appended(httpserver, tmp_path):
    dest = tmp_path / "f.bin"
    dest.with_name("f.bin.part").write_bytes(PAYLOAD[:50_000])
    seen = []

    def from_zero_as_206(request):  # a broken server: 206 but the whole file
        seen.append(request.headers.get("Range"))
        span = f"bytes 0-{len(PAYLOAD) - 1}/{len(PAYLOAD)}"
        return Response(PAYLOAD, status=206, headers={"Content-Range": span})

    httpserver.expect_request("/f.bin").respond_with_handler(from_zero_as_206)
    fetch(spec_for(PAYLOAD, [httpserver.url_for("/f.bin")]), dest)
    assert seen == ["bytes=50000-"] and dest.read_bytes() == PAYLOAD  # one request, no re-fetch


def test_the_published_bytes_are_asked_for_not_a_re_encoding(httpserver, tmp_path):
    seen = []
    httpserver.expect_request("/f.bin").respond_with_handler(
        lambda r: seen.append(r.headers.get("Accept-Encoding")) or ranged(r))
    fetch(spec_for(PAYLOAD, [httpserver.url_for("/f.bin")]), tmp_path / "f.bin")
    assert seen == ["identity"]


FAKE_KAGGLE = """#!/bin/sh
# fake kaggle CLI: records its arguments, delivers -f <file> into -p <dir>, zipped for .csv
echo "$@" >> "{calls}"
while [ $# -gt 0 ]; do
  case "$1" in -f) file="$2"; shift;; -p) dir="$2"; shift;; esac; shift
done
file=$(basename "$file")  # a path in the competition's list arrives under its last part
printf 'Image,Id\\nw_1.jpg,w_a\\n' > "$dir/$file"
case "$file" in *.csv) (cd "$dir" && python3 -c "import zipfile,sys; \\
zipfile.ZipFile(sys.argv[1]+'.zip','w').write(sys.argv[1])" "$file" && rm "$file");; esac
"""


def test_kaggle_files_come_through_the_kaggle_cli_and_are_pinned(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    cli = bin_dir / "kaggle"
    cli.write_text(FAKE_KAGGLE.format(calls=calls))
    cli.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    spec = spec_for(b"", ["https://www.kaggle.com/competitions/whales/data"], kind="none",
                    size=False, name="train.csv", fmt="csv")
    lock = tmp_path / "datasets.lock.yaml"
    record = fetch(spec, tmp_path / "raw" / "train.csv", lockfile=lock,
                   kaggle_competition="whales")
    assert record["source"] == "kaggle://whales/train.csv" and record["pinned"] is True
    assert (tmp_path / "raw" / "train.csv").read_text() == "Image,Id\nw_1.jpg,w_a\n"
    assert calls.read_text().split()[:5] == ["competitions", "download", "-c", "whales", "-f"]
    assert "toy/train.csv" in yaml.safe_load(lock.read_text())
    assert not list((tmp_path / "raw").glob(".*"))  # no scratch left


def fake_kaggle(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    cli = bin_dir / "kaggle"
    cli.write_text(FAKE_KAGGLE.format(calls=calls))
    cli.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return calls


def test_kaggle_is_asked_for_the_file_s_path_in_the_competition(tmp_path, monkeypatch):
    """Planet's train_v2.csv is listed as train_v2.csv/train_v2.csv since 2019: -f takes that
    path, and the file is stored under its registry name."""
    calls = fake_kaggle(tmp_path, monkeypatch)
    spec = dataclasses.replace(
        spec_for(b"", ["https://www.kaggle.com/competitions/planet/data"], kind="none",
                 size=False, name="train_v2.csv", fmt="csv"),
        kaggle_file="train_v2.csv/train_v2.csv")
    record = fetch(spec, tmp_path / "raw" / "train_v2.csv", lockfile=tmp_path / "lock.yaml",
                   kaggle_competition="planet")
    assert record["source"] == "kaggle://planet/train_v2.csv/train_v2.csv"
    assert calls.read_text().split()[4:6] == ["-f", "train_v2.csv/train_v2.csv"]
    assert (tmp_path / "raw" / "train_v2.csv").read_text() == "Image,Id\nw_1.jpg,w_a\n"


def test_a_file_kaggle_no_longer_serves_is_asked_for_by_hand(tmp_path, monkeypatch):
    calls = fake_kaggle(tmp_path, monkeypatch)
    spec = dataclasses.replace(
        spec_for(b"", ["https://www.kaggle.com/competitions/planet/data"], kind="none",
                 size=False, name="train-jpg.tar.7z", fmt="tar.7z"), kaggle_cli=False)
    with pytest.raises(FetchError) as info:
        fetch(spec, tmp_path / "raw" / "train-jpg.tar.7z", kaggle_competition="planet")
    text = str(info.value)
    assert "the kaggle CLI: it does not serve this file" in text
    assert "https://www.kaggle.com/competitions/planet/data" in text
    assert f"Place the file by hand at {tmp_path / 'raw' / 'train-jpg.tar.7z'}" in text
    assert not calls.exists()  # the CLI was never asked


def test_kaggle_without_the_cli_says_so_and_where_to_place_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    spec = spec_for(b"", ["https://www.kaggle.com/competitions/whales/data"], kind="none",
                    size=False, name="train.csv", fmt="csv")
    with pytest.raises(FetchError) as info:
        fetch(spec, tmp_path / "raw" / "train.csv", kaggle_competition="whales")
    text = str(info.value)
    assert "kaggle://whales/train.csv" in text and "not installed" in text
    assert str(tmp_path / "raw" / "train.csv") in text
