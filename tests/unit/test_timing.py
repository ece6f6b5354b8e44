import time

from hundreddays.timing import seconds_per_call, timed


def counter():
    calls = []

    def fn():
        calls.append("fn")
        return len(calls)

    return calls, fn


def test_warm_up_is_the_call_itself_by_default_and_untimed():
    calls, fn = counter()
    result, seconds = timed(fn, repeats=3)
    assert calls == ["fn"] * 4 and result == 4 and seconds >= 0


def test_separate_or_no_warm_up_and_at_least_one_timed_call():
    calls, fn = counter()
    timed(fn, repeats=2, warmup=lambda: calls.append("warm"))
    assert calls == ["warm", "fn", "fn"]
    calls, fn = counter()
    assert timed(fn, repeats=0, warmup=None)[0] == 1 and calls == ["fn"]


def test_seconds_per_call_loops_fast_calls_round_robin():
    calls = []
    seconds = seconds_per_call({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                               repeats=2, min_seconds=0.0)
    # one sizing run each, then two rounds of one call each, taken in turn
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert set(seconds) == {"a", "b"} and all(s >= 0 for s in seconds.values())


def test_seconds_per_call_measures_time_and_times_a_slow_call_once():
    calls = []

    def slow():
        calls.append("slow")
        time.sleep(0.02)

    seconds = seconds_per_call({"slow": slow, "noop": lambda: None}, repeats=3,
                               min_seconds=0.005, once_above=0.01)
    assert calls == ["slow"]
    assert 0.015 < seconds["slow"] < 0.2
    assert seconds["noop"] < 0.001
