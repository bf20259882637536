"""Integrators of the annealed Langevin SDE on (S^{d-1})^n, one chain at a time.

The SDE (:class:`langevin_sphere.sde.Langevin`), in diffusion time t, with W a Brownian motion on the manifold:

    dX_t = -grad E_t(X_t) dt + sqrt(2 / beta(t)) dW_t,

whose invariant law at fixed beta and E is the Gibbs measure pi_beta(dX) ~ exp(-beta E(X)) vol(dX).

An integrator is an equinox Module following one protocol, in the manner of diffrax's solvers and blackjax's kernels:

    state         = integrator.init(sde, x, t0, key)              # x: (n, d); key: the chain's key
    state, info   = integrator.step(sde, state, t0, t1, key)      # one step from t0 to t1 = t0 + h

The step is time-aware: it asks the SDE for beta and the energy at any time of [t0, t1] it needs. The state caches the
energy and Riemannian gradient of its configuration under the energy at its time, so a step evaluates the energy once.
Each integrator declares its ``weak_order``: the order in h of the bias of stationary averages. Batching over chains
is the caller's ``jax.vmap`` (see :mod:`langevin_sphere.kernel`). An integrator may also register a chains-last step
for B chains stored as (n, d, B) with :func:`lanes_step` ``.register``; :mod:`langevin_sphere.layouts` uses it on
the CPU, where it vectorises across chains.

To add an integrator: subclass :class:`Integrator` in this file and add it to ``REGISTRY``; the conformance tests
(tests/test_integrators.py) then run it against the closed-form laws.
"""

from __future__ import annotations

import abc
import functools
from typing import Any, ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int, PRNGKeyArray

from . import energies, noise, sphere

__all__ = [
    "LangevinState",
    "Integrator",
    "NoInfo",
    "GeodesicEulerMaruyama",
    "GLMState",
    "GeodesicLeimkuhlerMatthews",
    "MALAState",
    "MALAInfo",
    "MetropolisAdjustedLangevin",
    "MALA",
    "REGISTRY",
    "lanes_step",
    "has_lanes_step",
    "log_proposal_density",
]


class LangevinState(eqx.Module):
    """State of one chain: configuration and its cached energy and Riemannian gradient."""

    x: Float[Array, "n d"]
    energy: Float[Array, ""]
    grad: Float[Array, "n d"]  # Riemannian gradient of the energy at x (tangent at every row)


class NoInfo(NamedTuple):
    """The info of an integrator that reports nothing per step."""


class Integrator(eqx.Module):
    """Protocol of a Langevin integrator on (S^{d-1})^n: ``init``, a time-aware ``step`` and a declared weak order."""

    weak_order: eqx.AbstractClassVar[int]
    state_records: ClassVar[tuple[str, ...]] = ()  # state fields recorded by default (``records.defaults``)

    def init(self, sde, x: Float[Array, "n d"], t0=0.0, key: PRNGKeyArray | None = None) -> LangevinState:
        """The state at configuration x and time t0 (the energy and its gradient under the energy at t0)."""
        e, g = energies.value_and_grad(sde.energy_at(t0), x)
        return LangevinState(x=x, energy=e, grad=g)

    @abc.abstractmethod
    def step(self, sde, state: Any, t0, t1, key: PRNGKeyArray) -> tuple[Any, NamedTuple]:
        """Advance one step from t0 to t1; the new state's cache is computed under the energy at t1. ``state`` is the
        integrator's own state (that of its ``init``: a :class:`LangevinState` or one with more fields)."""


class GeodesicEulerMaruyama(Integrator):
    r"""Geodesic Euler-Maruyama: an Euler-Maruyama increment in the tangent space, mapped by the exponential map.

    Per row x of X, with h = t1 - t0 and xi ~ N(0, I_d):

    .. math::
        v = -h\, P_x \nabla_x E_{t_0}(X) + \sqrt{2h/\beta(t_0)}\, P_x \xi, \qquad x' = \mathrm{Exp}_x(v)
          = \cos|v|\, x + \sin|v|\, v/|v|.

    Weak order 1 in h: stationary averages carry an O(h) bias (tested against the von Mises-Fisher law). At
    beta = inf the noise vanishes and the step is Riemannian gradient descent with the exponential-map retraction.

    References:
      Absil, Mahony & Sepulchre, *Optimization Algorithms on Matrix Manifolds* (2008);
      Hsu, *Stochastic Analysis on Manifolds* (2002), ch. 3 (geodesic random walks);
      Kloeden & Platen, *Numerical Solution of Stochastic Differential Equations* (1992), sec. 14.1.
    """

    weak_order: ClassVar[int] = 1

    def step(self, sde, state: LangevinState, t0, t1, key: PRNGKeyArray) -> tuple[LangevinState, NoInfo]:
        x, h = state.x, t1 - t0
        noise_scale = jnp.sqrt(2.0 * h / sde.beta_at(t0))  # 0 at beta = inf
        x_new = sphere.exp(x, -h * state.grad + noise_scale * sphere.tangent_normal(key, x))
        e, g = energies.value_and_grad(sde.energy_at(t1), x_new)
        return LangevinState(x=x_new, energy=e, grad=g), NoInfo()


