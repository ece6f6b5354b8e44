"""scripts/rehearse.py --retabulate: a published rehearsal's tables written again from the
records and items it keeps, with the estimator as it is now."""

import json
import shutil
from pathlib import Path

import pytest

from hundreddays.rehearsal.publish import RECORDS, latest, retabulate
from hundreddays.rehearsal.summary import PHASES_CSV, STUDIES_CSV

REPO = Path(__file__).resolve().parents[3]
PROFILE = REPO / "profiles" / "rehearsal" / "scale.yaml"


@pytest.fixture
def published(tmp_path):
    """A copy of the last published rehearsal (README's estimate and the resources come from it)."""
    folder = latest(REPO / "published")
    assert folder is not None and (folder / RECORDS).is_dir(), "no published rehearsal to copy"
    return shutil.copytree(folder, tmp_path / folder.name)


def test_the_published_tables_are_what_the_estimator_makes_of_their_records(published):
    """Fails when the estimator changed and the published rehearsal was not retabulated (README
    and the resources would then hold estimates that no code makes)."""
    before = {name: (published / name).read_bytes() for name in (STUDIES_CSV, PHASES_CSV)}
    machine = (published / "machine.md").read_text()
    retabulate(REPO, published, PROFILE, "retabulated by the test")
    for name, data in before.items():
        assert (published / name).read_bytes() == data, f"{name}: run scripts/rehearse.py " \
            f"--retabulate published/{published.name}"
    assert (published / "machine.md").read_text() == machine + "- retabulated by the test\n"
    assert "retabulated by the test" in (published / "rehearsal.md").read_text()


def test_a_changed_record_changes_its_row(published):
    rows_before = (published / STUDIES_CSV).read_text().splitlines()
    path = published / RECORDS / "householder_qr.json"
    record = json.loads(path.read_text())
    record["run"]["wall_seconds"] *= 10
    path.write_text(json.dumps(record))
    retabulate(REPO, published, PROFILE, "note")
    rows = (published / STUDIES_CSV).read_text().splitlines()
    changed = [row for row, old in zip(rows, rows_before, strict=True) if row != old]
    assert [row.split(",")[0] for row in changed] == ["householder_qr"]


def test_a_folder_without_records_is_refused_and_left_alone(published):
    shutil.rmtree(published / RECORDS)
    before = {p.name: p.read_bytes() for p in published.iterdir()}
    with pytest.raises(FileNotFoundError, match=f"{published.name}: no {RECORDS}/"):
        retabulate(REPO, published, PROFILE, "note")
    assert {p.name: p.read_bytes() for p in published.iterdir()} == before
