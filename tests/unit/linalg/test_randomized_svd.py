import numpy as np
import pytest

from hundreddays.linalg.randomized_svd import randomized_svd


def low_rank_plus_noise(m=300, n=80, rank=5, noise=1e-3, seed=1):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n))
    return a + noise * rng.standard_normal((m, n))


@pytest.mark.parametrize("power_iterations", [0, 2])
def test_matches_lapack_singular_values(power_iterations):
    a = low_rank_plus_noise()
    u, s, vt = randomized_svd(a, 5, oversample=10, power_iterations=power_iterations, seed=0)
    s_ref = np.linalg.svd(a, compute_uv=False)[:5]
    np.testing.assert_allclose(s, s_ref, rtol=1e-4)
    np.testing.assert_allclose(u.T @ u, np.eye(5), atol=1e-10)
    np.testing.assert_allclose(vt @ vt.T, np.eye(5), atol=1e-10)


def test_reconstruction_error_close_to_optimal():
    a = low_rank_plus_noise(noise=0.05)
    u, s, vt = randomized_svd(a, 5, power_iterations=2)
    s_all = np.linalg.svd(a, compute_uv=False)
    best = np.sqrt((s_all[5:] ** 2).sum())  # Eckart-Young
    assert np.linalg.norm(a - (u * s) @ vt) <= 1.01 * best


def test_power_iterations_help_on_a_flat_spectrum():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((200, 150)) * np.linspace(1, 0.5, 150)
    s_ref = np.linalg.svd(a, compute_uv=False)[:3]
    s0 = randomized_svd(a, 3, oversample=2, power_iterations=0)[1]
    s3 = randomized_svd(a, 3, oversample=2, power_iterations=3)[1]
    assert np.abs(s3 - s_ref).sum() < np.abs(s0 - s_ref).sum()


def test_rejects_bad_rank():
    with pytest.raises(ValueError, match="rank"):
        randomized_svd(np.ones((4, 3)), 4)
