"""The rehearsal's CUDA path without a GPU: the per-phase peak GPU memory and the module
placement check, with torch.cuda's counters and the device mocked."""

import json

import pytest
import torch

from hundreddays import rehearsal
from hundreddays.rehearsal import record as record_module
from hundreddays.rehearsal.cap import Cap


class FakeCuda:
    """torch.cuda's memory counters, as if CUDA were in use."""

    def __init__(self):
        self.peak, self.resets = 0, 0

    def is_available(self):
        return True

    def is_initialized(self):
        return True

    def max_memory_allocated(self):
        return self.peak

    def reset_peak_memory_stats(self):
        self.resets += 1
        self.peak = 0


def test_each_phase_keeps_its_own_gpu_peak_and_the_run_the_largest(monkeypatch):
    fake = FakeCuda()
    monkeypatch.setattr(torch, "cuda", fake)
    with rehearsal.recording(Cap()) as rec:
        fake.peak = 5 * 2**20
        with rehearsal.phase("frozen"):
            fake.peak = 300 * 2**20
        with rehearsal.phase("unfrozen"):
            fake.peak = 200 * 2**20
        run = rec.record("ran")["run"]
    assert [c["peak_gpu_mib"] for c in run["children"]] == [300.0, 200.0]
    assert run["peak_gpu_mib"] == 300.0
    assert fake.resets == 2


def test_the_record_says_where_the_modules_ran(tmp_path, monkeypatch):
    monkeypatch.setattr(record_module, "PLACEMENT_DEVICES", ("cuda", "cpu"))
    path = tmp_path / "rec.json"
    model = torch.nn.Linear(2, 1)
    with record_module.study_recording("toy", {"max_steps": 1}, path, {"device": "cpu"}):
        model(torch.zeros(1, 2))
        with torch.autocast("cpu"):
            model(torch.zeros(1, 2))
    placement = json.loads(path.read_text())["placement"]
    assert placement["module_calls"] == 2 and placement["off_device_calls"] == 0
    assert placement["autocast_calls"] == 1


def test_on_the_cpu_no_placement_is_recorded(tmp_path):
    path = tmp_path / "rec.json"
    with record_module.study_recording("toy", {"max_steps": 1}, path, {"device": "cpu"}):
        torch.nn.Linear(2, 1)(torch.zeros(1, 2))
    assert "placement" not in json.loads(path.read_text())


@pytest.mark.parametrize("device", ["cuda"])
def test_a_module_off_the_gpu_is_named(device):
    from hundreddays.rehearsal.placement import DeviceCheck

    with DeviceCheck(device) as check:
        torch.nn.Linear(2, 1)(torch.zeros(1, 2))
    assert check.off_device_calls == 1 and "Linear" in check.examples[0]
