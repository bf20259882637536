"""Tests of ``langevin_sphere.landscape``: the quench (converged, descending, basin-preserving), the Riemannian Hessian.

Everything runs in float32 with fixed keys. The quenches are compiled once per landscape (module fixtures), so the
file takes ~30 s on 2 CPU cores.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import optimize

import langevin_sphere as ls
from langevin_sphere import landscape

TOL = 1e-5  # the default tolerance of quench on |grad E|
EPS32 = float(np.finfo(np.float32).eps)

# --- the landscape with traps: circle (d = 2), M = 8 pairs, symmetric InfoNCE, tau = 0.05 ------------------------
M8, TAU8 = 8, 0.05
E_STAR8 = ls.optima.polygon_energy(M8, TAU8)

# Gaps E - E* of the non-global states that the quench reaches on this landscape (all with |grad E| < 1e-5 and a
# positive semi-definite Hessian: collapsed clusters of k pairs whose anchors and positives sit apart, gap close to
# sum_k k log(k) / M, e.g. 0.8183 ~ two 3-clusters, 1.0002 ~ one 5-cluster). Measured on the 256 starts
# ls.sphere.uniform(jax.random.key(0), (256, 16, 2)) with this quench (237 / 256 reach E*), and confirmed start by
# start by a float64 integration of the same gradient flow (angles, scipy solve_ivp BDF, rtol 1e-8, atol 1e-10,
# stopped at the first time |grad E| < 1e-5): same end state for 243 of the 244 starts where that flow stops at a
# local minimum. (The other 12 float64 flows stop on saddles — clusters with anchors and positives on top of each
# other, 0.406 = one 3-cluster, 0.687 = one 4-cluster, Hessian eigenvalues -0.4 to -2.5 — where float arithmetic
# makes the splitting gradient exactly zero; the quench leaves those. Gaps 0.34 / 0.41 reported by a capped gradient
# descent are such saddles too: the quench never ends there.)
TRAP_GAPS8 = np.array([0.75286, 0.81826, 0.86074, 0.99155, 1.00020, 1.03402, 1.09943, 1.17349, 1.33812])
# Of the first 64 of those starts, these five are trapped (gaps from the float64 flow); the other 59 reach E*.
TRAPPED8 = {3: 0.86074, 15: 1.00020, 16: 0.75286, 51: 1.00020, 62: 1.03402}


def _pairs(u):
    """[U; U]: every anchor on top of its positive, shape (2M, d), float32."""
    return jnp.asarray(np.concatenate([u, u]), jnp.float32)


# The Krylov quench (method="krylov") with a Krylov space of 8 of the N = 16 dimensions: the step is a projection,
# not the exact model flow, and must still keep the basins of the float64 flow.
METHODS = [{"method": "dense"}, {"method": "krylov", "krylov_dim": 8}]


@pytest.fixture(scope="module", params=METHODS, ids=["dense", "krylov"])
def circle_runs(request):
    """The 64 random starts of the trap landscape and their quenches (one compiled, vmapped call)."""
    energy = ls.energies.InfoNCE(tau=TAU8)
    x0 = ls.sphere.uniform(jax.random.key(0), (256, 2 * M8, 2))[:64]
    res = jax.jit(jax.vmap(lambda x: landscape.quench_info(energy, x, **request.param)))(x0)
    return energy, x0, res


def test_random_starts_converge_and_never_climb(circle_runs):
    energy, x0, res = circle_runs
    assert res.x.shape == x0.shape and res.energy.shape == (64,)
    np.testing.assert_allclose(jnp.linalg.norm(res.x, axis=-1), 1.0, atol=1e-6)  # still on the spheres
    assert float(res.grad_norm.max()) < TOL
    # the reported gradient norm is the one at the returned configuration
    gn = jax.jit(jax.vmap(lambda x: landscape.gradient_norm(energy, x)))(res.x)
    assert float(gn.max()) < TOL
    np.testing.assert_allclose(gn, res.grad_norm, atol=1e-6)  # the same up to float32 rounding (~1e-8 per entry)
    energies = jax.jit(jax.vmap(energy))
    assert bool(jnp.all(res.energy <= energies(x0)))
    np.testing.assert_allclose(res.energy, energies(res.x), atol=1e-5)  # E rounds at ~eps / tau ~ 1e-6


def test_random_starts_converge_sphere_d3():
    """M = 6 pairs on S^2 (no closed-form optimum, M > d + 1): converged, descending."""
    energy = ls.energies.InfoNCE(tau=0.2)
    x0 = ls.sphere.uniform(jax.random.key(2), (8, 12, 3))
    res = jax.jit(jax.vmap(lambda x: landscape.quench_info(energy, x)))(x0)
    assert float(res.grad_norm.max()) < TOL
    assert bool(jnp.all(res.energy <= jax.jit(jax.vmap(energy))(x0)))


def test_basin_preservation_circle(circle_runs):
    _, _, res = circle_runs
    gap = np.asarray(res.energy, np.float64) - E_STAR8
    at_global = gap < 1e-3
    # there are traps: 59 / 64 reach E* (a barrier-jumping L-BFGS quench reports 63 / 64, and sends starts 3, 16,
    # 51 and 62 to E*)
    assert 0.8 < at_global.mean() < 0.97, at_global.mean()
    for g in gap[~at_global]:
        assert np.min(np.abs(TRAP_GAPS8 - g)) < 1e-3, f"non-global energy E* + {g:.5f} is not a known trap"
    for i, g in TRAPPED8.items():
        assert abs(gap[i] - g) < 1e-3, (i, gap[i], g)
    assert np.all(gap > -1e-5)  # nothing below the global minimum (float32 resolution of E at tau = 0.05: ~1e-6)


@pytest.mark.parametrize("kw", METHODS, ids=["dense", "krylov"])
def test_local_error_control_keeps_the_basins_without_the_step_cap(kw):
    """With the cap on the step length lifted (max_angle = 1 rad = 20 tau, against 0.05 by default), the local-error
    control alone keeps the quench on the flow: at least four of the five trapped starts of TRAPPED8 stay in their
    traps (measured: 4 dense, 5 Krylov). Without it (``test_mutants.py``) the long model steps jump barriers and
    three of the five leave their traps (2 of 5 stay, dense and Krylov); with neither check and max_angle = 3, all
    five leave them."""
    energy = ls.energies.InfoNCE(tau=TAU8)
    x0 = ls.sphere.uniform(jax.random.key(0), (256, 2 * M8, 2))[:64]
    res = jax.jit(jax.vmap(lambda x: landscape.quench_info(energy, x, max_angle=1.0, **kw)))(x0)
    assert float(res.grad_norm.max()) < TOL
    gap = np.asarray(res.energy, np.float64) - E_STAR8
    kept = [i for i, g in TRAPPED8.items() if abs(gap[i] - g) < 1e-3]
    assert len(kept) >= 4, (
        f"trapped starts kept in their traps: {kept} of {sorted(TRAPPED8)}; gaps {gap[list(TRAPPED8)]}"
    )


@pytest.mark.parametrize(
    "u, tau, e_star",
    [
        (ls.optima.polygon(M8, phase=0.3), TAU8, E_STAR8),
        (ls.optima.simplex(4, 3), 0.2, ls.optima.simplex_energy(4, 0.2)),
    ],
    ids=["octagon-tau0.05", "simplex-M4-d3-tau0.2"],
)
def test_global_minimiser_stays_put(u, tau, e_star):
    energy = ls.energies.InfoNCE(tau=tau)
    x_star = _pairs(u)
    x_min, e_min = landscape.quench(energy, x_star)
    assert float(jnp.max(jnp.abs(x_min - x_star))) < 1e-4
    # E is a log-sum-exp of logits of size 1/tau: float32 resolves it to ~EPS32 / tau, not to EPS32 * E
    np.testing.assert_allclose(e_min, energy(x_star), rtol=0, atol=4 * EPS32 / tau)
    # against the closed form, up to the float32 rounding of the logits (size 1/tau) inside E
    assert abs(float(e_min) - e_star) < 16 * EPS32 / tau


def test_perturbed_simplex_returns():
    tau = 0.2
    energy = ls.energies.InfoNCE(tau=tau)
    x_star = _pairs(ls.optima.simplex(4, 3))
    kick = ls.sphere.project(x_star, 0.1 * jax.random.normal(jax.random.key(1), x_star.shape))
    x0 = ls.sphere.exp(x_star, kick)
    res = landscape.quench_info(energy, x0)
    assert float(res.grad_norm) < TOL
    np.testing.assert_allclose(float(res.energy), ls.optima.simplex_energy(4, tau), rtol=1e-5)
    u = res.x[:4]
    gram = np.asarray(u @ u.T)
    off = gram[~np.eye(4, dtype=bool)]
    np.testing.assert_allclose(off, -1.0 / 3.0, atol=1e-3)
    np.testing.assert_allclose(np.asarray(res.x[4:]), np.asarray(u), atol=1e-3)  # positives on their anchors


@pytest.mark.parametrize("method", ["dense", "krylov"])
def test_leaves_a_symmetric_saddle(method):
    """All four rows on one point (M = 2): the gradient is zero by symmetry but it is a saddle; the quench leaves it."""
    tau = 0.2
    energy = ls.energies.InfoNCE(tau=tau)
    x = jnp.tile(jnp.array([[0.6, 0.8]], jnp.float32), (4, 1))
    assert float(jax.jit(lambda x: landscape.gradient_norm(energy, x))(x)) < TOL
    lam = jax.jit(lambda x: jnp.linalg.eigvalsh(landscape.riemannian_hessian(energy, x)))(x)
    assert float(lam[0]) < -1.0
    res = landscape.quench_info(energy, x, method=method)
    assert float(res.grad_norm) < TOL
    np.testing.assert_allclose(float(res.energy), ls.optima.polygon_energy(2, tau), rtol=1e-3)


def test_jit_and_vmap_agree_with_single_calls():
    energy = ls.energies.InfoNCE(tau=0.1)
    x0 = ls.sphere.uniform(jax.random.key(4), (3, 4, 2))
    x_b, e_b = jax.jit(jax.vmap(lambda x: landscape.quench(energy, x)))(x0)
    assert x_b.shape == (3, 4, 2) and e_b.shape == (3,)
    single = jax.jit(lambda x: landscape.quench(energy, x))
    for k in range(3):
        x_k, e_k = single(x0[k])
        np.testing.assert_allclose(x_b[k], x_k, atol=1e-5)
        np.testing.assert_allclose(e_b[k], e_k, rtol=1e-5)


def test_riemannian_hessian_von_mises_fisher():
    """E = -kappa sum mu.x has zero Euclidean Hessian, so its Riemannian Hessian is kappa (mu . x_i) I on row i."""
    mu = jnp.array([0.0, 0.6, 0.8])
    kappa = 3.0
    energy = ls.energies.VonMisesFisher(mu, kappa)
    x = ls.sphere.uniform(jax.random.key(5), (4, 3))
    h = jax.jit(lambda x: landscape.riemannian_hessian(energy, x))(x)
    expected = np.kron(np.diag(kappa * np.asarray(x @ mu)), np.eye(2))
    np.testing.assert_allclose(h, expected, atol=1e-5)
    # and the quench sends every row to mu
    x_min, _ = landscape.quench(energy, x)
    np.testing.assert_allclose(x_min, jnp.broadcast_to(mu, x.shape), atol=1e-5)


def test_bad_arguments_fail_early():
    energy = ls.energies.InfoNCE(tau=0.2)
    with pytest.raises(ValueError, match="shape"):
        landscape.quench(energy, jnp.ones((2, 4, 2)))
    with pytest.raises(ValueError, match="tol"):
        landscape.quench(energy, jnp.ones((4, 2)) / jnp.sqrt(2.0), tol=0.0)
    with pytest.raises(ValueError, match="method"):
        landscape.quench_info(energy, jnp.ones((4, 2)) / jnp.sqrt(2.0), method="lbfgs")


def test_basin_table_counts_basins_up_to_symmetry():
    # circle, M = 8, tau = 0.05: of uniform(key(0), (256, 16, 2)) start 0 quenches to the octagon, start 16 to the
    # plateau 0.75286 above E*, start 3 to the one 0.861 above (tests/test_trapping.py)
    m, tau = 8, 0.05
    energy = ls.energies.InfoNCE(tau=tau)
    starts = np.asarray(ls.sphere.uniform(jax.random.key(0), (256, 2 * m, 2)))
    rot = np.array([[0.6, -0.8], [0.8, 0.6]], np.float32)
    perm = np.r_[np.roll(np.arange(m), 3), m + np.roll(np.arange(m), 3)]
    copy16 = (starts[16] @ rot)[perm]  # the same start rotated and relabelled: the same basin
    x = np.stack([starts[0], starts[16], copy16, starts[3]])
    tab = landscape.basin_table(energy, x, e_star=ls.optima.polygon_energy(m, tau))
    assert tab["n_starts"] == 4 and tab["not_converged"] == 0
    assert (tab["global"]["count"], tab["trapped"]["count"]) == (1, 3)
    assert [b["count"] for b in tab["basins"]] == [1, 2, 1]
    np.testing.assert_allclose([b["gap"] for b in tab["basins"]], [0.0, 0.75286, 0.861], atol=1e-3)
    lo, hi = ls.diagnostics.wilson_interval(3, 4)
    assert tab["trapped"]["lo"] == pytest.approx(lo) and tab["trapped"]["hi"] == pytest.approx(hi)
    # the copy ends on the same plateau level (where on that flat plateau depends on the quench's rounding: the level
    # is one row whatever its signature classes, which are therefore not asserted for it)
    assert abs(tab["start_energy"][1] - tab["start_energy"][2]) < 1e-4
    assert tab["basins"][2]["signature_classes"] == 1  # a single start
    # the signature is invariant under the symmetries: the copy's equals the start's to float32 rounding, and
    # basin_labels gives the two one label and a configuration of another basin another
    sig = jax.vmap(landscape.basin_signature)(jnp.asarray(np.stack([starts[16], copy16, starts[3]])))
    assert float(jnp.max(jnp.abs(sig[0] - sig[1]))) < 1e-5
    assert float(jnp.max(jnp.abs(sig[0] - sig[2]))) > 0.1
    e16 = float(energy(jnp.asarray(starts[16])))
    labels, _ = landscape.basin_labels(np.array([e16, e16, e16]), np.asarray(sig))
    assert labels.tolist() == [0, 0, 1]


def test_full_configuration_prepends_frozen_anchors():
    u = jnp.asarray(ls.optima.polygon(3), jnp.float32)
    frozen = ls.energies.FrozenAnchors(ls.energies.InfoNCE(tau=0.2), u)
    v = ls.sphere.uniform(jax.random.key(1), (5, 3, 2))
    full = landscape.full_configuration(frozen, v)
    assert full.shape == (5, 6, 2)
    np.testing.assert_array_equal(full[:, :3], jnp.broadcast_to(u, (5, 3, 2)))
    assert landscape.full_configuration(ls.energies.InfoNCE(tau=0.2), v) is v


# --- the cached best-known E* of DHEL (circle, M = 8, tau = 0.1), against an independent float64 search -----------


def dhel_circle(theta, m, tau):
    """DHEL (energies.DHEL's formula, both views) of U = (cos a, sin a), V = (cos b, sin b), theta = [a; b]:
    E = (1/M) sum_i [log sum_{j!=i} e^{cos(a_i - a_j)/tau} + log sum_{j!=i} e^{cos(b_i - b_j)/tau}
                     - cos(a_i - b_i)/tau],
    and its gradient in the angles (arc length: the Riemannian gradient). numpy, float64."""
    a, b = theta[:m], theta[m:]
    energy, grad = 0.0, np.zeros_like(theta)
    off = ~np.eye(m, dtype=bool)
    for z, rows in ((a, slice(0, m)), (b, slice(m, 2 * m))):
        diff = z[:, None] - z[None, :]
        logits = np.where(off, np.cos(diff) / tau, -np.inf)
        top = logits.max(axis=1, keepdims=True)
        w = np.exp(logits - top)
        total = w.sum(axis=1, keepdims=True)
        energy += np.sum(np.log(total[:, 0]) + top[:, 0])
        w /= total  # softmax over j != i
        grad[rows] -= np.sum((w + w.T) * np.sin(diff), axis=1) / tau
    energy -= np.sum(np.cos(a - b)) / tau
    grad[:m] += np.sin(a - b) / tau
    grad[m:] -= np.sin(a - b) / tau
    return energy / m, grad / m


def test_best_known_dhel_minimum_against_an_independent_float64_search():
    """The cached E* (a float32 multi-start search with the library's quench) against a multi-start BFGS quench of a
    separate numpy implementation of DHEL in angle coordinates, in float64: no start goes below E*, some reach it,
    and the lowest point is a minimum (Hessian positive off the rotation mode)."""
    m, tau = 8, 0.1
    entry = ls.optima.best_known("dhel", 8, 2, 0.1)
    e_star = entry["E_star"]
    assert "2048" in entry["provenance"] and ls.optima.best_known("dhel", 8, 2, 0.2) is None
    rng = np.random.default_rng(0)
    # the numpy energy is the library's DHEL (float32: ~1e-6 relative)
    theta = rng.uniform(0, 2 * np.pi, (4, 2 * m))
    for th in theta:
        x = jnp.asarray(np.stack([np.cos(th), np.sin(th)], axis=-1), jnp.float32)
        np.testing.assert_allclose(float(ls.energies.DHEL(tau=tau)(x)), dhel_circle(th, m, tau)[0], rtol=2e-6)
    fun = lambda th: dhel_circle(th, m, tau)  # noqa: E731
    found = [
        optimize.minimize(fun, th0, jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 10_000})
        for th0 in rng.uniform(0, 2 * np.pi, (64, 2 * m))
    ]
    e = np.array([r.fun for r in found])
    grad = np.array([np.abs(r.jac).max() for r in found])
    best = found[int(np.argmin(e))]
    reached = np.abs(e - e_star) < 2e-6  # E* is cached to 1e-6 from a float32 search
    print(
        f"DHEL M=8 tau=0.1: float64 lowest {e.min():.9f} vs cached E* {e_star}; {reached.sum()}/64 starts reach it; "
        f"max |grad| {grad.max():.1e}; levels above E*: {np.unique(np.round(e - e.min(), 3))[1:]}"
    )
    assert grad.max() < 1e-6  # every quench converged
    assert e.min() > e_star - 2e-6  # nothing below the cached E* ...
    assert reached.sum() >= 1  # ... and it is reached (measured: 28 of 64 starts)
    # Hessian of the lowest point (central differences of the analytic gradient): one zero mode, the rotation
    eps = 1e-5
    hess = np.array([(fun(best.x + eps * v)[1] - fun(best.x - eps * v)[1]) / (2 * eps) for v in np.eye(2 * m)])
    lam = np.linalg.eigvalsh((hess + hess.T) / 2)
    print(f"  Hessian eigenvalues at the lowest point: {lam[:3]}")
    assert abs(lam[0]) < 1e-6 and lam[1] > 1e-3
    # U = V = the regular octagon is not the minimum
    octagon = jnp.asarray(np.concatenate([ls.optima.polygon(8)] * 2), jnp.float32)
    assert float(ls.energies.DHEL(tau=0.1)(octagon)) > e_star + 0.2


@pytest.mark.slow  # ~10 s of compilation; the doctest of descend runs by default
def test_descend_then_quench_ends_where_the_quench_alone_does():
    """On landscape B (DHEL on the circle, M = 8, tau = 0.1: four minimum energies), 5000 steps of gradient descent
    followed by quench_info reach the same four levels as quench_info alone, with the same end energy from at least
    85% of 64 uniform starts (both are discretisations of the gradient flow: starts near a basin boundary may
    switch). The descent does the work: the quench after it stops within 20 iterations, and the descent alone ends
    with unit rows and |grad| below 1e-4 for most starts."""
    e = ls.energies.DHEL(tau=0.1)
    x0 = ls.sphere.uniform(jax.random.key(0), (64, 16, 2))
    alone = jax.jit(jax.vmap(lambda y: landscape.quench_info(e, y)))(x0)
    x1 = jax.jit(jax.vmap(lambda y: landscape.descend(e, y, 5000)))(x0)
    after = jax.jit(jax.vmap(lambda y: landscape.quench_info(e, y)))(x1)
    a, b = np.asarray(alone.energy), np.asarray(after.energy)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(x1), axis=-1), 1.0, atol=1e-5)
    assert np.mean(np.asarray(jax.vmap(lambda y: landscape.gradient_norm(e, y))(x1)) < 1e-4) >= 0.85
    assert np.all(np.asarray(after.grad_norm) < 1e-5) and int(np.max(after.n_steps)) <= 20
    assert set(np.round(a, 3)) == set(np.round(b, 3))
    assert np.mean(np.abs(a - b) < 1e-3) >= 0.85
