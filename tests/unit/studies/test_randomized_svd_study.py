import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hundreddays.metrics import table_csv
from hundreddays.runner import Context, Reference, run_study
from hundreddays.studies import randomized_svd as study
from hundreddays.study_table import load_studies

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def rows():
    matrices = {
        "video": np.random.default_rng(2).uniform(size=(400, 1)) @ np.ones((1, 40))
        + 0.01 * np.random.default_rng(3).standard_normal((400, 40)),
        "synthetic": study.low_rank_plus_noise(300, 120, 5, 1e-3, seed=0),
    }
    return study.compare(matrices, rank=5, oversample=10, power_iterations=2, repeats=1, seed=0,
                         log=lambda line: None)


def test_synthetic_matrix_has_the_requested_spectrum():
    a = study.low_rank_plus_noise(200, 100, 4, 0.0, seed=1)
    s = np.linalg.svd(a, compute_uv=False)
    assert np.linalg.matrix_rank(a) == 4
    np.testing.assert_allclose(s[:4] / s[0], np.geomspace(1, 0.1, 4), rtol=1e-10)


def test_every_method_reaches_the_optimum(rows):
    scored = rows
    assert {r["method"] for r in scored} == set(study.METHODS)
    for r in scored:
        if r["matrix"] == "synthetic":  # a clear spectral gap after rank 5: near exact
            assert r["excess_over_optimal"] < 1e-3, r
            assert r["sv_rel_error"] < 1e-4, r
        else:  # rank 1 + noise: triplets 2-5 are noise, a flat spectrum, close but not exact
            assert r["excess_over_optimal"] < 1e-2, r
    lapack = [r for r in scored if r["method"] == "lapack"]
    assert all(abs(r["excess_over_optimal"]) < 1e-12 for r in lapack)


def test_score_sees_a_wrong_decomposition():
    a = study.low_rank_plus_noise(100, 50, 3, 1e-3, seed=0)
    s_exact = np.linalg.svd(a, compute_uv=False)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    bad = study.score(a, (u[:, 1:4], s[1:4], vt[1:4]), s_exact, 3)  # skips the top triplet
    assert bad["excess_over_optimal"] > 1 and bad["sv_rel_error"] > 0.1


def test_metrics(rows):
    m = study.metrics(rows)
    assert m["top_singular_values_rel_error"] == m["synthetic_ours_sv_rel_error"]
    assert m["full_to_randomized_time_ratio"] == pytest.approx(
        m["synthetic_lapack_seconds"] / m["synthetic_ours_seconds"])


def test_run_table_and_plot_through_the_contract(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "data" / "JPEGS" / "peds"
    folder.mkdir(parents=True)
    background = rng.integers(60, 200, (16, 20), dtype=np.uint8)
    for k in range(12):
        frame = background.copy()
        frame[4:8, k:k + 3] = 0  # a walker
        Image.fromarray(frame).save(folder / f"frame_{k + 1:04d}.jpg", quality=95)
    cfg = {"video": "peds", "max_frames": 10, "rank": 3, "oversample": 5, "power_iterations": 2,
           "timing_repeats": 1, "synthetic": {"rows": 60, "cols": 30, "rank": 3, "noise": 0.01}}
    lines = []
    result = study.run(Context(study="randomized_svd", cfg=cfg, seed=0,
                               inputs={"data": str(tmp_path / "data")}, log=lines.append))
    assert len(lines) == 2 * len(study.METHODS)
    assert result["metrics"]["peds_ours_rel_error"] > 0
    table = table_csv(result["table"]).splitlines()
    assert table[0] == ("matrix,rows,cols,rank,method,seconds,rel_error,excess_over_optimal,"
                        "sv_rel_error")
    assert table[1].startswith("peds,320,10,3,lapack,")
    assert len(table) == 1 + 2 * len(study.METHODS)
    study.plot(result, tmp_path / "r.png", Reference({}))
    assert (tmp_path / "r.png").stat().st_size > 10_000


def test_without_the_frames_the_synthetic_matrix_gives_the_data_free_metrics(tmp_path):
    """The row's data_free metrics only, through the runner as the rule runs it without its
    data: the claims' synthetic matrix is decomposed, the video is not."""
    row = load_studies(Path(__file__).resolve().parents[3] / "studies.yaml")["randomized_svd"]
    cfg = {"video": "peds", "max_frames": 10, "rank": 3, "oversample": 5, "power_iterations": 2,
           "timing_repeats": 1, "synthetic": {"rows": 60, "cols": 30, "rank": 3, "noise": 0.01}}
    outputs = {"metrics": str(tmp_path / "metrics.json"), "figure": str(tmp_path / "r.png"),
               "table": str(tmp_path / "table.csv")}
    run_study("randomized_svd", cfg=cfg, seed=0, threads=1, scale="full", inputs={},
              outputs=outputs, reference={}, table=True,
              without_data={"reason": "no frames", "data_free": list(row.data_free)})
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written["not_run"] == "no frames"
    assert written["top_singular_values_rel_error"] < 1e-6
    assert written["full_to_randomized_time_ratio"] > 0
    assert not any(k.startswith("peds_") for k in written)
    assert {line.split(",")[0] for line in (tmp_path / "table.csv").read_text().split()[1:]} == {
        "synthetic"}
    assert (tmp_path / "r.png").stat().st_size > 10_000
