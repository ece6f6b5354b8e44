"""Loaders on hand-written files: IDX parsing and its errors, MNIST folder layouts, and every
UCSD folder layout the video finder accepts."""

import gzip
import shutil
import struct
import warnings

import numpy as np
import pytest
from PIL import Image

from hundreddays.loaders.mnist import FILES, load_mnist, read_idx
from hundreddays.loaders.ucsd import find_videos, load_ucsd_videos, load_video

# ------------------------------------------------------------------------------------ MNIST


def idx(array):
    """IDX bytes written independently of the demo mirror's writer."""
    magic = {1: 0x801, 3: 0x803}[array.ndim]
    return struct.pack(f">{1 + array.ndim}I", magic, *array.shape) + array.tobytes()


def sample(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, n, dtype=np.uint8))


def write_mnist(folder, gz=False, n_train=6, n_test=4):
    folder.mkdir(parents=True, exist_ok=True)
    (train_x, train_y), (test_x, test_y) = sample(n_train, 0), sample(n_test, 1)
    arrays = {"train_images": train_x, "train_labels": train_y,
              "test_images": test_x, "test_labels": test_y}
    for key, name in FILES.items():
        data = idx(arrays[key])
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(data) if gz else data)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_reads_raw_and_gzipped(tmp_path, gz):
    images, labels = sample()
    for name, array in (("img", images), ("lab", labels)):
        data = idx(array)
        path = tmp_path / (name + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(data) if gz else data)
        out = read_idx(path)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize("data, message", [
    (struct.pack(">II", 0x1234, 1) + b"\0", r"bad magic 0x00001234, expected an IDX uint8 file"),
    (struct.pack(">II", 0x0D03, 1) + b"\0", r"bad magic 0x00000d03"),  # float IDX
    (idx(np.zeros((5, 28, 28), np.uint8))[:-10], r"dims \(5, 28, 28\) = 3920 bytes.*has 3910"),
    (idx(np.zeros(5, np.uint8)) + b"\0", r"dims \(5,\) = 5 bytes of data, file has 6"),
    (struct.pack(">IHH", 0x803, 0, 5), r"truncated IDX header \(8 of 16 bytes\)"),
    (b"\0\0", r"2 bytes, too short"),
])
def test_read_idx_rejects_bad_files_naming_them(tmp_path, data, message):
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_read_idx_rejects_truncated_gzip(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx(np.zeros(1000, np.uint8)))[:20])
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz: corrupt or truncated gzip"):
        read_idx(path)


@pytest.mark.parametrize("sub, gz", [(".", False), (".", True), ("MNIST/raw", True),
                                     ("raw", False)])
def test_load_mnist_finds_the_files_in_each_layout(tmp_path, sub, gz):
    arrays = write_mnist(tmp_path / sub, gz=gz)
    data = load_mnist(tmp_path)
    assert set(data) == set(FILES)
    for key, array in arrays.items():
        np.testing.assert_array_equal(data[key], array)


