"""bench/gpu_check.py on a machine without a GPU: it says so and exits 0, running nothing; and its
machinery (the device hook, the study files, the table) checked on the CPU with the expected
device as a parameter."""

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from hundreddays.fastai_support import dataloader_kwargs
from hundreddays.study_table import Study, load_studies
from hundreddays.training import to_device

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "gpu_check.py"


def _load():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module
    spec.loader.exec_module(module)
    return module


gc = _load()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_without_cuda_the_script_says_so_and_exits_0(tmp_path):
    out = tmp_path / "table.md"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "no GPU" in proc.stdout and "nothing was run" in proc.stdout
    assert not out.exists()


def test_main_runs_nothing_when_cuda_is_absent(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(gc, "run_one", lambda *a, **k: pytest.fail("a study was run"))
    assert gc.main(["--out", str(tmp_path / "t.md")]) == 0
    assert "no GPU" in capsys.readouterr().out
    assert not (tmp_path / "t.md").exists()


def tiny() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4))


def test_hook_counts_every_module_call_and_passes_on_the_expected_device():
    model = tiny()
    with gc.DeviceCheck("cpu") as check:
        model(torch.randn(5, 3))
        model(torch.randn(5, 3))
    assert check.calls == 8  # Sequential + Linear + ReLU + BatchNorm, twice
    assert check.off_device_calls == 0 and check.ok and check.problem() is None
    model(torch.randn(5, 3))  # the hook is gone after the block
    assert check.calls == 8


def test_hook_reports_inputs_parameters_and_buffers_off_the_expected_device():
    with gc.DeviceCheck("cuda", keep=3) as check:
        tiny()(torch.randn(5, 3))
        nn.BatchNorm1d(4, affine=False)(torch.randn(5, 4))
    assert check.calls == check.off_device_calls == 5
    assert not check.ok
    # forward hooks run as each call returns: the inner modules before the Sequential
    assert check.examples == [
        "Linear: input on cpu, parameter weight on cpu, parameter bias on cpu",
        "ReLU: input on cpu",
        "BatchNorm1d: input on cpu, parameter weight on cpu, parameter bias on cpu"]
    with gc.DeviceCheck("cuda") as buffers:
        nn.BatchNorm1d(4, affine=False)(torch.randn(5, 4))
    assert buffers.examples == [
        "BatchNorm1d: input on cpu, buffer running_mean on cpu, buffer running_var on cpu"]
    assert check.problem().startswith("5 of 5 module calls not on cuda (first: Linear: ")


def test_hook_finds_tensors_nested_in_the_inputs_and_counts_autocast():
    class Pair(nn.Module):
        def forward(self, pair, extra):
            return pair[0] + extra["b"]

    with gc.DeviceCheck("cuda") as off:
        Pair()((torch.ones(2), torch.ones(2)), {"b": torch.ones(2)})
    assert off.examples == ["Pair: input on cpu, input on cpu, input on cpu"]
    with gc.DeviceCheck("cpu") as check, torch.autocast("cpu", dtype=torch.bfloat16):
        tiny()(torch.randn(5, 3))
    assert check.autocast_calls == check.calls == 4
    assert gc.DeviceCheck("cpu").problem() == "no nn.Module was called"


def test_a_study_without_modules_passes_on_gpu_memory_only():
    check = gc.DeviceCheck("cuda")
    assert gc.status(check, 3.5).startswith("ok (no nn.Module called")
    assert gc.status(check, 0.0).startswith("FAILED: no nn.Module called")
    assert gc.status(gc.DeviceCheck("cpu"), None) == "ok (no nn.Module called: not checked)"


def test_epoch_timings_keeps_the_per_epoch_keys_only():
    metrics = {"seconds_per_epoch": 2.0, "frozen_seconds_per_epoch": 3.0,
               "classifier_epoch_seconds": 4.0, "lm_seconds_per_epoch": 5,
               "train_seconds": 60.0, "epochs": 4, "best_epoch": 2, "error_rate_epoch_1": 0.5,
               "seconds_per_epoch_32px": 1.0}
    assert gc.epoch_timings(metrics) == {
        "seconds_per_epoch": 2.0, "frozen_seconds_per_epoch": 3.0,
        "classifier_epoch_seconds": 4.0, "lm_seconds_per_epoch": 5.0,
        "seconds_per_epoch_32px": 1.0}


