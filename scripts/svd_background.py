"""Rule svd_background: low-rank background of the UCSD videos by SVD and randomized SVD."""

from pathlib import Path

from hundreddays.loaders.ucsd import load_ucsd_videos
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import svd_background as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg = sm.params.cfg
    videos = load_ucsd_videos(Path(sm.input.data), cfg["videos"], cfg["max_frames"])
    results = {}
    for name, video in videos.items():
        print(f"{name}: {video.shape[0]} frames of {video.shape[1]}x{video.shape[2]} pixels")
        results[name] = study.separate(video, cfg["rank"], cfg["foreground_threshold"],
                                       cfg["randomized_oversample"],
                                       cfg["randomized_power_iterations"], sm.params.seed)
        print(f"{name}: {results[name]['measurements']}")
    study.plot(videos, results, cfg["figure_frame"], sm.output.figure)
    write_metrics(sm.output.metrics, study.summarize(results))
