"""Mutation check of the law tests: each must fail when the integrator is deliberately broken.

The geodesic Euler-Maruyama step of the contract is, per row x,

    v = -h P_x grad E + sqrt(2h/beta) P_x xi,    x' = Exp_x(v).

A mutant replaces ``GeodesicEulerMaruyama.step`` and its registered ``lanes_step`` (both layouts of ``simulate``, and
every other
user of the class) by a step with one fault:

- ``noise_power``: sqrt(h/beta) instead of sqrt(2h/beta) (the temperature halved);
- ``drift_0.9``: the drift multiplied by 0.9 (the Gibbs law at 0.9 beta, and a slower relaxation);
- ``noise_unprojected``: xi ~ N(0, I_d) not projected on the tangent space (``sphere.exp`` renormalises, so the
  radial part only changes the step at relative O(h): ~30% of the diffusion per step at sigma^2 = 0.1);
- ``drift_unprojected``: the Euclidean gradient instead of the Riemannian one (its radial part changes the drift by
  a factor ~1 / (1 + h x . grad E), again O(h)).

Each law test of ``test_laws.py`` is run under the mutants it must catch and has to raise ``AssertionError``; it is
also run under the fault-free rewrite of the step (``none``, the same noise as the library's step) and has to pass,
so that a failure is the fault's doing. Measured matrix (law test x mutant; caught = the test fails, with the
distance of the failing statistic from its law in SE):

    law test (test_laws.py)                       noise_power     drift_0.9      noise_unprojected  drift_unprojected
    Brownian motion, h = 1e-3 (d = 2, 3; 8 lanes) caught 37-101   n/a (E = 0)    not caught         n/a (E = 0)
    Brownian motion, h = 0.05 (d = 3, 2 layouts)  caught 44       n/a (E = 0)    caught 16          n/a (E = 0)
    one-step transition law (2 layouts)           caught 68       caught 7.7     caught 31          caught 26
    von Mises-Fisher mean and O(h) bias           caught (a)      caught (b)     not caught         not caught
    annealing + equipartition, square (circle)    caught 61       caught 5.8     not caught         not caught
    annealing + equipartition, tetrahedron        caught 71       caught 7.8     not caught         not caught
    annealing + equipartition, triangle           caught 43       caught 6.5     not caught         not caught
    two-well, log schedule escapes (+ FP law)     caught (c)      not caught     not caught         not caught
    two-well, noise-free descent stays            n/a             n/a            n/a                n/a

(a) halving h no longer shrinks the bias (measured against A_3(2), the law at the wrong temperature is A_3(4));
(b) the bias ratio at h and h/2 leaves (0.25, 0.75); (c) fewer than the binomial majority threshold escape (the
temperature is halved: an effective c = 0.75 < c* = 1.125). n/a: nothing for the fault to act on (no drift at
E = 0; the noise-free descent has no noise, and no descent can leave the trap whatever its drift: it shows why noise
is needed, the escape test beside it that it suffices). The unprojected faults change the scheme at relative O(h)
(``sphere.exp`` renormalises): only the coarse-step laws (one step, the h = 0.05 walk) resolve them; at the small
steps of the stationary and annealing tests they sit below the statistical resolution, like the weak-order-1 bias.
Before these tests were strengthened, the annealing tests (energy at beta = 1e5-1e7 only) caught no mutant, and
the Brownian and von Mises-Fisher tests no unprojected one.

Only with ``pytest -m slow`` (37 runs of law tests, about 2 minutes on 2 busy CPU cores).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import test_landscape
import test_laws

from langevin_sphere import energies, integrators, sphere
from langevin_sphere.core.integrators import LangevinState
from langevin_sphere.landscape import quenching

pytestmark = pytest.mark.slow

MUTANTS = {
    "none": {},
    "noise_power": {"noise": 2**-0.5},
    "drift_0.9": {"drift": 0.9},
    "noise_unprojected": {"project_noise": False},
    "drift_unprojected": {"project_drift": False},
}


def mutant_step(noise=1.0, drift=1.0, project_noise=True, project_drift=True):
    """(step, lanes_step) of geodesic Euler-Maruyama with the given faults (none by default)."""

    def step(self, sde, state, t0, t1, key):
        x, h, beta = state.x, t1 - t0, sde.beta_at(t0)
        if project_drift:
            g = state.grad  # the cached Riemannian gradient
        else:
            g = jax.grad(lambda y: jnp.asarray(sde.energy_at(t0)(y), y.dtype))(x)  # Euclidean: radial part kept
        xi = sphere.tangent_normal(key, x) if project_noise else jax.random.normal(key, x.shape, x.dtype)
        x_new = sphere.exp(x, -drift * h * g + noise * jnp.sqrt(2.0 * h / beta) * xi)
        e, g_new = energies.value_and_grad(sde.energy_at(t1), x_new)
        return LangevinState(x=x_new, energy=e, grad=g_new), integrators.NoInfo()

    def lanes_step(self, sde, state, t0, t1, keys):  # chains-last state: the mutant step of every chain
        first = jax.tree.map(lambda a: jnp.moveaxis(a, -1, 0), state)
        new = jax.vmap(lambda s, k: step(self, sde, s, t0, t1, k)[0])(first, keys)
        return jax.tree.map(lambda a: jnp.moveaxis(a, 0, -1), new), integrators.NoInfo()

    return step, lanes_step


def apply_mutant(monkeypatch, name):
    """Replace the step and the registered chains-last step of geodesic Euler-Maruyama (undone after the test)."""
    step, lanes_step = mutant_step(**MUTANTS[name])
    monkeypatch.setattr(integrators.GeodesicEulerMaruyama, "step", step)
    patched = functools.singledispatch(integrators.lanes_step.dispatch(object))
    for cls, fn in integrators.lanes_step.registry.items():
        if cls is not object:
            patched.register(cls, fn)
    patched.register(integrators.GeodesicEulerMaruyama, lanes_step)
    monkeypatch.setattr(integrators, "lanes_step", patched)


def _brownian(d, beta, t1, h, layout):
    return lambda: test_laws.test_brownian_motion_correlation_decay(np.random.default_rng(0), d, beta, t1, h, layout)


LAW_TESTS = {
    "brownian_d2": _brownian(2, 1.0, 0.5, 1e-3, "chains"),
    "brownian_d3": _brownian(3, 1.0, 0.25, 1e-3, "chains"),
    "brownian_d8_lanes": _brownian(8, 2.0, 0.15, 1e-3, "lanes"),
    "brownian_coarse": _brownian(3, 1.0, 0.5, 0.05, "chains"),
    "brownian_coarse_lanes": _brownian(3, 1.0, 0.5, 0.05, "lanes"),
    "one_step": lambda: test_laws.test_one_step_transition_law("chains"),
    "one_step_lanes": lambda: test_laws.test_one_step_transition_law("lanes"),
    "von_mises_fisher": test_laws.test_von_mises_fisher_stationary_mean_and_first_order_bias,
    "polygon": test_laws.test_annealing_reaches_the_regular_polygon_on_the_circle,
    "simplex_4_3": lambda: test_laws.test_annealing_reaches_the_regular_simplex(4, 3),
    "simplex_3_2": lambda: test_laws.test_annealing_reaches_the_regular_simplex(3, 2),
    "two_well_escape": test_laws.test_logarithmic_annealing_escapes_the_two_well_trap,
}

ALL_FAULTS = ["noise_power", "drift_0.9", "noise_unprojected", "drift_unprojected"]
CATCHES = {  # law test -> the mutants it must catch
    "brownian_d2": ["noise_power"],
    "brownian_d3": ["noise_power"],
    "brownian_d8_lanes": ["noise_power"],
    "brownian_coarse": ["noise_power", "noise_unprojected"],
    "brownian_coarse_lanes": ["noise_power", "noise_unprojected"],
    "one_step": ALL_FAULTS,
    "one_step_lanes": ALL_FAULTS,
    "von_mises_fisher": ["noise_power", "drift_0.9"],
    "polygon": ["noise_power", "drift_0.9"],
    "simplex_4_3": ["noise_power", "drift_0.9"],
    "simplex_3_2": ["noise_power", "drift_0.9"],
    "two_well_escape": ["noise_power"],
}


def test_every_law_test_catches_a_mutant_and_every_mutant_is_caught():
    assert set(CATCHES) == set(LAW_TESTS) and all(CATCHES.values())
    assert {m for caught in CATCHES.values() for m in caught} == set(ALL_FAULTS)


@pytest.mark.parametrize("law", list(LAW_TESTS))
def test_law_test_passes_with_the_fault_free_rewrite(law, monkeypatch):
    apply_mutant(monkeypatch, "none")
    LAW_TESTS[law]()


@pytest.mark.parametrize("law, mutant", [(law, m) for law, caught in CATCHES.items() for m in caught])
def test_law_test_fails_on_the_mutant(law, mutant, monkeypatch):
    apply_mutant(monkeypatch, mutant)
    with pytest.raises(AssertionError):
        LAW_TESTS[law]()


# ---- geodesic Leimkuhler-Matthews: the weak-order conformance check against its own faults ------------------------
#
# The check (test_integrators.py) asks bias(h/2) = bias(h) / 4 and a Richardson extrapolation at A_3(beta kappa).
# Without the curvature correction the scheme is weak order 1 (bias -0.05 h at beta kappa = 8: the ratio is 1/2);
# a drift x 0.9 or a noise power x 1/2 samples another temperature (the extrapolation misses A_3 by ~0.01).


def glm_mutant(monkeypatch, fault):
    cls = integrators.GeodesicLeimkuhlerMatthews
    original_scale, original_step = cls.noise_scale, cls.step
    if fault == "none":
        return
    if fault == "no_curvature_correction":
        monkeypatch.setattr(cls, "noise_scale", lambda self, h, beta, d: jnp.sqrt(2.0 * h / beta))
    elif fault == "noise_power":
        monkeypatch.setattr(cls, "noise_scale", lambda self, h, beta, d: original_scale(self, h, 2.0 * beta, d))
    elif fault == "drift_0.9":

        def step(self, sde, state, t0, t1, key):  # the step driven by 0.9 x the cached gradient
            weak = type(state)(x=state.x, energy=state.energy, grad=0.9 * state.grad, base=state.base, kick=state.kick)
            return original_step(self, sde, weak, t0, t1, key)

        monkeypatch.setattr(cls, "step", step)


@pytest.mark.parametrize("fault", ["none", "no_curvature_correction", "noise_power", "drift_0.9"])
def test_weak_order_check_catches_leimkuhler_matthews_faults(fault, monkeypatch):
    import test_integrators

    glm_mutant(monkeypatch, fault)
    check = lambda: test_integrators.test_von_mises_fisher_law_with_the_declared_weak_order("leimkuhler_matthews")  # noqa: E731
    if fault == "none":
        check()
    else:
        with pytest.raises(AssertionError):
            check()


# ---- the quench: the local-error control is what keeps a long model step in its basin -----------------------------
#
# ``quenching._step_ok`` accepts a step when the gradient at its end matches the model's prediction (local error) and
# the energy decreases by half the model decrease (descent). The basin test with the step cap lifted
# (test_landscape.py, max_angle = 1 rad) must fail without the local-error check; measured there: 2 of the 5
# float64-trapped starts stay trapped without it, 4 - 5 with it. (Without the descent check alone no outcome changed:
# on that landscape a step whose end gradient matches the model also descends, so no test catches that fault.)


def step_ok_mutant(local_error=True, descent=True):
    """``_step_ok`` rewritten with the given checks (both: the library's acceptance test)."""

    def step_ok(e, e_new, g, g_new, g_back, g_pred, s, m, accuracy):
        eps = jnp.finfo(e.dtype).eps
        ok = jnp.isfinite(e_new) & jnp.all(jnp.isfinite(g_new))
        if local_error:
            ok &= quenching._norm(g_back - g_pred) <= accuracy * jnp.maximum(
                quenching._norm(g), quenching._norm(g_pred)
            )
        if descent:
            resolved = -m > 256.0 * eps * (1.0 + jnp.abs(e))
            ok &= jnp.where(resolved, e_new - e, 0.5 * jnp.sum((g + g_back) * s)) <= 0.5 * m
        return ok

    return step_ok


@pytest.mark.parametrize("kw", test_landscape.METHODS, ids=["dense", "krylov"])
@pytest.mark.parametrize("fault", ["none", "no_local_error", "no_checks"])
def test_basin_test_without_the_step_cap_catches_a_quench_without_its_checks(fault, kw, monkeypatch):

    faults = {
        "none": {},
        "no_local_error": {"local_error": False},
        "no_checks": {"local_error": False, "descent": False},
    }
    monkeypatch.setattr(quenching, "_step_ok", step_ok_mutant(**faults[fault]))
    jax.clear_caches()  # the compiled quenches were traced with the library's check
    try:
        if fault == "none":
            test_landscape.test_local_error_control_keeps_the_basins_without_the_step_cap(kw)
        else:
            with pytest.raises(AssertionError):
                test_landscape.test_local_error_control_keeps_the_basins_without_the_step_cap(kw)
    finally:
        jax.clear_caches()  # no program traced with the mutant outlives the test