class GLMState(LangevinState):
    """State of a geodesic Leimkuhler-Matthews chain: the sample point x (with its energy and gradient) and the
    base point y of the underlying Markov chain with the half noise kick w (tangent at y), x = Exp_y(w)."""

    base: Float[Array, "n d"]
    kick: Float[Array, "n d"]


class GeodesicLeimkuhlerMatthews(Integrator):
    r"""Geodesic Leimkuhler-Matthews: weak order 2 for the invariant law on (S^{d-1})^n, one gradient per step.

    In R^n the Leimkuhler-Matthews scheme (the high-friction limit of BAOAB),
    x_{k+1} = x_k - h grad E(x_k) + (s/2)(xi_k + xi_{k+1}), samples exp(-beta E) with an O(h^2) bias; it is the
    Markov chain y_{k+1} = y_k - h grad E(x_k) + s xi_k read at x_k = y_k + s xi_k / 2. On the sphere, per row,
    with h = t1 - t0 and s0^2 = 2h/beta:

    .. math::
        y' = \mathrm{Exp}_y\big(2w - h\,\Gamma_{x\to y} \nabla E(x)\big),\quad
        w' = \tfrac{s}{2}\, P_{y'}\xi,\quad x' = \mathrm{Exp}_{y'}(w'),\qquad
        s^2 = \frac{s_0^2}{1 + c\, s_0^2},\quad c = \frac{5(d-2)}{24},

    with Gamma the parallel transport along the geodesic from x to y (:func:`langevin_sphere.sphere.transport`).
    The carried-over scheme without the correction c is weak order 1 on S^{d-1}, d >= 3: the geodesic random walk
    of variance s^2 runs the Brownian clock (1 + (m-1) s^2/6) fast (m = d - 1), and together with the third-order
    term of the Taylor expansion along geodesics (Ricci curvature (m-1) g) the chain samples
    exp(-beta (1 - 5 (m-1) h / (12 beta)) E) to first order; shrinking the noise variance by (1 - c s0^2) cancels
    that term. Since the Ricci curvature of (S^{d-1})^n is (d-2) g on every factor, the same c serves products of
    spheres with coupled energies. On the circle (d = 2, c = 0) it is exactly Leimkuhler-Matthews on the angle; at
    beta = inf (s = 0, x = y) it is Riemannian gradient descent with the exponential map.

    ``init`` starts the base point at x with no kick (xi_0 = 0 in the R^n form): the first step carries half its
    noise, a transient of one step. ``curvature_correction=False`` sets c = 0 (the weak-order-1 carry-over, kept
    for the weak-order study that measures the first-order term c cancels). The bias of E[mu . x] against h on the
    von Mises-Fisher law, with fitted
    slopes, is the weak-order study of :mod:`langevin_sphere.studies` (README: "Weak order").

    References:
      B. Leimkuhler, C. Matthews, *Rational construction of stochastic numerical methods for molecular sampling*,
      Appl. Math. Res. Express 2013, 34-56 (2013).
      G. Vilmart, *Postprocessed integrators for the high order integration of ergodic SDEs*, SIAM J. Sci. Comput.
      37, A201-A220 (2015).
      A. Laurent, G. Vilmart, *Order conditions for sampling the invariant measure of ergodic stochastic
      differential equations on manifolds*, Found. Comput. Math. 22, 649-695 (2022).
    """

    weak_order: ClassVar[int] = 2
    curvature_correction: bool = eqx.field(default=True, static=True)  # False: c = 0, weak order 1 (for studies)

    def noise_scale(self, h, beta, d: int):
        """s = sqrt(s0^2 / (1 + c s0^2)), s0^2 = 2h / beta, c = 5 (d - 2) / 24 (0 at beta = inf)."""
        s0_sq = 2.0 * h / beta
        c = 5.0 * (d - 2) / 24.0 if self.curvature_correction else 0.0
        return jnp.sqrt(s0_sq / (1.0 + c * s0_sq))

    def init(self, sde, x: Float[Array, "n d"], t0=0.0, key: PRNGKeyArray | None = None) -> GLMState:
        s = super().init(sde, x, t0, key)
        return GLMState(x=s.x, energy=s.energy, grad=s.grad, base=x, kick=jnp.zeros_like(x))

    def step(self, sde, state: GLMState, t0, t1, key: PRNGKeyArray) -> tuple[GLMState, NoInfo]:
        x, y, h = state.x, state.base, t1 - t0
        y_new = sphere.exp(y, 2.0 * state.kick - h * sphere.transport(x, y, state.grad))
        kick = 0.5 * self.noise_scale(h, sde.beta_at(t1), x.shape[-1]) * sphere.tangent_normal(key, y_new)
        x_new = sphere.exp(y_new, kick)
        e, g = energies.value_and_grad(sde.energy_at(t1), x_new)
        return GLMState(x=x_new, energy=e, grad=g, base=y_new, kick=kick), NoInfo()


