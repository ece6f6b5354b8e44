import csv
import io

import numba
import numpy as np
import pytest
from scipy import ndimage

from hundreddays.linalg import blur_kernels as bk
from hundreddays.metrics import table_csv
from hundreddays.runner import Context, Reference
from hundreddays.studies import conv_speedup as study


def image(h=13, w=29, seed=1):
    return study.random_image(h, w, seed)


def test_reference_is_scipy_uniform_filter_interior():
    img = image()
    expected = ndimage.uniform_filter(img.astype(np.float64), size=3)[1:-1, 1:-1]
    np.testing.assert_allclose(study.reference_blur(img), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("key", list(study.METHODS))
def test_every_method_gives_the_reference_image(key):
    img = image()
    out = study.method_calls(4, 8)[key](img)
    assert out.shape == (11, 27)
    np.testing.assert_allclose(out, study.reference_blur(img), rtol=0, atol=1e-6)


@pytest.mark.parametrize("tiles", [(1, 1), (4, 8), (5, 3), (32, 256), (100, 100)])
@pytest.mark.parametrize("threads", [1, 2])
def test_scheduled_equals_naive_bit_for_bit(tiles, threads):
    img = image(37, 45, seed=2)
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    np.testing.assert_array_equal(bk.blur_scheduled(img, *tiles), bk.blur_naive(img))


def test_blur_of_a_ramp_is_the_ramp_interior():
    ramp = np.add.outer(np.arange(6.0), 10 * np.arange(7.0)).astype(np.float32)
    np.testing.assert_array_equal(bk.blur_naive(ramp), ramp[1:-1, 1:-1])
    np.testing.assert_array_equal(bk.blur_python(ramp), ramp[1:-1, 1:-1])


@pytest.mark.parametrize("bad", [np.zeros((2, 5), np.float32), np.zeros((5, 5), np.uint16),
                                 np.zeros(9, np.float32)])
def test_bad_images_are_refused(bad):
    with pytest.raises(ValueError, match="blur needs"):
        bk.blur_naive(bad)


def test_run_table_and_plot(tmp_path):
    cfg = {"height": 40, "width": 50, "tile_rows": 8, "tile_cols": 16, "python_crop": 12,
           "timing_repeats": 1, "tolerance": 1e-5, "threading_layer": "workqueue"}
    lines = []
    result = study.run(Context(study="conv_speedup", cfg=cfg, seed=0, threads=1,
                               log=lines.append))
    assert lines[0] == "blurring a 40x50 image with 1 threads"
    m = result["metrics"]
    assert m["scheduled_to_naive_speedup"] == pytest.approx(
        m["numba_naive_seconds"] / m["numba_scheduled_seconds"])
    assert m["max_abs_diff_vs_reference"] < 1e-6
    assert m["naive_equals_scheduled"] is True
    assert m["numba_threads"] == 1 and m["image_megapixels"] == pytest.approx(0.002)
    assert all(np.isfinite(v) for v in m.values())
    rows = list(csv.DictReader(io.StringIO(table_csv(result["table"]))))
    assert list(rows[0]) == ["method", "seconds", "megapixels_per_second", "speedup_vs_naive"]
    assert len(rows) == len(study.METHODS)
    naive = next(r for r in rows if r["method"].startswith("numba: clean"))
    assert float(naive["speedup_vs_naive"]) == 1.0
    reference = Reference({"scheduled_to_naive_speedup": {"reported": 11, "compare": {}}})
    study.plot(result, tmp_path / "c.png", reference)
    assert (tmp_path / "c.png").stat().st_size > 1000


def test_measure_refuses_a_method_that_is_wrong(monkeypatch):
    label, _ = study.METHODS["numpy_slices"]
    wrong = (label, lambda im: study.blur_numpy(im) + 1e-3)
    monkeypatch.setitem(study.METHODS, "numpy_slices", wrong)
    with pytest.raises(ValueError, match="numpy_slices differs"):
        study.measure(20, 20, 8, 8, python_crop=5, repeats=1, tolerance=1e-5, seed=0)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="at least 3x3"):
        study.random_image(2, 10, 0)
    with pytest.raises(ValueError, match="threading_layer"):
        study.set_threads(1, "fast")