def test_write_table_as_csv_and_markdown(tmp_path):
    rows = [{"study": "a", "status": "ok", "wall_seconds": 1.23456, "peak_gpu_mib": 512.0,
             "module_calls": 10, "off_device_calls": 0},
            {"study": "b", "status": "error: x | y"}]
    gc.write_table(rows, tmp_path / "t.csv")
    with open(tmp_path / "t.csv", newline="") as f:
        read = list(csv.DictReader(f))
    assert list(read[0]) == gc.COLUMNS
    assert read[0]["wall_seconds"] == "1.235" and read[0]["peak_gpu_mib"] == "512"
    assert read[1]["wall_seconds"] == "" and read[1]["status"] == "error: x | y"
    text = gc.write_table(rows, tmp_path / "sub" / "t.md", header="GPU check on X")
    lines = text.splitlines()
    assert lines[0] == "GPU check on X" and lines[2].startswith("| study | status |")
    assert lines[4].startswith("| a | ok | 1.235 |") and "error: x / y" in lines[5]
    assert all(line.count("|") == len(gc.COLUMNS) + 1 for line in lines[2:])


def test_demo_config_is_the_deep_merge_of_the_demo_scale():
    config = gc.demo_config()
    assert config["scale"] == "demo" and config["data_dir"] == "data/demo"
    pets = config["studies"]["pets"]
    assert pets["arch"] == "resnet18" and pets["pretrained"] is False  # from the demo scale
    assert config["studies"]["fibonacci"]["fast_max_n"] == 100000  # kept from config.yaml
    assert gc.deep_merge({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"b": 3}, "d": {"e": 1}}) == {
        "a": {"b": 3, "c": 2}, "d": {"e": 1}}


def test_gpu_studies_are_the_rows_with_gpu_and_their_files_are_the_rules():
    studies = load_studies(REPO / "studies.yaml")
    chosen = gc.gpu_studies(studies)
    assert {"pets", "mnist_logreg", "imdb", "sgd_line"} <= set(chosen)
    assert "fibonacci" not in chosen and "onnx_export" not in chosen
    config = gc.demo_config()
    inputs, outputs, checkpoint = gc.study_files(
        studies["pets"], config["studies"]["pets"], studies, Path("/d"), Path("/r"))
    assert inputs == {"data": "/d/pets"}  # no weights: the demo trains from scratch
    assert outputs == {"metrics": "/r/pets/metrics.json", "figure": "/r/figures/pets.png",
                       "model": "/r/pets/model.pth", "recipe": "/r/pets/model.json"}
    assert checkpoint == "/r/checkpoints/pets.pt"
    inputs, _, checkpoint = gc.study_files(
        studies["sgd_line"], config["studies"]["sgd_line"], studies, Path("/d"), Path("/r"))
    assert inputs == {} and checkpoint is None


TOY = '''
from pathlib import Path

import torch


def run(ctx):
    model = torch.nn.Linear(2, 1)
    model(torch.ones(3, 2))
    if ctx.cfg.get("fail"):
        raise RuntimeError("toy failure\\nsecond line")
    return {"metrics": {"seconds_per_epoch": 0.25, "train_seconds": 9.0, "loss": 1.0}}


def plot(result, path, reference):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(b"png")
'''


@pytest.mark.parametrize("fail", [False, True])
def test_run_one_runs_a_study_as_its_rule_under_the_check(tmp_path, monkeypatch, fail):
    package = tmp_path / "gpu_check_toys"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "toy.py").write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path))
    row = Study(id="toy", day="1", title="toy", gpu=1)
    record = gc.run_one("toy", row, {"fail": fail}, {"seed": 0}, {"toy": row}, [], tmp_path,
                        tmp_path / "results", device_type="cpu", package="gpu_check_toys")
    assert record["module_calls"] == 1 and record["off_device_calls"] == 0
    assert record["wall_seconds"] > 0 and "peak_gpu_mib" not in record
    assert (tmp_path / "logs" / "toy.log").exists()
    if fail:
        assert record["status"] == "error: RuntimeError: toy failure"
        assert "seconds_per_epoch" not in record
    else:
        assert record["status"] == "ok"
        assert record["seconds_per_epoch"] == 0.25
        assert record["epoch_timings"] == "seconds_per_epoch 0.25"
        assert (tmp_path / "results" / "toy" / "metrics.json").exists()


def test_missing_input_is_a_row_not_a_crash(tmp_path):
    row = Study(id="toy", day="1", title="toy", datasets=("mnist",), gpu=1)
    record = gc.run_one("toy", row, {}, {"seed": 0}, {"toy": row}, [], tmp_path / "nodata",
                        tmp_path / "results", device_type="cpu")
    assert record["status"].startswith("not run: input missing")


def test_the_checked_code_path_changes_nothing_on_the_cpu():
    t = torch.arange(6.0)
    assert to_device(t, torch.device("cpu")) is t
    assert dataloader_kwargs(torch.device("cpu")) == {"num_workers": 0,
                                                      "device": torch.device("cpu")}
    assert dataloader_kwargs(torch.device("cuda"))["pin_memory"] is True