@functools.singledispatch
def lanes_step(integrator: Integrator, sde, state: LangevinState, t0, t1, keys: PRNGKeyArray):
    """:meth:`Integrator.step` of B chains stored chains-last: ``state.x`` and ``state.grad`` (n, d, B),
    ``state.energy`` (B,), ``keys`` (B,); chain b draws the same numbers from ``keys[b]`` as ``step`` does.

    Dispatches on the integrator's type; ``lanes_step.register(MyIntegrator)`` adds one."""
    raise NotImplementedError(f"{type(integrator).__name__} has no chains-last step (lanes_step.register one)")


def has_lanes_step(integrator: Integrator) -> bool:
    """Whether a chains-last step is registered for the integrator's type."""
    return lanes_step.dispatch(type(integrator)) is not lanes_step.dispatch(object)


@lanes_step.register
def _(integrator: GeodesicEulerMaruyama, sde, state: LangevinState, t0, t1, keys: PRNGKeyArray):
    x, h = state.x, t1 - t0
    n, d, _ = x.shape
    eta = jax.vmap(lambda k: noise.normal(k, (n, d - 1), x.dtype))(keys)  # (B, n, d-1), as in step
    xi = noise.householder(x, jnp.moveaxis(eta, 0, -1), axis=1)  # (n, d, B) tangent normals
    x_new = sphere.exp(x, -h * state.grad + jnp.sqrt(2.0 * h / sde.beta_at(t0)) * xi, axis=1)
    e, g = energies.lanes_value_and_grad(sde.energy_at(t1), x_new)
    return LangevinState(x=x_new, energy=e, grad=g), NoInfo()


class MALAState(LangevinState):
    """State of a Metropolis-adjusted chain: a :class:`LangevinState` and the number of proposals it accepted."""

    n_accepted: Int[Array, ""]  # proposals accepted since init (acceptance rate = n_accepted / steps)


class MALAInfo(NamedTuple):
    """What one Metropolis-adjusted step reports."""

    accepted: Bool[Array, ""]  # the proposal was accepted
    log_ratio: Float[Array, ""]  # log of the Metropolis-Hastings ratio (-inf: rejected outright)


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
    ``record_every``. At beta = inf (no noise) a proposal is accepted iff it does not raise the energy. When a field
    of the energy is annealed, the step targets the energy at t0 and the new state's cache is then re-evaluated at
    t1 (two evaluations per step).

    References:
      G. O. Roberts, R. L. Tweedie, *Exponential convergence of Langevin distributions and their discrete
      approximations*, Bernoulli 2, 341 (1996) (MALA).
      M. Girolami, B. Calderhead, *Riemann manifold Langevin and Hamiltonian Monte Carlo methods*, J. R. Stat. Soc. B
      73, 123 (2011).
    """

    weak_order: ClassVar[int] = 0  # exact for the invariant law: no step-size bias
    state_records: ClassVar[tuple[str, ...]] = ("n_accepted",)

    def init(self, sde, x: Float[Array, "n d"], t0=0.0, key: PRNGKeyArray | None = None) -> MALAState:
        s = super().init(sde, x, t0, key)
        return MALAState(x=s.x, energy=s.energy, grad=s.grad, n_accepted=jnp.asarray(0, jnp.int32))

    def step(self, sde, state: MALAState, t0, t1, key: PRNGKeyArray) -> tuple[MALAState, MALAInfo]:
        x, g, h, beta = state.x, state.grad, t1 - t0, sde.beta_at(t0)
        key_noise, key_accept = jax.random.split(key)
        noise_scale = jnp.sqrt(2.0 * h / beta)
        v = -h * g + noise_scale * sphere.tangent_normal(key_noise, x)
        y = sphere.exp(x, v)
        e_y, g_y = energies.value_and_grad(sde.energy_at(t0), y)  # the target of this step: exp(-beta E_{t0})
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
        x_new = jnp.where(accept, y, x)
        if sde.anneal:  # the cache follows the energy to t1 (a second evaluation, only when a field is annealed)
            e_new, g_new = energies.value_and_grad(sde.energy_at(t1), x_new)
        else:
            e_new, g_new = jnp.where(accept, e_y, state.energy), jnp.where(accept, g_y, g)
        new = MALAState(x=x_new, energy=e_new, grad=g_new, n_accepted=state.n_accepted + accept.astype(jnp.int32))
        return new, MALAInfo(accepted=accept, log_ratio=log_ratio)


MALA = MetropolisAdjustedLangevin  # short name

REGISTRY: dict[str, type[Integrator]] = {
    "euler_maruyama": GeodesicEulerMaruyama,
    "leimkuhler_matthews": GeodesicLeimkuhlerMatthews,
    "mala": MetropolisAdjustedLangevin,
}
"""The integrators by the name a config file uses (``[run] integrator``)."""
