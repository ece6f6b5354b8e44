from fractions import Fraction

import numpy as np
import pytest

from hundreddays.runner import Context, Reference
from hundreddays.studies import float_stability as study


def test_exact_orbit_is_the_course_cycle():
    values = study.orbit(Fraction(1, 10), 9)
    assert values == [Fraction(n, 10) for n in (1, 2, 4, 8, 6, 2, 4, 8, 6, 2)]
    assert study.cycle_length(values) == 4


def test_float_orbit_is_the_exact_orbit_of_the_rounded_start():
    # every float step is exact, so iterating the float 0.1 equals iterating its exact value
    start = 0.1
    floats = study.orbit(start, 80)
    exact_of_float = study.orbit(Fraction(start), 80)
    assert [Fraction(v) for v in floats] == exact_of_float


def test_float32_arithmetic_stays_float32():
    values = study.orbit(np.float32(1) / np.float32(10), 30)
    assert all(isinstance(v, np.float32) for v in values)


def test_measure_course_example():
    m = study.measure(1, 10, 80, 0.1)["metrics"]
    assert m["float64_orbit_max_error"] >= 0.1
    assert m["float64_initial_error"] == pytest.approx(abs(float(Fraction(0.1) - Fraction(1, 10))))
    # the error doubles per step, so float64 (53-bit) leaves the cycle about 29 steps after
    # float32 (24-bit)
    assert m["float64_departure_step"] == m["float64_doubling_departure_step"]
    assert m["float32_departure_step"] == m["float32_doubling_departure_step"]
    assert 26 <= m["float64_departure_step"] - m["float32_departure_step"] <= 32
    assert m["float64_final_value"] in (0.0, 1.0) and m["float32_final_value"] in (0.0, 1.0)
    assert m["float64_fixed_point_step"] > 40


def test_errors_double_until_departure():
    result = study.measure(1, 10, 80, 0.1)
    err = result["errors"]["float64"]
    n = result["metrics"]["float64_departure_step"]
    np.testing.assert_array_equal(err[1:n + 1] / err[:n], 2.0)


def test_dyadic_start_never_leaves():
    m = study.measure(3, 8, 20, 0.1)["metrics"]
    assert m["float64_orbit_max_error"] == 0.0
    assert m["float64_departure_step"] == -1
    assert m["float64_doubling_departure_step"] == -1


def test_short_run_does_not_leave():
    m = study.measure(1, 10, 40, 0.1)["metrics"]
    assert m["float64_orbit_max_error"] < 1e-4
    assert m["float64_departure_step"] == -1
    assert m["float32_departure_step"] > 0


@pytest.mark.parametrize("args", [(11, 10, 5), (1, 0, 5), (-1, 10, 5), (1, 10, 0)])
def test_bad_settings_are_refused(args):
    with pytest.raises(ValueError, match="float_stability"):
        study.measure(*args, 0.1)


def test_run_and_plot_through_the_contract(tmp_path):
    cfg = {"start_numerator": 1, "start_denominator": 10, "steps": 80, "departure_threshold": 0.1}
    lines = []
    result = study.run(Context(study="float_stability", cfg=cfg, log=lines.append))
    assert result["metrics"] == study.measure(1, 10, 80, 0.1)["metrics"]
    assert lines[-2].startswith("exact: 1/10, 1/5, 2/5, 4/5, 3/5")
    study.plot(result, tmp_path / "f.png", Reference({}))
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
