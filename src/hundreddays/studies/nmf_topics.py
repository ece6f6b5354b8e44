"""Days 3-4: topics of 20 Newsgroups posts by SVD, by scikit-learn's NMF and by an NMF written in
PyTorch with `@` (Adam steps, each followed by clamping W and H at 0), as in the fast.ai
"Computational Linear Algebra" topic-modelling notebook.

How quickly the PyTorch topics "make sense" is measured two ways: the share of the total loss
decrease reached in the first tenth of the steps, and, at checkpoints, the share of top words the
PyTorch topics share with scikit-learn's (topics matched one-to-one on the Jaccard index).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from .. import rehearsal
from ..loaders.newsgroups import load_newsgroups
from ..timing import seconds_per_epoch, timed

MATMUL_SHAPES = ((300, 200), (200, 150))  # random matrices of the `@` checks
WEIGHTINGS = ("tfidf", "counts")


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


def sklearn_nmf(m, n_topics: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (W, H) of scikit-learn's NMF with its default solver and initialisation."""
    model = NMF(n_components=n_topics, random_state=seed)
    return model.fit_transform(m), model.components_


def relative_error(m: np.ndarray, w: np.ndarray, h: np.ndarray) -> float:
    """Return ||M - W H||_F / ||M||_F."""
    return float(np.linalg.norm(m - w @ h) / np.linalg.norm(m))


def sparse_tensor(m) -> torch.Tensor:
    """Return a numpy array or scipy sparse matrix as a coalesced float64 torch COO tensor."""
    coo = sp.coo_matrix(m)
    return torch.sparse_coo_tensor(np.vstack([coo.row, coo.col]), coo.data, coo.shape,
                                   dtype=torch.float64, check_invariants=True).coalesce()


def residual_norm(target: torch.Tensor, target_sq: float, w: torch.Tensor,
                  h: torch.Tensor) -> torch.Tensor:
    """Return ||M - W @ H||_F for a sparse M without forming the dense W @ H, from
    ||M||^2 - 2 <M @ H.T, W> + <W.T @ W, H @ H.T> (`target_sq` = ||M||^2)."""
    cross = (w * (target @ h.T)).sum()
    gram = ((w.T @ w) * (h @ h.T)).sum()
    return torch.sqrt(torch.clamp(target_sq - 2 * cross + gram, min=0.0))


def torch_nmf(m, n_topics: int, steps: int, relative_lr: float, seed: int,
              checkpoints: list[int], top_k: int) -> dict:
    """Fit M ~ W @ H (W, H >= 0) by `steps` Adam steps on ||M - W @ H||_F, each followed by
    clamping W and H at 0; `m` is a numpy array or a scipy sparse matrix. The loss is computed
    by `residual_norm` (exact, in float64), so a sparse M never becomes dense.

    Start: |N(0, 1)| * scale with scale = sqrt(mean(M) / n_topics), scikit-learn's random
    initialisation. Adam's learning rate is `relative_lr` * scale: Adam moves each entry by
    about its learning rate per step, so this makes the run independent of the overall size of
    M's entries (the course's 1e-3 with a start of |N(0, 0.01^2)| is 0.1).

    Returns {"w", "h": numpy factors, "losses": ||M - W H||_F before each step and after the last
    (steps + 1 values), "top": {step: (topics, top_k) word indices at the `checkpoints`},
    "seconds_per_step": the median of the steps' wall times (timing.seconds_per_epoch)}.
    """
    target = sparse_tensor(m)
    values = target.values()
    target_sq = float((values**2).sum())
    scale = math.sqrt(float(values.sum()) / (target.shape[0] * target.shape[1]) / n_topics)
    generator = torch.Generator().manual_seed(seed)
    w = torch.randn(target.shape[0], n_topics, generator=generator, dtype=torch.float64)
    h = torch.randn(n_topics, target.shape[1], generator=generator, dtype=torch.float64)
    w, h = (w.abs() * scale).requires_grad_(), (h.abs() * scale).requires_grad_()
    optimizer = torch.optim.Adam([w, h], lr=relative_lr * scale)
    losses, top, seconds = [], {}, []
    wanted = set(checkpoints)
    for step in rehearsal.steps(range(steps + 1), name="nmf", full=steps + 1):
        start = time.perf_counter()
        if step in wanted:
            top[step] = torch.topk(h.detach(), top_k, dim=1).indices.numpy()
        loss = residual_norm(target, target_sq, w, h)
        losses.append(loss.item())
        if step == steps:
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            w.clamp_(min=0)
            h.clamp_(min=0)
        seconds.append(time.perf_counter() - start)
    if len(losses) < steps + 1:  # a rehearsal cut the steps: the last values stand for the rest
        losses += [losses[-1]] * (steps + 1 - len(losses))
        top.update({s: top[max(top)] for s in wanted if s not in top})
    return {"w": w.detach().numpy(), "h": h.detach().numpy(), "losses": np.array(losses),
            "top": top, "seconds_per_step": seconds_per_epoch(seconds) if seconds else 0.0}


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


