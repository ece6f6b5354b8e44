"""The demo mirror: deterministic, in the sources' real formats, and meaningful for the studies."""

import gzip
import hashlib
import os
import struct
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from hundreddays.demo_mirror import BUILDERS, build_demo_mirror
from hundreddays.demo_mirror.archive import TAR_MTIME
from hundreddays.loaders.mnist import load_mnist, read_idx
from hundreddays.loaders.ucsd import find_videos, load_video

ROOT = Path(__file__).resolve().parents[3]
DATASETS = ["adult", "adult_uci", "biwi_head_pose", "camvid", "dbpedia", "elevators",
            "elevators_csv", "humpback_whale", "imdb", "mnist", "movielens_100k", "newsgroups20",
            "pets", "planet_kaggle", "planet_sample", "ucsd_bgsub"]
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": (0x803, (2000, 28, 28)),
    "train-labels-idx1-ubyte.gz": (0x801, (2000,)),
    "t10k-images-idx3-ubyte.gz": (0x803, (500, 28, 28)),
    "t10k-labels-idx1-ubyte.gz": (0x801, (500,)),
}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    out = tmp_path_factory.mktemp("mirror")
    return out, build_demo_mirror(out, DATASETS, seed=0)


@pytest.fixture(scope="module")
def jpegs(mirror, tmp_path_factory):
    """The miniature JPEGS.tar.gz extracted, as the prepare step would."""
    out = tmp_path_factory.mktemp("ucsd")
    with tarfile.open(mirror[0] / "ucsd_bgsub" / "JPEGS.tar.gz") as tar:
        tar.extractall(out, filter="data")
    return out


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------ the build


def test_build_is_deterministic_and_manifest_matches(mirror, tmp_path):
    first_dir, first = mirror
    second = build_demo_mirror(tmp_path, list(reversed(DATASETS)), seed=0)
    assert second == first
    for key, digest in first.items():
        assert (first_dir / key).read_bytes() == (tmp_path / key).read_bytes()
        assert sha256(first_dir / key) == digest
    manifest = yaml.safe_load((first_dir / "manifest.yaml").read_text())
    assert manifest == first
    assert list(manifest) == sorted(manifest)


def test_build_is_the_same_in_another_process(mirror, tmp_path):
    """Another interpreter has another string-hash seed: set order must not reach the bytes."""
    script = ("import sys, yaml; from hundreddays.demo_mirror import build_demo_mirror; "
              "print(yaml.safe_dump(build_demo_mirror(sys.argv[1], sys.argv[2:], seed=0)))")
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path / hash_seed),
                               *DATASETS], env=env, capture_output=True, text=True, check=True)
        assert yaml.safe_load(done.stdout) == mirror[1], hash_seed


def test_another_seed_gives_other_bytes(mirror, tmp_path):
    other = build_demo_mirror(tmp_path, ["ucsd_bgsub"], seed=1)
    assert other["ucsd_bgsub/JPEGS.tar.gz"] != mirror[1]["ucsd_bgsub/JPEGS.tar.gz"]


def test_unknown_dataset_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match=r"no_such_set.*known: \[.*'mnist'"):
        build_demo_mirror(tmp_path / "m", ["mnist", "no_such_set"])
    assert not (tmp_path / "m").exists()


def test_file_names_match_the_registry(mirror):
    registry = yaml.safe_load((ROOT / "datasets.yaml").read_text(encoding="utf-8"))["datasets"]
    built = {}
    for key in mirror[1]:
        dataset, name = key.split("/", 1)
        built.setdefault(dataset, set()).add(name)
    assert set(built) == set(BUILDERS) == set(DATASETS)
    for dataset, names in built.items():
        assert names == set(registry[dataset]["files"]), dataset


