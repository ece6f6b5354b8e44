"""The nmf_topics study: our PyTorch NMF, SVD topics and topic matching against references."""

import csv
import io
import itertools

import numpy as np
import pytest
import torch
from miniatures import extract
from sklearn.decomposition import TruncatedSVD

from hundreddays.demo_mirror import newsgroups as mini
from hundreddays.loaders.newsgroups import load_newsgroups
from hundreddays.metrics import table_csv, write_metrics
from hundreddays.runner import Context, Reference
from hundreddays.studies import nmf_topics as study

CFG = {"subset": "train", "categories": ["alt.atheism", "talk.religion.misc", "comp.graphics",
                                         "sci.space"],
       "weighting": "tfidf", "n_topics": 5, "top_words": 8, "steps": 400, "relative_lr": 0.1,
       "checkpoint_every": 20, "overlap_threshold": 0.5, "timing_repeats": 1}
CLAIMED = ["newsgroups_term_matrix_built", "loss_drop_in_first_tenth",
           "torch_matmul_operator_equals_mm", "numpy_matmul_operator_equals_dot"]


def planted(rows=60, cols=40, rank=3, seed=0):
    """Return (M, H0): an exactly rank-`rank` non-negative M = W0 H0 with a sparse H0."""
    rng = np.random.default_rng(seed)
    h0 = rng.exponential(size=(rank, cols)) * (rng.random((rank, cols)) < 0.5)
    return rng.exponential(size=(rows, rank)) @ h0, h0


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("newsgroups")
    archive = mini.build_files(0)[mini.ARCHIVE]
    extract(archive, out)
    return out


@pytest.fixture(scope="module")
def posts(data):
    return load_newsgroups(data, "train", CFG["categories"])


@pytest.fixture(scope="module")
def logged():
    return []


@pytest.fixture(scope="module")
def result(data, logged):
    return study.run(Context(study="nmf_topics", cfg=CFG, inputs={"data": str(data)},
                             log=logged.append))


def test_torch_nmf_reconstructs_a_low_rank_matrix_like_sklearn():
    m, h0 = planted()
    w_sk, h_sk = study.sklearn_nmf(m, 3, seed=0)
    fit = study.torch_nmf(m, 3, steps=300, relative_lr=0.1, seed=0, checkpoints=[0, 300],
                          top_k=5)
    ours, theirs = study.relative_error(m, fit["w"], fit["h"]), study.relative_error(m, w_sk, h_sk)
    assert theirs < 0.01 and ours < 0.02
    assert fit["w"].min() >= 0 and fit["h"].min() >= 0
    assert fit["losses"][-1] / np.linalg.norm(m) == pytest.approx(ours, rel=1e-3)
    # The planted sparse factors are identifiable: each found row of H matches one row of H0.
    unit = [h / np.linalg.norm(h, axis=1, keepdims=True) for h in (fit["h"], h0)]
    cosine = unit[0] @ unit[1].T
    assert min(max(cosine[:, j]) for j in range(3)) > 0.99


def test_residual_norm_equals_the_dense_norm_and_its_gradient():
    rng = np.random.default_rng(5)
    m = rng.exponential(size=(30, 50)) * (rng.random((30, 50)) < 0.1)
    w = torch.rand(30, 4, dtype=torch.float64, requires_grad=True)
    h = torch.rand(4, 50, dtype=torch.float64, requires_grad=True)
    ours = study.residual_norm(study.sparse_tensor(m), float((m**2).sum()), w, h)
    grads = torch.autograd.grad(ours, [w, h])
    dense = torch.linalg.matrix_norm(torch.as_tensor(m) - w.mm(h))
    assert ours.item() == pytest.approx(dense.item(), rel=1e-12)
    for ours_grad, dense_grad in zip(grads, torch.autograd.grad(dense, [w, h]), strict=True):
        torch.testing.assert_close(ours_grad, dense_grad)


