"""The rehearsal's cap: loops cut to max_steps per phase and max_eval_batches per pass, what it
records, and nothing at all without a rehearsal."""

import json

import pytest

from hundreddays import rehearsal
from hundreddays.rehearsal.cap import Cap
from hundreddays.rehearsal.loops import batches_of
from hundreddays.rehearsal.record import study_recording


def test_without_a_rehearsal_every_loop_runs_as_written():
    data = list(range(10))
    assert rehearsal.steps(data, items=10, batch_size=1) is data
    with rehearsal.phase("fit", epochs=3) as ph:
        assert not ph.spent
        assert list(rehearsal.steps(data, kind="eval")) == data


def test_a_phase_takes_max_steps_over_its_epochs_and_each_pass_max_eval_batches():
    taken, evaluated = [], []
    with rehearsal.recording(Cap(max_steps=3, max_eval_batches=2)) as rec:
        with rehearsal.phase("fit", epochs=4) as ph:
            for _epoch in range(4):
                ph.epoch()
                taken.append(list(rehearsal.steps(range(2), items=20, batch_size=10)))
                evaluated.append(list(rehearsal.steps(range(5), kind="eval", items=50,
                                                      batch_size=10)))
        record = rec.record("ran")
    assert taken == [[0, 1], [0], [], []]
    assert evaluated == [[0, 1]] * 4
    fit = record["run"]["children"][0]
    assert (fit["name"], fit["steps"], fit["epochs_seen"], fit["epochs_stepped"]) == (
        "fit", 3, 4, 2)
    assert (fit["items"], fit["batch_size"]) == (20, 10)
    (valid,) = fit["children"]
    assert (valid["kind"], valid["occurrences"], valid["steps"]) == ("eval", 4, 8)


def test_min_seconds_keeps_cheap_steps_going_and_phases_get_their_own_names():
    with rehearsal.recording(Cap(max_steps=1, min_seconds=10.0)) as rec:
        assert len(list(rehearsal.steps(range(1000)))) == 1000  # all, in well under 10 s
        assert len(list(rehearsal.steps(range(5), name="train"))) == 5
        record = rec.record("ran")
    names = [c["name"] for c in record["run"]["children"]]
    assert names == ["train", "train 2"]


def test_a_timing_loop_inside_repeats_is_a_phase_of_its_own():
    with rehearsal.recording(Cap(max_steps=2)) as rec:
        for _ in rehearsal.repeats(7, "timed"):
            assert len(list(rehearsal.steps(range(100), full=100))) == 2
        record = rec.record("ran")
    (timed,) = record["run"]["children"]
    assert (timed["kind"], timed["steps"], timed["full"]) == ("repeat", 2, 7)
    assert [c["steps"] for c in timed["children"]] == [2, 2]


def test_a_failed_study_leaves_its_record_with_the_error(tmp_path):
    path = tmp_path / "rec.json"
    with pytest.raises(ZeroDivisionError):
        with study_recording("toy", {"max_steps": 1}, path, {"runner": {}}):
            with rehearsal.phase("fit"):
                list(rehearsal.steps(range(3)))
                raise ZeroDivisionError("boom")
    record = json.loads(path.read_text())
    assert record["status"] == "failed" and "ZeroDivisionError: boom" in record["error"]
    assert record["run"]["children"][0]["steps"] == 1
    assert rehearsal.active() is None


def test_the_cap_block_is_checked():
    with pytest.raises(ValueError, match="unknown keys"):
        Cap.of({"max_step": 2})
    with pytest.raises(ValueError, match=">= 1"):
        Cap.of({"max_steps": 0})


@pytest.mark.parametrize(("items", "bs", "drop", "n"), [(100, 32, False, 4), (100, 32, True, 3),
                                                        (10, 32, True, 0)])
def test_batches_of(items, bs, drop, n):
    assert batches_of(items, bs, drop) == n


def test_a_library_loop_gets_a_loader_cut_on_every_iteration():
    data = list(range(10))
    assert rehearsal.loader(data, items=10, batch_size=1) is data
    with rehearsal.recording(Cap(max_steps=3)):
        with rehearsal.phase("ignite", epochs=2) as ph:
            cut = rehearsal.loader(data, items=10, batch_size=1)
            ph.epoch()
            first = list(cut)
            ph.epoch()
            second = list(cut)
    assert len(cut) == 10 and first == [0, 1, 2] and second == []


def test_a_loop_that_stops_at_the_loaders_length_does_not_time_what_follows():
    import time

    with rehearsal.recording(Cap(max_steps=100)) as rec:
        with rehearsal.phase("ignite", epochs=1):
            batches = iter(rehearsal.steps(range(4)))
            for _ in range(4):  # as Ignite: four items, then no fifth next() until much later
                next(batches)
            time.sleep(0.3)  # the epoch's evaluation
            next(batches, None)
        (fit,) = rec.record("ran")["run"]["children"]
    assert fit["steps"] == 4 and fit["rest_seconds"] < 0.1


def test_a_step_longer_than_min_seconds_is_the_phases_only_one():
    import time

    with rehearsal.recording(Cap(max_steps=1, min_seconds=0.05)):
        taken = [time.sleep(0.1) for _ in rehearsal.steps(range(5))]
    assert len(taken) == 1
