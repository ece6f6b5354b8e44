import math

import pytest

from hundreddays.metrics import is_timing
from hundreddays.studies import fibonacci as fib

EXACT = [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]


@pytest.mark.parametrize("fn", list(fib.METHODS.values()))
def test_small_values_agree(fn):
    assert [int(fn(n)) for n in range(len(EXACT))] == EXACT


def test_fast_doubling_is_exact_for_large_n():
    # F(n+1)F(n-1) - F(n)^2 = (-1)^n (Cassini) holds only for exact integers.
    n = 1001
    a, b, c = (fib.fib_fast_doubling(k) for k in (n - 1, n, n + 1))
    assert c * a - b * b == -1
    # F(n) = round(phi^n / sqrt 5), so its bit length follows from n alone.
    expected_bits = int(100_000 * math.log2(fib.PHI) - math.log2(fib.SQRT5)) + 1
    assert fib.fib_fast_doubling(100_000).bit_length() == expected_bits


def test_gmpy2_is_exact_where_int64_and_float64_are_not():
    for n in (*range(200), 1001, 12345, 100_000):
        assert fib.fib_gmpy2(n) == fib.fib_fast_doubling(n)
    assert fib.first_wrong_n(fib.fib_gmpy2) is None  # up to n = 2000, past float's range
    assert fib.relative_errors(fib.fib_gmpy2, [10, 1000, 100_000]) == [0.0, 0.0, 0.0]


def test_int64_matrix_power_goes_wrong_after_92():
    assert fib.fib_matrix_power(92) == fib.fib_fast_doubling(92)
    assert fib.fib_matrix_power(93) != fib.fib_fast_doubling(93)
    assert fib.first_wrong_n(fib.fib_matrix_power) == 93


def test_closed_form_first_wrong_and_overflow():
    n = fib.first_wrong_n(fib.fib_closed_form)
    assert 60 < n < 90
    assert fib.fib_closed_form(n - 1) == fib.fib_fast_doubling(n - 1)
    assert math.isinf(fib.fib_closed_form(2000))


def test_growth_factor_recovers_exponential():
    ns = list(range(10, 20))
    assert fib.growth_factor(ns, [3.0 * 1.618**n for n in ns]) == pytest.approx(1.618, rel=1e-9)


def test_measure_small_run_answers_the_claim_metrics(tmp_path):
    result = fib.measure(naive_max_n=16, fast_max_n=1000, repeats=1)
    m = result["metrics"]
    assert m["int64_first_wrong_n"] == 93
    assert m["matrix_power_fib100000_exact"] == 0
    assert 1.2 < m["naive_growth_factor"] < 2.2
    assert m["closed_form_speedup"] > 1 and m["matrix_power_speedup"] > 1
    assert m["gmpy2_exact"] == 1
    assert m["gmpy2_int64_time_ratio"] == pytest.approx(
        m["gmpy2_fib100000_seconds"] / m["matrix_power_fib100000_seconds"])
    # the timings go to timings.csv, the exactness to metrics.csv
    assert is_timing("gmpy2_fib100000_seconds") and is_timing("gmpy2_int64_time_ratio")
    assert not is_timing("gmpy2_exact")
    assert result["errors"]["gmpy2.fib (exact)"]["rel"] == [0.0] * len(
        result["errors"]["gmpy2.fib (exact)"]["n"])
    assert result["timings"]["gmpy2.fib (exact)"]["n"][-1] == 1000
    fib.plot(result, tmp_path / "f.png", {"matrix_power_fib100000_seconds": 2.94e-5})
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