def checkpoint_steps(steps: int, every: int) -> list[int]:
    """Return 0, every, 2 every, ..., plus steps // 10 and steps."""
    return sorted(set(range(0, steps + 1, every)) | {steps // 10, steps})


def measure(texts: list[str], cfg: dict, seed: int, log=print) -> dict:
    """Run the study on the posts `texts` with the study's config block. Returns {"metrics",
    "table" (topics_table), "vocab", "losses", "overlap" (step -> share), "topics" (method ->
    (topics, k) word indices, torch's matched to scikit-learn's order), "reference_losses",
    "first_tenth", "overlap_threshold"}."""
    if cfg["weighting"] not in WEIGHTINGS:
        raise ValueError(f"studies.nmf_topics.weighting is {cfg['weighting']!r}; "
                         f"expected one of {list(WEIGHTINGS)}")
    k, top_k, steps = cfg["n_topics"], cfg["top_words"], cfg["steps"]
    matrices = term_matrices(texts)
    counts, vocab = matrices["counts"], matrices["vocab"]
    m_sparse = matrices[cfg["weighting"]]
    m = m_sparse.toarray()
    log(f"document-term matrix: {m.shape[0]} documents x {m.shape[1]} words "
        f"({cfg['weighting']}, {m_sparse.nnz} non-zeros)")
    (s, vt), svd_seconds = timed(lambda: svd_topics(m, k), cfg["timing_repeats"],
                                 lambda: svd_topics(m[:20, :200], 2))
    log(f"SVD: {svd_seconds:.2f} s")
    (w_sk, h_sk), sk_seconds = timed(lambda: sklearn_nmf(m_sparse, k, seed), cfg["timing_repeats"],
                                     lambda: sklearn_nmf(m_sparse[:50, :300], 2, seed))
    log(f"scikit-learn NMF: {sk_seconds:.2f} s")
    checkpoints = checkpoint_steps(steps, cfg["checkpoint_every"])
    nmf, torch_seconds = timed(
        lambda: torch_nmf(m_sparse, k, steps, cfg["relative_lr"], seed, checkpoints, top_k), 1,
        warmup=lambda: torch_nmf(m_sparse[:20], 2, 3, cfg["relative_lr"], seed, [0], 1))
    log(f"PyTorch NMF: {steps} steps in {torch_seconds:.2f} s, loss {nmf['losses'][0]:.4g} -> "
        f"{nmf['losses'][-1]:.4g}")
    top_sk = top_word_indices(h_sk, top_k)
    overlap = {step: topic_overlap(top, top_sk)[0] for step, top in nmf["top"].items()}
    final_overlap, order = topic_overlap(nmf["top"][steps], top_sk)
    reached = [step for step, share in overlap.items() if share >= cfg["overlap_threshold"]]
    norm = float(np.linalg.norm(m))
    first_tenth = steps // 10
    metrics = {
        "newsgroups_term_matrix_built": int(counts.shape[0] > 0 and counts.shape[1] > 0
                                            and counts.nnz > 0),
        "documents": m.shape[0],
        "vocabulary_size": m.shape[1],
        "term_matrix_density": m_sparse.nnz / (m.shape[0] * m.shape[1]),
        "loss_drop_in_first_tenth": loss_drop_share(nmf["losses"], first_tenth),
        "torch_nmf_steps": steps,
        "torch_nmf_initial_relative_error": nmf["losses"][0] / norm,
        "torch_nmf_relative_error": nmf["losses"][-1] / norm,
        "sklearn_nmf_relative_error": relative_error(m, w_sk, h_sk),
        "svd_rank_k_relative_error": float(np.sqrt((s[k:] ** 2).sum() / (s**2).sum())),
        "topic_overlap_initial": overlap[0],
        "topic_overlap_first_tenth": overlap[first_tenth],
        "topic_overlap_final": final_overlap,
        "topic_overlap_threshold_step": min(reached) if reached else -1,
        "svd_seconds": svd_seconds,
        "sklearn_nmf_seconds": sk_seconds,
        "torch_nmf_seconds": torch_seconds,
        "torch_nmf_seconds_per_step": nmf["seconds_per_step"],
        **matmul_checks(seed),
    }
    topics = {"SVD": top_word_indices(vt, top_k), "scikit-learn NMF": top_sk}
    for step in (0, first_tenth, steps):
        topics[f"PyTorch NMF, step {step}"] = nmf["top"][step][order]
    return {"metrics": metrics, "table": topics_table(topics, vocab), "vocab": vocab,
            "losses": nmf["losses"], "overlap": overlap, "topics": topics,
            "first_tenth": first_tenth, "overlap_threshold": cfg["overlap_threshold"],
            "reference_losses": {"scikit-learn NMF": metrics["sklearn_nmf_relative_error"] * norm,
                                 f"SVD rank {k}": metrics["svd_rank_k_relative_error"] * norm}}


def run(ctx) -> dict:
    """The study's entry (hundreddays.runner): the config block's newsgroups from the prepared
    dataset ctx.inputs["data"], then measure() with ctx.seed; every method's topics logged."""
    cfg = ctx.cfg
    posts = load_newsgroups(Path(ctx.inputs["data"]), cfg["subset"], cfg["categories"])
    ctx.log(f"{len(posts['data'])} {cfg['subset']} posts of {posts['target_names']}")
    result = measure(posts["data"], cfg, ctx.seed, log=ctx.log)
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
    """Draw the PyTorch NMF loss per step against scikit-learn's NMF and the rank-k SVD, the
    top-word overlap with scikit-learn's topics per step, and the top words of every method (no
    reference value is drawn)."""
    from matplotlib.ticker import FormatStrFormatter

    from ..figures import new_figure, save_figure

    metrics, losses = result["metrics"], result["losses"]
    norm = losses[-1] / metrics["torch_nmf_relative_error"]
    first_tenth = result["first_tenth"]
    fig = new_figure(size=(16, 10))[0]
    fig.clf()
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.15])
    ax_loss, ax_overlap = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_loss.plot(np.arange(len(losses)), losses / norm, label="PyTorch NMF (Adam + clamp at 0)")
    for (name, loss), style in zip(result["reference_losses"].items(), ["--", ":"], strict=True):
        ax_loss.axhline(loss / norm, color="grey", ls=style, label=f"{name}: {loss / norm:.3f}")
    ax_loss.axvspan(0, first_tenth, color="C1", alpha=0.15,
                    label=f"first tenth of the steps: {metrics['loss_drop_in_first_tenth']:.0%} "
                          "of the total decrease")
    ax_loss.set_yscale("log")
    for axis in (ax_loss.yaxis.set_major_formatter, ax_loss.yaxis.set_minor_formatter):
        axis(FormatStrFormatter("%.2f"))
    ax_loss.set(xlabel="optimisation step", ylabel=r"$\|M - WH\|_F \;/\; \|M\|_F$ (log scale)",
                title=f"Reconstruction error of the {metrics['documents']} x "
                      f"{metrics['vocabulary_size']} document-term matrix")
    ax_loss.legend()
    steps = sorted(result["overlap"])
    ax_overlap.plot(steps, [result["overlap"][s] for s in steps], ".-", color="C2",
                    label="PyTorch NMF vs scikit-learn NMF")
    ax_overlap.axvspan(0, first_tenth, color="C1", alpha=0.15, label="first tenth of the steps")
    reached = metrics["topic_overlap_threshold_step"]
    ax_overlap.axhline(result["overlap_threshold"], color="grey", ls=":",
                       label=f"threshold {result['overlap_threshold']:.0%}: "
                             + (f"first reached at step {reached}" if reached >= 0
                                else "never reached"))
    ax_overlap.set_ylim(0, 1.02)
    ax_overlap.set(xlabel="optimisation step", ylabel="share of top words in common",
                   title="How fast the PyTorch topics become scikit-learn's "
                         "(topics matched one-to-one)")
    ax_overlap.legend(loc="lower right")
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
    table.scale(1, 3.2)
    ax_table.set_title("Top words per topic (SVD: singular vectors in order; PyTorch topics "
                       "matched to scikit-learn's)")
    save_figure(fig, path)
