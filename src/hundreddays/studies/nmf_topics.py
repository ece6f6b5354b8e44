"""Days 3-4: topics of 20 Newsgroups posts by SVD, by scikit-learn's NMF and by the course's NMF
written in PyTorch (autograd, Adam, a squared penalty on negative entries: hundreddays.linalg.nmf),
as in the fast.ai "Computational Linear Algebra" notebook nbs/2 "Topic Modeling with NMF and SVD".

How quickly the PyTorch topics "make sense" is measured on the topics: at checkpoints, the share
of each topic's top words found in its matched topic of scikit-learn's NMF (the course's
reference decomposition; topics matched one-to-one on the Jaccard index). The course's other
PyTorch NMF (hand-written gradients) is run beside it, not judged. scikit-learn's own
fetch_20newsgroups is also run, offline, on the same archive, against our loader.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import scipy.linalg
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from ..linalg.nmf import sgd_nmf, torch_nmf
from ..loaders.newsgroups import load_newsgroups, sklearn_fetch_matches
from ..timing import timed

MATMUL_SHAPES = ((300, 200), (200, 150))  # random matrices of the `@` checks
WEIGHTINGS = ("tfidf", "counts")
REFERENCE_SEED = 1  # the course's NMF(n_components=d, random_state=1), nbs/2 cell 59


def term_matrices(texts: list[str]) -> dict:
    """Return {"counts", "tfidf": sparse (documents x words), "vocab": word array}: the course's
    CountVectorizer(stop_words="english") and TfidfVectorizer with the same settings."""
    counter = CountVectorizer(stop_words="english")
    counts = counter.fit_transform(texts)
    tfidf = TfidfVectorizer(stop_words="english", vocabulary=counter.vocabulary_)
    return {"counts": counts, "tfidf": tfidf.fit_transform(texts),
            "vocab": counter.get_feature_names_out()}


def top_word_indices(components: np.ndarray, k: int) -> np.ndarray:
    """Return (topics, k) indices of each row's k largest entries, largest first."""
    return np.argsort(-components, axis=1, kind="stable")[:, :k]


def svd_topics(m: np.ndarray, n_topics: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (singular values, first `n_topics` rows of Vt), each row's sign flipped so that its
    largest-magnitude entry is positive (an SVD fixes a singular vector only up to sign)."""
    _, s, vt = scipy.linalg.svd(m, full_matrices=False)
    vt = vt[:n_topics]
    signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
    return s, vt * signs[:, None]


def sklearn_nmf(m, n_topics: int, init: str = "nndsvd") -> tuple[np.ndarray, np.ndarray]:
    """Return (W, H) of scikit-learn's NMF as the course calls it (nbs/2 cells 59 and 64:
    NMF(n_components=d, random_state=1), coordinate descent); `init` "nndsvd" was that
    scikit-learn's default (0.19; 1.1 made it "nndsvda")."""
    model = NMF(n_components=n_topics, init=init, random_state=REFERENCE_SEED)
    return model.fit_transform(m), model.components_


def relative_error(m: np.ndarray, w: np.ndarray, h: np.ndarray) -> float:
    """Return ||M - W H||_F / ||M||_F."""
    return float(np.linalg.norm(m - w @ h) / np.linalg.norm(m))


def loss_drop_share(losses: np.ndarray, upto: int) -> float:
    """Return (L[0] - L[upto]) / (L[0] - L[-1]): the share of the total decrease reached by step
    `upto` (1 when the loss did not decrease at all)."""
    total = losses[0] - losses[-1]
    return float((losses[0] - losses[upto]) / total) if total > 0 else 1.0


def topic_overlap(top_a: np.ndarray, top_b: np.ndarray) -> tuple[float, np.ndarray]:
    """Match the topics of `top_a` one-to-one to those of `top_b` (rows of word indices) by the
    largest total Jaccard index of their word sets. Returns (mean share of top words a matched
    pair has in common, order) where top_a[order[j]] is the topic matched to top_b[j]."""
    sets_a, sets_b = [set(row) for row in top_a], [set(row) for row in top_b]
    jaccard = np.array([[len(a & b) / len(a | b) for b in sets_b] for a in sets_a])
    rows, cols = linear_sum_assignment(jaccard, maximize=True)
    shared = [len(sets_a[r] & sets_b[c]) / len(sets_b[c]) for r, c in zip(rows, cols, strict=True)]
    order = np.empty(len(cols), dtype=int)
    order[cols] = rows
    return float(np.mean(shared)), order


