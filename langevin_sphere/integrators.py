"""Integrators of overdamped Langevin dynamics on (S^{d-1})^n, one chain at a time.

The SDE, in diffusion time t, with W a Brownian motion on the manifold:

    dX_t = -grad E(X_t) dt + sqrt(2 / beta(t)) dW_t,

whose invariant law at fixed beta is the Gibbs measure pi_beta(dX) ~ exp(-beta E(X)) vol(dX).

An integrator is an equinox Module with two pure methods, in the manner of jax-md's ``(init_fn, apply_fn)`` pairs:

    state  = integrator.init(energy, x)                      # x: (n, d)
    state  = integrator.step(energy, state, key, h, beta)    # one step of size h at inverse temperature beta

The state caches the energy and Riemannian gradient of its configuration, so each step evaluates the energy once.
Batching over chains is the caller's ``jax.vmap`` (see :func:`langevin_sphere.simulate`); nothing here loops in Python.
An integrator may also offer ``lanes_step(energy, state, keys, h, beta)``, the same step for B chains stored
chains-last (x of shape (n, d, B), keys (B,)), which ``simulate`` uses on the CPU, where it vectorises across chains.
To add an integrator, subclass :class:`Integrator` in this file and test it against the closed-form laws.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int, PRNGKeyArray

from . import energies, noise, sphere

__all__ = [
    "LangevinState",
    "Integrator",
    "GeodesicEulerMaruyama",
    "MALAState",
    "MetropolisAdjustedLangevin",
    "MALA",
    "log_proposal_density",
]


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

    def lanes_step(self, energy, state: LangevinState, keys: PRNGKeyArray, h, beta) -> LangevinState:
        """:meth:`step` of B chains stored chains-last: ``state.x`` and ``state.grad`` (n, d, B), ``state.energy``
        (B,), ``keys`` (B,). Chain b draws the same normals from ``keys[b]`` as :meth:`step` does."""
        x = state.x
        n, d, _ = x.shape
        eta = jax.vmap(lambda k: noise.normal(k, (n, d - 1), x.dtype))(keys)  # (B, n, d-1), as in step
        xi = noise.householder(x, jnp.moveaxis(eta, 0, -1), axis=1)  # (n, d, B) tangent normals
        x_new = sphere.exp(x, -h * state.grad + jnp.sqrt(2.0 * h / beta) * xi, axis=1)
        e, g = energies.lanes_value_and_grad(energy, x_new)
        return LangevinState(x=x_new, energy=e, grad=g)


class MALAState(LangevinState):
    """State of a Metropolis-adjusted chain: a :class:`LangevinState` and the outcome of its proposals."""

    accepted: Bool[Array, ""]  # the last proposal was accepted
    n_accepted: Int[Array, ""]  # proposals accepted since init (acceptance rate = n_accepted / steps)


def log_proposal_density(x: Float[Array, "n d"], grad: Float[Array, "n d"], y: Float[Array, "n d"], h, beta):
    r"""Log density (w.r.t. the volume of (S^{d-1})^n, up to a constant) of the geodesic Langevin proposal x -> y.

    The proposal is y = Exp_x(v) with v ~ N(-h grad, sigma^2 P_x) in the tangent space, sigma^2 = 2h/beta, restricted
    to |v_i| < pi per row (where Exp_x is a diffeomorphism onto the sphere minus -x). Pushing the tangent Gaussian
    through Exp_x divides it by the Jacobian of the exponential map of S^{d-1}, (sin r / r)^{d-2} at r = |v|:

    .. math::
        \log q(x \to y) = \sum_i \Big[-\frac{|\mathrm{Log}_{x_i} y_i + h\,\mathrm{grad}_i|^2}{2\sigma^2}
                           - (d-2)\log\frac{\sin r_i}{r_i}\Big] + \text{const},\qquad r_i = \mathrm{dist}(x_i, y_i).

    The constant, -(n (d-1) / 2) log(2 pi sigma^2), is the same for every x and y at fixed (h, beta) and is left out.
    """
    d = x.shape[-1]
    w = sphere.log(x, y)  # (n, d), |w_i| = dist(x_i, y_i) < pi
    r = sphere.distance(x, y)  # (n,)
    sigma2 = 2.0 * h / beta
    quad = jnp.sum((w + h * grad) ** 2) / (2.0 * sigma2)
    return -quad - (d - 2) * jnp.sum(_log_sinc(r))


def _log_sinc(r: Array) -> Array:
    """log(sin r / r) for 0 <= r < pi, by its series -r^2/6 near 0 (NaN-free)."""
    small = r < 1e-3
    r_safe = jnp.where(small, 1.0, r)
    return jnp.where(small, -r * r / 6.0, jnp.log(jnp.sin(r_safe) / r_safe))


class MetropolisAdjustedLangevin(Integrator):
    r"""Riemannian MALA: the geodesic Euler-Maruyama step as a proposal, accepted or rejected by Metropolis-Hastings.

    Proposal (per row, as :class:`GeodesicEulerMaruyama`): v = -h grad E(x) + sqrt(2h/beta) P_x xi,
    y = Exp_x(v). It is accepted with probability

    .. math::
        \alpha(x, y) = \min\Big(1,\ \frac{e^{-\beta E(y)}\, q(y \to x)}{e^{-\beta E(x)}\, q(x \to y)}\Big),

    with q the proposal density on the sphere (:func:`log_proposal_density`: the tangent Gaussian pushed through
    Exp_x, Jacobian (sin r / r)^{d-2} per row; the reverse move's tangent vector is Log_y(x)). A proposal with a row
    |v_i| >= pi (where Exp_x is not injective) is rejected, which keeps q the density of a sub-probability kernel on
    the sphere minus the cut locus: detailed balance holds with respect to the Gibbs law
    pi_beta ~ exp(-beta E) vol, so stationary averages carry no step-size bias (unlike geodesic Euler-Maruyama's
    O(h)). The Jacobians of the two directions are equal (|Log_y x| = |Log_x y| = dist(x, y)) and cancel in alpha.

    The state is a :class:`MALAState`: it counts accepted proposals (``n_accepted``), which
    :func:`langevin_sphere.simulate` records, so the acceptance rate between records is their difference over
    ``record_every``. At beta = inf (no noise) a proposal is accepted iff it does not raise the energy. When the loss
    temperature is annealed (``tau_schedule``) the cached E(x) is that of the previous step's energy.

    References:
      G. O. Roberts, R. L. Tweedie, *Exponential convergence of Langevin distributions and their discrete
      approximations*, Bernoulli 2, 341 (1996) (MALA).
      M. Girolami, B. Calderhead, *Riemann manifold Langevin and Hamiltonian Monte Carlo methods*, J. R. Stat. Soc. B
      73, 123 (2011).
    """

    def init(self, energy, x: Float[Array, "n d"]) -> MALAState:
        s = super().init(energy, x)
        return MALAState(x=s.x, energy=s.energy, grad=s.grad, accepted=jnp.asarray(True),
                         n_accepted=jnp.asarray(0, jnp.int32))

    def step(self, energy, state: MALAState, key: PRNGKeyArray, h, beta) -> MALAState:
        x, g = state.x, state.grad
        key_noise, key_accept = jax.random.split(key)
        xi = sphere.tangent_normal(key_noise, x)
        noise_scale = jnp.sqrt(2.0 * h / beta)
        v = -h * g + noise_scale * xi
        y = sphere.exp(x, v)
        e_y, g_y = energies.value_and_grad(energy, y)
        in_ball = jnp.all(jnp.sum(v * v, axis=-1) < jnp.pi**2)
        noisy = noise_scale > 0
        safe_beta = jnp.where(noisy, beta, 1.0)  # keeps the densities finite at beta = inf (then unused)
        log_ratio = (
            -beta * (e_y - state.energy)
            + log_proposal_density(y, g_y, x, h, safe_beta)
            - log_proposal_density(x, g, y, h, safe_beta)
        )
        log_ratio = jnp.where(noisy, log_ratio, jnp.where(e_y <= state.energy, 0.0, -jnp.inf))
        u = jax.random.uniform(key_accept, (), dtype=x.dtype)
        accept = in_ball & jnp.isfinite(e_y) & (jnp.log(u) < log_ratio)
        return MALAState(
            x=jnp.where(accept, y, x),
            energy=jnp.where(accept, e_y, state.energy),
            grad=jnp.where(accept, g_y, g),
            accepted=accept,
            n_accepted=state.n_accepted + accept.astype(jnp.int32),
        )


MALA = MetropolisAdjustedLangevin  # short name
