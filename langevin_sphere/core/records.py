"""What a run records: functions of one chain's state, evaluated inside the compiled scan at every record.

A record is any function ``state -> array`` of one chain's integrator state (``state.x`` (n, d), ``state.energy``,
``state.grad``, and the integrator's own fields); :func:`langevin_sphere.simulate` takes a mapping name -> record
(``records={...}``), evaluates it at t = 0 and every ``record_every`` steps inside the scan, and returns each as a
(B, R, ...) array in ``Result.records`` (as diffrax's ``SaveAt(fn=...)``). Only these reduced values leave the
device: memory O(B x R x record size), never O(B x steps). Records of a chain that became non-finite are NaN from
then on (integer records keep their last value).

To add a recorded statistic: write a function here (or anywhere) and pass it by name. A statistic with parameters is
best an equinox Module (as :class:`Alignment`): its numbers then reach the compiled run as arrays, and a second run
with other values compiles nothing (a new closure per call would be compiled anew).

Examples:
  >>> import jax, langevin_sphere as ls
  >>> x0 = ls.sphere.uniform(jax.random.key(0), (4, 6, 3))
  >>> res = ls.simulate(ls.energies.InfoNCE(tau=0.5), x0, jax.random.key(1), schedule=ls.schedules.constant(5.0),
  ...                   step_size=1e-2, n_steps=100, record_every=50,
  ...                   records={"alignment": ls.records.alignment(), "uniformity": ls.records.uniformity()})
  >>> res.records["alignment"].shape
  (4, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from . import energies, sphere

__all__ = [
    "Record",
    "energy",
    "grad_norm",
    "configuration",
    "Alignment",
    "Uniformity",
    "DistanceTo",
    "StateField",
    "alignment",
    "uniformity",
    "hardest_negative",
    "distance_to",
    "defaults",
]

Record = Callable[..., Array]


def energy(state) -> Float[Array, ""]:
    """The energy of the chain's configuration (under the energy at the record's time)."""
    return state.energy


def grad_norm(state) -> Float[Array, ""]:
    """|grad E| over the whole configuration (Riemannian gradient, Frobenius norm)."""
    return jnp.sqrt(jnp.sum(state.grad**2))


def configuration(state) -> Float[Array, "n d"]:
    """The configuration X itself (memory: n d numbers per chain and record)."""
    return state.x


class Alignment(eqx.Module):
    """Wang-Isola alignment of the configuration's pairs, exponent ``alpha`` (built by :func:`alignment`)."""

    alpha: float | Array = 2.0

    def __call__(self, state) -> Float[Array, ""]:
        return energies.alignment(state.x, self.alpha)


class Uniformity(eqx.Module):
    """Wang-Isola uniformity of the configuration, kernel scale ``t`` (built by :func:`uniformity`)."""

    t: float | Array = 2.0

    def __call__(self, state) -> Float[Array, ""]:
        return energies.uniformity(state.x, self.t)


class DistanceTo(eqx.Module):
    """Geodesic distance on (S^{d-1})^n to ``reference`` (built by :func:`distance_to`)."""

    reference: Float[Array, "n d"]

    def __call__(self, state) -> Float[Array, ""]:
        return jnp.sqrt(jnp.sum(sphere.distance(state.x, self.reference.astype(state.x.dtype)) ** 2))


class StateField(eqx.Module):
    """The integrator state's field ``name`` (e.g. MALA's ``n_accepted``)."""

    name: str = eqx.field(static=True)

    def __call__(self, state) -> Array:
        return getattr(state, self.name)


def alignment(alpha: float = 2.0) -> Record:
    """Wang-Isola alignment of the configuration's pairs (:func:`langevin_sphere.energies.alignment`)."""
    return Alignment(alpha)


def uniformity(t: float = 2.0) -> Record:
    """Wang-Isola uniformity of the configuration (:func:`langevin_sphere.energies.uniformity`)."""
    return Uniformity(t)


def hardest_negative(state) -> Float[Array, ""]:
    """max_{i != j} u_i . v_j: the cosine similarity of the most similar negative pair of a configuration [U; V] (a
    contrastive margin: every positive pair beats it when min_i u_i . v_i exceeds it)."""
    m = state.x.shape[0] // 2
    s = state.x[:m] @ state.x[m:].T
    return jnp.max(jnp.where(jnp.eye(m, dtype=bool), -jnp.inf, s))


def distance_to(reference: Float[Array, "n d"]) -> Record:
    """Geodesic distance on (S^{d-1})^n to a fixed configuration, sqrt(sum_rows dist(x_r, ref_r)^2), in radians
    (no symmetry reduction: for the distance to an orbit see :func:`langevin_sphere.symmetries.distance_to_optimum`)."""
    return DistanceTo(jnp.asarray(reference))


def defaults(integrator, record_x: bool = False) -> dict[str, Record]:
    """The records behind :class:`langevin_sphere.Result`'s fields: energy, grad_norm, the integrator's declared
    ``state_records`` (e.g. MALA's ``n_accepted``) and, with ``record_x``, the configuration ``x``."""
    out: dict[str, Record] = {"energy": energy, "grad_norm": grad_norm}
    for name in integrator.state_records:
        out[name] = StateField(name)
    if record_x:
        out["x"] = configuration
    return out


def evaluate(records: Mapping[str, Record], state, dead) -> dict[str, Array]:
    """Every record of one chain's state; floating records are NaN where ``dead``."""
    out = {}
    for name, fn in records.items():
        value = jnp.asarray(fn(state))
        if jnp.issubdtype(value.dtype, jnp.floating):
            value = jnp.where(dead, jnp.nan, value)
        out[name] = value
    return out
