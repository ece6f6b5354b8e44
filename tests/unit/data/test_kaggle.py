"""Kaggle access through the CLI, with a fake `kaggle` executable (no network)."""

import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from hundreddays.data import kaggle

FAKE = r'''#!{python}
import json, os, sys, zipfile
from pathlib import Path
log = Path(os.environ["FAKE_KAGGLE_LOG"])
with log.open("a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
args = sys.argv[1:]
if args[:2] == ["competitions", "download"]:
    name, folder = args[args.index("-f") + 1], Path(args[args.index("-p") + 1])
    if name.endswith(".csv"):
        with zipfile.ZipFile(folder / (name + ".zip"), "w") as zf:
            zf.writestr(name, "Image,Id\na.jpg,w_1\n")
    elif name == "missing.bin":
        (folder / "other.txt").write_text("x")
    else:
        (folder / name).write_bytes(b"PK-raw-" + name.encode())
elif args[:2] == ["competitions", "submissions"]:
    counter = log.with_suffix(".polls")
    polls = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(polls + 1))
    score = "0.4561" if polls >= 1 else ""
    status = "SubmissionStatus.COMPLETE" if polls >= 1 else "SubmissionStatus.PENDING"
    print("Warning: your CLI is old")
    print("fileName,date,description,status,publicScore,privateScore")
    print(f"sub.csv,2026-01-02 10:00:00,day 22,{{status}},{{score}},")
    print("sub.csv,2026-01-01 10:00:00,day 17,SubmissionStatus.COMPLETE,0.284,0.27")
elif args[:2] == ["competitions", "submit"]:
    print("Successfully submitted")
elif args[:1] == ["fail"]:
    print("401 Unauthorized", file=sys.stderr)
    sys.exit(1)
'''


@pytest.fixture
def fake_cli(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "kaggle"
    exe.write_text(FAKE.format(python=sys.executable))
    exe.chmod(0o755)
    log = tmp_path / "argv.log"
    monkeypatch.setenv("FAKE_KAGGLE_LOG", str(log))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()]
    return calls


def test_credentials_from_env_or_files(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    assert not kaggle.credentials_present({}, home)
    assert not kaggle.credentials_present({"KAGGLE_USERNAME": "me"}, home)
    assert kaggle.credentials_present({"KAGGLE_USERNAME": "me", "KAGGLE_KEY": "k"}, home)
    (home / ".kaggle").mkdir()
    (home / ".kaggle" / "kaggle.json").write_text('{"username": "me", "key": "k"}')
    assert kaggle.credentials_present({}, home)
    other = tmp_path / "cfg"
    other.mkdir()
    assert not kaggle.credentials_present({"KAGGLE_CONFIG_DIR": str(other)}, tmp_path / "nohome")
    (other / "kaggle.json").write_text("{}")
    assert kaggle.credentials_present({"KAGGLE_CONFIG_DIR": str(other)}, tmp_path / "nohome")


def test_not_run_reason(tmp_path, fake_cli):
    env = {"PATH": os.environ["PATH"]}
    assert kaggle.not_run_reason(env, tmp_path) == kaggle.NO_CREDENTIALS
    env.update(KAGGLE_USERNAME="me", KAGGLE_KEY="k")
    assert kaggle.not_run_reason(env, tmp_path) is None
    assert kaggle.not_run_reason({**env, "PATH": str(tmp_path)}, tmp_path) == kaggle.NO_CLI


def test_module_does_not_import_the_kaggle_package():
    source = Path(kaggle.__file__).read_text()
    assert "import kaggle" not in source and "from kaggle" not in source


def test_download_unzips_a_zipped_csv(tmp_path, fake_cli):
    dest = kaggle.download("humpback-whale-identification", "train.csv", tmp_path / "d" /
                           "train.csv")
    assert dest.read_text() == "Image,Id\na.jpg,w_1\n"
    assert fake_cli()[0][:5] == ["competitions", "download", "-c",
                                 "humpback-whale-identification", "-f"]
    assert fake_cli()[0][5] == "train.csv" and fake_cli()[0][6] == "-p"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["train.csv"]  # no temporaries


def test_download_keeps_a_zip_as_delivered(tmp_path, fake_cli):
    dest = kaggle.download("humpback-whale-identification", "train.zip", tmp_path / "train.zip")
    assert dest.read_bytes() == b"PK-raw-train.zip"


def test_download_errors_name_the_file(tmp_path, fake_cli):
    with pytest.raises(RuntimeError, match="missing.bin"):
        kaggle.download("c", "missing.bin", tmp_path / "missing.bin")
    assert not (tmp_path / "missing.bin").exists()
    with pytest.raises(RuntimeError, match="401 Unauthorized"):
        kaggle._run(["fail"], "kaggle", 10)


def test_submit_and_poll_score(tmp_path, fake_cli):
    sub = tmp_path / "sub.csv"
    sub.write_text("Image,Id\n")
    kaggle.submit("humpback-whale-identification", sub, "day 22")
    sleeps = []
    score = kaggle.poll_score("humpback-whale-identification", "day 22", sleep=sleeps.append,
                              interval=5)
    assert score == pytest.approx(0.4561)
    assert sleeps == [5]  # first poll pending, second scored
    calls = fake_cli()
    assert calls[0] == ["competitions", "submit", "-c", "humpback-whale-identification", "-f",
                        str(sub), "-m", "day 22"]
    assert calls[1] == ["competitions", "submissions", "-c", "humpback-whale-identification",
                        "--csv"]
    with pytest.raises(FileNotFoundError, match="nothere.csv"):
        kaggle.submit("c", tmp_path / "nothere.csv", "x")


def test_poll_times_out(tmp_path, fake_cli):
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds
    with pytest.raises(TimeoutError, match="never"):
        kaggle.poll_score("c", "never", timeout=60, interval=25, sleep=sleep,
                          clock=lambda: now[0])
    assert len(fake_cli()) == 3


def test_public_score_parsing():
    assert kaggle.public_score({"status": "complete", "publicScore": "0.284"}) == 0.284
    assert kaggle.public_score({"status": "pending", "publicScore": ""}) is None
    with pytest.raises(RuntimeError, match="bad.csv"):
        kaggle.public_score({"status": "SubmissionStatus.ERROR", "fileName": "bad.csv"})


def test_unzip_one_rejects_bad_zip(tmp_path):
    bad = tmp_path / "x.csv.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(RuntimeError, match="x.csv.zip"):
        kaggle._unzip_one(bad, "x.csv", tmp_path / "out")
    good = tmp_path / "y.csv.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("a.csv", "1")
        zf.writestr("b.csv", "2")
    with pytest.raises(RuntimeError, match="expected y.csv"):
        kaggle._unzip_one(good, "y.csv", tmp_path / "out2")
