"""Our PageRank (power iteration, ARPACK on the Google operator) against networkx and a dense
eigen-decomposition, on small random graphs with dangling pages and self-loops."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from hundreddays.linalg.pagerank import (
    google_matrix_dense,
    google_operator,
    pagerank_eigs,
    pagerank_power,
    rel_diff_l1,
)


def random_graph(n=60, p=0.06, dangling=6, self_loops=5, seed=0):
    """0/1 adjacency with `dangling` rows emptied and `self_loops` diagonal ones."""
    rng = np.random.default_rng(seed)
    a = (rng.random((n, n)) < p).astype(float)
    np.fill_diagonal(a, 0.0)
    a[rng.choice(n, self_loops, replace=False), rng.choice(n, self_loops, replace=False)] = 0
    loops = rng.choice(n, self_loops, replace=False)
    a[loops, loops] = 1.0
    a[rng.choice(np.setdiff1d(np.arange(n), loops), dangling, replace=False)] = 0.0
    return sp.csr_array(a)


def to_networkx(a):
    g = nx.DiGraph()
    g.add_nodes_from(range(a.shape[0]))
    coo = a.tocoo()
    g.add_edges_from(zip(coo.row.tolist(), coo.col.tolist(), strict=True))
    return g


def dense_leading_eigenvector(g):
    values, vectors = np.linalg.eig(g)
    v = np.real(vectors[:, np.argmax(np.abs(values))])
    return v / v.sum(), values


GRAPHS = [dict(seed=0), dict(seed=1, n=40, p=0.15, dangling=10), dict(seed=2, n=120, p=0.02)]


@pytest.mark.parametrize("kw", GRAPHS)
@pytest.mark.parametrize("damping", [0.5, 0.85])
def test_power_matches_networkx_and_dense_eigenvector(kw, damping):
    a = random_graph(**kw)
    assert (a.sum(axis=1) == 0).sum() >= kw.get("dangling", 6)  # really has dangling pages
    assert a.diagonal().sum() >= 5  # and self-loops
    result = pagerank_power(a, damping, tol=1e-13)
    assert result.converged
    assert result.scores.sum() == pytest.approx(1.0, abs=1e-12)
    ref = nx.pagerank(to_networkx(a), alpha=damping, tol=1e-15, max_iter=10_000)
    ref = np.array([ref[i] for i in range(a.shape[0])])
    assert rel_diff_l1(result.scores, ref) < 1e-10
    dense, values = dense_leading_eigenvector(google_matrix_dense(a, damping))
    assert np.max(np.abs(values)) == pytest.approx(1.0, abs=1e-12)
    assert rel_diff_l1(result.scores, dense) < 1e-10


def test_google_matrix_is_networkx_google_matrix_transposed():
    a = random_graph(seed=3)
    g_nx = nx.google_matrix(to_networkx(a), alpha=0.85, nodelist=range(a.shape[0]))
    g = google_matrix_dense(a, 0.85)
    np.testing.assert_allclose(g, np.asarray(g_nx).T, atol=1e-14)
    np.testing.assert_allclose(g.sum(axis=0), 1.0, atol=1e-13)  # column-stochastic


def test_operator_matches_dense_matrix_on_any_vector():
    a = random_graph(seed=4)
    x = np.random.default_rng(0).standard_normal(a.shape[0])  # sums to anything
    np.testing.assert_allclose(google_operator(a, 0.7) @ x, google_matrix_dense(a, 0.7) @ x,
                               atol=1e-13)


@pytest.mark.parametrize("kw", GRAPHS)
def test_eigs_matches_dense_eigenvector(kw):
    a = random_graph(**kw)
    v, value = pagerank_eigs(a, 0.85, seed=0)
    dense, _ = dense_leading_eigenvector(google_matrix_dense(a, 0.85))
    assert value == pytest.approx(1.0, abs=1e-10)
    assert rel_diff_l1(v, dense) < 1e-10
    assert np.all(v > 0)


def test_residual_contracts_by_at_least_the_damping():
    a = random_graph(seed=5, n=200, p=0.01, dangling=20)
    r = pagerank_power(a, 0.85, tol=1e-12).residuals
    assert np.all(r[1:] <= 0.85 * r[:-1] * (1 + 1e-9) + 1e-15)


def test_directed_cycle_converges_slowly_at_rate_damping():
    # on a directed n-cycle the second eigenvalue of G has modulus d: the bound is reached
    n = 8
    a = sp.csr_array((np.ones(n), (np.arange(n), (np.arange(n) + 1) % n)), shape=(n, n))
    a = a + sp.csr_array(([1.0], ([0], [2])), shape=(n, n))  # break the symmetry
    result = pagerank_power(a, 0.85, tol=1e-12)
    ratio = result.residuals[-1] / result.residuals[-2]
    assert 0.7 < ratio <= 0.85 + 1e-9
    dense, _ = dense_leading_eigenvector(google_matrix_dense(a, 0.85))
    assert rel_diff_l1(result.scores, dense) < 1e-10


def test_graph_without_links_is_uniform_and_star_centre_wins():
    empty = sp.csr_array((5, 5))
    np.testing.assert_allclose(pagerank_power(empty).scores, 0.2)
    star = sp.csr_array((np.ones(4), (np.arange(1, 5), np.zeros(4, int))), shape=(5, 5))
    scores = pagerank_power(star).scores
    assert np.argmax(scores) == 0 and scores[0] > 3 * scores[1:].max()


def test_not_converged_is_reported_and_bad_input_rejected():
    a = random_graph(seed=6)
    result = pagerank_power(a, 0.85, tol=1e-12, max_iter=3)
    assert not result.converged and result.iterations == 3
    with pytest.raises(ValueError, match="damping"):
        pagerank_power(a, 1.0)
    with pytest.raises(ValueError, match="square"):
        pagerank_power(sp.csr_array((3, 4)))
    with pytest.raises(ValueError, match="3 pages"):
        pagerank_eigs(sp.csr_array((2, 2)))
