from hundreddays.timing import timed


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
