"""MNIST from its original IDX files (raw or gzipped), as yann.lecun.com and torchvision ship them.

IDX: a big-endian header (magic 0x00000800 + type byte + number of dimensions, then one uint32
per dimension), followed by the data in C order. MNIST uses unsigned bytes only: labels are
0x00000801 (n,), images 0x00000803 (n, rows, cols).

A folder may hold each file under any of three names (`names_of`): uncompressed as LeCun's
gunzipped files and torchvision's raw/ folder name it (train-images-idx3-ubyte), uncompressed
as the common unpacked copies name it (train-images.idx3-ubyte, a dot before idx), or the
published gzip (train-images-idx3-ubyte.gz). All hold the publisher's bytes; which one is read
is decided by the bytes (the gzip magic), not by the name.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from .layout import Packaging, layout_error

GZIP_MAGIC = b"\x1f\x8b"
IDX_UINT8 = {0x00000801: 1, 0x00000803: 3}  # magic -> number of dimensions
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
SUBFOLDERS = (".", "raw", "MNIST/raw")  # the folder itself, then torchvision's layouts


def _read_bytes(path: Path) -> bytes:
    """Return the file's bytes, decompressed when it starts with the gzip magic."""
    data = path.read_bytes()
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{path}: corrupt or truncated gzip data ({exc})") from exc


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Return the uint8 array held by IDX bytes (labels (n,) or images (n, rows, cols)).

    Raises ValueError naming `source` for a wrong magic, a short header, or a data length that
    differs from the one the header announces.
    """
    if len(data) < 4:
        raise ValueError(f"{source}: {len(data)} bytes, too short for an IDX header")
    (magic,) = struct.unpack(">I", data[:4])
    if magic not in IDX_UINT8:
        raise ValueError(f"{source}: bad magic 0x{magic:08x}, expected an IDX uint8 file "
                         f"(0x00000801 labels or 0x00000803 images)")
    ndim = IDX_UINT8[magic]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{source}: truncated IDX header ({len(data)} of {header} bytes)")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(dims))
    if len(data) - header != expected:
        raise ValueError(f"{source}: header announces dims {dims} = {expected} bytes of data, "
                         f"file has {len(data) - header} (truncated or not an MNIST file)")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


def read_idx(path: str | Path) -> np.ndarray:
    """Return the uint8 array of one IDX file, raw or gzip-compressed (see `parse_idx`)."""
    path = Path(path)
    return parse_idx(_read_bytes(path), str(path))


LAYOUT = ("the four MNIST IDX files, uncompressed (train-images-idx3-ubyte or "
          "train-images.idx3-ubyte, ...) or the published .gz files, in the folder itself, raw/ "
          "or MNIST/raw/")
OTHER_PACKAGINGS = (
    Packaging(("mnist_train.csv",), "Kaggle's CSV packaging of MNIST (mnist_train.csv, "
              "mnist_test.csv: a label and 784 pixels a row), not the IDX files"),
    Packaging(("train.csv", "test.csv"), "Kaggle's Digit Recognizer competition data (train.csv, "
              "test.csv without labels), not the IDX files"),
    Packaging(("mnist.npz",), "Keras' mnist.npz, not the IDX files"),
    Packaging(("mnist.pkl.gz",), "deeplearning.net's pickled mnist.pkl.gz, not the IDX files"),
    Packaging(("MNIST/processed/*.pt",), "torchvision's processed/ tensors (torch files), not "
              "the IDX files of its raw/ folder"),
)


def names_of(name: str) -> tuple[str, ...]:
    """The file names IDX file `name` (e.g. train-images-idx3-ubyte) is looked for under, in
    order: as named, with a dot before idx (train-images.idx3-ubyte), gzipped (name + .gz)."""
    return name, name.replace("-idx", ".idx"), f"{name}.gz"


def _folders(root: Path) -> list[Path]:
    return [root / sub for sub in SUBFOLDERS]


def find_idx(root: Path, name: str) -> Path:
    """Return the path of IDX file `name` under `root` or its torchvision subfolders, under the
    first of its names (`names_of`) found, folder by folder.

    Raises FileNotFoundError naming every name looked for and the folders searched.
    """
    for folder in _folders(Path(root)):
        for candidate in names_of(name):
            if (folder / candidate).is_file():
                return folder / candidate
    raise FileNotFoundError(f"MNIST file {name} not found: looked for {_looked_for([name])} in "
                            f"{', '.join(str(f) for f in _folders(Path(root)))}")


def _looked_for(names: list[str]) -> str:
    return "; ".join(" or ".join(names_of(name)) for name in names)


def check_layout(root: str | Path) -> None:
    """Raise FileNotFoundError naming each of the four IDX files that find_idx cannot find under
    `root` (with every name looked for) and, where it can tell, the other packaging `root` is."""
    root = Path(root)
    missing = []
    for name in FILES.values():
        try:
            find_idx(root, name)
        except FileNotFoundError:
            missing.append(name)
    if missing:
        searched = ", ".join(str(f) for f in _folders(root))
        raise layout_error(root, f"MNIST files missing: {_looked_for(missing)} (searched "
                                 f"{searched})", LAYOUT, OTHER_PACKAGINGS)


def load_mnist(root: str | Path) -> dict[str, np.ndarray]:
    """Return {"train_images", "train_labels", "test_images", "test_labels"} read from `root`.

    Images are (N, 28, 28) uint8, labels (N,) uint8; each split's counts must agree.
    """
    root = Path(root)
    data = {key: read_idx(find_idx(root, name)) for key, name in FILES.items()}
    for split in ("train", "test"):
        images, labels = data[f"{split}_images"], data[f"{split}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1:
            raise ValueError(f"MNIST {split} files in {root}: images {images.shape} and labels "
                             f"{labels.shape} are not (N, 28, 28) and (N,)")
        if len(images) != len(labels):
            raise ValueError(f"MNIST {split} files in {root}: {len(images)} images but "
                             f"{len(labels)} labels")
    return data
