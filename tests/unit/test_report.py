import csv
import json
import zlib
from pathlib import Path

import pytest

from hundreddays.claims import load_claims
from hundreddays.metrics import is_timing
from hundreddays.report import (
    CLAIMS_COLUMNS,
    ReportError,
    build_report,
    read_metrics,
    read_results,
    write_metrics_csv,
)

CLAIMS_FILE = Path(__file__).resolve().parents[2] / "claims.yaml"


def tiny_png(path: Path) -> Path:
    """A valid 1x1 grey PNG, written without any image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )
    return path


def write_json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


FIB = {
    "matrix_power_fib100000_seconds": 3.1e-5,
    "matrix_power_fib100000_exact": 0,
    "naive_growth_factor": 1.6180339887,
    "closed_form_speedup": 2.5e5,
    "matrix_power_speedup": 2.0e4,
    "closed_form_first_wrong_n": 71,
}
LOGREG = {"test_accuracy": 0.9213, "epochs": 3}
# As if fibonacci ran its full-scale config at demo scale and mnist_logreg did not.
DEMO_NOT_COMPARABLE = {"fibonacci": None, "mnist_logreg": "config differs: epochs; reads demo "
                                                          "miniatures"}
RECORDS = [
    {
        "dataset": "mnist",
        "file": "train-images-idx3-ubyte.gz",
        "source": "https://example.org/a",
        "sha256": "a" * 64,
        "checksum_kind": "sha256 (registry)",
        "pinned": False,
    },
    {
        "dataset": "ucsd_bgsub",
        "file": "JPEGS.tar.gz",
        "source": "https://example.org/b",
        "sha256": "b" * 64,
        "checksum_kind": "sha256 (pinned)",
        "pinned": True,
    },
]


@pytest.fixture
def built(tmp_path):
    results = tmp_path / "results"
    metrics_files = {
        "fibonacci": {0: write_json(results / "fibonacci" / "metrics.json", FIB)},
        "mnist_logreg": {0: write_json(results / "mnist_logreg" / "metrics.json", LOGREG)},
    }
    (results / "figures").mkdir(parents=True)
    figures = [
        {
            "path": f"figures/{study}.png",
            "title": f"Figure of {study}",
            "caption": "c",
            "study": study,
            "rule": f"{study} (rules/x.smk)",
            "script": f"scripts/{study}.py",
            "inputs": inputs,
        }
        for study, inputs in (("fibonacci", []), ("mnist_logreg", ["mnist"]))
    ]
    for fig in figures:
        tiny_png(results / fig["path"])
    paths = build_report(
        results, CLAIMS_FILE, metrics_files, {"fibonacci", "mnist_logreg"}, figures, RECORDS,
        "demo", DEMO_NOT_COMPARABLE,
    )
    return results, paths, figures


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_build_report_writes_the_four_files(built):
    results, paths, _ = built
    assert (
        {p.name for p in results.iterdir() if p.is_file()}
        == set(paths)
        == {"metrics.csv", "timings.csv", "claims.csv", "REPORT.md"}
    )


def test_claims_csv_has_every_claim_with_its_verdict(built):
    results, _, _ = built
    with open(results / "claims.csv", encoding="utf-8") as f:
        assert f.readline().strip() == ",".join(CLAIMS_COLUMNS)
    assert CLAIMS_COLUMNS[:3] == ("claim", "day", "reported")
    assert {"measured", "measured_min", "measured_max", "n", "verdict", "kind", "scale"} <= set(
        CLAIMS_COLUMNS)
    assert "reproduced" not in CLAIMS_COLUMNS
    rows = {r["claim"]: r for r in read_csv(results / "claims.csv")}
    assert list(rows) == [c["id"] for c in load_claims(CLAIMS_FILE)]
    assert rows["fib_naive_growth"]["verdict"] == "log inexact"
    assert rows["fib_naive_growth"]["measured"] == "1.6180339887"
    assert rows["fib_naive_growth"]["measured_min"] == rows["fib_naive_growth"]["measured_max"]
    assert (rows["fib_naive_growth"]["n"], rows["fib_naive_growth"]["kind"]) == ("1", "synthetic")
    assert rows["mnist_logreg_accuracy"]["verdict"] == (
        "not comparable at demo scale (config differs: epochs; reads demo miniatures)")
    assert rows["mnist_logreg_accuracy"]["measured"] == "0.9213"
    assert rows["fib_matrix_power_timing"]["verdict"] == "conditions not given"
    assert rows["fib_matrix_power_timing"]["measured"] == "3.1e-05"
    assert rows["pets_error_rate"]["verdict"] == "not run (study not in the workflow yet)"
    assert rows["hipster_classifier_error"]["verdict"].startswith("not reproducible (")


def test_metrics_csv_is_sorted_and_exact(built):
    results, _, _ = built
    rows = read_csv(results / "metrics.csv")
    assert list(rows[0]) == ["study", "key", "seed", "value", "scale"]
    assert [(r["study"], r["key"]) for r in rows] == sorted((r["study"], r["key"]) for r in rows)
    assert {r["seed"] for r in rows} == {"0"}
    values = {(r["study"], r["key"]): r["value"] for r in rows}
    assert values[("mnist_logreg", "epochs")] == "3"
    assert {r["scale"] for r in rows} == {"demo"}
    timings = {(r["study"], r["key"]): r["value"] for r in read_csv(results / "timings.csv")}
    assert timings[("fibonacci", "matrix_power_fib100000_seconds")] == "3.1e-05"
    assert ("fibonacci", "naive_growth_factor") in timings
    assert not set(timings) & set(values)
    assert set(timings) | set(values) == {
        (study, key) for study, m in (("fibonacci", FIB), ("mnist_logreg", LOGREG)) for key in m}


def test_report_links_figures_with_provenance_and_lists_pinned_datasets(built):
    results, _, figures = built
    report = (results / "REPORT.md").read_text(encoding="utf-8")
    for fig in figures:
        assert f"![{fig['title']}]({fig['path']})" in report
        assert f"`{fig['script']}`" in report and f"`{fig['rule']}`" in report
    assert "Scale: **demo**" in report and "not comparable" in report
    assert "Pinned at first download" in report and "ucsd_bgsub" in report.split("Pinned")[-1]
    assert "b" * 64 in report
    assert "| mnist_logreg | test_accuracy | 0 | 0.9213 |" in report


def test_report_headline_counts_verdicts_per_kind_and_shows_seeds(built):
    results, _, _ = built
    report = (results / "REPORT.md").read_text(encoding="utf-8")
    rows = read_csv(results / "claims.csv")
    synthetic = [r for r in rows if r["kind"] == "synthetic"]
    reproduced = sum(r["verdict"] == "reproduced" for r in synthetic)
    differs = sum(r["verdict"] == "differs" for r in synthetic)
    line = next(x for x in report.splitlines() if x.startswith("| synthetic experiment |"))
    counts = f"| {len(synthetic)} | {reproduced or ''} | {differs or ''} |"  # blank for none
    assert line.startswith(f"| synthetic experiment {counts}")
    assert "| kind | claims | reproduced | differs |" in report
    assert "| day | claim | kind | reported | test | measured | verdict |" in report
    assert "| 1.618 (1 seed) | log inexact |" in report


def test_metrics_csv_is_deterministic(tmp_path):
    metrics = {"b.x": {0: 0.1 + 0.2}, "a.y": {0: 7}, "a.b": {0: 1e-300}}
    write_metrics_csv(tmp_path / "one.csv", metrics, "full")
    write_metrics_csv(tmp_path / "two.csv", dict(reversed(metrics.items())), "full")
    text = (tmp_path / "one.csv").read_text()
    assert text == (tmp_path / "two.csv").read_text()
    assert "b,x,0,0.30000000000000004,full" in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"accuracy": "high"}', "metric 'accuracy' = 'high' is not a number"),
        ('{"flag": true}', "metric 'flag' = True is not a number"),
        ("[0.9]", "must be a JSON object"),
        ("{not json", "cannot read metrics"),
        ('{"Bad Key": 1}', "must be snake_case"),
    ],
)
def test_bad_metrics_file_is_named(tmp_path, content, expected):
    path = tmp_path / "mnist_logreg" / "metrics.json"
    path.parent.mkdir()
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError) as info:
        read_metrics({"mnist_logreg": {0: path}})
    assert str(info.value).startswith(str(path)) and expected in str(info.value)


def test_missing_metric_fails_the_build(tmp_path):
    metrics = write_json(tmp_path / "fibonacci" / "metrics.json", {"naive_growth_factor": 1.6})
    with pytest.raises(ValueError, match="fibonacci.matrix_power_speedup"):
        build_report(
            tmp_path / "out", CLAIMS_FILE, {"fibonacci": {0: metrics}}, {"fibonacci"}, [], [],
            "full", {"fibonacci": None},
        )
    assert not (tmp_path / "out").exists()


def test_demo_miniatures_are_not_called_publisher_verified():
    from hundreddays.report import _checksum_notes

    demo = [{"dataset": "mnist", "checksum_kind": "manifest", "pinned": False}]
    text = "\n".join(_checksum_notes(demo))
    assert "mirror's manifest" in text and "mnist" in text
    assert "published checksum" not in text
    full = [{"dataset": "mnist", "checksum_kind": "md5", "pinned": False}]
    full_text = "\n".join(_checksum_notes(full))
    assert "every file was verified against a published checksum" in full_text


@pytest.mark.parametrize("key", ["svd_seconds", "seconds_per_epoch", "torch_nmf_seconds_per_step",
                                 "closed_form_speedup", "full_to_randomized_time_ratio",
                                 "naive_ms_per_megapixel", "naive_growth_factor",
                                 "images_per_second"])
def test_wall_clock_keys_are_timings(key):
    assert is_timing(key)


@pytest.mark.parametrize("key", ["test_accuracy", "power_iterations", "secondary_peak",
                                 "max_abs_diff_vs_reference", "epochs", "secondary_peak",
                                 "per_secondary"])
def test_other_keys_are_not(key):
    assert not is_timing(key)


def test_study_that_could_not_run_gives_its_claims_the_reason(tmp_path):
    from hundreddays.metrics import write_not_run

    write_not_run(tmp_path / "whale" / "metrics.json", "no Kaggle credentials")
    fib = write_json(tmp_path / "fibonacci" / "metrics.json", FIB)
    files = {"whale": {0: tmp_path / "whale" / "metrics.json"}, "fibonacci": {0: fib}}
    paths = build_report(tmp_path / "out", CLAIMS_FILE, files, {"whale", "fibonacci"}, [], [],
                         "full", {"whale": None, "fibonacci": None})
    rows = {r["claim"]: r for r in read_csv(paths["claims.csv"])}
    whale = [r for r in rows.values() if r["study"] == "whale" and r["metric"]]
    assert whale and all(r["verdict"] == "not run (no Kaggle credentials)" for r in whale)
    assert all(r["measured"] == "" for r in whale)
    assert rows["fib_naive_growth"]["verdict"] != "not run (no Kaggle credentials)"
    assert "whale" not in (tmp_path / "out" / "metrics.csv").read_text()
    assert "not run (no Kaggle credentials)" in (tmp_path / "out" / "REPORT.md").read_text()


@pytest.mark.parametrize("content", ['{"not_run": 3}', '{"not_run": "x", "accuracy": "0.5"}'])
def test_not_run_gives_a_reason_and_numbers_beside_it(tmp_path, content):
    path = write_json(tmp_path / "whale" / "metrics.json", json.loads(content))
    with pytest.raises(ReportError, match="not_run|accuracy"):
        read_metrics({"whale": {0: path}})


def test_a_study_run_without_its_data_judges_its_data_free_claims_only(tmp_path):
    """weight_decay without MNIST: the library facts are judged, the sweep's claim is not run."""
    from hundreddays.metrics import write_metrics

    why = "needs the MNIST training images, which cannot be read here"
    path = tmp_path / "weight_decay" / "metrics.json"
    write_metrics(path, {"torch_adam_default": 0.0, "fastai_default_wd": 0.01,
                         "loss_term_vs_optimizer_max_param_diff": 1e-17}, not_run=why)
    assert read_results({"weight_decay": {0: path}})[1] == {"weight_decay": why}
    paths = build_report(tmp_path / "out", CLAIMS_FILE, {"weight_decay": {0: path}},
                         {"weight_decay"}, [], [], "full", {"weight_decay": None})
    rows = {r["claim"]: r for r in read_csv(paths["claims.csv"])}
    for claim in ("weight_decay_in_optimizer", "adam_default_weight_decay",
                  "fastai_default_weight_decay"):
        assert rows[claim]["verdict"] == "reproduced", claim
    assert rows["weight_decay_0_1_works"]["verdict"] == f"not run ({why})"
    assert rows["weight_decay_0_1_works"]["measured"] == ""
    metrics = (tmp_path / "out" / "metrics.csv").read_text()
    assert "weight_decay,fastai_default_wd,0,0.01" in metrics and "not_run" not in metrics


