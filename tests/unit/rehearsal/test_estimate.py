"""The full run's estimate from a rehearsal's record: steps scaled to the full config and the
publisher's data, the warm-up counted once, skipped epochs' evaluations added back."""

import pytest

from hundreddays.rehearsal.cap import Cap
from hundreddays.rehearsal.estimate import Scale, estimate, full_steps, peak_rss, study_seconds


def _node(**kw):
    base = {"kind": "train", "children": [], "occurrences": 1, "wall_seconds": 0.0}
    return {**base, **kw}


def test_a_training_phase_scales_its_steps_to_the_full_data():
    # 3 steps taken (1 + 2 timed, 0.5 s each) of epochs 4 x (100 items / bs 10) = 40
    fit = _node(steps=3, first_seconds=2.0, rest_seconds=1.0, items=100, batch_size=10,
                epochs_seen=4, wall_seconds=3.5)
    assert full_steps(fit, Scale()) == (40, False)
    est = estimate(fit, Scale())
    assert est["seconds"] == pytest.approx(2.0 + 39 * 0.5 + 0.5)  # + 0.5 s outside the steps
    assert full_steps(fit, Scale(ratio=10.0)) == (400, False)  # the publisher's 1000 items


def test_drop_last_and_a_fixed_count():
    assert full_steps(_node(items=105, batch_size=10, drop_last=True, epochs_seen=1),
                      Scale()) == (10, False)
    assert full_steps(_node(full=1000, bound=True, items=5), Scale(ratio=3)) == (1000, True)


def test_evaluations_of_skipped_epochs_are_added_back():
    valid = _node(kind="eval", steps=1, occurrences=1, first_seconds=0.2, items=50,
                  batch_size=10, wall_seconds=0.2)
    fit = _node(steps=2, first_seconds=1.0, rest_seconds=1.0, items=20, batch_size=10,
                epochs_seen=5, epochs_skipped=4, wall_seconds=2.2, children=[valid])
    est = estimate(fit, Scale())
    # 10 steps: 1 + 9 x 1.0; 5 validations of 5 batches at 0.2 s
    assert est["seconds"] == pytest.approx(10.0 + 5 * 5 * 0.2)


def test_timing_repeats_scale_what_runs_inside_each():
    inner = _node(name="nmf", steps=2, first_seconds=0.2, rest_seconds=0.1, full=100,
                  wall_seconds=0.3)
    timed = _node(kind="repeat", steps=2, full=4, first_seconds=0.0, rest_seconds=0.0,
                  wall_seconds=0.6, children=[inner, {**inner, "name": "nmf 2"}])
    est = estimate(timed, Scale())
    one = 0.2 + 99 * 0.1
    assert est["seconds"] == pytest.approx(2 * one * 4 / 2)


def test_data_phases_grow_with_the_data_and_so_does_their_memory():
    read = _node(kind="data", items=1000, whole=True, wall_seconds=2.0, rss_growth_mib=10.0)
    run = _node(kind="run", wall_seconds=3.0, children=[read])
    scale = Scale(ratio=1.0, dataset_items=100_000)
    assert estimate(run, scale)["seconds"] == pytest.approx(200.0 + 1.0)
    assert peak_rss(run, scale, 500.0) == pytest.approx(500.0 + 10.0 * 99)
    record = {"runner": {"runner_startup_seconds": 1.0, "runner_import_seconds": 2.0},
              "run": run}
    assert study_seconds(record, scale) == pytest.approx(204.0)


def test_a_data_phase_that_states_what_it_keeps_grows_that_not_its_rss():
    """The growth of RSS holds one-off costs (a compile, buffers); the size of the data the
    result holds is what grows with the data."""
    read = _node(kind="data", items=1000, whole=True, wall_seconds=2.0, rss_growth_mib=80.0,
                 kept_mib=0.5)
    run = _node(kind="run", wall_seconds=3.0, children=[read])
    scale = Scale(ratio=1.0, dataset_items=100_000)
    assert peak_rss(run, scale, 500.0) == pytest.approx(500.0 + 0.5 * 99)


def test_a_read_records_the_bytes_it_keeps(tmp_path):
    from hundreddays import rehearsal

    with rehearsal.recording(Cap(max_steps=1)) as recorder:
        with rehearsal.phase("read", kind="data", whole=True) as read:
            read.read(300, kept_bytes=3 * 2**20)
    (node,) = recorder.root.children
    assert node.items == 300 and node.kept_mib == pytest.approx(3.0)


def test_a_split_read_grows_with_the_ratio():
    onnx = _node(kind="data", items=22, wall_seconds=1.0)
    assert estimate(onnx, Scale(ratio=66.0, dataset_items=7349))["seconds"] == pytest.approx(66.0)


def test_a_full_batch_step_costs_more_with_more_data():
    gp = _node(steps=2, first_seconds=1.0, rest_seconds=1.0, full=60, items=100, per_item=True)
    assert estimate(gp, Scale(ratio=2.0))["seconds"] == pytest.approx(2 * (1.0 + 59 * 1.0))


def test_a_partial_batch_is_timed_as_a_full_one():
    valid = _node(kind="eval", steps=1, first_seconds=1.0, step_items=16, items=16,
                  batch_size=64)
    assert estimate(valid, Scale(ratio=100.0))["seconds"] == pytest.approx(4.0 * 25)
