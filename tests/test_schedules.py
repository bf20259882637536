"""Schedules: values at named points, jit-ability, argument validation, and `schedules.check`."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import langevin_sphere as ls
from langevin_sphere import config, schedules

E = math.e

# (schedule, t, expected beta(t)) at named points
VALUES = {
    "constant": (schedules.constant(5.0), [0.0, 1e6], [5.0, 5.0]),
    "logarithmic": (schedules.logarithmic(0.5), [0.0, E**2 - E], [2.0, 4.0]),  # log(t + e) / c
    "logarithmic-t0": (schedules.logarithmic(2.0, t0=10.0), [0.0, 90.0], [math.log(10) / 2, math.log(100) / 2]),
    "geometric": (schedules.geometric(2.0, 0.5), [0.0, 2.0, 10.0], [2.0, 2 * E, 2 * E**5]),
    "geometric-capped": (schedules.geometric(2.0, 0.5, beta_max=10.0), [0.0, 2.0, 10.0], [2.0, 2 * E, 10.0]),
    "geometric-rate0": (schedules.geometric(3.0, 0.0), [0.0, 100.0], [3.0, 3.0]),
    "linear": (schedules.linear(1.0, 11.0, 10.0), [0.0, 2.5, 10.0, 50.0], [1.0, 3.5, 11.0, 11.0]),
    "power": (schedules.power(2.0, 2.0, t_scale=4.0), [0.0, 4.0, 12.0], [2.0, 8.0, 32.0]),  # 2 (1 + t/4)^2
    "cosine": (schedules.cosine(1.0, 3.0, 2.0), [0.0, 0.5, 1.0, 2.0, 7.0], [1.0, 2 - 1 / math.sqrt(2), 2.0, 3.0, 3.0]),
}


@pytest.mark.parametrize("name", VALUES)
def test_values_at_named_points(name):
    schedule, ts, expected = VALUES[name]
    for t, beta in zip(ts, expected):
        np.testing.assert_allclose(float(schedule(t)), beta, rtol=2e-6, err_msg=f"{name} at t={t}")


@pytest.mark.parametrize("name", VALUES)
def test_jit_and_arrays_of_times(name):
    schedule, ts, expected = VALUES[name]
    ts = jnp.asarray(ts, jnp.float32)
    np.testing.assert_allclose(jax.jit(schedule)(ts) * jnp.ones_like(ts), expected, rtol=2e-6)
    schedules.check(schedule, t_max=100.0)  # finite and > 0 on [0, 100]


def test_the_curves_optax_also_has_follow_optax():
    """constant, linear, cosine and exponential against optax's own schedules (optax counts steps: here t)."""
    import optax

    ts = jnp.linspace(0.0, 12.0, 97)
    pairs = [
        (schedules.constant(5.0), optax.constant_schedule(5.0)),
        (schedules.linear(1.0, 11.0, 10.0), optax.linear_schedule(1.0, 11.0, transition_steps=10.0)),
        (schedules.geometric(2.0, 0.3), optax.exponential_decay(2.0, transition_steps=1, decay_rate=math.exp(0.3))),
        (
            schedules.geometric(2.0, 0.3, beta_max=9.0),
            optax.exponential_decay(2.0, transition_steps=1, decay_rate=math.exp(0.3), end_value=9.0),
        ),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(ts), jax.vmap(theirs)(ts), rtol=2e-6, err_msg=repr(ours))
    decay = optax.cosine_decay_schedule(1.0, decay_steps=8.0)  # 1 -> 0 on [0, 8]
    np.testing.assert_allclose(schedules.cosine(1.0, 3.0, 8.0)(ts), 3.0 - 2.0 * jax.vmap(decay)(ts), rtol=2e-6)


@pytest.mark.parametrize("name", VALUES)
def test_numbers_are_fields_that_may_be_arrays(name):
    """A schedule's numbers are its fields: given as traced arrays (as simulate passes them) the values are the same,
    and a schedule with other numbers runs through the same compiled function."""
    import equinox as eqx

    schedule, ts, expected = VALUES[name]
    traced = eqx.filter_jit(lambda s, t: s(t))
    as_arrays = jax.tree.map(jnp.asarray, schedule)
    assert jax.tree.leaves(as_arrays), f"{name}: no numbers among its fields"
    np.testing.assert_allclose(traced(as_arrays, jnp.asarray(ts)) * jnp.ones(len(ts)), expected, rtol=2e-6)


