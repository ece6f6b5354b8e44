"""The nmf_topics study: SVD topics, topic matching against the reference, scikit-learn's own
fetch against our loader, and the study on the demo miniature."""

import csv
import io
import itertools

import numpy as np
import pytest
from miniatures import extract
from sklearn.decomposition import TruncatedSVD

from hundreddays.demo_mirror import newsgroups as mini
from hundreddays.loaders.newsgroups import load_newsgroups, sklearn_fetch_matches
from hundreddays.metrics import table_csv, write_metrics
from hundreddays.runner import Context, Reference
from hundreddays.studies import nmf_topics as study

CFG = {"subset": "train", "categories": ["alt.atheism", "talk.religion.misc", "comp.graphics",
                                         "sci.space"],
       "weighting": "tfidf", "n_topics": 4, "top_words": 8, "steps": 600, "lr": 1e-3,
       "betas": [0.9, 0.9], "penalty_weight": 1e6, "init_std": 0.01, "reference_init": "nndsvd",
       "judged_step": 60, "checkpoint_every": 60, "overlap_threshold": 0.5, "timing_repeats": 1}
CLAIMED = ["sklearn_fetch_vectors", "topic_agreement_at_judged_step",
           "torch_matmul_operator_equals_mm", "numpy_matmul_operator_equals_dot"]


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
    assert study.checkpoint_steps(1000, 300, 100) == [0, 100, 300, 600, 900, 1000]
    with pytest.raises(ValueError, match="judged_step"):
        study.checkpoint_steps(100, 10, 101)


def test_agreement_tells_random_topics_from_the_reference():
    """The claim's measure comes out either way: random word lists share about nothing with the
    reference topics, a reordered copy of them shares everything, half-replaced ones half."""
    rng = np.random.default_rng(0)
    reference = rng.permutation(5000)[:48].reshape(6, 8)
    random_topics = rng.integers(0, 5000, (6, 8))
    assert study.topic_overlap(random_topics, reference)[0] < 0.1
    assert study.topic_overlap(reference[::-1], reference)[0] == 1.0
    half = reference.copy()
    half[:, 4:] = 5000 + np.arange(24).reshape(6, 4)
    assert study.topic_overlap(half, reference)[0] == 0.5


def test_matmul_operator_checks():
    assert study.matmul_checks(0) == {"torch_matmul_operator_equals_mm": 1,
                                      "numpy_matmul_operator_equals_dot": 1}


def test_sklearn_fetch_matches_the_loader_and_notices_a_difference(data, posts, tmp_path):
    args = (data, "train", CFG["categories"])
    assert sklearn_fetch_matches(*args, posts, tmp_path / "a") == 1
    other = {**posts, "data": [text.lower() for text in posts["data"]]}
    assert sklearn_fetch_matches(*args, other, tmp_path / "b") == 0
    relabelled = {**posts, "target": posts["target"][::-1]}
    assert sklearn_fetch_matches(*args, relabelled, tmp_path / "c") == 0


def test_study_finds_the_miniature_topics(result):
    metrics = result["metrics"]
    assert metrics["newsgroups_term_matrix_built"] == 1
    assert metrics["sklearn_fetch_equals_loader"] == metrics["sklearn_fetch_vectors"] == 1
    assert metrics["documents"] == 4 * mini.COURSE_POSTS[0]
    # The best rank-k approximation (SVD) bounds both NMFs; the course's loop descends (600
    # steps of its lr 1e-3 bring it within 0.1 of scikit-learn's error on the miniature).
    assert metrics["svd_rank_k_relative_error"] <= min(metrics["sklearn_nmf_relative_error"],
                                                       metrics["torch_nmf_relative_error"])
    assert metrics["torch_nmf_final_error"] < 0.85 * metrics["torch_nmf_initial_error"]
    assert metrics["torch_nmf_relative_error"] < metrics["sklearn_nmf_relative_error"] + 0.1
    assert metrics["topic_agreement_initial"] < 0.3 < 0.5 < metrics["topic_agreement_final"]
    assert 0 <= metrics["topic_agreement_at_judged_step"] <= 1
    assert 0 < metrics["error_drop_share_at_judged_step"] <= 1
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
    assert [r["topic"] for r in rows[:CFG["n_topics"]]] == ["1", "2", "3", "4"]
    assert {r["method"] for r in rows} >= {"PyTorch NMF, step 60", "PyTorch NMF, step 600"}
    study.plot(result, tmp_path / "nmf_topics.png", Reference({}))
    assert (tmp_path / "nmf_topics.png").stat().st_size > 10_000


def test_unknown_weighting_names_the_config_key(posts):
    with pytest.raises(ValueError, match="studies.nmf_topics.weighting"):
        study.measure(posts["data"], {**CFG, "weighting": "bm25"}, seed=0)