def test_not_run_needs_a_reason(tmp_path):
    from hundreddays.metrics import write_not_run

    with pytest.raises(ValueError, match="reason"):
        write_not_run(tmp_path / "m.json", "  ")


def test_a_metric_the_study_could_not_measure_gets_the_reason(tmp_path):
    from hundreddays.metrics import write_metrics

    path = tmp_path / "whale" / "metrics.json"
    write_metrics(path, {"local_first_map5": 0.2, "local_longer_run_midway_gain": -0.01},
                  not_measured={"longer_run_midway_gain": "no Kaggle submission"})
    paths = build_report(tmp_path / "out", CLAIMS_FILE, {"whale": {0: path}}, {"whale"}, [], [],
                         "full", {"whale": None})
    rows = {r["claim"]: r for r in read_csv(paths["claims.csv"])}
    assert rows["whale_longer_run_no_better"]["verdict"] == "not measured (no Kaggle submission)"
    metrics = (tmp_path / "out" / "metrics.csv").read_text()
    assert "local_first_map5" in metrics and "not_measured" not in metrics


def test_not_measured_needs_a_reason_and_an_unmeasured_key(tmp_path):
    from hundreddays.metrics import write_metrics

    with pytest.raises(ValueError, match="not_measured 'a'"):
        write_metrics(tmp_path / "m.json", {"a": 1.0}, not_measured={"a": "why"})
    with pytest.raises(ValueError, match="not_measured 'b'"):
        write_metrics(tmp_path / "m.json", {"a": 1.0}, not_measured={"b": " "})
    bad = write_json(tmp_path / "s" / "metrics.json", {"a": 1.0, "not_measured": ["b"]})
    with pytest.raises(ReportError, match="not_measured"):
        read_metrics({"s": {0: bad}})
