"""requirements.lock against pyproject.toml's pins; environment.txt, the software of a run."""

import hashlib
import sys
from importlib import metadata
from pathlib import Path

import pytest

from hundreddays.environment import (
    LOCK_FILE,
    LockError,
    installed_fingerprint,
    installed_versions,
    lock_differences,
    lock_platform,
    pin_conflicts,
    read_lock,
    read_record,
    record_text,
    report_lines,
)
from hundreddays.published import machine_text
from hundreddays.report import write_report_md

REPO = Path(__file__).resolve().parents[2]
HASH = "--hash=sha256:" + "0" * 64


def test_pyproject_pins_and_the_lock_agree():
    """Fails where a pin of pyproject.toml changed without `make lock`."""
    assert pin_conflicts(REPO / "pyproject.toml", REPO / LOCK_FILE) == []


def test_a_pin_changed_without_make_lock_is_found(tmp_path):
    text = (REPO / "pyproject.toml").read_text()
    assert '"torch==2.14.1"' in text and '"pytest>=8,<10"' in text
    text = text.replace('"torch==2.14.1"', '"torch==2.15.0"').replace(
        '"pytest>=8,<10"', '"pytest>=8,<10", "not-a-locked-package>=1"')
    (tmp_path / "pyproject.toml").write_text(text)
    conflicts = pin_conflicts(tmp_path / "pyproject.toml", REPO / LOCK_FILE)
    assert conflicts == ["torch==2.15.0: requirements.lock has 2.14.1",
                         "not-a-locked-package>=1: pyproject.toml asks for it, requirements.lock "
                         "lacks it"]


def test_the_lock_pins_and_hashes_every_package_for_its_platform():
    locked = read_lock(REPO / LOCK_FILE)
    assert locked["torch"] == "2.14.1" and locked["torchvision"] == "0.29.1"
    assert any(name.startswith("nvidia-") for name in locked)  # the CUDA wheel's own packages
    assert lock_platform(REPO / LOCK_FILE).startswith("Linux x86_64, Python 3.11")


@pytest.mark.parametrize("text, message", [
    ("torch==2.14.1\n", "no --hash for torch"),
    (f"torch>=2 \\\n    {HASH}\n", "line 1: 'torch>=2 .* is not a name==version"),
])
def test_a_loose_or_unhashed_lock_is_refused_naming_the_file(tmp_path, text, message):
    (tmp_path / LOCK_FILE).write_text(text)
    with pytest.raises(LockError, match=f"{LOCK_FILE}.*{message}"):
        read_lock(tmp_path / LOCK_FILE)


def test_lock_differences_name_each_package_once():
    installed = {"a": "1", "b": "2", "c": "3", "hundreddays": "0.1.0", "pip": "26.3"}
    locked = {"a": "1", "b": "2.1", "d": "4"}
    assert lock_differences(installed, locked) == [
        "b: installed 2, the lock has 2.1",
        "c 3: installed, not in the lock",
        "d 4: in the lock, not installed",
    ]


def test_the_record_holds_the_lock_hash_and_every_installed_version(tmp_path):
    lock = tmp_path / LOCK_FILE
    lock.write_text("#\n# for Linux x86_64, Python 3.11; another platform: make lock\n"
                    f"torch==0.0.1 \\\n    {HASH}\n")
    (tmp_path / "environment.txt").write_text(record_text(lock))
    record = read_record(tmp_path / "environment.txt")
    assert record["lock_sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    assert record["lock_for"] == "Linux x86_64, Python 3.11"
    assert record["versions"] == installed_versions()
    assert record["versions"]["torch"] == metadata.version("torch")
    assert f"torch: installed {metadata.version('torch')}, the lock has 0.0.1" in record["differs"]
    assert record["against_lock"] == f"{len(record['differs'])} differences"
    lines = report_lines(record, "environment.txt")
    assert f"sha256 `{record['lock_sha256']}`" in lines[2] and "differs" in lines[2]
    assert f"torch {metadata.version('torch')}" in lines[4]
    assert lines[4].endswith("[`environment.txt`](environment.txt).")


def test_without_a_lock_the_record_says_so(tmp_path):
    (tmp_path / "environment.txt").write_text(record_text(tmp_path / "missing.lock"))
    record = read_record(tmp_path / "environment.txt")
    assert "lock_sha256" not in record and record["against_lock"] == "not checked"
    assert report_lines(record, "environment.txt")[2].startswith("No lock file")
    assert "software: no lock file" in machine_text(["snakemake"], 60.0, _started(), REPO,
                                                    record)


def test_machine_md_and_report_md_name_the_lock(tmp_path):
    (tmp_path / "environment.txt").write_text(record_text(REPO / LOCK_FILE))
    record = read_record(tmp_path / "environment.txt")
    sha = hashlib.sha256((REPO / LOCK_FILE).read_bytes()).hexdigest()
    assert f"- software: requirements.lock sha256 {sha} (made for Linux x86_64" in machine_text(
        ["snakemake"], 60.0, _started(), REPO, record)
    write_report_md(tmp_path / "REPORT.md", [], {}, [], [], "demo",
                    environment=tmp_path / "environment.txt")
    report = (tmp_path / "REPORT.md").read_text()
    assert "## Environment" in report and f"sha256 `{sha}`" in report
    assert "[`environment.txt`](environment.txt)" in report


def test_the_fingerprint_follows_what_is_installed(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    (site / "torch-2.14.1.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(site)])
    before = installed_fingerprint()
    assert installed_fingerprint() == before
    (site / "hundreddays.egg-info").mkdir()  # the project's own: code, not environment
    monkeypatch.setattr(sys, "path", [str(site), str(site)])  # a folder twice on sys.path
    assert installed_fingerprint() == before
    (site / "torch-2.14.1.dist-info").rename(site / "torch-2.14.2.dist-info")
    assert installed_fingerprint() != before


def _started():
    import datetime

    return datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC)
