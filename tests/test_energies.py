"""Energies: values against float64 numpy transcriptions of the formulas, Riemannian gradients against finite
differences along geodesics, the closed-form optima (simplex, regular polygon), and input validation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import float64, random_points, random_tangent

import langevin_sphere as ls
from langevin_sphere import energies, optima, sphere

# ---- float64 numpy transcriptions of the formulas (DESIGN.md and the docstrings) -------------------------------


def infonce_np(X, tau, symmetric=True):
    """S_ij = u_i . v_j / tau;  L_{U->V} = -(1/M) sum_i log(e^{S_ii} / sum_j e^{S_ij});  symmetric: mean of both."""
    X = np.asarray(X, np.float64)
    M = len(X) // 2
    S = X[:M] @ X[M:].T / tau
    e = np.exp(S)
    l_uv = -np.mean(np.log(np.diag(e) / e.sum(axis=1)))
    l_vu = -np.mean(np.log(np.diag(e) / e.sum(axis=0)))
    return 0.5 * (l_uv + l_vu) if symmetric else l_uv


def dhel_np(X, tau):
    """-(1/M) sum_i [u_i.v_i/tau - log sum_{j!=i} e^{u_i.u_j/tau} - log sum_{j!=i} e^{v_i.v_j/tau}]."""
    X = np.asarray(X, np.float64)
    M = len(X) // 2
    U, V = X[:M], X[M:]
    off = ~np.eye(M, dtype=bool)
    lse = lambda Z: np.log(np.where(off, np.exp(Z @ Z.T / tau), 0.0).sum(axis=1))  # noqa: E731
    return -np.mean(np.sum(U * V, axis=1) / tau - lse(U) - lse(V))


def kcl_np(X, t, gamma):
    """-(2/M) sum_i K(u_i, v_i) + gamma [mean_{i<j} K(u_i, u_j) + mean_{i<j} K(v_i, v_j)], K = e^{-t|x-y|^2}."""
    X = np.asarray(X, np.float64)
    M = len(X) // 2
    U, V = X[:M], X[M:]
    K = lambda a, b: np.exp(-t * np.sum((a - b) ** 2, axis=-1))  # noqa: E731
    i, j = np.triu_indices(M, k=1)
    return -2.0 / M * np.sum(K(U, V)) + gamma * (np.mean(K(U[i], U[j])) + np.mean(K(V[i], V[j])))


def siglip_np(X, tau, b):
    """(1/M) sum_{i,j} log(1 + exp(-z_ij (u_i . v_j / tau + b))), z_ij = +1 if i = j else -1 (Zhai et al. 2023)."""
    X = np.asarray(X, np.float64)
    M = len(X) // 2
    return (
        sum(
            np.log1p(np.exp(-(1.0 if i == j else -1.0) * (X[i] @ X[M + j] / tau + b)))
            for i in range(M)
            for j in range(M)
        )
        / M
    )


MU3 = np.array([0.0, 0.6, 0.8], np.float32)

ENERGIES = {
    "infonce": (energies.InfoNCE(tau=0.2), lambda X: infonce_np(X, 0.2)),
    "infonce-one-sided": (energies.InfoNCE(tau=0.2, symmetric=False), lambda X: infonce_np(X, 0.2, False)),
    "dhel": (energies.DHEL(tau=0.3), lambda X: dhel_np(X, 0.3)),
    "kcl": (energies.KCL(t=2.0, gamma=16.0), lambda X: kcl_np(X, 2.0, 16.0)),
    "siglip": (energies.SigLIP(tau=0.1, bias=-10.0), lambda X: siglip_np(X, 0.1, -10.0)),
    "vmf": (energies.VonMisesFisher(MU3, 1.5), lambda X: -1.5 * np.sum(np.asarray(X, np.float64) @ MU3)),
}


@pytest.fixture
def X(rng):
    return random_points(rng, (10, 3))  # M = 5 pairs in R^3


@pytest.mark.parametrize("name", ENERGIES)
def test_value_matches_numpy_transcription(X, name):
    energy, reference = ENERGIES[name]
    np.testing.assert_allclose(jax.jit(lambda x: energy(x))(X), reference(X), rtol=2e-6)


@pytest.mark.parametrize("name", ENERGIES)
def test_riemannian_gradient(rng, X, name):
    energy, _ = ENERGIES[name]
    value, grad = jax.jit(lambda x: energies.value_and_grad(energy, x))(X)
    # 1. It is the tangent projection of the Euclidean gradient, and tangent at every row.
    np.testing.assert_allclose(grad, sphere.project(X, jax.jit(jax.grad(energy))(X)), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.sum(grad * X, axis=-1), 0.0, atol=1e-5 * np.abs(grad).max())
    # 2. Independent check: d/ds E(Exp_X(s v)) at s = 0 = <grad, v>, by central differences in float64.
    v = random_tangent(rng, X, np.ones(len(X)), np.float64)
    eps = 1e-5  # truncation ~ eps^2 |E'''| ~ 1e-10, round-off ~ 1e-16 / eps ~ 1e-11
    along_geodesic = jax.jit(lambda x, v, s: energy(sphere.exp(x, s * v)))
    f = lambda s: float64(along_geodesic, X, v, s)  # noqa: E731
    fd = (f(eps) - f(-eps)) / (2 * eps)
    np.testing.assert_allclose(np.sum(np.asarray(grad, np.float64) * v), fd, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(value, f(0.0), rtol=2e-6)


def test_infonce_is_finite_at_small_tau(X):
    energy = energies.InfoNCE(tau=0.01)
    value, grad = jax.jit(lambda x: energies.value_and_grad(energy, x))(X)
    # S_ij up to 100: a naive exp would overflow float32
    np.testing.assert_allclose(value, infonce_np(X, 0.01), rtol=1e-5)
    assert np.all(np.isfinite(grad))


def test_symmetric_infonce_is_the_mean_of_both_directions(X):
    one_sided = energies.InfoNCE(tau=0.2, symmetric=False)
    swapped = np.concatenate([X[5:], X[:5]])  # U <-> V: the V -> U direction
    both = 0.5 * (one_sided(X) + one_sided(swapped))
    np.testing.assert_allclose(energies.InfoNCE(tau=0.2)(X), both, rtol=1e-6)
    assert abs(float(one_sided(X) - one_sided(swapped))) > 1e-3  # the two directions really differ here


infonce32 = jax.jit(lambda X, tau, symmetric: energies.InfoNCE(tau, symmetric)(X), static_argnums=2)

# float32 InfoNCE = log(1 + sum_{j != i} exp(S_ij - S_ii)) near an optimum: the log of a number near 1 is exact to
# ~2 ulp(1) ~ 2.4e-7 in absolute terms, which is all of E* ~ 1e-9 at tau = 0.1, M = 2 (the off-diagonal terms are
# relative-accurate). Hence an absolute tolerance, independent of tau, on top of the relative one.
F32_ATOL = 2.4e-7


@pytest.mark.parametrize("M, d", [(2, 2), (3, 2), (4, 3), (5, 4), (4, 6)])
@pytest.mark.parametrize("tau", [0.1, 0.2, 0.5])
@pytest.mark.parametrize("symmetric", [True, False])
def test_simplex_energy(rng, M, d, tau, symmetric):
    U = optima.simplex(M, d)
    np.testing.assert_allclose(U @ U.T, np.where(np.eye(M), 1.0, -1.0 / (M - 1)), atol=1e-12)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))  # the energy is rotation invariant
    X = np.concatenate([U, U]) @ Q
    value = infonce32(X.astype(np.float32), tau, symmetric)
    expected = optima.simplex_energy(M, tau)
    np.testing.assert_allclose(infonce_np(X, tau, symmetric), expected, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=F32_ATOL)


@pytest.mark.parametrize("M", [3, 4, 5, 8])
@pytest.mark.parametrize("tau", [0.1, 0.2, 0.5])
def test_polygon_energy(M, tau):
    U = optima.polygon(M, phase=0.3)
    X = np.concatenate([U, U])
    expected = optima.polygon_energy(M, tau)
    np.testing.assert_allclose(infonce_np(X, tau), expected, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(infonce32(X.astype(np.float32), tau, True), expected, rtol=1e-5, atol=F32_ATOL)
    if M == 3:  # the triangle is the 2-simplex
        np.testing.assert_allclose(expected, optima.simplex_energy(3, tau), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("d, tau", [(3, 0.2), (4, 0.5), (5, 0.1)])
def test_cross_polytope_energy(d, tau, rng):
    E_star, X_star = optima.infonce_optimum(2 * d, d, tau)
    assert E_star == optima.cross_polytope_energy(d, tau)
    q = np.linalg.qr(rng.standard_normal((d, d)))[0]  # any rotation of it has the same energy
    expected = np.log1p((2 * d - 2) * np.exp(-1 / tau) + np.exp(-2 / tau))
    for sym in (True, False):
        np.testing.assert_allclose(infonce_np(X_star @ q, tau, sym), expected, rtol=1e-10)


def test_cross_polytope_is_the_quenched_minimum():
    """M = 2d = 6 on S^2: every one of 16 quenched uniform starts ends at the cross-polytope's energy, none lower."""
    d, tau = 3, 0.2
    energy = energies.InfoNCE(tau)
    starts = ls.sphere.uniform(jax.random.key(2), (16, 4 * d, d))
    info = jax.jit(jax.vmap(lambda x: ls.landscape.quench_info(energy, x)))(starts)
    assert float(jnp.max(info.grad_norm)) < 1e-5
    np.testing.assert_allclose(info.energy, optima.cross_polytope_energy(d, tau), atol=1e-6)


