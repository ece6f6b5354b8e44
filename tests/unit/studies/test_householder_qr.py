import numpy as np
import pytest

from hundreddays.linalg.qr import (
    classical_gram_schmidt,
    householder_qr,
    householder_vectors,
    modified_gram_schmidt,
    sign_fixed,
)
from hundreddays.runner import Context, Reference
from hundreddays.studies import householder_qr as study

QRS = [householder_qr, classical_gram_schmidt, modified_gram_schmidt]


@pytest.mark.parametrize("qr", QRS)
@pytest.mark.parametrize("shape", [(6, 6), (30, 7), (50, 20)])
def test_factors_match_numpy_on_well_conditioned_matrices(qr, shape):
    a = np.random.default_rng(sum(shape)).standard_normal(shape)
    q, r = sign_fixed(*qr(a))
    q_ref, r_ref = sign_fixed(*np.linalg.qr(a))
    np.testing.assert_allclose(r, r_ref, atol=1e-12)
    np.testing.assert_allclose(q, q_ref, atol=1e-12)
    assert np.allclose(r, np.triu(r))
    np.testing.assert_allclose(q @ r, a, atol=1e-12)


def test_householder_reflections_are_orthogonal_and_zero_a_column():
    a = np.random.default_rng(0).standard_normal((8, 3))
    vectors, r = householder_vectors(a)
    for v in vectors:
        assert np.linalg.norm(v) == pytest.approx(1.0)
    h = np.eye(8) - 2 * np.outer(vectors[0], vectors[0])
    np.testing.assert_allclose((h @ a)[1:, 0], 0, atol=1e-14)
    np.testing.assert_allclose(abs(r[0, 0]), np.linalg.norm(a[:, 0]))


def test_householder_handles_a_zero_column():
    a = np.random.default_rng(1).standard_normal((5, 3))
    a[:, 1] = 0.0
    q, r = householder_qr(a)
    np.testing.assert_allclose(q @ r, a, atol=1e-14)


def test_rejects_wide_matrices():
    with pytest.raises(ValueError, match="m >= n"):
        householder_qr(np.ones((2, 3)))


def test_matrix_with_condition_has_it():
    a = study.matrix_with_condition(40, 10, 1e6, np.random.default_rng(0))
    assert np.linalg.cond(a) == pytest.approx(1e6, rel=1e-6)


def test_sweep_shows_the_textbook_ranking():
    rows = study.sweep(60, 20, [0, 4, 8, 12], seed=0)
    m = study.metrics(rows, study.library_rel_diff(30, 10, 3, seed=0))
    assert m["library_qr_rel_diff"] < 1e-13
    assert m["householder_max_orthogonality_loss"] < 1e-13
    assert m["numpy_max_orthogonality_loss"] < 1e-13
    assert m["mgs_orthogonality_loss_at_max_condition"] > 1e-8  # ~ eps * 1e12
    assert m["cgs_orthogonality_loss_at_max_condition"] > 0.5  # lost completely
    assert 0.7 < m["mgs_orthogonality_loss_slope"] < 1.3
    assert m["cgs_orthogonality_loss_slope"] > 1.5
    for method in study.METHODS:
        assert m[f"{method}_max_backward_error"] < 1e-13


def test_run_and_plot_through_the_contract(tmp_path):
    cfg = {"rows": 20, "cols": 8, "log10_conditions": [0, 8, 16], "library_samples": 2}
    lines = []
    result = study.run(Context(study="householder_qr", cfg=cfg, seed=0, log=lines.append))
    assert result["rows"] == study.sweep(20, 8, [0, 8, 16], seed=0)
    assert result["metrics"]["library_qr_rel_diff"] == study.library_rel_diff(20, 8, 2, seed=0)
    assert len(lines) == 3 * len(study.METHODS) + 1
    study.plot(result, tmp_path / "qr.png", Reference({}))
    assert (tmp_path / "qr.png").stat().st_size > 10_000