def matmul_checks(seed: int) -> dict[str, int]:
    """Return 1/0 flags: torch float32 A @ B bitwise equal to A.mm(B), and numpy float64 A @ B
    bitwise equal to np.dot(A, B), on random matrices."""
    (n, k), (_, p) = MATMUL_SHAPES
    generator = torch.Generator().manual_seed(seed)
    a, b = torch.randn(n, k, generator=generator), torch.randn(k, p, generator=generator)
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((n, k)), rng.standard_normal((k, p))
    return {"torch_matmul_operator_equals_mm": int(torch.equal(a @ b, a.mm(b))),
            "numpy_matmul_operator_equals_dot": int(np.array_equal(x @ y, np.dot(x, y)))}


def checkpoint_steps(steps: int, every: int, judged: int) -> list[int]:
    """Return 0, every, 2 every, ..., plus the judged step and the last."""
    if not 0 < judged <= steps:
        raise ValueError(f"studies.nmf_topics.judged_step must be in [1, steps = {steps}], "
                         f"got {judged}")
    return sorted(set(range(0, steps + 1, every)) | {judged, steps})


def measure(texts: list[str], cfg: dict, seed: int, log=print) -> dict:
    """Run the study on the posts `texts` with the study's config block. Returns {"metrics",
    "table" (topics_table), "vocab", "errors", "agreement" (step -> share of top words in common
    with scikit-learn's topics), "own_agreement" (the same with the run's own last topics),
    "sgd_errors", "sgd_agreement" (the course's hand-gradient loop), "topics" (method ->
    (topics, k) word indices, torch's in scikit-learn's order), "reference_errors",
    "judged_step", "threshold"}."""
    if cfg["weighting"] not in WEIGHTINGS:
        raise ValueError(f"studies.nmf_topics.weighting is {cfg['weighting']!r}; "
                         f"expected one of {list(WEIGHTINGS)}")
    k, top_k, steps, judged = cfg["n_topics"], cfg["top_words"], cfg["steps"], cfg["judged_step"]
    checkpoints = checkpoint_steps(steps, cfg["checkpoint_every"], judged)
    matrices = term_matrices(texts)
    counts, vocab = matrices["counts"], matrices["vocab"]
    m_sparse = matrices[cfg["weighting"]]
    m = m_sparse.toarray()
    log(f"document-term matrix: {m.shape[0]} documents x {m.shape[1]} words "
        f"({cfg['weighting']}, {m_sparse.nnz} non-zeros)")
    (s, vt), svd_seconds = timed(lambda: svd_topics(m, k), cfg["timing_repeats"],
                                 lambda: svd_topics(m[:20, :200], 2))
    log(f"SVD: {svd_seconds:.2f} s")
    (w_sk, h_sk), sk_seconds = timed(
        lambda: sklearn_nmf(m_sparse, k, cfg["reference_init"]), cfg["timing_repeats"],
        lambda: sklearn_nmf(m_sparse[:50, :300], 2, cfg["reference_init"]))
    log(f"scikit-learn NMF: {sk_seconds:.2f} s")
    settings = {"lr": cfg["lr"], "betas": tuple(cfg["betas"]),
                "penalty_weight": cfg["penalty_weight"], "init_std": cfg["init_std"]}
    nmf, torch_seconds = timed(
        lambda: torch_nmf(m_sparse, k, steps, seed, checkpoints, top_k, **settings), 1,
        warmup=lambda: torch_nmf(m_sparse[:20], 2, 3, seed, [0], 1, **settings))
    errors = nmf["errors"]
    log(f"PyTorch NMF: {steps} steps in {torch_seconds:.2f} s, ||M - WH||_F {errors[0]:.4f} -> "
        f"{errors[-1]:.4f}")
    # the course's other PyTorch NMF (hand-written gradients, cells 100-104): shown, not judged
    sgd = sgd_nmf(m_sparse, k, steps, seed, checkpoints, top_k)
    top_sk, top_last = top_word_indices(h_sk, top_k), nmf["top"][steps]
    agreement = {step: topic_overlap(top, top_sk)[0] for step, top in nmf["top"].items()}
    sgd_agreement = {step: topic_overlap(top, top_sk)[0] for step, top in sgd["top"].items()}
    own = {step: topic_overlap(top, top_last)[0] for step, top in nmf["top"].items()}
    order = topic_overlap(top_last, top_sk)[1]
    reached = [step for step, share in agreement.items() if share >= cfg["overlap_threshold"]]
    norm = float(np.linalg.norm(m))
    metrics = {
        "newsgroups_term_matrix_built": int(counts.shape[0] > 0 and counts.shape[1] > 0
                                            and counts.nnz > 0),
        "documents": m.shape[0],
        "vocabulary_size": m.shape[1],
        "term_matrix_density": m_sparse.nnz / (m.shape[0] * m.shape[1]),
        "topic_agreement_initial": agreement[0],
        "topic_agreement_at_judged_step": agreement[judged],
        "topic_agreement_final": agreement[steps],
        "topic_agreement_threshold_step": min(reached) if reached else -1,
        "own_final_topics_agreement_at_judged_step": own[judged],
        "sgd_topic_agreement_at_judged_step": sgd_agreement[judged],
        "sgd_topic_agreement_final": sgd_agreement[steps],
        "sgd_nmf_final_error": sgd["errors"][-1],
        "judged_step": judged,
        "error_drop_share_at_judged_step": loss_drop_share(errors, judged),
        "torch_nmf_steps": steps,
        "torch_nmf_initial_error": errors[0],
        "torch_nmf_final_error": errors[-1],
        "torch_nmf_relative_error": errors[-1] / norm,
        "torch_nmf_negative_share": float(np.mean(np.concatenate(
            [nmf["w"].ravel(), nmf["h"].ravel()]) < 0)),
        "torch_nmf_h_min": float(nmf["h"].min()),
        "sklearn_nmf_relative_error": relative_error(m, w_sk, h_sk),
        "svd_rank_k_relative_error": float(np.sqrt((s[k:] ** 2).sum() / (s**2).sum())),
        "svd_seconds": svd_seconds,
        "sklearn_nmf_seconds": sk_seconds,
        "torch_nmf_seconds": torch_seconds,
        "torch_nmf_seconds_per_step": nmf["seconds_per_step"],
        **matmul_checks(seed),
    }
    topics = {"SVD": top_word_indices(vt, top_k), "scikit-learn NMF": top_sk}
    for step in (0, judged, steps):
        topics[f"PyTorch NMF, step {step}"] = nmf["top"][step][order]
    return {"metrics": metrics, "table": topics_table(topics, vocab), "vocab": vocab,
            "errors": errors, "agreement": agreement, "own_agreement": own,
            "sgd_errors": sgd["errors"], "sgd_agreement": sgd_agreement, "topics": topics,
            "judged_step": judged, "threshold": cfg["overlap_threshold"],
            "reference_errors": {"scikit-learn NMF": metrics["sklearn_nmf_relative_error"] * norm,
                                 f"SVD, rank {k}": metrics["svd_rank_k_relative_error"] * norm}}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): the config block's newsgroups from the prepared
    dataset ctx.inputs["data"], then measure() with ctx.seed, and scikit-learn's own
    fetch_20newsgroups on the same archive (sklearn_fetch_vectors); every topic logged."""
    cfg, root = ctx.cfg, Path(ctx.inputs["data"])
    posts = load_newsgroups(root, cfg["subset"], cfg["categories"])
    ctx.log(f"{len(posts['data'])} {cfg['subset']} posts of {posts['target_names']}")
    result = measure(posts["data"], cfg, ctx.seed, log=ctx.log)
    with tempfile.TemporaryDirectory(dir=ctx.workdir) as home:
        fetched = sklearn_fetch_matches(root, cfg["subset"], cfg["categories"], posts, home)
    ctx.log(f"fetch_20newsgroups returns the loader's posts: {bool(fetched)}")
    metrics = result["metrics"]
    metrics["sklearn_fetch_equals_loader"] = fetched
    metrics["sklearn_fetch_vectors"] = int(fetched and metrics["newsgroups_term_matrix_built"])
    for row in result["table"]:
        ctx.log(f"{row['method']}, topic {row['topic']}: {row['top_words']}")
    return result


def topics_table(topics: dict[str, np.ndarray], vocab) -> list[dict]:
    """Return rows {method, topic (from 1), top_words (separated by spaces)} of every method's
    (topics, k) word indices."""
    return [{"method": method, "topic": t + 1, "top_words": " ".join(vocab[i] for i in row)}
            for method, top in topics.items() for t, row in enumerate(top)]


def _wrapped(words: str, per_line: int = 4) -> str:
    """Return `words` broken into lines of `per_line` words."""
    split = words.split()
    return "\n".join(" ".join(split[i:i + per_line]) for i in range(0, len(split), per_line))


def plot(result: dict, path, reference) -> None:
    """Draw the PyTorch NMF's ||M - WH||_F per step against scikit-learn's NMF and the rank-k
    SVD, the share of top words in common with scikit-learn's topics per step (the claim's
    step and threshold marked), and the top words of every method."""
    from matplotlib.ticker import ScalarFormatter

    from ..figures import new_figure, save_figure

    metrics, errors, judged = result["metrics"], result["errors"], result["judged_step"]
    fig = new_figure(size=(16, 10))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.15])
    ax_err, ax_agree = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_err.plot(np.arange(len(errors)), errors, label="PyTorch NMF (the course's autograd loop)")
    ax_err.plot(np.arange(len(errors)), result["sgd_errors"], color="C4", lw=1,
                label="the course's hand-gradient loop (not judged)")
    for (name, error), style in zip(result["reference_errors"].items(), ["--", ":"], strict=True):
        ax_err.axhline(error, color="grey", ls=style, label=f"{name}: {error:.3f}")
    ax_err.axvline(judged, color="C1", ls="--",
                   label=f"step {judged}: {metrics['error_drop_share_at_judged_step']:.0%} of the "
                         "whole decrease")
    ax_err.yaxis.set_major_formatter(ScalarFormatter(useOffset=False))
    ax_err.set(xlabel="optimisation step", ylabel=r"$\|M - WH\|_F$",
               title=f"Reconstruction error of the {metrics['documents']} x "
                     f"{metrics['vocabulary_size']} TF-IDF matrix")
    ax_err.legend()
    steps = sorted(result["agreement"])
    ax_agree.plot(steps, [result["agreement"][s] for s in steps], ".-", color="C2",
                  label="with scikit-learn's NMF topics (judged)")
    ax_agree.plot(steps, [result["own_agreement"][s] for s in steps], ".-", color="C0", ms=3,
                  alpha=0.6, label="with the run's own last topics")
    ax_agree.plot(steps, [result["sgd_agreement"][s] for s in steps], "-", color="C4", lw=1,
                  label="hand-gradient loop, with scikit-learn's (not judged)")
    reached = metrics["topic_agreement_threshold_step"]
    ax_agree.axhline(result["threshold"], color="grey", ls=":",
                     label=f"threshold {result['threshold']:.0%}: "
                           + (f"first reached at step {reached}" if reached >= 0
                              else "never reached"))
    ax_agree.axvline(judged, color="C1", ls="--",
                     label=f"step {judged} (judged): "
                           f"{metrics['topic_agreement_at_judged_step']:.0%}")
    ax_agree.set_ylim(0, 1.02)
    ax_agree.set(xlabel="optimisation step", ylabel="share of top words in common",
                 title="How fast the PyTorch topics become sensible (topics matched one-to-one)")
    ax_agree.legend(loc="lower right")
    ax_table = fig.add_subplot(grid[1, :])
    ax_table.axis("off")
    names = list(result["topics"])
    rows = {}
    for row in result["table"]:
        rows.setdefault(row["topic"], {})[row["method"]] = _wrapped(row["top_words"])
    table = ax_table.table(cellText=[[rows[t][n] for n in names] for t in rows],
                           rowLabels=[f"topic {t}" for t in rows], colLabels=names,
                           cellLoc="left", loc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(8.5)
    table.scale(1, 3.0)
    ax_table.set_title("Top words per topic (SVD: singular vectors in order; PyTorch topics "
                       "matched to scikit-learn's)")
    save_figure(fig, path)
