"""Day 18 study: the probes run live against fastai and torch, and the metrics follow from what
the calls did (not from what they are expected to do)."""

import torch

from hundreddays.metrics import table_csv
from hundreddays.runner import Context, Reference
from hundreddays.studies import fastai_tensor as study


def test_the_installed_libraries_behave_as_the_log_shows():
    outcomes = study.probes()
    assert torch.equal(outcomes["fastai_varargs"].value, torch.tensor([3.0, 2.0]))
    assert outcomes["torch_varargs"].raised == "TypeError"
    assert "positional argument" in outcomes["torch_varargs"].text
    metrics = study.summarize(outcomes)
    assert metrics["varargs_equals_list"] == 1 and metrics["torch_varargs_raises"] == 1
    assert set(metrics.values()) <= {0, 1}


def test_attempt_records_values_and_errors():
    ok = study.attempt("f()", lambda: torch.tensor([1.0]))
    assert ok.error is None and ok.raised is None and ok.text == "tensor([1.])"
    bad = study.attempt("g()", lambda: torch.tensor(1.0, 2.0))
    assert bad.value is None and bad.raised == "TypeError" and bad.text.startswith("TypeError: ")


def test_summarize_reports_zero_when_the_behaviour_differs():
    outcomes = study.probes()
    # A torch that accepted loose values, and a fastai tensor() that returned float64:
    outcomes["torch_varargs"] = study.Outcome("torch.tensor(3., 2.)", torch.tensor([3.0, 2.0]))
    outcomes["fastai_varargs"] = study.Outcome("tensor(3., 2.)",
                                               torch.tensor([3.0, 2.0], dtype=torch.float64))
    metrics = study.summarize(outcomes)
    assert metrics["torch_varargs_raises"] == 0
    assert metrics["varargs_equals_list"] == 0  # same values, other dtype: not equal


def test_run_gives_metrics_a_row_per_probe_with_versions_and_a_figure(tmp_path):
    lines = []
    result = study.run(Context(study="fastai_tensor", cfg={}, log=lines.append))
    outcomes = result["outcomes"]
    assert result["metrics"] == study.summarize(outcomes)
    assert len(lines) == len(outcomes) and "TypeError" in lines[2]
    rows = result["table"]
    assert [r["probe"] for r in rows] == list(outcomes)
    torch_row = rows[[r["probe"] for r in rows].index("torch_varargs")]
    assert torch_row["outcome"].startswith("TypeError") and torch_row["dtype"] == ""
    assert rows[0]["dtype"] == "float32" and rows[0]["torch_version"] == torch.__version__
    assert table_csv(rows).splitlines()[0] == ("probe,call,outcome,dtype,fastai_version,"
                                               "torch_version,numpy_version")
    study.plot(result, tmp_path / "f.png", Reference({}))
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
