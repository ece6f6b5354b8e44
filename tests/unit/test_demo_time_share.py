"""bench/demo_time_share.py splits each rule's wall time into the runner's parts."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "demo_time_share.py"


def load():
    spec = importlib.util.spec_from_file_location("demo_time_share", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shares_split_each_rule_s_wall_time(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "results" / "timings.csv").write_text(
        "study,key,value,scale\n"
        "a,runner_startup_seconds,0.5,demo\na,runner_import_seconds,2.0,demo\n"
        "a,runner_run_seconds,1.0,demo\na,runner_plot_seconds,0.25,demo\n"
        "a,seconds_per_epoch,0.1,demo\n")
    (tmp_path / "benchmarks" / "a.tsv").write_text("s\th:m:s\tmax_rss\n4.0\t0:00:04\t100\n")
    bench = load()
    (row,) = bench.shares(tmp_path)
    assert row == {"study": "a", "wall": 4.0, "startup": 0.5, "import": 2.0, "run": 1.0,
                   "plot": 0.25, "other": 0.25}
    text = bench.table([row])
    assert "total" in text and "69%" in text  # (0.5 + 2.0 + 0.25) / 4.0 is not the work
