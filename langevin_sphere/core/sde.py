"""The annealed Langevin SDE on (S^{d-1})^n: an energy, an inverse-temperature schedule and annealed energy fields.

    dX_t = -grad E_t(X_t) dt + sqrt(2 / beta(t)) dW_t,

with W a Brownian motion on the manifold and E_t the energy whose fields (e.g. the loss temperature ``tau``) follow
their own schedules of diffusion time. At fixed beta and E its invariant law is the Gibbs measure
pi_beta ~ exp(-beta E) vol. An integrator (:mod:`langevin_sphere.integrators`) asks this object for the energy and
beta at any time of its step, as a diffrax solver asks its terms; it knows nothing of steps, chains or devices.

References:
  E. P. Hsu, *Stochastic Analysis on Manifolds* (2002), ch. 3 (Brownian motion and Langevin diffusions on manifolds).
  B. Hajek, *Cooling schedules for optimal annealing*, Math. Oper. Res. 13(2), 311-329 (1988).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

__all__ = ["Langevin"]


def annealed(energy, anneal: Mapping[str, Callable[[Array], Array]], t):
    """``energy`` at diffusion time t: each field named in ``anneal`` set to its schedule's value at t (the energy
    itself when nothing is annealed). :meth:`Langevin.energy_at`, without the inverse temperature."""
    if not anneal:
        return energy
    names = tuple(anneal)
    values = tuple(jnp.asarray(anneal[name](t)) for name in names)
    return eqx.tree_at(lambda e: tuple(getattr(e, name) for name in names), energy, values, is_leaf=lambda x: x is None)


class Langevin(eqx.Module):
    """The SDE: ``energy`` (X (n, d) -> scalar), ``beta`` (t -> beta(t) > 0) and ``anneal`` (field -> schedule).

    ``anneal={"tau": schedule}`` makes the energy's field ``tau`` a function of time: :meth:`energy_at` returns a
    copy of the energy with every annealed field set to its schedule's value at t. Any field of an equinox energy
    can be annealed; a plain callable energy cannot (it has no fields).

    Examples:
      >>> import langevin_sphere as ls
      >>> sde = Langevin(ls.energies.InfoNCE(tau=0.5), ls.schedules.constant(2.0),
      ...                anneal={"tau": ls.schedules.linear(1.0, 0.1, 10.0)})
      >>> round(float(sde.energy_at(5.0).tau), 6), float(sde.beta_at(5.0))
      (0.55, 2.0)
    """

    energy: Callable[[Float[Array, "n d"]], Float[Array, ""]]
    beta: Callable[[Array], Array]
    anneal: Mapping[str, Callable[[Array], Array]] = eqx.field(default_factory=dict)

    def __check_init__(self):
        if not callable(self.energy):
            raise TypeError(f"Langevin: energy must be a callable X (n, d) -> scalar, got {type(self.energy).__name__}")
        if not callable(self.beta):
            raise TypeError(f"Langevin: beta must be a schedule t -> beta(t), got {type(self.beta).__name__}")
        for name, schedule in self.anneal.items():
            if not isinstance(self.energy, eqx.Module) or not hasattr(self.energy, name):
                raise ValueError(
                    f"Langevin: anneal names the field {name!r}, which the energy {type(self.energy).__name__} "
                    f"does not have (annealable: the fields of an equinox energy, e.g. 'tau')"
                )
            if not callable(schedule):
                raise TypeError(f"Langevin: anneal[{name!r}] must be a schedule t -> value, got {schedule!r}")

    def energy_at(self, t) -> Callable[[Float[Array, "n d"]], Float[Array, ""]]:
        """The energy at diffusion time t: the annealed fields set to their schedules' values."""
        return annealed(self.energy, self.anneal, t)

    def beta_at(self, t) -> Array:
        """The inverse temperature at diffusion time t."""
        return self.beta(t)
