import numpy as np

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


def test_plot_writes_png(tmp_path):
    videos = {"peds": steady_video(), "landing": panning_video()}
    results = {k: run(v) for k, v in videos.items()}
    study.plot(videos, results, 20, tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 1000
