"""Several seeds of a study: read in seed order, one metrics.csv / timings.csv row per seed."""

import csv
import json
from pathlib import Path

import pytest

from hundreddays.report import (
    ReportError,
    build_report,
    read_metrics,
    read_results,
    write_metrics_csv,
)

CLAIMS_FILE = Path(__file__).resolve().parents[2] / "claims.yaml"


def write_json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def seed_files(tmp_path, study, by_seed):
    """{seed: metrics.json} for `study`, written in the order given (not seed order)."""
    return {seed: write_json(tmp_path / study / "seeds" / str(seed) / "metrics.json", data)
            for seed, data in by_seed.items()}


def test_read_metrics_lists_each_seed_in_seed_order(tmp_path):
    files = seed_files(tmp_path, "sgd_line", {10: {"slope": 3.3, "fit_seconds": 1.0},
                                             0: {"slope": 3.0, "fit_seconds": 2.0},
                                             2: {"slope": 3.2, "fit_seconds": 3.0}})
    metrics = read_metrics({"sgd_line": files})
    assert metrics == {"sgd_line.slope": [3.0, 3.2, 3.3], "sgd_line.fit_seconds": [2.0, 3.0, 1.0]}
    per_seed, not_run, not_measured = read_results({"sgd_line": files})
    assert list(per_seed["sgd_line.slope"]) == [0, 2, 10]
    assert not_run == {} and not_measured == {}


def test_a_key_one_seed_could_not_measure_keeps_the_other_seeds_values(tmp_path):
    from hundreddays.metrics import write_metrics

    write_metrics(tmp_path / "0.json", {"a": 1.0, "b": 5.0})
    write_metrics(tmp_path / "1.json", {"a": 2.0}, not_measured={"b": "diverged"})
    per_seed, _, not_measured = read_results({"s": {0: tmp_path / "0.json",
                                                    1: tmp_path / "1.json"}})
    assert per_seed == {"s.a": {0: 1.0, 1: 2.0}, "s.b": {0: 5.0}}
    assert not_measured == {"s.b": "diverged"}


def test_metrics_csv_has_a_row_per_seed_sorted_by_seed_as_a_number(tmp_path):
    metrics = {"b.x": {10: 0.5, 2: 0.25}, "a.y": {0: 7, 1: 8}, "a.run_seconds": {0: 1.5, 1: 2.5}}
    write_metrics_csv(tmp_path / "m.csv", metrics, "full")
    write_metrics_csv(tmp_path / "m2.csv", {k: dict(reversed(v.items()))
                                            for k, v in reversed(metrics.items())}, "full")
    write_metrics_csv(tmp_path / "t.csv", metrics, "full", timings=True)
    text = (tmp_path / "m.csv").read_text()
    assert text == (tmp_path / "m2.csv").read_text()
    assert text.splitlines() == ["study,key,seed,value,scale", "a,y,0,7,full", "a,y,1,8,full",
                                 "b,x,2,0.25,full", "b,x,10,0.5,full"]
    assert (tmp_path / "t.csv").read_text().splitlines()[1:] == [
        "a,run_seconds,0,1.5,full", "a,run_seconds,1,2.5,full"]


def test_build_report_keeps_every_seed(tmp_path):
    fib = {"naive_growth_factor": 1.618, "closed_form_speedup": 2.5e5, "matrix_power_speedup": 2e4,
           "closed_form_first_wrong_n": 71, "matrix_power_fib100000_exact": 0,
           "matrix_power_fib100000_seconds": 3e-5}
    other = {**fib, "closed_form_first_wrong_n": 72, "matrix_power_fib100000_seconds": 4e-5}
    files = seed_files(tmp_path, "fibonacci", {0: fib, 1: other})
    paths = build_report(tmp_path / "out", CLAIMS_FILE, {"fibonacci": files}, {"fibonacci"},
                         [], [], "full", {"fibonacci": None})
    rows = read_csv(paths["metrics.csv"])
    wrong_n = [(r["seed"], r["value"]) for r in rows if r["key"] == "closed_form_first_wrong_n"]
    assert wrong_n == [("0", "71"), ("1", "72")]
    assert [r["seed"] for r in rows] == ["0", "1"] * 2
    timings = {(r["key"], r["seed"]): r["value"] for r in read_csv(paths["timings.csv"])}
    assert len(timings) == 4 * 2
    assert timings[("matrix_power_fib100000_seconds", "1")] == "4e-05"
    report = paths["REPORT.md"].read_text()
    assert "| fibonacci | closed_form_first_wrong_n | 1 | 72 |" in report


@pytest.mark.parametrize("files", ["results/s/metrics.json", {}])
def test_metrics_files_must_name_each_seed(tmp_path, files):
    with pytest.raises(ReportError, match="metrics of study s: expected {seed: metrics.json}"):
        read_metrics({"s": files})
