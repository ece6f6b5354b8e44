import numpy as np
import pytest
from PIL import Image

from hundreddays.loaders.ucsd import video_matrix
from hundreddays.runner import Context, Reference
from hundreddays.studies import svd_background as study


def steady_video(t=30, h=20, w=24, seed=0):
    rng = np.random.default_rng(seed)
    background = rng.uniform(0.3, 0.7, (h, w))
    video = np.repeat(background[None], t, axis=0)
    for k in range(t):  # one dark walker crossing the frame
        x = k % (w - 3)
        video[k, 8:12, x : x + 3] = 0.0
    return video


def panning_video(t=30, h=20, w=24, seed=0):
    rng = np.random.default_rng(seed)
    scene = rng.uniform(0, 1, (h, w + t))
    return np.stack([scene[:, k : k + w] for k in range(t)])


def run(video):
    return study.separate(video, rank=1, threshold=0.1, oversample=5, power_iterations=2, seed=0)


def test_steady_camera_separates_and_moving_camera_does_not():
    steady, moving = run(steady_video()), run(panning_video())
    assert steady["measurements"]["foreground_fraction"] < 0.1  # walker covers 2.5 %
    assert moving["measurements"]["foreground_fraction"] > 0.3
    metrics = study.summarize({"peds": steady, "landing": moving})
    assert metrics["landing_to_peds_foreground_ratio"] > 5
    assert metrics["peds_randomized_vs_full_rel_diff"] < 1e-6


def test_background_plus_foreground_is_the_video():
    video = steady_video()
    r = run(video)
    np.testing.assert_allclose(r["background"] + r["foreground"], video, atol=1e-12)


def test_video_matrix_has_one_column_per_frame():
    video = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    m = video_matrix(video)
    assert m.shape == (12, 2) and m.dtype == np.float64
    np.testing.assert_array_equal(m[:, 1], video[1].ravel())
    with pytest.raises(ValueError, match="video_matrix"):
        video_matrix(video[0])


def write_frames(folder, video):
    folder.mkdir(parents=True)
    for k, frame in enumerate(video):
        Image.fromarray(np.round(frame * 255).astype(np.uint8)).save(folder / f"{k + 1}.jpg",
                                                                      quality=95)


def test_run_and_plot_through_the_contract(tmp_path):
    write_frames(tmp_path / "data" / "peds", steady_video())
    write_frames(tmp_path / "data" / "landing", panning_video())
    cfg = {"videos": ["peds", "landing"], "max_frames": 25, "rank": 1,
           "randomized_oversample": 5, "randomized_power_iterations": 2,
           "foreground_threshold": 0.1, "figure_frame": 20}
    lines = []
    result = study.run(Context(study="svd_background", cfg=cfg,
                               inputs={"data": str(tmp_path / "data")}, log=lines.append))
    m = result["metrics"]
    assert lines[0] == "peds: 25 frames of 20x24 pixels"
    assert m["peds_frames"] == 25 and m["landing_pixels"] == 20 * 24
    assert m["landing_to_peds_foreground_ratio"] > 5
    study.plot(result, tmp_path / "s.png", Reference({}))
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_residual_energy_separates_the_cameras_where_the_energy_share_does_not():
    """The first component's energy share is high for both videos; the remainder it leaves is
    what differs (claim svd_background_rank_one_energy)."""
    steady, moving = run(steady_video()), run(panning_video())
    s, m = steady["measurements"], moving["measurements"]
    assert s["low_rank_energy_fraction"] > 0.9 and m["low_rank_energy_fraction"] > 0.7
    metrics = study.summarize({"peds": steady, "landing": moving})
    ratio = metrics["landing_to_peds_residual_energy_ratio"]
    assert ratio == pytest.approx((1 - m["low_rank_energy_fraction"])
                                  / (1 - s["low_rank_energy_fraction"]))
    assert ratio > 2
    # the same video twice: no difference, so the claim could not pass
    same = study.summarize({"peds": steady, "landing": steady})
    assert same["landing_to_peds_residual_energy_ratio"] == pytest.approx(1.0)
