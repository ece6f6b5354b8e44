"""The elevators loader and its demo-mirror miniatures (MATLAB v5 bytes with a fixed header, and
the uci_datasets collection's gzipped CSV), and the collection's genuine CSV read in place."""

import gzip
import io

import numpy as np
import pytest
import scipy.io
from real_data import real

from hundreddays.demo_mirror import elevators as mini
from hundreddays.demo_mirror import elevators_csv as mini_csv
from hundreddays.loaders.elevators import CSV_FILE, FILE, load_elevators, read_mat


def save(folder, data=None, **extra):
    stream = io.BytesIO()
    scipy.io.savemat(stream, {**({"data": data} if data is not None else {}), **extra})
    (folder / FILE).write_bytes(stream.getvalue())
    return folder


def test_loader_splits_features_and_target(tmp_path):
    data = np.arange(60, dtype=float).reshape(12, 5)
    x, y = load_elevators(save(tmp_path, data))
    np.testing.assert_array_equal(x, data[:, :4])
    np.testing.assert_array_equal(y, data[:, 4])
    np.testing.assert_array_equal(read_mat(tmp_path / FILE), data)


def test_html_page_is_refused_by_name(tmp_path):
    (tmp_path / FILE).write_bytes(b"\n<!DOCTYPE html><html><head><title>Google Drive - Virus "
                                  b"scan warning</title></head></html>")
    with pytest.raises(ValueError, match=r"elevators\.mat: an HTML page"):
        load_elevators(tmp_path)


def test_garbage_missing_key_and_bad_shapes_are_refused(tmp_path):
    (tmp_path / FILE).write_bytes(b"\x00\x01 not a mat file at all" * 10)
    with pytest.raises(ValueError, match="elevators.mat: not a MAT file"):
        load_elevators(tmp_path)
    with pytest.raises(ValueError, match=r"no 'data' variable \(found \['X', 'y'\]\)"):
        load_elevators(save(tmp_path, X=np.ones((20, 3)), y=np.ones(20)))
    with pytest.raises(ValueError, match=r"shape \(1, 30\)"):  # savemat stores 1-D as a row
        load_elevators(save(tmp_path, np.ones(30)))
    with pytest.raises(ValueError, match=r"shape \(20, 1\)"):
        load_elevators(save(tmp_path, np.ones((20, 1))))
    bad = np.ones((20, 3))
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="1 non-finite"):
        load_elevators(save(tmp_path, bad))


def test_missing_file_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_elevators(tmp_path)


def test_miniature_is_deterministic_and_in_the_real_format(tmp_path):
    files = mini.build_files(0)
    assert list(files) == [FILE] == [mini.FILE]
    assert files == mini.build_files(0)
    assert files != mini.build_files(1)
    raw = files[FILE]
    assert raw.startswith(b"MATLAB 5.0 MAT-file") and b"Created on" not in raw[:116]
    assert raw[124:128] == b"\x00\x01IM"  # version 0x0100, little-endian marker
    (tmp_path / FILE).write_bytes(raw)
    x, y = load_elevators(tmp_path)
    assert x.shape == (600, mini.FEATURES) == (600, 18) and y.shape == (600,)
    reference = scipy.io.loadmat(io.BytesIO(raw))["data"]
    np.testing.assert_array_equal(np.column_stack([x, y]), reference)


def test_miniature_target_is_learnable_but_noisy():
    data = mini.make_data(0, rows=2000)
    x, y = data[:, :-1], data[:, -1]
    a = np.column_stack([x, np.ones(len(x))])
    w = np.linalg.lstsq(a[:1600], y[:1600], rcond=None)[0]
    r2_linear = 1 - np.mean((a[1600:] @ w - y[1600:]) ** 2) / y[1600:].var()
    assert 0.2 < r2_linear < 0.9  # partly linear, partly not: room for a network


# ------------------------------------------------------------------------- the CSV source


def test_the_genuine_csv_holds_the_elevators_rows():
    """treforevans/uci_datasets' elevators/data.csv.gz, read in place: 16,599 rows, 18 inputs."""
    x, y = load_elevators(real("elevators", "uci_datasets"), "csv")
    assert x.shape == (16599, 18) and y.shape == (16599,)
    assert x.dtype == y.dtype == np.float64
    assert np.unique(x[:, 0]).size > 1000 and np.std(y) > 0  # numbers, not a constant column


def test_csv_miniature_gives_the_same_arrays_as_the_mat_miniature(tmp_path):
    files = mini_csv.build_files(0)
    assert list(files) == [CSV_FILE] and files == mini_csv.build_files(0)
    assert gzip.decompress(files[CSV_FILE]).split(b"\n")[0].count(b",") == 18  # no header
    (tmp_path / CSV_FILE).write_bytes(files[CSV_FILE])
    (tmp_path / FILE).write_bytes(mini.build_files(0)[FILE])
    x_csv, y_csv = load_elevators(tmp_path, "csv")
    x_mat, y_mat = load_elevators(tmp_path, "mat")
    np.testing.assert_array_equal(x_csv, x_mat)
    np.testing.assert_array_equal(y_csv, y_mat)


@pytest.mark.parametrize(("content", "message"), [
    (b"<!DOCTYPE html><html><body>Not Found</body></html>", "data.csv.gz: an HTML page"),
    (b"1,2,3\n4,5,6\n", "data.csv.gz: not a gzip file"),
    (gzip.compress(b"1,2,3\n4,5\n" * 10), "data.csv.gz: not a gzipped CSV of numbers"),
    (gzip.compress(b"a,b,c\n" + b"1,2,3\n" * 20), "data.csv.gz: not a gzipped CSV of numbers"),
    (gzip.compress(b"1,2,3\n" * 20)[:-12], "data.csv.gz: not a gzipped CSV of numbers"),
    (gzip.compress(b"1,2\n" * 5), r"data.csv.gz: 'data' has shape \(5, 2\)"),
    (gzip.compress(b"1,nan,3\n" * 20), "20 non-finite"),
])
def test_a_bad_csv_is_refused_naming_the_file(tmp_path, content, message):
    (tmp_path / CSV_FILE).write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_elevators(tmp_path, "csv")


def test_a_folder_without_the_source_file_names_it(tmp_path):
    (tmp_path / FILE).write_bytes(mini.build_files(0)[FILE])
    with pytest.raises(FileNotFoundError, match=f"{tmp_path / CSV_FILE} not found: place the "
                                                "uci_datasets collection's data.csv.gz"):
        load_elevators(tmp_path, "csv")
    with pytest.raises(ValueError, match=r"source 'xls': expected one of \['csv', 'mat'\]"):
        load_elevators(tmp_path, "xls")
