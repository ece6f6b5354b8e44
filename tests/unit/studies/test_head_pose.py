"""Head pose study: projection and pixel errors, the BIWI miniature's format and determinism."""


import numpy as np
import pytest
import torch
from miniatures import extract

from hundreddays.demo_mirror import biwi as mirror
from hundreddays.loaders.biwi import load_biwi, project, read_calibration, read_centre
from hundreddays.studies import head_pose as study


@pytest.fixture(scope="module")
def archive():
    return mirror.build_files(0)[mirror.FILE]


@pytest.fixture(scope="module")
def extracted(archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("biwi")
    extract(archive, out)
    return out


def test_miniature_deterministic_small(archive):
    assert archive == mirror.build_files(0)[mirror.FILE]
    assert archive != mirror.build_files(1)[mirror.FILE]
    assert len(archive) < 2_000_000


def test_layout_and_lesson_reading(extracted):
    root = extracted / "biwi_head_pose"
    assert sorted(p.name for p in root.iterdir()) == ["01", "02", "03", "13"]
    frame = sorted((root / "13").glob("frame_*_rgb.jpg"))[0]
    assert frame.name[:6] == "frame_" and len(frame.name) == len("frame_00000_rgb.jpg")
    cal = np.genfromtxt(root / "13" / "rgb.cal", skip_footer=6)
    centre = np.genfromtxt(str(frame)[:-7] + "pose.txt", skip_header=3)
    assert centre.shape == (3,) and cal[0, 1] == 0
    lesson = (centre[0] * cal[0][0] / centre[2] + cal[0][2],
              centre[1] * cal[1][1] / centre[2] + cal[1][2])
    data = load_biwi(extracted, "13")
    assert np.allclose(data.centre(frame), lesson)
    assert len((root / "13" / "rgb.cal").read_text().split("\n\n")) == 4


def test_head_drawn_at_projected_centre(extracted):
    """The skin-coloured head's pixels sit around the projected pose centre."""
    from PIL import Image

    data = load_biwi(extracted, "13")
    for frame in data.images[::9]:
        rgb = np.asarray(Image.open(frame)).astype(float)
        skin = (np.abs(rgb - [217, 166, 133]).sum(-1) < 60)
        ys, xs = np.nonzero(skin)
        x, y = data.centre(frame)
        assert abs(np.median(xs) - x) < 3 and ys.min() < y < ys.max()


def test_projection_and_errors():
    assert np.allclose(project(np.array([100.0, -50.0, 1000.0]), (500.0, 400.0, 320.0, 240.0)),
                       [370.0, 220.0])
    sizes = np.array([[640.0, 480.0], [640.0, 480.0]])
    target = torch.tensor([[[0.0, 0.0]], [[0.5, -0.5]]])
    pred = torch.tensor([[[0.1, 0.0]], [[0.5, -0.5 + 0.2]]])
    assert np.allclose(study.pixel_errors(pred, target, sizes), [32.0, 48.0])
    assert np.allclose(study.to_pixels(target, sizes), [[320, 240], [480, 120]])


def test_loader_errors(extracted, tmp_path):
    with pytest.raises(ValueError, match="validation sequence"):
        load_biwi(extracted, "24")
    bad = tmp_path / "rgb.cal"
    bad.write_text("1 2\n")
    with pytest.raises(ValueError, match="rgb.cal"):
        read_calibration(bad)
    pose = tmp_path / "frame_00001_pose.txt"
    pose.write_text("1 0 0\n0 1 0\n0 0 1\n\n1 2 -5\n")
    with pytest.raises(ValueError, match="pose"):
        read_centre(pose)


def test_run_trains_both_stages_and_plots(tmp_path):
    """The study's entry on a small miniature (tiny encoder, one epoch per stage)."""
    from hundreddays.runner import Context, Reference

    files = mirror.build_files(0, sequences=("01", "13"), frames=12)
    extract(files[mirror.FILE], tmp_path / "data")
    cfg = {"arch": "tiny", "pretrained": False, "valid_sequence": "13", "image_height": 60,
           "image_width": 80, "batch_size": 4, "augment": False, "y_range": [-1, 1],
           "lr": 0.01, "frozen_epochs": 1, "unfrozen_epochs": 1, "unfrozen_lr_divisors": [10, 1],
           "log_every": 0, "figure_images": 2}
    torch.manual_seed(0)
    result = study.run(Context(study="head_pose", cfg=cfg,
                               inputs={"data": str(tmp_path / "data")}, log=lambda _: None))
    m = result["metrics"]
    assert m["n_valid_images"] == 12
    assert all(p.parent.name == "13" for p in result["items"])
    assert m["unfrozen_to_frozen_valid_loss"] == pytest.approx(
        m["unfrozen_valid_loss"] / m["frozen_valid_loss"])
    assert len(result["frozen"]["epochs"]) == len(result["unfrozen"]["epochs"]) == 1
    assert m["frozen_centre_error_px"] > 0 and m["seconds_per_epoch"] > 0
    study.plot(result, tmp_path / "f.png",
               Reference({"unfrozen_to_frozen_valid_loss": {"reported": 0.5}}))
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
