"""Schedules: values at named points, jit-ability, argument validation, and `schedules.check`."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from langevin_sphere import schedules

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
