"""The matrix-free spectrum (landscape.krylov) against the dense one (hessian.reduced_spectrum), in float64.

The orbit projection in closed form equals the dense projector onto the so(d) generators, also where the rows span
fewer dimensions than d (fewer orbit directions); the k lowest eigenvalues off the symmetry modes and the largest
equal the dense decomposition's, at saddles (negative modes) and at quenched minima (degenerate low modes).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from langevin_sphere import energies, sphere
from langevin_sphere.landscape import hessian, krylov, quenching


def _dense_orbit_projection(x, v):
    n, d = x.shape
    b = hessian.tangent_basis(x)
    p = hessian.symmetry_projector(x, b)
    coords = jnp.einsum("nda,nd->na", b, v).reshape(-1)
    return jnp.einsum("nda,na->nd", b, (p @ coords).reshape(n, d - 1))


@pytest.mark.parametrize("case", ["spanning", "in a 2-plane of R^4", "fewer rows than d"])
def test_orbit_projection_is_the_dense_symmetry_projector(case):
    with jax.enable_x64(True):
        rng = np.random.default_rng(0)
        shape = {"spanning": (9, 4), "in a 2-plane of R^4": (7, 4), "fewer rows than d": (3, 6)}[case]
        x = rng.standard_normal(shape)
        if case == "in a 2-plane of R^4":
            x[:, 2:] = 0.0
        x = jnp.asarray(x / np.linalg.norm(x, axis=-1, keepdims=True))
        for seed in range(3):
            v = sphere.project(x, jnp.asarray(rng.standard_normal(shape)))
            np.testing.assert_allclose(
                jax.jit(krylov.orbit_projection)(x, v), _dense_orbit_projection(x, v), atol=1e-10
            )


@pytest.fixture(scope="module")
def states():
    """InfoNCE (M = 6 pairs on S^3, tau = 0.2): a uniform configuration (a saddle: negative modes) and its quench."""
    with jax.enable_x64(True):
        energy = energies.InfoNCE(tau=0.2)
        x = np.asarray(sphere.uniform(jax.random.key(48), (12, 4)), np.float64)
        minimum = quenching.quench_many(energy, x[None], tol=1e-11, max_steps=5000, batch=1).x[0]
        return energy, [jnp.asarray(x), jnp.asarray(minimum)]


def _lowest(energy, xs, **kwargs):
    with jax.enable_x64(True):
        fn = jax.jit(lambda x: krylov.lowest_eigenpairs(energy, x, 4, jax.random.key(1), guard=2, **kwargs))
        return [jax.tree.map(np.asarray, fn(x)) for x in xs]


def _dense(energy, x):
    with jax.enable_x64(True):
        return [np.asarray(a) for a in jax.jit(lambda y: hessian.reduced_spectrum(energy, y))(x)]


def test_lowest_eigenpairs_equal_the_dense_spectrum(states):
    energy, xs = states
    lows = _lowest(energy, xs)
    for x, low in zip(xs, lows):
        lam, vec = _dense(energy, x)
        lam_max = lam[np.isfinite(lam)].max()
        np.testing.assert_allclose(low.lam_max, lam_max, rtol=1e-8)
        np.testing.assert_allclose(low.lam, lam[:4], rtol=1e-6, atol=1e-10 * lam_max)
        assert np.all(low.residual < 1e-10 * lam_max)
        for i in range(4):  # a simple eigenvalue's vector up to sign; a degenerate one lies in the dense eigenspace
            same = np.abs(lam - lam[i]) < 1e-8 * lam_max
            space = vec[same].reshape(same.sum(), -1)
            overlap = np.linalg.norm(space @ low.vec[i].reshape(-1))
            assert overlap == pytest.approx(1.0, abs=1e-6), (i, overlap)
    assert lows[0].lam[0] < 0 < lows[1].lam[0]  # a saddle and a minimum were both checked


def test_without_the_orbit_deflation_the_symmetry_zero_modes_come_first(states):
    """The mutant: no deflation. At the minimum the lowest eigenvalues are then the orbit's exact zeros, not the
    dense reduced spectrum's positive lowest: the test above would fail on a broken projection."""
    energy, xs = states
    plain = _lowest(energy, xs[1:], symmetries=())[0]
    lam, _ = _dense(energy, xs[1])
    assert np.all(np.abs(plain.lam) < 1e-8) and float(lam[0]) > 1e-3


def test_lanczos_relation_and_exhausted_space():
    """A V^T = V^T T + beta_m q e_m^T with orthonormal V; from a start in a 3-dimensional invariant subspace the
    process breaks down after 3 steps and T carries exactly the three eigenvalues of that subspace."""
    with jax.enable_x64(True):
        rng = np.random.default_rng(1)
        q, _ = np.linalg.qr(rng.standard_normal((40, 40)))
        lam = np.linspace(-1.0, 3.0, 40)
        a = jnp.asarray(q @ np.diag(lam) @ q.T)
        lz = krylov.lanczos(lambda v: a @ v, jnp.asarray(rng.standard_normal(40)), 12)
        v = np.asarray(lz.basis[:-1])
        np.testing.assert_allclose(v @ v.T, np.eye(12), atol=1e-12)
        e_m = np.zeros(12)
        e_m[-1] = 1.0
        np.testing.assert_allclose(
            a @ v.T, v.T @ lz.tridiagonal() + float(lz.residual) * np.outer(lz.basis[-1], e_m), atol=1e-10
        )
        start = jnp.asarray(q[:, [3, 17, 30]] @ np.array([1.0, 2.0, -1.0]))
        lz = krylov.lanczos(lambda v: a @ v, start, 6)
        t = np.asarray(lz.tridiagonal())
        np.testing.assert_allclose(np.linalg.eigvalsh(t[:3, :3]), lam[[3, 17, 30]], atol=1e-10)
        assert np.all(t[3:] == 0.0)
        assert np.all(np.asarray(lz.basis[3:]) == 0.0) and float(lz.residual) == 0.0
