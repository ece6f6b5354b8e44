"""UCI elevators, from either of two files holding the same rows (config
studies.gp_dkl_elevators.source picks one):

- mat: as the gpytorch examples ship it, one MATLAB (v5) file `elevators.mat` holding a 2-D array
  `data`, one row per sample, the last column the target and the others the features;
- csv: as the uci_datasets collection ships it, `data.csv.gz`, a gzipped CSV of the same layout
  (no header, comma-separated numbers, the target last).

Both have 16599 rows and 19 columns (18 features + target). Google Drive can answer a download
with an HTML page instead of the file; that, a MATLAB v7.3 (HDF5) file, a missing 'data' key, a
file that is not gzip or not numeric CSV, or a wrongly shaped array are refused with an error
naming the file. Both give the arrays as stored: the study does the tutorial's scaling.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import scipy.io

FILE = "elevators.mat"
CSV_FILE = "data.csv.gz"
FILES = {"mat": FILE, "csv": CSV_FILE}  # source -> the file a folder of that source holds
GZIP_MAGIC = b"\x1f\x8b"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"  # v7.3 MAT files are HDF5 behind a 512-byte text header
MIN_ROWS = 10
MIN_COLUMNS = 2


def check_mat_header(head: bytes, source: str) -> None:
    """Raise ValueError naming `source` when `head` (the file's first bytes) shows an HTML page
    or a MATLAB v7.3 (HDF5) file; anything else is left to scipy.io.loadmat (v4 to v7)."""
    text = head[:200].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        raise ValueError(f"{source}: an HTML page, not a MAT file (Google Drive answers with a "
                         "quota or virus-scan notice instead of the file); delete it and "
                         "download elevators.mat again")
    if head.startswith(b"MATLAB 7.3") or HDF5_MAGIC in head[:1024]:
        raise ValueError(f"{source}: a MATLAB v7.3 (HDF5) file; scipy.io.loadmat reads v4-v7 only "
                         "(the gpytorch examples' elevators.mat is v5)")


def check_data(data: object, source: str) -> np.ndarray:
    """Return `data` as a float64 (rows, columns) array, or raise ValueError naming `source` if it
    is not a finite numeric 2-D array with >= MIN_ROWS rows and >= MIN_COLUMNS columns."""
    array = np.asarray(data)
    if array.dtype.kind not in "fiu":
        raise ValueError(f"{source}: 'data' has dtype {array.dtype}, expected a numeric array")
    if array.ndim != 2 or array.shape[0] < MIN_ROWS or array.shape[1] < MIN_COLUMNS:
        raise ValueError(f"{source}: 'data' has shape {array.shape}, expected (rows >= {MIN_ROWS},"
                         f" columns >= {MIN_COLUMNS}): features then the target in the last column")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(f"{source}: 'data' holds {bad} non-finite values (NaN or inf)")
    return array


def read_mat(path: str | Path) -> np.ndarray:
    """Return the (rows, columns) float64 array stored under 'data' in the MAT file `path`."""
    path = Path(path)
    with open(path, "rb") as stream:
        check_mat_header(stream.read(1024), str(path))
    try:
        contents = scipy.io.loadmat(path)
    except Exception as exc:  # scipy raises many types for corrupt files
        raise ValueError(f"{path}: not a MAT file scipy.io.loadmat can read "
                         f"({type(exc).__name__}: {exc})") from exc
    if "data" not in contents:
        keys = sorted(k for k in contents if not k.startswith("__"))
        raise ValueError(f"{path}: no 'data' variable (found {keys}); expected the gpytorch "
                         "examples' elevators.mat")
    return check_data(contents["data"], str(path))


def read_csv(path: str | Path) -> np.ndarray:
    """Return the (rows, columns) float64 array of the gzipped CSV `path` (no header)."""
    path = Path(path)
    with open(path, "rb") as stream:
        head = stream.read(1024)
    if not head.startswith(GZIP_MAGIC):
        what = "an HTML page" if head.lstrip().lower().startswith((b"<!doctype", b"<html")) \
            else "not a gzip file"
        raise ValueError(f"{path}: {what}; expected the uci_datasets collection's gzipped CSV")
    try:
        with gzip.open(path, "rt", encoding="ascii") as text:
            data = np.loadtxt(text, delimiter=",", ndmin=2)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: not a gzipped CSV of numbers ({type(exc).__name__}: "
                         f"{exc})") from exc
    return check_data(data, str(path))


READERS = {"mat": read_mat, "csv": read_csv}


def load_elevators(folder: str | Path, source: str = "mat") -> tuple[np.ndarray, np.ndarray]:
    """Return (features (rows, columns-1), target (rows,)) read from the file of `source`
    (FILES: elevators.mat, or the CSV data.csv.gz) in `folder`."""
    if source not in FILES:
        raise ValueError(f"elevators source {source!r}: expected one of {sorted(FILES)}")
    folder = Path(folder)
    path = folder / FILES[source] if folder.is_dir() else folder
    if not path.is_file():
        origin = "the gpytorch examples'" if source == "mat" else "the uci_datasets collection's"
        raise FileNotFoundError(f"{path} not found: place {origin} {FILES[source]} in {folder}")
    data = READERS[source](path)
    return data[:, :-1], data[:, -1]


def check_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError unless `folder` holds the elevators.mat load_elevators opens, and
    ValueError when its first bytes show an HTML page or a v7.3 file (check_mat_header)."""
    from .layout import Packaging, layout_error

    path = Path(folder) / FILE
    if not path.is_file():
        csv = Packaging(("data.csv*",), "the UCI CSV packaging (data.csv, as the uci_datasets "
                        "collection distributes elevators), not gpytorch's elevators.mat: give "
                        "it as local_copies.elevators_csv with studies.gp_dkl_elevators.source: "
                        "csv")
        raise layout_error(folder, f"{path} not found", f"the gpytorch examples' {FILE}", [csv])
    with open(path, "rb") as stream:
        check_mat_header(stream.read(1024), str(path))


def check_csv_layout(folder: str | Path) -> None:
    """Raise FileNotFoundError unless `folder` holds the data.csv.gz load_elevators(folder, "csv")
    opens, and ValueError when it is not gzip (an HTML page, or the CSV decompressed)."""
    from .layout import Packaging, layout_error

    path = Path(folder) / CSV_FILE
    if not path.is_file():
        mat = Packaging((FILE,), "gpytorch's elevators.mat packaging: give it as "
                        "local_copies.elevators with studies.gp_dkl_elevators.source: mat")
        plain = Packaging(("data.csv",), "the CSV decompressed: the loader reads data.csv.gz as "
                          "the uci_datasets collection ships it")
        raise layout_error(folder, f"{path} not found",
                           f"the uci_datasets collection's {CSV_FILE}", [mat, plain])
    with open(path, "rb") as stream:
        if not stream.read(2) == GZIP_MAGIC:
            raise ValueError(f"{path}: not a gzip file; expected the uci_datasets collection's "
                             f"gzipped CSV")
