"""Annealing schedules: callables of diffusion time t -> value (an inverse temperature beta, or a loss
temperature tau).

Schedules compose: :func:`join` runs one schedule after another at given times, :func:`piecewise_linear` goes
through given points, and :func:`periodic_cosine` is the periodic loss-temperature schedule of contrastive learning
practice. ``REGISTRY`` holds the factories by the name a config file uses, and ``SWEEPS`` the parameter an
experiment may sweep for each kind (the axes of the trapped-fraction figures): a new schedule is a Module and its
factory here, an entry in ``REGISTRY`` and a test.

Schedules take the diffusion time t = k h, not the step index k, so halving the step size at fixed t keeps the same
physics. Each factory validates its arguments once and returns a small equinox Module, a callable t -> value as
optax's schedules are, whose numbers are its fields: :func:`langevin_sphere.simulate` passes them to the compiled
run as arrays, so a second run with other schedule parameters compiles nothing. The constant, linear, cosine and
exponential curves follow optax's formulas (``optax.linear_schedule``, ``cosine_decay_schedule``,
``exponential_decay``; tests compare them). Any callable t -> value is a schedule too (compiled anew per call).

The theory they serve: for beta(t) = log(t + t0) / c simulated annealing converges in probability to the global
minimisers iff c >= c*, the critical depth of the landscape (Hajek 1988; Holley, Kusuoka & Stroock 1989); faster
(geometric, linear, power) schedules can freeze in non-global minima.

References:
  B. Hajek, *Cooling schedules for optimal annealing*, Math. Oper. Res. 13(2), 311-329 (1988).
  R. Holley, S. Kusuoka, D. Stroock, *Asymptotics of the spectral gap with applications to the theory of simulated
  annealing*, J. Funct. Anal. 83(2), 333-347 (1989).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

__all__ = [
    "Schedule",
    "Constant",
    "Logarithmic",
    "Geometric",
    "Linear",
    "Power",
    "Cosine",
    "PeriodicCosine",
    "Join",
    "PiecewiseLinear",
    "constant",
    "logarithmic",
    "geometric",
    "linear",
    "power",
    "cosine",
    "periodic_cosine",
    "join",
    "piecewise_linear",
    "check",
    "REGISTRY",
    "SWEEPS",
    "SweepAxis",
]

Schedule = Callable[[jnp.ndarray], jnp.ndarray]


def _finite(where: str, value, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Validate one argument; ``where`` is "factory: name", and messages read "factory: name must be ..., got
    name=v"."""
    owner, name = where.split(": ")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a real number, got {name}={value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be finite, got {name}={value}")
    if positive and value <= 0:
        raise ValueError(f"{owner}: {name} must be > 0, got {name}={value}")
    if nonnegative and value < 0:
        raise ValueError(f"{owner}: {name} must be >= 0, got {name}={value}")
    return value


def _time(t) -> Array:
    """t as a floating array (an integer t as the default float type)."""
    t = jnp.asarray(t)
    return t if jnp.issubdtype(t.dtype, jnp.floating) else t.astype(jnp.result_type(float))


def _like(t: Array, *values) -> tuple[Array, ...]:
    """A schedule's numbers (floats or arrays) in the float type of the times t."""
    return tuple(jnp.asarray(v, t.dtype) for v in values)


class Constant(eqx.Module):
    """beta(t) = beta (built by :func:`constant`)."""

    beta: float | Array

    def __call__(self, t) -> Array:
        t = _time(t)
        return jnp.zeros_like(t) + jnp.asarray(self.beta, t.dtype)


class Logarithmic(eqx.Module):
    """beta(t) = log(t + t0) / c (built by :func:`logarithmic`)."""

    c: float | Array
    t0: float | Array

    def __call__(self, t) -> Array:
        t = _time(t)
        return jnp.log(t + jnp.asarray(self.t0, t.dtype)) / jnp.asarray(self.c, t.dtype)


class Geometric(eqx.Module):
    """beta(t) = min(beta0 exp(rate t), beta_max) (built by :func:`geometric`)."""

    beta0: float | Array
    rate: float | Array
    beta_max: float | Array | None = None

    def __call__(self, t) -> Array:
        t = _time(t)
        out = jnp.asarray(self.beta0, t.dtype) * jnp.exp(jnp.asarray(self.rate, t.dtype) * t)
        return out if self.beta_max is None else jnp.minimum(out, jnp.asarray(self.beta_max, t.dtype))


class Linear(eqx.Module):
    """beta(t) = beta0 + (beta1 - beta0) min(t / t1, 1) for t >= 0 (built by :func:`linear`)."""

    beta0: float | Array
    beta1: float | Array
    t1: float | Array

    def __call__(self, t) -> Array:
        t = _time(t)
        b0, b1, t1 = _like(t, self.beta0, self.beta1, self.t1)
        frac = 1.0 - jnp.clip(t, 0.0, t1) / t1  # as optax.linear_schedule
        return (b0 - b1) * frac + b1


class Power(eqx.Module):
    """beta(t) = beta0 (1 + t / t_scale) ** exponent (built by :func:`power`)."""

    beta0: float | Array
    exponent: float | Array
    t_scale: float | Array

    def __call__(self, t) -> Array:
        t = _time(t)
        b0, p, ts = _like(t, self.beta0, self.exponent, self.t_scale)
        return b0 * (1.0 + t / ts) ** p


class Cosine(eqx.Module):
    """beta(t) = beta1 - (beta1 - beta0) (1 + cos(pi min(t, t1) / t1)) / 2 (built by :func:`cosine`)."""

    beta0: float | Array
    beta1: float | Array
    t1: float | Array

    def __call__(self, t) -> Array:
        t = _time(t)
        b0, b1, t1 = _like(t, self.beta0, self.beta1, self.t1)
        decay = 0.5 * (1.0 + jnp.cos(math.pi * jnp.minimum(t, t1) / t1))  # as optax.cosine_decay_schedule
        return b1 - (b1 - b0) * decay


class PeriodicCosine(eqx.Module):
    """v(t) = low + (high - low) (1 + cos(2 pi t / period)) / 2 (built by :func:`periodic_cosine`)."""

    low: float | Array
    high: float | Array
    period: float | Array

    def __call__(self, t) -> Array:
        t = _time(t)
        lo, hi, period = _like(t, self.low, self.high, self.period)
        return lo + (hi - lo) * 0.5 * (1.0 + jnp.cos(2.0 * math.pi * t / period))


class Join(eqx.Module):
    """``v(t) = schedules[i](t - boundaries[i-1])`` on ``[boundaries[i-1], boundaries[i])`` (built by :func:`join`)."""

    schedules: tuple[Schedule, ...]
    boundaries: tuple[float | Array, ...]

    def __call__(self, t) -> Array:
        t = _time(t)
        out = self.schedules[0](t)
        for b, f in zip(self.boundaries, self.schedules[1:]):
            b = jnp.asarray(b, t.dtype)
            out = jnp.where(t >= b, f(jnp.maximum(t - b, 0.0)), out)
        return out


class PiecewiseLinear(eqx.Module):
    """Linear interpolation through (times[i], values[i]) (built by :func:`piecewise_linear`)."""

    times: tuple[float | Array, ...]
    values: tuple[float | Array, ...]

    def __call__(self, t) -> Array:
        t = _time(t)
        tp = jnp.stack([jnp.asarray(v, t.dtype) for v in self.times])
        vp = jnp.stack([jnp.asarray(v, t.dtype) for v in self.values])
        return jnp.interp(t, tp, vp)


def constant(beta: float) -> Schedule:
    """beta(t) = beta: Langevin dynamics at a fixed temperature, whose law tends to the Gibbs measure (for a loss
    temperature: a fixed tau, e.g. CLIP's 0.07).

    Examples:
      >>> float(constant(5.0)(123.0))
      5.0
    """
    return Constant(_finite("constant: beta", beta, positive=True))


def logarithmic(c: float, t0: float = math.e) -> Schedule:
    """beta(t) = log(t + t0) / c: the classical annealing schedule, optimal when c is the critical depth c*.

    Args:
      c: the schedule constant (an energy), > 0. Convergence to the global minimisers needs c >= c*.
      t0: time offset, > 1 so that beta(0) = log(t0) / c > 0. The default e gives beta(0) = 1 / c.

    Examples:
      >>> round(float(logarithmic(0.5)(0.0)), 5)
      2.0

    References:
      Hajek (1988); Holley, Kusuoka & Stroock (1989); Geman & Geman, IEEE TPAMI 6, 721-741 (1984).
    """
    c = _finite("logarithmic: c", c, positive=True)
    t0 = _finite("logarithmic: t0", t0)
    if t0 <= 1:
        raise ValueError(f"logarithmic: t0 must be > 1 so that beta(0) = log(t0)/c > 0, got t0={t0}")
    return Logarithmic(c, t0)


def geometric(beta0: float, rate: float, beta_max: float | None = None) -> Schedule:
    """beta(t) = min(beta0 * exp(rate * t), beta_max): exponential ("geometric cooling") annealing.

    Args:
      beta0: beta at t = 0, > 0.
      rate: growth rate per unit diffusion time, >= 0.
      beta_max: optional cap (> beta0); without it beta overflows to inf in float32 once rate * t > ~88, which
        the integrator treats as zero temperature.

    Examples:
      >>> round(float(geometric(1.0, 0.5)(2.0)), 5)
      2.71828
    """
    beta0 = _finite("geometric: beta0", beta0, positive=True)
    rate = _finite("geometric: rate", rate, nonnegative=True)
    if beta_max is not None:
        beta_max = _finite("geometric: beta_max", beta_max, positive=True)
        if beta_max < beta0:
            raise ValueError(f"geometric: beta_max must be >= beta0={beta0}, got beta_max={beta_max}")
    return Geometric(beta0, rate, beta_max)


def linear(beta0: float, beta1: float, t1: float) -> Schedule:
    """beta(t) = beta0 + (beta1 - beta0) * min(t / t1, 1): linear ramp, then constant at beta1.

    Examples:
      >>> [float(linear(1.0, 11.0, 10.0)(t)) for t in (0.0, 5.0, 20.0)]
      [1.0, 6.0, 11.0]
    """
    beta0 = _finite("linear: beta0", beta0, positive=True)
    beta1 = _finite("linear: beta1", beta1, positive=True)
    t1 = _finite("linear: t1", t1, positive=True)
    return Linear(beta0, beta1, t1)


def power(beta0: float, exponent: float, t_scale: float = 1.0) -> Schedule:
    """beta(t) = beta0 * (1 + t / t_scale) ** exponent: polynomial growth, between logarithmic and geometric.

    Examples:
      >>> float(power(2.0, 1.0)(3.0))
      8.0
    """
    beta0 = _finite("power: beta0", beta0, positive=True)
    exponent = _finite("power: exponent", exponent, nonnegative=True)
    t_scale = _finite("power: t_scale", t_scale, positive=True)
    return Power(beta0, exponent, t_scale)


def cosine(beta0: float, beta1: float, t1: float) -> Schedule:
    """beta(t) = beta1 - (beta1 - beta0) * (1 + cos(pi min(t, t1) / t1)) / 2: a half-cosine ramp from beta0 to beta1.

    Examples:
      >>> [round(float(cosine(1.0, 3.0, 2.0)(t)), 5) for t in (0.0, 1.0, 2.0, 9.0)]
      [1.0, 2.0, 3.0, 3.0]
    """
    beta0 = _finite("cosine: beta0", beta0, positive=True)
    beta1 = _finite("cosine: beta1", beta1, positive=True)
    t1 = _finite("cosine: t1", t1, positive=True)
    return Cosine(beta0, beta1, t1)


def periodic_cosine(low: float, high: float, period: float) -> Schedule:
    r"""v(t) = low + (high - low) (1 + cos(2 pi t / period)) / 2: oscillates between high (at t = 0) and low.

    The temperature schedule of contrastive learning practice, tau between 0.1 and 1.0 with a period of 400 epochs
    in Kukleva et al. (there t counts epochs; here diffusion time).

    Examples:
      >>> [round(float(periodic_cosine(0.1, 1.0, 4.0)(t)), 5) for t in (0.0, 1.0, 2.0, 4.0)]
      [1.0, 0.55, 0.1, 1.0]

    References:
      A. Kukleva, M. Boehle, B. Schiele, H. Kuehne, C. Rupprecht, *Temperature Schedules for Self-Supervised
      Contrastive Methods on Long-Tail Data*, ICLR 2023, arXiv:2303.13664.
    """
    low = _finite("periodic_cosine: low", low, positive=True)
    high = _finite("periodic_cosine: high", high, positive=True)
    period = _finite("periodic_cosine: period", period, positive=True)
    return PeriodicCosine(low, high, period)


def join(schedules: Sequence[Schedule], boundaries: Sequence[float]) -> Schedule:
    """Run ``schedules[i]`` on [boundaries[i-1], boundaries[i]), each restarted at its own t = 0 (as
    ``optax.join_schedules``, in diffusion time): ``v(t) = schedules[i](t - boundaries[i-1])``.

    Examples:
      >>> s = join([constant(1.0), linear(1.0, 3.0, 2.0)], [5.0])
      >>> [float(s(t)) for t in (0.0, 5.0, 6.0, 9.0)]
      [1.0, 1.0, 2.0, 3.0]
    """
    schedules, boundaries = list(schedules), [_finite("join: boundaries", b, nonnegative=True) for b in boundaries]
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(
            f"join: needs one schedule more than boundaries, got {len(schedules)} schedules and "
            f"{len(boundaries)} boundaries"
        )
    if any(b1 <= b0 for b0, b1 in zip(boundaries, boundaries[1:])):
        raise ValueError(f"join: boundaries must increase, got boundaries={boundaries}")
    if not all(callable(f) for f in schedules):
        raise TypeError("join: every schedule must be a callable t -> value")
    return Join(tuple(schedules), tuple(boundaries))


def piecewise_linear(times: Sequence[float], values: Sequence[float]) -> Schedule:
    """Linear interpolation through (times[i], values[i]); constant before the first and after the last point.

    Examples:
      >>> s = piecewise_linear([0.0, 1.0, 3.0], [1.0, 5.0, 6.0])
      >>> [float(s(t)) for t in (0.0, 0.5, 2.0, 10.0)]
      [1.0, 3.0, 5.5, 6.0]
    """
    times = [_finite("piecewise_linear: times", v, nonnegative=True) for v in times]
    values = [_finite("piecewise_linear: values", v, positive=True) for v in values]
    if len(times) != len(values) or not times:
        raise ValueError(
            f"piecewise_linear: times and values must be non-empty and of one length, got "
            f"{len(times)} times and {len(values)} values"
        )
    if any(b <= a for a, b in zip(times, times[1:])):
        raise ValueError(f"piecewise_linear: times must increase, got times={times}")
    return PiecewiseLinear(tuple(times), tuple(values))


class SweepAxis(NamedTuple):
    """A schedule parameter an experiment may sweep: the schedule kind, its value from the schedule's parameters,
    and how a figure names it."""

    kind: str
    speed: Callable[[dict], float]
    title: str
    label: str


REGISTRY: dict[str, Callable[..., Schedule]] = {
    "constant": constant,
    "logarithmic": logarithmic,
    "geometric": geometric,
    "linear": linear,
    "power": power,
    "cosine": cosine,
    "periodic_cosine": periodic_cosine,
    "piecewise_linear": piecewise_linear,
}
"""The schedule factories by the name a config file uses (``[[schedule]] kind``)."""

SWEEPS: dict[str, SweepAxis] = {
    "rate": SweepAxis(
        "geometric",
        lambda p: p["rate"],
        "geometric schedules",
        r"rate $r$ of $\beta = \beta_0 e^{r t}$  (1 / unit of diffusion time)",
    ),
    "slope": SweepAxis(
        "linear",
        lambda p: (p["beta1"] - p["beta0"]) / p["t1"],
        "linear schedules",
        r"slope $(\beta_1 - \beta_0) / t_1$  (1 / unit of diffusion time)",
    ),
    "c": SweepAxis(
        "logarithmic",
        lambda p: p["c"],
        "logarithmic schedules",
        r"constant $c$ of $\beta = \log(t + t_0) / c$  (larger = slower)",
    ),
    "exponent": SweepAxis(
        "power", lambda p: p["exponent"], "power schedules", r"exponent $p$ of $\beta = \beta_0 (1 + t / t_s)^p$"
    ),
    "beta": SweepAxis("constant", lambda p: p["beta"], "constant schedules", r"$\beta$"),
}
"""The parameters an experiment may sweep (``[analysis] sweep``), in the order of the figures' panels."""


def check(schedule: Schedule, t_max: float, name: str = "schedule", n_points: int = 4097) -> None:
    """Raise ``ValueError`` if ``schedule`` is not finite and > 0 on a grid of [0, t_max] (endpoints included).

    The grid check runs once on the host before a simulation, so a schedule that returns 0, a negative number,
    NaN or inf fails with the time at which it does, instead of silently freezing or poisoning every chain.
    """
    ts = np.linspace(0.0, float(t_max), n_points)
    try:
        values = np.asarray(schedule(jnp.asarray(ts, dtype=jnp.result_type(float))), dtype=np.float64)
    except Exception as err:  # noqa: BLE001 - report any failure of a user callable with its name
        raise ValueError(f"{name} could not be evaluated on an array of times t in [0, {t_max}]: {err}") from err
    values = np.broadcast_to(values, ts.shape)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name} must be finite and > 0 for t in [0, {t_max}], got {values[i]!r} at t={ts[i]:.6g}")
