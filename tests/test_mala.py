"""Riemannian MALA against the von Mises-Fisher law: no step-size bias where geodesic Euler-Maruyama has one.

- invariance: rows drawn exactly from vMF(mu, beta kappa) (Wood's algorithm) stay vMF-distributed after MALA steps at
  a large step size (first and second moments of mu . x within 4 SE), while geodesic Euler-Maruyama steps move the
  mean by many SE. This is stationarity of the Gibbs law, the consequence of detailed balance that matters here;
- a long run through ``simulate``: the time-averaged mean of mu . x matches A_d(beta kappa) where the same run with
  geodesic Euler-Maruyama misses it by more than 5 SE (its O(h) bias, measured, not quoted), and the acceptance count
  is recorded;
- the proposal density integrates to P(|v| < pi) over the sphere (the Jacobian of the exponential map is right).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import assert_within_se, mean_se, random_points
from scipy import special

import langevin_sphere as ls
from langevin_sphere import integrators


def vmf_moments(d, kappa):
    """E[t] = A_d(kappa) and E[t^2] = 1 - (d-1) A_d(kappa) / kappa for t = mu . x under vMF(mu, kappa) on S^{d-1}."""
    a = special.ive(d / 2, kappa) / special.ive(d / 2 - 1, kappa)
    return a, 1.0 - (d - 1) * a / kappa


def sample_vmf(rng, n, d, kappa):
    """n exact samples of vMF(e_d, kappa) on S^{d-1} (Wood 1994, Simulation of the von Mises Fisher distribution)."""
    b = (-2 * kappa + math.sqrt(4 * kappa**2 + (d - 1) ** 2)) / (d - 1)
    x0 = (1 - b) / (1 + b)
    c = kappa * x0 + (d - 1) * math.log(1 - x0**2)
    w = np.empty(0)
    while w.size < n:
        z = rng.beta((d - 1) / 2, (d - 1) / 2, 2 * n)
        cand = (1 - (1 + b) * z) / (1 - (1 - b) * z)
        ok = kappa * cand + (d - 1) * np.log(1 - x0 * cand) - c >= np.log(rng.uniform(size=2 * n))
        w = np.concatenate([w, cand[ok]])
    w = w[:n]
    direction = rng.standard_normal((n, d - 1))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return np.concatenate([np.sqrt(1 - w**2)[:, None] * direction, w[:, None]], axis=1)


def run_steps(integrator, energy, x, key, h, beta, n_steps):
    """n_steps of ``integrator`` on every chain of x (B, n, d) at fixed beta, through the package's kernel; returns
    (final x, accepted count)."""
    kernel = ls.kernel.build_kernel(ls.sde.Langevin(energy, ls.schedules.constant(beta)), integrator, h)
    final = ls.kernel.run(kernel, x, jax.random.split(key, x.shape[0]), n_steps)
    return final.x, getattr(final, "n_accepted", jnp.full(x.shape[0], n_steps))


@pytest.mark.parametrize("d", [pytest.param(2, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow), 5])
def test_vmf_law_is_invariant_under_mala_at_a_large_step(d):
    kappa, beta, h, n_steps, n = 1.0, 2.0, 0.5, 3, 30_000
    mu = np.eye(d, dtype=np.float32)[-1]
    energy = ls.energies.VonMisesFisher(mu, kappa)
    x = jnp.asarray(sample_vmf(np.random.default_rng(d), n, d, beta * kappa)[:, None, :], jnp.float32)  # (n, 1, d)
    m1, m2 = vmf_moments(d, beta * kappa)
    t0 = np.asarray(x[:, 0, -1], np.float64)
    assert_within_se(*mean_se(t0)[:1], m1, mean_se(t0)[1], k=4, what="exact vMF sampler")
    results = {}
    for name, integ in (("MALA", integrators.MALA()), ("EM", integrators.GeodesicEulerMaruyama())):
        xs, n_acc = run_steps(integ, energy, x, jax.random.key(1), h, beta, n_steps)
        t = np.asarray(xs[:, 0, -1], np.float64)
        (mean, se), (sq, se_sq) = mean_se(t), mean_se(t**2)
        results[name] = (mean - m1) / se, (sq - m2) / se_sq
        print(
            f"d={d} {name}: E[t] {mean:.5f} +- {se:.5f} vs {m1:.5f} ({results[name][0]:+.1f} SE), "
            f"E[t^2] {sq:.5f} +- {se_sq:.5f} vs {m2:.5f} ({results[name][1]:+.1f} SE), "
            f"acceptance {float(np.mean(n_acc)) / n_steps:.3f}"
        )
        if name == "MALA":
            assert 0.5 < float(np.mean(n_acc)) / n_steps < 1.0
    assert abs(results["MALA"][0]) < 4 and abs(results["MALA"][1]) < 4
    assert max(abs(results["EM"][0]), abs(results["EM"][1])) > 10  # the same steps without the adjustment: biased
    # measured (n = 30000, 3 steps): MALA within 2 SE for d = 2, 3, 5; Euler-Maruyama off by 20-40 SE


def test_vmf_stationary_mean_through_simulate_without_bias():
    # S^2, beta kappa = 2, h = 0.1: the same run with geodesic Euler-Maruyama (same starts and key) measures the O(h)
    # bias that MALA removes. 64 chains x 16 rows, 30 time units averaged after 3; SE over the independent chains.
    d, kappa, beta, h, rows = 3, 1.0, 2.0, 0.1, 16
    energy = ls.energies.VonMisesFisher(np.eye(d, dtype=np.float32)[-1], kappa)
    x0 = random_points(np.random.default_rng(0), (64, rows, d))
    exact = vmf_moments(d, beta * kappa)[0]

    def run(integrator):
        res = ls.simulate(
            energy,
            x0,
            jax.random.key(0),
            schedule=ls.schedules.constant(beta),
            step_size=h,
            n_steps=330,
            record_every=5,
            chunk_records=66,
            integrator=integrator,
        )
        return res, *mean_se((-res.energy[:, res.t >= 3.0] / (kappa * rows)).mean(axis=1))

    res, mean, se = run(integrators.MALA())
    _, em, se_em = run(integrators.GeodesicEulerMaruyama())
    rate = res.n_accepted[:, -1] / res.n_steps
    print(
        f"vMF d=3, A_3(2) = {exact:.5f}: MALA {mean:.5f} +- {se:.5f} ({(mean - exact) / se:+.1f} SE), "
        f"acceptance {rate.mean():.3f}; Euler-Maruyama {em:.5f} +- {se_em:.5f} ({(em - exact) / se_em:+.1f} SE)"
    )
    assert_within_se(mean, exact, se, k=3, what="MALA stationary E[mu . x]")
    assert abs(em - exact) > 5 * se_em  # the Euler-Maruyama bias at this h is resolved by a run of this size ...
    assert abs(mean - em) > 4 * math.hypot(se, se_em)  # ... and MALA's mean is told apart from it
    assert 0.5 < rate.mean() < 1.0
    np.testing.assert_array_equal(res.n_accepted[:, 0], 0)
    assert np.all(np.diff(res.n_accepted, axis=1) >= 0)


def test_proposal_density_integrates_to_the_in_ball_probability():
    # S^2, one row: integrate exp(log q) over a (theta, phi) grid; the normalising constant 1 / (2 pi sigma^2) and
    # the mass of the tangent Gaussian beyond |v| = pi are known.
    h, beta = 0.4, 1.0
    sigma2 = 2 * h / beta
    x = jnp.array([[0.0, 0.0, 1.0]])
    grad = jnp.array([[0.3, -0.2, 0.0]])
    th = np.linspace(0, np.pi, 241)[1:-1]
    ph = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    tt, pp = np.meshgrid(th, ph, indexing="ij")
    y = np.stack([np.sin(tt) * np.cos(pp), np.sin(tt) * np.sin(pp), np.cos(tt)], -1).reshape(-1, 1, 3)
    logq = jax.vmap(lambda yy: integrators.log_proposal_density(x, grad, yy, h, beta))(jnp.asarray(y, jnp.float32))
    q = np.exp(np.asarray(logq, np.float64)).reshape(tt.shape) / (2 * np.pi * sigma2)
    mass = np.sum(q * np.sin(tt)) * (th[1] - th[0]) * (ph[1] - ph[0])
    # P(|v| < pi) for v ~ N(-h grad, sigma2 I_2), by Monte Carlo with 1e6 samples (SE < 1e-4)
    v = np.random.default_rng(0).standard_normal((1_000_000, 2)) * math.sqrt(sigma2) - h * np.array([0.3, -0.2])
    in_ball = np.mean(np.sum(v**2, 1) < np.pi**2)
    print(f"integral of q over S^2: {mass:.5f}, P(|v| < pi) = {in_ball:.5f}")
    assert abs(mass - in_ball) < 2e-3
