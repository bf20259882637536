"""Integrators of overdamped Langevin dynamics on (S^{d-1})^n, one chain at a time.

The SDE, in diffusion time t, with W a Brownian motion on the manifold:

    dX_t = -grad E(X_t) dt + sqrt(2 / beta(t)) dW_t,

whose invariant law at fixed beta is the Gibbs measure pi_beta(dX) ~ exp(-beta E(X)) vol(dX).

An integrator is an equinox Module with two pure methods, in the manner of jax-md's ``(init_fn, apply_fn)`` pairs:

    state  = integrator.init(energy, x)                      # x: (n, d)
    state  = integrator.step(energy, state, key, h, beta)    # one step of size h at inverse temperature beta

The state caches the energy and Riemannian gradient of its configuration, so each step evaluates the energy once.
Batching over chains is the caller's ``jax.vmap`` (see :func:`langevin_sphere.simulate`); nothing here loops in Python.
To add an integrator, subclass :class:`Integrator` in this file and test it against the closed-form laws.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from . import energies, sphere

__all__ = ["LangevinState", "Integrator", "GeodesicEulerMaruyama"]


class LangevinState(eqx.Module):
    """State of one chain: configuration and its cached energy and Riemannian gradient."""

    x: Float[Array, "n d"]
    energy: Float[Array, ""]
    grad: Float[Array, "n d"]  # Riemannian gradient of the energy at x (tangent at every row)


class Integrator(eqx.Module):
    """Interface of a Langevin integrator on (S^{d-1})^n."""

    def init(self, energy, x: Float[Array, "n d"]) -> LangevinState:
        e, g = energies.value_and_grad(energy, x)
        return LangevinState(x=x, energy=e, grad=g)

    def step(self, energy, state: LangevinState, key: PRNGKeyArray, h, beta) -> LangevinState:
        """Advance one step of size ``h`` at inverse temperature ``beta``.

        ``energy`` is the energy at the *end* of the step: the state's cached gradient drives the step, and the new
        state's cache is computed with ``energy``. The two differ only when the loss temperature is annealed.
        """
        raise NotImplementedError


class GeodesicEulerMaruyama(Integrator):
    r"""Geodesic Euler-Maruyama: an Euler-Maruyama increment in the tangent space, mapped by the exponential map.

    Per row x of X, with xi ~ N(0, I_d):

    .. math::
        v = -h\, P_x \nabla_x E(X) + \sqrt{2h/\beta}\, P_x \xi, \qquad x' = \mathrm{Exp}_x(v)
          = \cos|v|\, x + \sin|v|\, v/|v|.

    Weak order 1 in h: stationary averages carry an O(h) bias (tested against the von Mises-Fisher law). At
    beta = inf the noise vanishes and the step is Riemannian gradient descent with the exponential-map retraction.

    References:
      Absil, Mahony & Sepulchre, *Optimization Algorithms on Matrix Manifolds* (2008);
      Hsu, *Stochastic Analysis on Manifolds* (2002), ch. 3 (geodesic random walks);
      Kloeden & Platen, *Numerical Solution of Stochastic Differential Equations* (1992), sec. 14.1.
    """

    def step(self, energy, state: LangevinState, key: PRNGKeyArray, h, beta) -> LangevinState:
        x = state.x
        noise_scale = jnp.sqrt(2.0 * h / beta)  # 0 at beta = inf
        v = -h * state.grad + noise_scale * sphere.tangent_normal(key, x)
        x_new = sphere.exp(x, v)
        e, g = energies.value_and_grad(energy, x_new)
        return LangevinState(x=x_new, energy=e, grad=g)