def test_torch_nmf_is_reproducible_in_the_seed():
    m, _ = planted()
    runs = [study.torch_nmf(m, 3, 30, 0.1, seed, [0, 30], 5)["losses"] for seed in (1, 1, 2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_svd_topics_match_a_reference_svd():
    rng = np.random.default_rng(3)
    m = rng.exponential(size=(50, 80)) * (rng.random((50, 80)) < 0.2)
    s, vt = study.svd_topics(m, 4)
    np.testing.assert_allclose(s, np.linalg.svd(m, compute_uv=False), rtol=1e-10)
    reference = TruncatedSVD(4, algorithm="arpack").fit(m).components_
    np.testing.assert_allclose(np.abs(vt), np.abs(reference), atol=1e-8)
    assert all(row[np.abs(row).argmax()] > 0 for row in vt)  # sign fixed
    np.testing.assert_array_equal(study.top_word_indices(vt, 6),
                                  np.argsort(vt, axis=1)[:, ::-1][:, :6])


def brute_force_overlap(a, b):
    """Reference: try every one-to-one matching, keep the largest total Jaccard index."""
    def jaccard(x, y):
        return len(set(x) & set(y)) / len(set(x) | set(y))
    best = max(itertools.permutations(range(len(a))),
               key=lambda p: sum(jaccard(a[p[j]], b[j]) for j in range(len(b))))
    return np.mean([len(set(a[best[j]]) & set(b[j])) / len(b[j]) for j in range(len(b))])


def test_topic_overlap_matches_brute_force_matching():
    rng = np.random.default_rng(4)
    for _ in range(20):
        a = np.array([rng.choice(12, 4, replace=False) for _ in range(4)])
        b = np.array([rng.choice(12, 4, replace=False) for _ in range(4)])
        assert study.topic_overlap(a, b)[0] == pytest.approx(brute_force_overlap(a, b))
    b = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    share, order = study.topic_overlap(b[[2, 0, 1]], b)
    assert share == 1.0
    np.testing.assert_array_equal(order, [1, 2, 0])


def test_loss_drop_share_and_checkpoints():
    losses = np.array([10.0, 4.0, 3.0, 2.5, 2.0])
    assert study.loss_drop_share(losses, 1) == pytest.approx(0.75)
    assert study.loss_drop_share(np.ones(5), 1) == 1.0
    assert study.checkpoint_steps(1000, 300) == [0, 100, 300, 600, 900, 1000]


def test_matmul_operator_checks():
    assert study.matmul_checks(0) == {"torch_matmul_operator_equals_mm": 1,
                                      "numpy_matmul_operator_equals_dot": 1}


def test_study_finds_the_miniature_topics(result):
    metrics = result["metrics"]
    assert metrics["newsgroups_term_matrix_built"] == 1
    assert metrics["documents"] == 4 * mini.COURSE_POSTS[0]
    # The factorisations are ordered: best rank-k (SVD) <= sklearn NMF <= ours < random start.
    assert (metrics["svd_rank_k_relative_error"] <= metrics["sklearn_nmf_relative_error"]
            <= metrics["torch_nmf_relative_error"] < metrics["torch_nmf_initial_relative_error"])
    assert metrics["torch_nmf_relative_error"] < metrics["sklearn_nmf_relative_error"] + 0.02
    assert metrics["topic_overlap_initial"] < 0.3 < 0.5 < metrics["topic_overlap_final"]
    assert 0 < metrics["loss_drop_in_first_tenth"] <= 1
    final = {" ".join(result["vocab"][i] for i in row)
             for row in result["topics"][f"PyTorch NMF, step {CFG['steps']}"]}
    for word in ("atheism", "jpeg", "nasa", "jesus"):  # one topic per course group
        assert sum(word in topic for topic in final) >= 1


def test_outputs_are_written(result, logged, tmp_path):
    assert set(CLAIMED) <= set(result["metrics"])
    assert logged[0] == f"{4 * mini.COURSE_POSTS[0]} train posts of {sorted(CFG['categories'])}"
    write_metrics(tmp_path / "metrics.json", result["metrics"])
    rows = list(csv.DictReader(io.StringIO(table_csv(result["table"]))))
    assert len(rows) == 5 * CFG["n_topics"] and len(rows[0]["top_words"].split()) == 8
    assert [r["topic"] for r in rows[:CFG["n_topics"]]] == ["1", "2", "3", "4", "5"]
    study.plot(result, tmp_path / "nmf_topics.png", Reference({}))
    assert (tmp_path / "nmf_topics.png").stat().st_size > 10_000


def test_unknown_weighting_names_the_config_key(posts):
    with pytest.raises(ValueError, match="studies.nmf_topics.weighting"):
        study.measure(posts["data"], {**CFG, "weighting": "bm25"}, seed=0)