@pytest.mark.parametrize(
    "factory, kwargs, name",
    [
        (schedules.constant, {"beta": 0.0}, "beta"),
        (schedules.constant, {"beta": float("nan")}, "beta"),
        (schedules.logarithmic, {"c": 0.0}, "c"),
        (schedules.logarithmic, {"c": -1.0}, "c"),
        (schedules.logarithmic, {"c": 1.0, "t0": 1.0}, "t0"),
        (schedules.logarithmic, {"c": 1.0, "t0": 0.5}, "t0"),
        (schedules.geometric, {"beta0": 0.0, "rate": 1.0}, "beta0"),
        (schedules.geometric, {"beta0": 1.0, "rate": -0.1}, "rate"),
        (schedules.geometric, {"beta0": 2.0, "rate": 1.0, "beta_max": 1.0}, "beta_max"),
        (schedules.linear, {"beta0": -1.0, "beta1": 2.0, "t1": 1.0}, "beta0"),
        (schedules.linear, {"beta0": 1.0, "beta1": 2.0, "t1": 0.0}, "t1"),
        (schedules.power, {"beta0": 1.0, "exponent": -1.0}, "exponent"),
        (schedules.power, {"beta0": 1.0, "exponent": 1.0, "t_scale": 0.0}, "t_scale"),
        (schedules.cosine, {"beta0": 1.0, "beta1": 0.0, "t1": 1.0}, "beta1"),
        (schedules.cosine, {"beta0": 1.0, "beta1": 2.0, "t1": float("inf")}, "t1"),
    ],
)
def test_bad_arguments_raise_naming_the_parameter(factory, kwargs, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        factory(**kwargs)


def test_non_numeric_argument_raises_type_error():
    with pytest.raises(TypeError, match="beta0"):
        schedules.geometric("fast", 1.0)


@pytest.mark.parametrize(
    "bad, value",
    [
        (lambda t: 0.0 * t, "0.0"),
        (lambda t: 1.0 - t, "-"),  # negative after t = 1
        (lambda t: jnp.where(t > 5.0, jnp.nan, 1.0), "nan"),
        (lambda t: jnp.exp(100.0 * t), "inf"),  # overflows float32
    ],
)
def test_check_flags_zero_negative_nan_inf(bad, value):
    with pytest.raises(ValueError, match="my_schedule") as err:
        schedules.check(bad, t_max=10.0, name="my_schedule")
    assert value in str(err.value)


def test_check_reports_a_schedule_that_cannot_take_arrays():
    with pytest.raises(ValueError, match="could not be evaluated"):
        schedules.check(lambda t: float(t) + 1.0, t_max=1.0)


def test_join_piecewise_linear_and_periodic_cosine_against_their_formulas():
    t = np.linspace(0.0, 20.0, 401)
    joined = ls.schedules.join([ls.schedules.constant(2.0), ls.schedules.geometric(2.0, 0.5)], [5.0])
    np.testing.assert_allclose(
        joined(t), np.where(t < 5.0, 2.0, 2.0 * np.exp(0.5 * np.maximum(t - 5.0, 0.0))), rtol=1e-6
    )
    pl = ls.schedules.piecewise_linear([1.0, 4.0, 10.0], [1.0, 7.0, 8.0])
    np.testing.assert_allclose(pl(t), np.interp(t, [1.0, 4.0, 10.0], [1.0, 7.0, 8.0]), rtol=1e-6)
    # Kukleva et al. (2023): tau between 0.1 and 1.0, period T, starting at the top
    cos = ls.schedules.periodic_cosine(0.1, 1.0, 8.0)
    np.testing.assert_allclose(cos(t), 0.1 + 0.45 * (1 + np.cos(2 * np.pi * t / 8.0)), rtol=1e-5)
    assert float(cos(0.0)) == pytest.approx(1.0) and float(cos(4.0)) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ls.schedules.join([ls.schedules.constant(1.0)], [1.0]), "one schedule more than boundaries"),
        (lambda: ls.schedules.join([ls.schedules.constant(1.0)] * 3, [2.0, 1.0]), "boundaries must increase"),
        (lambda: ls.schedules.piecewise_linear([0.0, 0.0], [1.0, 2.0]), "times must increase"),
        (lambda: ls.schedules.piecewise_linear([0.0, 1.0], [1.0, -2.0]), "values must be > 0"),
        (lambda: ls.schedules.periodic_cosine(0.1, 1.0, 0.0), "period must be > 0"),
    ],
)
def test_composed_schedules_refuse_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_every_registered_schedule_builds_from_a_config_table():
    """Each factory of the registry is reachable from a config file, with the sweep axes taken from the registry."""
    text = "\n".join(
        ["[run]", "n_chains = 4", "step_size = 0.01", "t_max = 1.0", "record_every = 10", ""]
        + [
            '[[schedule]]\nkind = "piecewise_linear"\ntimes = [0.0, 1.0]\nvalues = [1.0, 5.0]',
            '[[schedule]]\nkind = "constant"\nbeta = 50.0\nlabel = "tau cosine"\n'
            'anneal.tau = {kind = "periodic_cosine", low = 0.1, high = 1.0, period = 0.5}',
        ]
    )
    cfg = config.loads(text)
    pl, cos = cfg.schedules
    assert float(pl.build()(0.5)) == pytest.approx(3.0)
    tau = cos.build_anneal()["tau"]
    assert float(tau(0.25)) == pytest.approx(0.1) and float(cos.build()(0.3)) == 50.0
    assert set(ls.schedules.SWEEPS) == {"rate", "slope", "c", "exponent", "beta"}
    assert all(axis.kind in ls.schedules.REGISTRY for axis in ls.schedules.SWEEPS.values())
