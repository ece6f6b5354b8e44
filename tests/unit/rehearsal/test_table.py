"""The rehearsal's table and its words: rows from the records, a study without a record, the
published folder and README's block."""

import json
from pathlib import Path

import pytest

from hundreddays.data.registry import Dataset
from hundreddays.published import latest as latest_run
from hundreddays.rehearsal.publish import latest, publish
from hundreddays.rehearsal.summary import readme_block, totals
from hundreddays.rehearsal.table import (
    PHASE_COLUMNS,
    STUDY_COLUMNS,
    read_csv,
    tables,
    write_csv,
)
from hundreddays.study_table import Study

STUDIES = {"toy": Study(id="toy", day="1", title="t", datasets=("camvid",)),
           "gone": Study(id="gone", day="2", title="g", one_seed="too long")}
CONFIG = {"seed": 0, "seeds": 5, "studies": {"toy": {}, "gone": {}}, "local_copies": {}}
REGISTRY = {"camvid": Dataset(id="camvid", title="c", homepage="h", access="public", files={},
                              items=560)}


def _record(folder: Path) -> None:
    run = {"name": "run", "kind": "run", "wall_seconds": 10.0, "peak_rss_mib": 900.0,
           "children": [{"name": "frozen", "kind": "train", "steps": 2, "first_seconds": 3.0,
                         "rest_seconds": 1.0, "items": 48, "batch_size": 8, "drop_last": True,
                         "epochs_seen": 2, "epochs_skipped": 1, "wall_seconds": 4.0,
                         "step_items": 16, "children": []}]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "toy.json").write_text(json.dumps(
        {"study": "toy", "status": "ran", "error": None, "device": "cpu", "run": run,
         "runner": {"runner_startup_seconds": 1.0, "runner_import_seconds": 2.0}}))


def test_rows_scale_to_the_publishers_count_and_name_a_missing_record(tmp_path):
    _record(tmp_path / "records")
    studies, phases = tables(tmp_path / "records", STUDIES, CONFIG, CONFIG, REGISTRY)
    toy, gone = studies
    # camvid: the mirror's 56 items of 560 -> 10x: 480 items / 8 = 60 steps an epoch, 2 epochs
    assert toy["ratio"] == pytest.approx(10.0) and toy["seeds"] == 5
    assert phases[0]["steps_full"] == 120
    expected = 1 + 2 + (3.0 + 119 * 1.0) + (10.0 - 4.0)  # start, imports, steps, the rest
    assert toy["estimate_seconds_a_seed"] == pytest.approx(expected)
    assert toy["estimate_seconds"] == pytest.approx(5 * expected)
    assert (gone["status"], gone["seeds"]) == ("not run", 1)
    assert "logs/gone.log" in gone["error"]


def test_published_folder_and_readme_block(tmp_path):
    _record(tmp_path / "records")
    studies, phases = tables(tmp_path / "records", STUDIES, CONFIG, CONFIG, REGISTRY)
    results = tmp_path / "results"
    write_csv(results / "rehearsal.csv", studies, STUDY_COLUMNS)
    write_csv(results / "phases.csv", phases, PHASE_COLUMNS)
    out = publish(results, tmp_path / "published" / "rehearsal-x", "machine\n")
    assert sorted(p.name for p in out.iterdir()) == ["machine.md", "phases.csv",
                                                     "rehearsal.csv", "rehearsal.md"]
    assert latest(tmp_path / "published") == out
    assert latest_run(tmp_path / "published") is None  # a rehearsal is no published run
    rows = read_csv(out / "rehearsal.csv")
    assert totals(rows)["failed"] == ["gone"]
    block = readme_block(out)
    assert "1 of 2 studies ran; did not run: `gone`" in block
    with pytest.raises(FileExistsError):
        publish(results, out, "")