def test_tar_members_have_fixed_metadata(mirror):
    with tarfile.open(mirror[0] / "ucsd_bgsub" / "JPEGS.tar.gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names) and names[0] == "JPEGS"
    assert all(m.mtime == TAR_MTIME and m.uid == m.gid == 0 and m.uname == "" for m in members)
    assert {m.mode for m in members if m.isdir()} == {0o755}
    assert {m.mode for m in members if m.isfile()} == {0o644}


# ------------------------------------------------------------------------------------ MNIST


def test_mnist_files_are_gzipped_idx_with_the_right_headers(mirror):
    folder = mirror[0] / "mnist"
    for name, (magic, dims) in MNIST_FILES.items():
        data = (folder / name).read_bytes()
        assert data[:2] == b"\x1f\x8b", name
        raw = gzip.decompress(data)
        header = struct.unpack(f">{1 + len(dims)}I", raw[: 4 + 4 * len(dims)])
        assert header == (magic, *dims), name
        assert len(raw) == 4 + 4 * len(dims) + int(np.prod(dims)), name
        assert read_idx(folder / name).shape == dims


def test_mnist_loads_with_balanced_labels(mirror):
    data = load_mnist(mirror[0] / "mnist")
    assert data["train_images"].shape == (2000, 28, 28)
    assert data["train_images"].dtype == np.uint8
    for split, n in (("train", 2000), ("test", 500)):
        assert np.bincount(data[f"{split}_labels"], minlength=10).tolist() == [n // 10] * 10
    images = data["train_images"]
    assert images.max() == 255 and np.median(images) == 0  # white strokes on black


def test_mnist_is_learnable_but_not_trivial(mirror):
    """A linear least-squares classifier: well above chance, below perfect."""
    data = load_mnist(mirror[0] / "mnist")

    def features(images):
        x = images.reshape(len(images), -1) / 255.0
        return np.hstack([x, np.ones((len(x), 1))])

    targets = np.eye(10)[data["train_labels"]]
    w = np.linalg.lstsq(features(data["train_images"]), targets, rcond=1e-3)[0]
    predicted = (features(data["test_images"]) @ w).argmax(1)
    accuracy = np.mean(predicted == data["test_labels"])
    assert 0.5 < accuracy < 0.99


def test_torchvision_parses_the_mnist_files_identically(mirror, tmp_path):
    tv = pytest.importorskip("torchvision.datasets.mnist")
    for name, (magic, _) in MNIST_FILES.items():
        raw = tmp_path / name.removesuffix(".gz")
        raw.write_bytes(gzip.decompress((mirror[0] / "mnist" / name).read_bytes()))
        reader = tv.read_image_file if magic == 0x803 else tv.read_label_file
        np.testing.assert_array_equal(reader(str(raw)).numpy(), read_idx(raw))


# ------------------------------------------------------------------------------------- UCSD


def test_ucsd_archive_videos_are_found_and_strays_ignored(jpegs):
    videos = find_videos(jpegs)
    assert set(videos) == {"peds", "landing", "boats", "freeway"}
    assert len(videos["peds"]) == 48 and len(videos["landing"]) == 48
    frames = [p for paths in videos.values() for p in paths]
    assert all(p.suffix.lower() in {".jpg", ".jpeg"} for p in frames)
    assert (jpegs / "JPEGS" / "peds" / "Thumbs.db").exists()
    assert (jpegs / "JPEGS" / "README.txt").exists()
    assert videos["landing"][0].name == "landing_001.JPG"
    assert videos["boats"][0].parent == jpegs / "JPEGS" / "boats" / "boats"
    assert [p.name for p in videos["freeway"][:11]] == [f"{k}.jpg" for k in range(1, 12)]


def test_ucsd_frames_are_grayscale_jpegs_of_plausible_size(jpegs):
    from PIL import Image

    for name, frames in find_videos(jpegs).items():
        with Image.open(frames[0]) as image:
            assert (image.format, image.mode) == ("JPEG", "L"), name
            assert 60 <= image.height <= 80 and 90 <= image.width <= 120, name
        assert 30 <= len(frames) <= 60, name


def test_ucsd_videos_load_in_range(jpegs):
    videos = find_videos(jpegs)
    peds = load_video(videos["peds"])
    assert peds.shape == (48, 72, 108) and peds.dtype == np.float32
    assert 0.0 <= peds.min() and peds.max() <= 1.0 and peds.std() > 0.05
    assert load_video(videos["landing"], max_frames=10).shape == (10, 64, 96)


def rank1_residual(video):
    """Return (fraction of pixels off the rank-1 background by > 0.1, relative residual norm)."""
    m = video.reshape(len(video), -1).T.astype(np.float64)
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    residual = m - s[0] * np.outer(u[:, 0], vt[0])
    return np.mean(np.abs(residual) > 0.1), np.linalg.norm(residual) / np.linalg.norm(m)


def test_steady_camera_leaves_a_small_residual_and_moving_camera_a_large_one(jpegs):
    videos = find_videos(jpegs)
    peds_fraction, peds_rel = rank1_residual(load_video(videos["peds"]))
    landing_fraction, landing_rel = rank1_residual(load_video(videos["landing"]))
    assert 0.002 < peds_fraction < 0.05  # walkers: a few per cent of pixels
    assert landing_fraction > 0.15
    assert landing_fraction > 5 * peds_fraction
    assert landing_rel > 2 * peds_rel


def test_planet_kaggle_miniature_extracts_and_loads_as_the_competition_files(mirror, tmp_path):
    """train_v2.csv beside train-jpg.tar.7z (a 7z holding train-jpg.tar), unpacked by the fetch's
    own extraction and read by the Planet loader as Kaggle's layout."""
    from hundreddays.data.extract import safe_extract
    from hundreddays.loaders.planet import find_layout, load_labels

    built, folder = mirror[0] / "planet_kaggle", tmp_path / "planet_kaggle"
    folder.mkdir()
    (folder / "train_v2.csv").write_bytes((built / "train_v2.csv").read_bytes())
    safe_extract(built / "train-jpg.tar.7z", folder, "tar.7z")
    labels, images = find_layout(folder)
    assert (labels.name, images.name) == ("train_v2.csv", "train-jpg")
    table = load_labels(folder)
    assert len(table) == 240 and len(list(images.glob("*.jpg"))) == 240