def test_optimum_beats_random_configurations(rng):
    M, d, tau = 4, 3, 0.2
    E_star, X_star = optima.infonce_optimum(M, d, tau)
    values = jax.jit(jax.vmap(energies.InfoNCE(tau)))(random_points(rng, (256, 2 * M, d)))
    assert float(values.min()) > E_star
    np.testing.assert_allclose(energies.InfoNCE(tau)(X_star.astype(np.float32)), E_star, rtol=1e-5, atol=F32_ATOL)


def test_energies_jit_and_vmap_as_pytrees(rng):
    Xs = random_points(rng, (3, 8, 4))
    energy = energies.InfoNCE(tau=0.3)
    batched = jax.jit(jax.vmap(lambda e, x: e(x), in_axes=(None, 0)))(energy, Xs)
    np.testing.assert_allclose(batched, [infonce_np(x, 0.3) for x in Xs], rtol=2e-6)


@pytest.mark.parametrize("cls", [energies.InfoNCE, energies.DHEL])
@pytest.mark.parametrize("tau", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_tau_raises(cls, tau):
    with pytest.raises(ValueError, match="tau"):
        cls(tau=tau)


@pytest.mark.parametrize("kwargs", [{"t": 0.0}, {"gamma": -1.0}])
def test_bad_kcl_parameters_raise(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        energies.KCL(**kwargs)


@pytest.mark.parametrize("shape", [(5, 3), (2, 3), (2, 8, 3)])
def test_infonce_rejects_bad_shapes(rng, shape):
    # odd n (no pairing), a single pair (no negatives), a batch instead of one configuration
    with pytest.raises(ValueError, match="shape"):
        energies.InfoNCE()(random_points(rng, shape))


def test_von_mises_fisher_validation():
    with pytest.raises(ValueError, match="kappa"):
        energies.VonMisesFisher(MU3, -1.0)
    with pytest.raises(ValueError, match="unit norm"):
        energies.VonMisesFisher(2 * MU3, 1.0)


def test_alignment_and_uniformity_metrics(X):
    U, V = np.asarray(X[:5], np.float64), np.asarray(X[5:], np.float64)
    np.testing.assert_allclose(energies.alignment(X), np.mean(np.sum((U - V) ** 2, axis=1)), rtol=1e-5)
    i, j = np.triu_indices(5, k=1)
    lu = lambda Z: np.log(np.mean(np.exp(-2.0 * np.sum((Z[i] - Z[j]) ** 2, axis=1))))  # noqa: E731
    np.testing.assert_allclose(energies.uniformity(X), 0.5 * (lu(U) + lu(V)), rtol=1e-5)


def test_frozen_anchors_is_the_base_energy_as_a_function_of_v(rng):
    M, d, tau = 4, 3, 0.2
    X = random_points(rng, (2 * M, d))
    U, V = X[:M], X[M:]
    frozen = energies.FrozenAnchors(energies.InfoNCE(tau), jnp.asarray(U))
    np.testing.assert_allclose(frozen(jnp.asarray(V)), energies.InfoNCE(tau)(jnp.asarray(X)), rtol=1e-6)
    full_grad = energies.value_and_grad(energies.InfoNCE(tau), jnp.asarray(X))[1]
    np.testing.assert_allclose(energies.value_and_grad(frozen, jnp.asarray(V))[1], full_grad[M:], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="anchors' shape"):
        frozen(jnp.asarray(X))
    # at fixed U the optimum puts every positive on its anchor when the anchors are a simplex
    U_star = optima.simplex(M, d).astype(np.float32)
    at_optimum = energies.FrozenAnchors(energies.InfoNCE(tau), jnp.asarray(U_star))
    np.testing.assert_allclose(at_optimum(jnp.asarray(U_star)), optima.simplex_energy(M, tau), rtol=1e-5, atol=3e-7)


# ---- the closed-form InfoNCE gradient (the simulator's hot path) against automatic differentiation ------------


@pytest.mark.parametrize("tau", [0.03, 0.05, 0.2, 1.0])
@pytest.mark.parametrize("symmetric", [True, False])
def test_infonce_closed_form_gradient_matches_autodiff(rng, tau, symmetric):
    """Energies and Riemannian gradients agree to float32 round-off at random configurations and at the optimum."""
    e = energies.InfoNCE(tau=tau, symmetric=symmetric)
    autodiff = jax.jit(jax.vmap(sphere.riemannian_value_and_grad(e)))
    closed = jax.jit(jax.vmap(e.value_and_grad))
    X = jnp.asarray(random_points(rng, (64, 16, 3)))
    (e1, g1), (e2, g2) = closed(X), autodiff(X)
    np.testing.assert_allclose(e1, e2, rtol=2e-6)
    np.testing.assert_allclose(g1, g2, atol=2e-6 * float(jnp.max(jnp.abs(g2))))
    # at the optimum (regular simplex, U = V, rotated) E* can be ~1e-9: the value keeps its relative precision
    U = optima.simplex(4, 3) @ np.linalg.qr(rng.standard_normal((3, 3)))[0]
    X_opt = jnp.asarray(np.concatenate([U, U]), jnp.float32)
    value, grad = e.value_and_grad(X_opt)
    np.testing.assert_allclose(value, optima.simplex_energy(4, tau), rtol=1e-5, atol=F32_ATOL)
    assert float(jnp.max(jnp.abs(grad))) < 1e-5 * max(1.0, 1.0 / tau)


def test_infonce_gradient_falls_back_where_one_exp_cannot_serve(rng):
    """tau below 2/80 in float32 (exp(-2/tau) underflows) and a traced (annealed) tau use automatic differentiation."""
    X = jnp.asarray(random_points(rng, (16, 3)))
    small = energies.InfoNCE(tau=0.02)
    np.testing.assert_array_equal(small.value_and_grad(X)[1], sphere.riemannian_value_and_grad(small)(X)[1])
    traced = jax.jit(lambda tau: energies.InfoNCE(tau=tau).value_and_grad(X))(0.2)
    direct = sphere.riemannian_value_and_grad(energies.InfoNCE(tau=0.2))(X)
    np.testing.assert_allclose(traced[1], direct[1], atol=1e-6)


def test_closed_form_and_autodiff_trajectories_agree():
    """The same chains with the closed-form gradient and with autodiff (a plain callable) over 300 steps."""
    from langevin_sphere import schedules, simulate

    e = energies.InfoNCE(tau=0.2)
    X0 = jnp.asarray(random_points(np.random.default_rng(9), (8, 8, 3)))
    kw = dict(schedule=schedules.constant(50.0), step_size=1e-3, n_steps=300, record_every=30)
    fast = simulate(e, X0, jax.random.key(0), **kw)
    plain = simulate(lambda x: e(x), X0, jax.random.key(0), **kw)  # no value_and_grad method: jax.grad
    np.testing.assert_allclose(fast.energy, plain.energy, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast.final, plain.final, atol=1e-4)


def test_a_registered_energy_builds_from_a_config_with_its_own_fields():
    """``[energy] kind = "siglip"`` with its field ``bias``: the config builds it from the registry."""
    text = (
        '[energy]\nkind = "siglip"\nM = 3\nd = 3\ntau = 0.2\nbias = -4.0\n[[schedule]]\nkind = "constant"\nbeta = 1.0\n'
    )
    energy = ls.config.loads(text).energy.build()
    assert energy == energies.SigLIP(tau=0.2, bias=-4.0)
    with pytest.raises(ls.config.ConfigError, match="energy.gamma is not a parameter of a siglip energy"):
        ls.config.loads(text.replace("bias = -4.0", "gamma = 2.0"))
