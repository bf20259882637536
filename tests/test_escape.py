"""The escape criteria of ``studies.escape_study`` on the closed-form two-well, where the basin boundary is known.

TiltedTwoWell (one row on the circle, E = a (-cos 2 theta - b cos theta)): the trap at theta = pi, the global well at
theta = 0, and the basin boundary of the trap at the saddles cos theta = -b/4. A chain has left the trap exactly when
it has crossed that line, however far from the trap it has strayed before; the full escape study runs for minutes
and is kept as stored results (experiments/studies/escape_*).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import langevin_sphere as ls
from langevin_sphere import integrators
from langevin_sphere.research import figures, studies

WELL = studies.TiltedTwoWell(a=0.5, b=0.5)
TRAP = jnp.array([[-1.0, 0.0]])
SADDLE = math.acos(-WELL.b / 4.0)  # the basin boundary, theta in (pi/2, pi)


def _at(theta):
    return jnp.array([[math.cos(theta), math.sin(theta)]])


def test_basin_exit_is_the_basin_boundary_not_a_distance():
    escaped = jax.jit(studies.basin_exit(WELL, TRAP, rotations=False))
    # 0.05 rad on either side of the saddle: both are ~1.9 rad from the trap, only one has left its basin
    assert not bool(escaped(_at(SADDLE + 0.05)))
    assert bool(escaped(_at(SADDLE - 0.05)))
    assert not bool(escaped(_at(-(SADDLE + 0.05))))  # the other saddle, by symmetry
    assert bool(escaped(_at(-(SADDLE - 0.05))))
    assert not bool(escaped(TRAP)) and not bool(escaped(_at(math.pi - 0.5)))


def test_level_exit_leaves_a_level_for_a_lower_one():
    level = float(WELL(TRAP))
    escaped = jax.jit(studies.level_exit(WELL, level, drop=0.1))
    assert bool(escaped(_at(SADDLE - 0.05))) and not bool(escaped(_at(SADDLE + 0.05)))
    # the global well as a "level": nothing lies lower, so nothing escapes from it
    assert not bool(jax.jit(studies.level_exit(WELL, float(WELL(_at(0.0)))))(_at(SADDLE - 0.05)))


def test_rotation_distance_ignores_rotations_only():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 2))
    x = jnp.asarray(x / np.linalg.norm(x, axis=1, keepdims=True), jnp.float32)
    c, s = math.cos(1.1), math.sin(1.1)
    rotated = x @ jnp.array([[c, -s], [s, c]])
    assert float(studies.rotation_distance(rotated, x)) < 1e-5
    assert float(studies.rotation_distance(x[jnp.array([1, 0, 2, 3, 4, 5])], x)) > 0.05  # relabelled: another point
    assert float(studies.rotation_distance(x * jnp.array([1.0, -1.0]), x)) > 0.05  # a reflection is no rotation


def test_every_k_is_k_substeps_of_h_over_k():
    inner = integrators.GeodesicEulerMaruyama()
    every = studies.escape._EveryK(inner, 5)
    x = _at(2.0)
    key = jax.random.key(3)
    sde = ls.sde.Langevin(WELL, ls.schedules.constant(4.0))
    state, _ = every.step(sde, every.init(sde, x), 0.0, 0.05, key)
    ref = inner.init(sde, x)
    for j in range(5):
        ref, _ = inner.step(sde, ref, 0.01 * j, 0.01 * (j + 1), jax.random.fold_in(key, j))
    np.testing.assert_allclose(np.asarray(state.x), np.asarray(ref.x), atol=1e-6)


def _mean_first_passage(beta: float, theta_stop: float, n: int = 200_001) -> float:
    """Exact mean time for the overdamped chain on the circle (generator f''/beta - E' f') to go from the trap
    theta = pi to theta_stop (or its mirror image): T = beta int_stop^pi e^{beta E(y)} int_y^pi e^{-beta E(z)} dz dy."""
    y = np.linspace(theta_stop, np.pi, n)
    e = WELL.a * (-np.cos(2 * y) - WELL.b * np.cos(y))
    dy = y[1] - y[0]
    w = np.exp(-beta * (e - e.min()))
    inner = np.concatenate([np.cumsum(((w[1:] + w[:-1]) * dy / 2)[::-1])[::-1], [0.0]])  # int_y^pi
    f = np.exp(beta * (e - e.min())) * inner
    return float(beta * np.sum((f[1:] + f[:-1]) * dy / 2))


@pytest.mark.slow  # 256 chains to t = 40 (about 18 s); test_every_k_is_k_substeps_of_h_over_k checks the substeps
def test_escape_time_lies_between_boundary_crossing_and_transition():
    """256 chains from the trap at beta = 3, the quench criterion tested every 0.1 (10 steps of 0.01). Exact answers
    of the 1D diffusion bracket the mean escape time: the first crossing of the basin boundary (10.0; a check every
    0.1 misses the shortest excursions across it, so it is a lower bound) and the arrival deep in the global well,
    cos theta > 1/2 (19.1: a committed transition, which an escape must precede). A distance criterion (0.1 rad from
    the trap) fires within a few steps; a substep of h instead of h / k makes every time 10x too short."""
    beta, h, k = 3.0, 0.01, 10
    crossing, arrival = _mean_first_passage(beta, SADDLE), _mean_first_passage(beta, math.pi / 3)
    assert 9.9 < crossing < 10.2 and 18.9 < arrival < 19.3
    x0 = jnp.broadcast_to(TRAP, (256, 1, 2))
    times, done = studies.escape_times(
        WELL,
        x0,
        jax.random.key(0),
        beta=beta,
        step_size=k * h,
        t_max=200.0,
        escaped=studies.basin_exit(WELL, TRAP, rotations=False),
        integrator=studies.escape._EveryK(integrators.GeodesicEulerMaruyama(), k),
        chunk_steps=200,
    )
    est = studies.escape._mean_escape(times, done)
    assert est["escaped"] >= 250
    assert crossing < est["mean_escape_time"] * math.exp(-2 * est["se_log"]), est
    assert est["mean_escape_time"] * math.exp(2 * est["se_log"]) < arrival, est


def test_censored_mean_and_weighted_line():
    times, done = np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, True, True, False])
    est = studies.escape._mean_escape(times, done)
    assert est["mean_escape_time"] == 10.0 / 3 and abs(est["se_log"] - 1 / math.sqrt(3)) < 1e-12
    fit = studies.escape._weighted_line([1.0, 2.0, 4.0], [0.5 + 0.25 * b for b in (1.0, 2.0, 4.0)], [0.1, 0.2, 0.1])
    assert abs(fit["slope"] - 0.25) < 1e-12 and abs(fit["intercept"] - 0.5) < 1e-12 and fit["chi2"] < 1e-20


def test_escape_figure_from_a_saved_study(tmp_path):
    rows = [
        {"beta": b, "mean_escape_time": math.exp(1.0 + 0.016 * b), "se_log": 0.1, "n_chains": 64}
        for b in (200.0, 300.0, 400.0)
    ]
    plateau = [
        {"beta": b, "mean_escape_time": 0.01 * b, "se_log_sample": 0.1, "n_chains": 96}
        for b in (100.0, 1000.0, 10000.0)
    ]
    study = {
        "kind": "escape",
        "minimum": {
            "landscape": {"energy": "DHEL", "M": 8, "d": 2, "tau": 0.1},
            "start_gap": 0.216,
            "rows": rows,
            "intercept": 1.0,
            "slope": 0.016,
            "slope_se": 0.001,
            "barrier": 0.0163,
            "relative_error": -0.02,
            "chi2": 1.0,
            "dof": 1,
        },
        "plateau": {
            "landscape": {"energy": "InfoNCE", "M": 6, "d": 2, "tau": 0.05},
            "level_gap": 0.462,
            "rows": plateau,
            "power_law": {"exponent": 1.0, "exponent_se": 0.02, "log_prefactor": math.log(0.01), "chi2": 1.0, "dof": 1},
            "exponential": {"rate": 3e-4, "rate_se": 2e-5, "log_prefactor": 1.5, "chi2": 30.0, "dof": 1},
        },
    }
    files = figures.escape_mechanism(study, tmp_path / "escape")
    assert [f.suffix for f in files] == [".png", ".pdf"] and all(f.stat().st_size > 0 for f in files)
