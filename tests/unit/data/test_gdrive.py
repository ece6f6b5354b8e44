"""Google Drive's "can't scan this file for viruses" page: its form is read and followed, and the
file behind it is verified and pinned; a Drive page with no form is a clear error."""

import dataclasses
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import scipy.io
import yaml
from real_data import real

from hundreddays.data.fetch import FetchError, by_hand_path, fetch_file
from hundreddays.data.gdrive import DriveError, confirmed_url
from hundreddays.data.registry import load_registry

REPO = Path(__file__).resolve().parents[3]
FILE_ID = "1jhWL3YUHvXIaftia4qeAyDwVxo6j1alk"
UUID = "842bb860-9aaf-425a-b0a5-9a0db64a4718"
NEW_LAYOUT = """<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head>
<body><form id="download-form" action="https://drive.usercontent.google.com/download" method="get">
<input type="submit" value="Download anyway"/><input type="hidden" name="id" value="abc">
<input type="hidden" name="export" value="download"><input type="hidden" name="confirm" value="t">
<input type="hidden" name="uuid" value="u-1"></form></body></html>"""
NO_FORM = """<!DOCTYPE html><html><head><title>Google Drive - Quota exceeded</title></head><body>
<p>Too many users have viewed or downloaded this file recently.</p></body></html>"""


def drive_page() -> Path:
    """What Google Drive answered for elevators.mat (../shared/real-data, read in place)."""
    return real("elevators", "drive-answer-for-elevators.mat.html")


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_the_genuine_page_gives_the_confirmed_url():
    url = confirmed_url(drive_page().read_text(encoding="utf-8"),
                        f"https://drive.google.com/uc?export=download&id={FILE_ID}")
    assert url.startswith("https://drive.google.com/uc?")
    assert query(url) == {"export": "download", "id": FILE_ID, "confirm": "t", "uuid": UUID}


def test_the_newer_layout_carries_the_confirmation_in_hidden_inputs():
    url = confirmed_url(NEW_LAYOUT, "https://drive.google.com/uc?export=download&id=abc")
    assert url.startswith("https://drive.usercontent.google.com/download?")
    assert query(url) == {"id": "abc", "export": "download", "confirm": "t", "uuid": "u-1"}


def test_a_drive_page_without_a_form_is_a_clear_error():
    with pytest.raises(DriveError, match="Quota exceeded.*no download form"):
        confirmed_url(NO_FORM, "https://drive.google.com/uc?id=abc")


def test_a_page_from_elsewhere_is_left_to_the_html_refusal():
    assert confirmed_url("<html><title>Sign in</title></html>", "https://example.org/f") is None


def elevators_via(server, tmp_path, page: str):
    """The registry's elevators.mat with its Drive URL pointed at `server`, which answers it with
    `page` (its form action on `server`)."""
    spec = load_registry(REPO / "datasets.yaml")["elevators"].files["elevators.mat"]
    path = urlsplit(spec.urls[0])
    server.expect_request(path.path, query_string=path.query).respond_with_data(
        page.replace("https://drive.google.com/", server.url_for("/")), content_type="text/html")
    spec = dataclasses.replace(spec, urls=(server.url_for(path.path) + "?" + path.query,))
    data_dir = tmp_path / "data"
    dest = data_dir / "raw" / "elevators" / "elevators.mat"
    return spec, dest, by_hand_path(data_dir, spec)


def test_elevators_through_a_drive_like_server_ends_verified_pinned_and_loadable(httpserver,
                                                                                 tmp_path):
    rows = np.arange(60, dtype=float).reshape(20, 3)
    mat = tmp_path / "served.mat"
    scipy.io.savemat(mat, {"data": rows})
    spec, dest, by_hand = elevators_via(httpserver, tmp_path, drive_page().read_text("utf-8"))
    httpserver.expect_request("/uc", query_string={"export": "download", "id": FILE_ID,
                                                   "confirm": "t", "uuid": UUID}
                              ).respond_with_data(mat.read_bytes())
    lock = tmp_path / "datasets.lock.yaml"
    record = fetch_file(spec, dest, lockfile=lock, by_hand=by_hand, progress=False, retries=0,
                        timeout=5)
    assert [q.query_string.decode() for q, _ in httpserver.log] == [
        f"export=download&id={FILE_ID}",
        f"export=download&id={FILE_ID}&confirm=t&uuid={UUID}"]
    assert record["pinned"] is True and record["source"] == spec.urls[0]
    assert yaml.safe_load(lock.read_text())["elevators/elevators.mat"]["sha256"] == record["sha256"]
    np.testing.assert_array_equal(scipy.io.loadmat(dest)["data"], rows)


def test_a_confirmation_that_answers_another_page_is_refused_and_not_pinned(httpserver, tmp_path):
    spec, dest, by_hand = elevators_via(httpserver, tmp_path, drive_page().read_text("utf-8"))
    httpserver.expect_request("/uc").respond_with_data("<!DOCTYPE html><html>again</html>")
    lock = tmp_path / "datasets.lock.yaml"
    with pytest.raises(FetchError, match="HTML page"):
        fetch_file(spec, dest, lockfile=lock, by_hand=by_hand, progress=False, retries=0)
    assert not lock.exists() and not dest.exists()


def test_a_drive_page_without_a_form_fails_the_fetch_with_the_reason(httpserver, tmp_path):
    spec, dest, by_hand = elevators_via(httpserver, tmp_path, NO_FORM)
    with pytest.raises(FetchError) as err:
        fetch_file(spec, dest, lockfile=tmp_path / "lock.yaml", by_hand=by_hand, progress=False,
                   retries=0)
    text = str(err.value)
    assert "Quota exceeded" in text and "no download form" in text
    assert f"Place the file by hand at {by_hand}" in text
