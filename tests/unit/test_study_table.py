"""studies.yaml: valid, complete, and the only list of studies: every row has its module, caption,
config block with schema; config blocks are checked against their own schemas."""

import inspect
from pathlib import Path

import pytest
import yaml

from hundreddays.study_table import (
    Study,
    StudyTableError,
    check_registry,
    load_studies,
    validate_config,
)

ROOT = Path(__file__).resolve().parents[2]
STUDIES = load_studies(ROOT / "studies.yaml")
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def write(tmp_path, rows):
    path = tmp_path / "studies.yaml"
    path.write_text(yaml.safe_dump({"studies": rows}))
    return path


def test_the_table_is_in_the_log_s_day_order():
    first_days = [s.days[0] for s in STUDIES.values()]
    course, rest = first_days[:10], first_days[10:]
    assert course == sorted(course) and max(course) <= 15 < min(rest)


@pytest.mark.parametrize("study", list(STUDIES))
def test_every_row_has_its_module_caption_and_config_block(study):
    from hundreddays.runner import study_module

    assert (ROOT / "report" / f"{study}.rst").is_file()
    assert (ROOT / "src" / "hundreddays" / "schemas" / "studies" / f"{study}.yaml").is_file()
    assert study in CONFIG["studies"]
    module = study_module(study)
    assert list(inspect.signature(module.run).parameters) == ["ctx"]
    assert list(inspect.signature(module.plot).parameters)[:3] == ["result", "path", "reference"]


def test_full_and_demo_configs_pass_every_study_schema():
    validate_config(CONFIG, STUDIES)
    demo = yaml.safe_load((ROOT / "profiles" / "demo" / "scale.yaml").read_text())
    merged = {s: merge(CONFIG["studies"][s], demo["studies"].get(s, {})) for s in STUDIES}
    validate_config({"studies": merged}, STUDIES)


def merge(base: dict, over: dict) -> dict:
    """`over` merged into `base` key by key, as snakemake merges a --configfile."""
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = merge(base[key], value) if both else value
    return out


def test_a_bad_config_value_is_named_with_its_study_and_key():
    cfg = {"studies": {s: dict(CONFIG["studies"][s]) for s in STUDIES}}
    cfg["studies"]["fibonacci"]["naive_max_n"] = "many"
    with pytest.raises(StudyTableError, match=r"studies\.fibonacci\.naive_max_n: 'many'"):
        validate_config(cfg, STUDIES)
    del cfg["studies"]["fibonacci"]
    with pytest.raises(StudyTableError, match=r"missing \['fibonacci'\]"):
        validate_config(cfg, STUDIES)


def test_derived_facts_of_a_row():
    row = Study(id="x", day="3-4", title="t")
    assert (row.days, row.category, row.heading) == ([3, 4], "Days 1-15", "Days 3-4 - t")
    row = Study(id="y", day="17, 22", title="t", sources={"a": "d1", "b": "d2"},
                pretrained=("w",))
    assert row.category == "Days 16-53" and row.heading == "Days 17, 22 - t"
    assert row.data({"source": "b"}) == ["d2"]
    assert row.weights({"pretrained": True}) == ["w"] and row.weights({}) == []


def test_the_html_report_lists_the_rows_in_the_log_s_day_order():
    assert Study(id="x", day="3-4", title="t").report_labels("figure") == {
        "day": "03-04", "study": "x", "shows": "figure"}
    # Snakemake sorts a category's entries by their first label, as text: by first day
    listed = sorted(row.report_labels("figure")["day"] for row in STUDIES.values())
    first_days = [int(day.split("-")[0].split(",")[0]) for day in listed]
    assert first_days == sorted(first_days)


def test_a_row_runs_the_config_s_seeds_unless_it_says_why_one(tmp_path):
    assert Study(id="x", day="2", title="t").seeds(3, 5) == [3, 4, 5, 6, 7]
    assert Study(id="x", day="2", title="t", one_seed="too long").seeds(3, 5) == [3]
    assert STUDIES["galaxy_analogues"].one_seed and not STUDIES["float_stability"].one_seed
    assert CONFIG["seeds"] == 5
    demo = yaml.safe_load((ROOT / "profiles" / "demo" / "scale.yaml").read_text(encoding="utf-8"))
    assert demo["seeds"] == 1  # the demo keeps its time budget
    with pytest.raises(StudyTableError, match=r"studies\.a\.one_seed"):
        load_studies(write(tmp_path, {"a": {"day": "2", "title": "t", "one_seed": ""}}))


def test_the_table_s_rules_are_enforced_naming_the_row(tmp_path):
    with pytest.raises(StudyTableError, match=r"studies\.a\.day"):
        load_studies(write(tmp_path, {"a": {"day": "second", "title": "t"}}))
    with pytest.raises(StudyTableError, match=r"studies\.a"):
        load_studies(write(tmp_path, {"a": {"day": "2", "title": "t", "datasets": ["d"],
                                            "sources": {"x": "d", "y": "e"}}}))
    with pytest.raises(StudyTableError, match=r"studies\.b\.after\.model: a\.model"):
        load_studies(write(tmp_path, {"a": {"day": "2", "title": "t"},
                                      "b": {"day": "3", "title": "t",
                                            "after": {"model": "a.model"}}}))
    studies = load_studies(write(tmp_path, {"a": {"day": "2", "title": "t",
                                                  "datasets": ["nowhere"]}}))
    with pytest.raises(StudyTableError, match=r"studies\.a: \['nowhere'\] not in the dataset"):
        check_registry(studies, {})


def test_data_free_metrics_belong_to_a_study_that_reads_data(tmp_path):
    assert "torch_adam_default" in STUDIES["weight_decay"].data_free
    assert STUDIES["randomized_svd"].data_free[0] == "synthetic_*"
    assert not STUDIES["svd_background"].data_free  # its every metric needs the frames
    with pytest.raises(StudyTableError, match=r"studies\.a\.data_free: the study reads no "):
        load_studies(write(tmp_path, {"a": {"day": "2", "title": "t", "data_free": ["x"]}}))
    with pytest.raises(StudyTableError, match=r"studies\.a\.data_free"):
        load_studies(write(tmp_path, {"a": {"day": "2", "title": "t", "datasets": ["d"],
                                            "data_free": []}}))


def test_training_studies_ask_for_a_gpu_and_onnx_runs_on_the_cpu():
    assert STUDIES["mnist_cnn"].gpu == 1 and STUDIES["onnx_export"].gpu == 0
    assert STUDIES["onnx_export"].after == {"model": "pets.model", "recipe": "pets.recipe"}
