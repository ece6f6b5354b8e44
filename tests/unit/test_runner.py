"""The one runner: seeds once, gives the study its context, writes what the rule declares."""

import json
import random
import sys
import types

import numpy as np
import pytest

from hundreddays.metrics import is_timing
from hundreddays.runner import Reference, reference_of, run_study, study_module


def toy_module(name="toy_runner_study", **overrides):
    """A study module in sys.modules (package "toys"): run draws from the seeded generators."""
    seen = {}

    def run(ctx):
        seen["ctx"] = ctx
        seen["draws"] = (random.random(), float(np.random.rand()))
        (ctx.workdir / "scratch.txt").write_text("x")  # the scratch folder exists while it runs
        return {"metrics": {"answer": 42, "draw": seen["draws"][0]},
                "table": [{"n": 1, "value": 0.5}, {"n": 2, "value": 0.25}]}

    def plot(result, path, reference):
        seen["reference"] = reference
        with open(path, "wb") as f:
            f.write(b"\x89PNG fake")

    module = types.ModuleType(f"toys.{name}")
    module.run, module.plot = overrides.get("run", run), overrides.get("plot", plot)
    sys.modules.setdefault("toys", types.ModuleType("toys"))
    sys.modules[f"toys.{name}"] = module
    return seen


def outputs(tmp_path):
    return {"metrics": str(tmp_path / "toy" / "metrics.json"),
            "figure": str(tmp_path / "figures" / "toy.png"),
            "table": str(tmp_path / "toy" / "table.csv")}


def call(tmp_path, name="toy_runner_study", table=True, checkpoint=None, seed=3):
    (tmp_path / "figures").mkdir(exist_ok=True)
    return run_study(name, cfg={"k": 1}, seed=seed, threads=1, scale="demo",
                     inputs={"data": "data/x"}, outputs=outputs(tmp_path),
                     reference={"answer": {"reported": 41, "compare": {"kind": "at_least",
                                                                       "threshold": 40}}},
                     checkpoint=checkpoint, table=table, package="toys")


def test_runner_writes_metrics_table_and_figure_and_drops_the_checkpoint(tmp_path):
    seen = toy_module()
    ckpt = tmp_path / "ckpt.pt"
    ckpt.write_bytes(b"state")
    call(tmp_path, checkpoint=str(ckpt))
    metrics = json.loads((tmp_path / "toy" / "metrics.json").read_text())
    assert metrics["answer"] == 42
    shares = {k for k in metrics if k.startswith("runner_")}  # where the rule's time went
    assert shares == {"runner_startup_seconds", "runner_import_seconds", "runner_run_seconds",
                      "runner_plot_seconds"}
    assert all(is_timing(k) and metrics[k] >= 0 for k in shares)
    assert (tmp_path / "toy" / "table.csv").read_text() == "n,value\n1,0.5\n2,0.25\n"
    assert (tmp_path / "figures" / "toy.png").read_bytes().startswith(b"\x89PNG")
    assert not ckpt.exists()
    ctx = seen["ctx"]
    assert (ctx.cfg, ctx.seed, ctx.scale, ctx.inputs) == ({"k": 1}, 3, "demo", {"data": "data/x"})
    assert ctx.checkpoint == str(ckpt) and not ctx.workdir.exists()  # scratch removed
    assert seen["reference"]["answer"] == 41 and seen["reference"].threshold("answer") == 40


def test_runner_seeds_every_generator_from_the_config_seed(tmp_path):
    seen = toy_module()
    call(tmp_path, seed=7)
    first = seen["draws"]
    random.seed(99)
    np.random.seed(99)
    call(tmp_path, seed=7)
    assert seen["draws"] == first
    call(tmp_path, seed=8)
    assert seen["draws"] != first


def test_an_extra_seed_writes_its_metrics_only(tmp_path):
    seen = toy_module()
    metrics = tmp_path / "toy" / "seeds" / "1" / "metrics.json"
    run_study("toy_runner_study", cfg={"k": 1}, seed=1, threads=1, scale="full", inputs={},
              outputs={"metrics": str(metrics)}, reference={}, table=False, package="toys")
    assert json.loads(metrics.read_text())["answer"] == 42 and seen["ctx"].seed == 1
    assert "reference" not in seen  # plot was not called
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["metrics.json"]


def test_a_study_without_its_declared_table_fails_before_writing_metrics(tmp_path):
    toy_module("toy_no_table", run=lambda ctx: {"metrics": {"a": 1}})
    with pytest.raises(TypeError, match="table: true"):
        call(tmp_path, name="toy_no_table")
    assert not (tmp_path / "toy" / "metrics.json").exists()


def toy_with_a_data_free_part():
    """A toy that measures its data-free part only where its data is missing."""
    seen = {}

    def run(ctx):
        seen["ctx"] = ctx
        part = {"default": 0.01, "synthetic_error": 1e-9}
        return {"metrics": part if ctx.data_missing else {**part, "accuracy": 0.9}}

    toy_module("toy_without_data", run=run)
    return seen


@pytest.mark.parametrize(("data_free", "written"), [
    (["default", "synthetic_*"], True),
    (["default", "synthetic_*", "table_free"], False),  # a plain key it did not measure
    (["default"], False),  # it measured one more than its row says
])
def test_without_its_data_a_study_measures_its_data_free_metrics_only(tmp_path, data_free,
                                                                       written):
    seen = toy_with_a_data_free_part()
    metrics = tmp_path / "toy" / "metrics.json"
    call_args = dict(cfg={}, seed=0, threads=1, scale="full", inputs={},
                     outputs={"metrics": str(metrics)}, reference={}, package="toys")
    without = {"reason": "skipped: no frames here", "data_free": data_free}
    if not written:
        with pytest.raises(TypeError, match="data_free metrics of its row"):
            run_study("toy_without_data", without_data=without, **call_args)
        assert not metrics.exists()
        return
    run_study("toy_without_data", without_data=without, **call_args)
    assert seen["ctx"].data_missing == "skipped: no frames here"
    data = json.loads(metrics.read_text())
    assert data["not_run"] == "skipped: no frames here" and "accuracy" not in data
    assert data["default"] == 0.01 and data["synthetic_error"] == 1e-9
    run_study("toy_without_data", **call_args)  # with its data: everything, no reason
    data = json.loads(metrics.read_text())
    assert data["accuracy"] == 0.9 and "not_run" not in data
    assert seen["ctx"].data_missing is None


def test_a_module_without_the_contract_is_named():
    sys.modules["toys.broken"] = types.ModuleType("toys.broken")
    with pytest.raises(TypeError, match=r"toys\.broken lacks \['run', 'plot'\]"):
        study_module("broken", "toys")


def test_reference_of_takes_the_study_s_claims_only():
    claims = [{"metric": "a.x", "reported": 1, "compare": {"kind": "abs_tol", "tol": 1}},
              {"metric": "b.x", "reported": 2, "compare": {"kind": "abs_tol", "tol": 1}},
              {"metric": "a.x", "reported": 3, "compare": {"kind": "abs_tol", "tol": 1}},
              {"id": "private", "not_reproducible": "why"}]
    ref = Reference(reference_of("a", claims))
    assert dict(ref) == {"x": 1}
