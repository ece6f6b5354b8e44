"""published/<run>/: what a finished run leaves there, and README's table generated from it."""

import csv
from pathlib import Path

import pytest

from hundreddays.published import (
    README_BEGIN,
    README_END,
    PublishError,
    benchmark_rows,
    collect,
    latest,
    readme_table,
    replace_readme_table,
)

REPO = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path) -> tuple[Path, Path]:
    results, benchmarks = tmp_path / "results", tmp_path / "benchmarks"
    (results / "figures").mkdir(parents=True)
    (results / "fib").mkdir()
    (results / "figures" / "fib.png").write_bytes(b"png")
    (results / "fib" / "table.csv").write_text("n,t\n1,2\n")
    (results / "REPORT.md").write_text(
        "![fib](figures/fib.png)\n(table: `fib/table.csv`)\n![log](https://example.org/x.png)\n")
    (results / "metrics.csv").write_text("study,key,value,scale\nfib,t,1.0,full\n")
    (results / "timings.csv").write_text("study,key,value,scale\n")
    (results / "environment.txt").write_text("# lock: none\ntorch==2.14.1\n")
    (results / "claims.csv").write_text(
        "claim,study,measured,measured_min,measured_max,n,verdict\n"
        "fib_fast,fib,2.5,2,3,5,reproduced\n")
    (benchmarks / "fib").mkdir(parents=True)
    header = "s\th:m:s\tmax_rss\n"
    (benchmarks / "fib.tsv").write_text(header + "1.5\t0:00:01\t90.0\n")
    (benchmarks / "fib" / "seed-1.tsv").write_text(header + "2.5\t0:00:02\t95.0\n")
    (benchmarks / "other.tsv").write_text(header + "9\t0:00:09\t10\n")  # a study that did not run
    return results, benchmarks


def test_collect_copies_what_the_report_shows(tmp_path):
    results, benchmarks = _run(tmp_path)
    out = collect(results, benchmarks, tmp_path / "published" / "run1", "machine\n")
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == ["REPORT.md", "benchmarks.csv", "claims.csv", "environment.txt",
                     "fib/table.csv", "figures/fib.png", "machine.md", "metrics.csv",
                     "timings.csv"]
    with open(out / "benchmarks.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["rule"], r["seed"], r["seconds"]) for r in rows] == [
        ("fib", "base", "1.5"), ("fib/seed-1", "1", "2.5")]


def test_the_logs_own_images_are_linked_never_copied(tmp_path):
    results, benchmarks = _run(tmp_path)
    (results / "log-figures").mkdir()
    (results / "log-figures" / "fib.png").write_bytes(b"the log's image")
    (results / "log-figures" / "records.json").write_text(
        '[{"image": "fib.png", "url": "https://raw.example.org/abc/fib.png"}]')
    with open(results / "REPORT.md", "a") as f:
        f.write("| ![the log](log-figures/fib.png) | ![ours](figures/fib.png) |\n")
    out = collect(results, benchmarks, tmp_path / "published" / "run1", "")
    assert not (out / "log-figures").exists()
    report = (out / "REPORT.md").read_text()
    assert "![the log](https://raw.example.org/abc/fib.png)" in report
    assert "log-figures/" not in report


def test_collect_refuses_an_existing_folder_and_leaves_nothing_on_error(tmp_path):
    results, benchmarks = _run(tmp_path)
    out = tmp_path / "published" / "run1"
    out.mkdir(parents=True)
    with pytest.raises(PublishError, match="exists already"):
        collect(results, benchmarks, out, "")
    (results / "figures" / "fib.png").unlink()
    with pytest.raises(PublishError, match="figures/fib.png"):
        collect(results, benchmarks, tmp_path / "published" / "run2", "")
    assert sorted(p.name for p in (tmp_path / "published").iterdir()) == ["run1"]


def test_collect_needs_a_finished_run(tmp_path):
    results, benchmarks = _run(tmp_path)
    (results / "claims.csv").unlink()
    with pytest.raises(PublishError, match="claims.csv"):
        collect(results, benchmarks, tmp_path / "out", "")


def test_benchmark_rows_keep_only_studies_that_ran(tmp_path):
    _, benchmarks = _run(tmp_path)
    assert {r["study"] for r in benchmark_rows(benchmarks, {"fib"})} == {"fib"}
    assert benchmark_rows(benchmarks, set()) == []


def test_readme_table_from_the_published_files(tmp_path):
    results, benchmarks = _run(tmp_path)
    out = collect(results, benchmarks, tmp_path / "published" / "run1", "")
    table = readme_table(out)
    assert table.startswith(README_BEGIN) and table.endswith(README_END)
    assert "| `fib` | 2 | 2.0 s, 95 MiB | `fib_fast` 2.5 (2–3, n=5): reproduced |" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{README_BEGIN}\nold\n{README_END}\nend\n")
    assert replace_readme_table(readme, table) == f"intro\n{table}\nend\n"
    readme.write_text("no markers\n")
    with pytest.raises(PublishError, match="markers"):
        replace_readme_table(readme, table)


def test_readme_agrees_with_the_latest_published_run():
    """README's full-scale table is the one generated from the last published run."""
    run = latest(REPO / "published") if (REPO / "published").is_dir() else None
    if run is None:
        pytest.skip("no published run yet")
    expected = readme_table(run)
    assert expected in (REPO / "README.md").read_text(encoding="utf-8"), (
        f"README's published table is not the one generated from {run}: run "
        "`python scripts/publish_run.py` again or regenerate it with hundreddays.published")