def test_load_mnist_names_the_missing_file_and_folder(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte") as err:
        load_mnist(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_load_mnist_rejects_mismatched_counts(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / FILES["train_labels"]).write_bytes(idx(np.zeros(5, np.uint8)))
    with pytest.raises(ValueError, match="train files .*6 images but 5 labels"):
        load_mnist(tmp_path)


# ------------------------------------------------------------------------------------- UCSD


def frames(folder, names, size=(12, 8), mode="L"):
    """Write small JPEG frames `names` into `folder`; frame k has brightness 20 * (k + 1)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(names):
        colour = 20 * (k + 1)
        Image.new(mode, size, colour if mode == "L" else (colour,) * 3).save(folder / name,
                                                                               format="JPEG")


@pytest.mark.parametrize("folder, names", [
    ("peds", ["frame_0001.jpg", "frame_0002.jpg", "frame_0003.jpg"]),  # no top folder
    ("JPEGS/set/a/b/peds", ["p1.jpg", "p2.jpg", "p3.jpg"]),  # nested deeper
    ("JPEGS/Peds", ["PEDS_001.JPG", "PEDS_002.JPG", "PEDS_003.JPG"]),  # upper case
    ("peds", ["1.jpeg", "2.JPEG", "3.jpeg"]),  # .jpeg, no zero padding
])
def test_find_videos_accepts_each_layout(tmp_path, folder, names):
    frames(tmp_path / folder, names)
    videos = find_videos(tmp_path)
    assert list(videos) == ["peds"]
    assert [p.name for p in videos["peds"]] == names


def test_find_videos_names_a_root_that_holds_frames_itself(tmp_path):
    frames(tmp_path / "landing", ["a.jpg", "b.jpg", "c.jpg"])
    assert list(find_videos(tmp_path / "landing")) == ["landing"]


def test_find_videos_sorts_naturally_and_ignores_strays(tmp_path):
    names = [f"frame_{k}.jpg" for k in (10, 2, 1, 11, 3)]
    frames(tmp_path / "v", names)
    (tmp_path / "v" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "v" / "README.txt").write_text("not a frame")
    (tmp_path / "v" / "._frame_1.jpg").write_bytes(b"\0\5\26\7")  # macOS AppleDouble
    frames(tmp_path / "too_short", ["1.jpg", "2.jpg"])
    videos = find_videos(tmp_path)
    assert list(videos) == ["v"]
    assert [p.name for p in videos["v"]] == [f"frame_{k}.jpg" for k in (1, 2, 3, 10, 11)]


def test_duplicate_names_keep_the_longer_video_and_warn(tmp_path):
    for longer, shorter in (("a", "b"), ("d", "c")):  # the longer one found first, then last
        frames(tmp_path / longer / "peds", ["1.jpg", "2.jpg", "3.jpg", "4.jpg"])
        frames(tmp_path / shorter / "peds", ["1.jpg", "2.jpg", "3.jpg"])
        with pytest.warns(UserWarning, match="two UCSD videos named 'peds'"):
            videos = find_videos(tmp_path)
        assert videos["peds"][0].parent == tmp_path / longer / "peds"
        shutil.rmtree(tmp_path / longer)
        shutil.rmtree(tmp_path / shorter)


def test_find_videos_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        find_videos(tmp_path / "nowhere")


def test_load_video_gray_float_in_order(tmp_path):
    frames(tmp_path / "v", ["f_1.jpg", "f_2.jpg", "f_10.jpg"], mode="RGB")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        video = load_video(find_videos(tmp_path)["v"])
    assert video.shape == (3, 8, 12) and video.dtype == np.float32
    np.testing.assert_allclose(video.mean(axis=(1, 2)), [20 / 255, 40 / 255, 60 / 255], atol=0.02)
    assert load_video(find_videos(tmp_path)["v"], max_frames=2).shape == (2, 8, 12)


def test_load_video_names_a_frame_of_another_size(tmp_path):
    frames(tmp_path / "v", ["1.jpg", "2.jpg"])
    frames(tmp_path / "v", ["3.jpg"], size=(10, 8))
    with pytest.raises(ValueError, match=r"3\.jpg is 10x8 pixels.*1\.jpg is 12x8"):
        load_video(find_videos(tmp_path)["v"])


def test_load_video_names_an_undecodable_frame(tmp_path):
    frames(tmp_path / "v", ["1.jpg", "2.jpg"])
    (tmp_path / "v" / "3.jpg").write_bytes(b"not a jpeg at all")
    with pytest.raises(ValueError, match=r"3\.jpg is not a decodable image"):
        load_video(find_videos(tmp_path)["v"])


def test_load_ucsd_videos_reports_missing_and_found(tmp_path):
    frames(tmp_path / "JPEGS" / "peds", ["1.jpg", "2.jpg", "3.jpg"])
    frames(tmp_path / "JPEGS" / "boats", ["1.jpg", "2.jpg", "3.jpg"])
    videos = load_ucsd_videos(tmp_path, ["peds"], max_frames=2)
    assert list(videos) == ["peds"] and videos["peds"].shape == (2, 8, 12)
    with pytest.raises(FileNotFoundError, match=r"\['landing'\] not found.*\['boats', 'peds'\]"):
        load_ucsd_videos(tmp_path, ["peds", "landing"])
