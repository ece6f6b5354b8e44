"""Rule randomized_svd: our randomized SVD against LAPACK, scikit-learn and torch, timed."""

from pathlib import Path

from hundreddays.atomic import write_text
from hundreddays.loaders.ucsd import load_ucsd_videos
from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import randomized_svd as study
from hundreddays.studies.svd_background import video_matrix

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg, seed = sm.params.cfg, sm.params.seed
    video = load_ucsd_videos(Path(sm.input.data), [cfg["video"]], cfg["max_frames"])[cfg["video"]]
    synthetic = cfg["synthetic"]
    matrices = {
        cfg["video"]: video_matrix(video),
        "synthetic": study.low_rank_plus_noise(synthetic["rows"], synthetic["cols"],
                                               synthetic["rank"], synthetic["noise"], seed),
    }
    rows = study.compare(matrices, cfg["rank"], cfg["oversample"], cfg["power_iterations"],
                         cfg["timing_repeats"], seed, sm.threads)
    write_text(sm.output.table, study.table_csv(rows))
    study.plot(rows, sm.output.figure)
    write_metrics(sm.output.metrics, study.metrics(rows))
