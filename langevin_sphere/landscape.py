"""The energy landscape: quenches (the local minimum of the gradient-flow basin of a configuration).

A quench is the zero-temperature limit of the dynamics: it follows the gradient flow dX/dt = -grad E(X) from a
configuration to the local minimum at the end of it, the "inherent structure" of the configuration (Stillinger &
Weber 1982). That is how trapped chains are told from converged ones, so a quench must stay in the basin it starts
in: an optimiser that jumps across a barrier (a line search that overshoots, a quasi-Newton step through a ridge)
reports the global minimum from starts that are really trapped.

This module computes quenches, gradient norms and Riemannian Hessians only: no dynamics in time, no schedules, no
known optima (those are in ``optima``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from . import energies, sphere

__all__ = [
    "QuenchInfo",
    "descend",
    "quench",
    "quench_info",
    "gradient_norm",
    "tangent_basis",
    "riemannian_hessian",
    "basin_signature",
    "basin_labels",
    "full_configuration",
    "basin_table",
    "tabulate_basins",
    "energy_levels",
    "KINDS",
    "EndStates",
    "symmetry_projector",
    "reduced_spectrum",
    "classify",
]

EnergyFn = Callable[[Float[Array, "n d"]], Float[Array, ""]]


class QuenchInfo(NamedTuple):
    """Result of :func:`quench_info` (a pytree: it passes through ``jit`` / ``vmap``; unpacks as a 4-tuple).

    Attributes:
      x: (n, d) the local minimum reached, unit rows.
      energy: () E(x).
      grad_norm: () norm of the Riemannian gradient at ``x`` over the whole configuration; the quench converged iff
        ``grad_norm < tol`` (and then the Hessian at ``x`` has no clearly negative eigenvalue: not a saddle).
      n_steps: () number of iterations taken (one energy + gradient + Hessian evaluation each, accepted or not).
    """

    x: Float[Array, "n d"]
    energy: Float[Array, ""]
    grad_norm: Float[Array, ""]
    n_steps: Int[Array, ""]


def gradient_norm(energy: EnergyFn, x: Float[Array, "n d"]) -> Float[Array, ""]:
    """Norm of the Riemannian gradient of ``energy`` at X over the whole configuration (a convergence check).

    Examples:
      >>> import jax.numpy as jnp
      >>> from langevin_sphere import energies
      >>> e = energies.VonMisesFisher(jnp.array([0.0, 1.0]), kappa=2.0)
      >>> float(gradient_norm(e, jnp.array([[0.0, 1.0], [1.0, 0.0]])))  # row 0 at the minimum, row 1 at |grad| = 2
      2.0
    """
    _, g = energies.value_and_grad(energy, x)
    return jnp.sqrt(jnp.sum(g**2))


def tangent_basis(x: Float[Array, "n d"]) -> Float[Array, "n d d-1"]:
    """An orthonormal basis of the tangent space at each row: B[i] (d, d-1) with B[i]^T B[i] = I, B[i]^T x_i = 0.

    Row by row, the columns 2..d of the Householder reflector Q = I - 2 w w^T / |w|^2, w = x + sign(x_0) e_0,
    which maps e_0 to -sign(x_0) x (the sign choice keeps |w|^2 = 2 (1 + |x_0|) >= 2: no cancellation).
    Tangent vectors V (n, d) and their coordinates c (n, d-1) correspond by c_i = B_i^T V_i, V_i = B_i c_i.

    Examples:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([[0.0, 0.0, 1.0], [0.6, 0.8, 0.0]])
      >>> b = tangent_basis(x)                                     # (2, 3, 2)
      >>> bool(jnp.allclose(jnp.einsum("nda,ndb->nab", b, b), jnp.eye(2), atol=1e-6))
      True
      >>> bool(jnp.allclose(jnp.einsum("nda,nd->na", b, x), 0.0, atol=1e-6))
      True
    """
    n, d = x.shape
    sign = jnp.where(x[:, 0] >= 0, 1.0, -1.0).astype(x.dtype)  # (n,)
    w = x.at[:, 0].add(sign)  # (n, d)
    w2 = 2.0 * (1.0 + jnp.abs(x[:, 0]))  # |w|^2, (n,)
    q = jnp.eye(d, dtype=x.dtype) - 2.0 * w[:, :, None] * w[:, None, :] / w2[:, None, None]  # (n, d, d)
    return q[:, :, 1:]


def riemannian_hessian(
    energy: EnergyFn, x: Float[Array, "n d"], basis: Float[Array, "n d d-1"] | None = None
) -> Float[Array, "N N"]:
    r"""Riemannian Hessian of ``energy`` on (S^{d-1})^n at X, in the tangent coordinates of ``basis``: N = n (d-1).

    For a submanifold of R^{n d} with the induced metric, Hess E(X)[v] = P_X(D grad E(X)[v]) for tangent v
    (Absil et al. 2008, eq. 5.15), which for spheres is the familiar

    .. math:: \mathrm{Hess}\,E(X)[v]_i = P_{x_i}\big(\nabla^2 E(X)\, v\big)_i - (x_i \cdot \nabla_i E(X))\, v_i .

    It is computed with N forward-mode derivatives (JVPs) of the Riemannian gradient field along the basis vectors,
    each read off in the basis (which does the projection P_X), then symmetrised. Any energy whose gradient comes from
    :func:`langevin_sphere.energies.value_and_grad` (analytic or autodiff) works.

    Args:
      energy: X (n, d) -> scalar.
      x: (n, d) configuration with unit rows.
      basis: (n, d, d-1) orthonormal tangent bases; :func:`tangent_basis` (x) by default.

    Returns:
      (N, N) symmetric matrix, index (i, a) -> i (d-1) + a: row i, basis vector a.

    Reference: P.-A. Absil, R. Mahony, R. Sepulchre, *Optimization Algorithms on Matrix Manifolds* (2008), sec. 5.5.
    """
    n, d = x.shape
    basis = tangent_basis(x) if basis is None else basis
    big_n = n * (d - 1)
    # direction (j, b): basis vector b of row j, zero elsewhere; (N, n, d)
    dirs = jnp.einsum("jk,jdb->jbkd", jnp.eye(n, dtype=x.dtype), basis).reshape(big_n, n, d)

    def rgrad(y):  # the Riemannian gradient field, extended 0-homogeneously off the spheres
        return energies.value_and_grad(energy, sphere.normalize(y))[1]

    def column(v):
        return jax.jvp(rgrad, (x,), (v,))[1]  # (n, d)

    cols = jax.vmap(column)(dirs)  # (N, n, d)
    h = jnp.einsum("mnd,nda->mna", cols, basis).reshape(big_n, big_n)  # h[(j,b), (i,a)] = <B_ia, D grad[B_jb]>
    return 0.5 * (h + h.T)


def _phi(lam: Array, h: Array) -> Array:
    """(1 - exp(-lam h)) / lam, the weight of the exact time-h flow of a quadratic mode of curvature lam (h at 0).

    lam h is clipped below at -40 (growth e^40 along an unstable mode: the per-row step cap shortens h long before).
    """
    z = jnp.maximum(lam * h, -40.0)
    small = jnp.abs(z) < 1e-4
    z_safe = jnp.where(small, 1.0, z)
    return h * jnp.where(small, 1.0 - 0.5 * z, -jnp.expm1(-z_safe) / z_safe)


def _norm(v: Array) -> Array:
    return jnp.sqrt(jnp.sum(v * v))


def quench_info(
    energy: EnergyFn,
    x: Float[Array, "n d"],
    *,
    tol: float = 1e-5,
    max_steps: int = 1000,
    max_angle: float = 0.05,
    accuracy: float = 0.25,
) -> QuenchInfo:
    r"""Follow the gradient flow of ``energy`` from ``x`` to the local minimum of its basin, then polish it.

    The flow dX/dt = -grad E(X) is integrated by the exponential Euler method on the local quadratic model: at the
    current point, with Riemannian gradient g and Riemannian Hessian H = sum_k lam_k e_k e_k^T (in tangent
    coordinates, :func:`riemannian_hessian`), the step over flow time h is the exact time-h flow of the model,

    .. math::
        s(h) = -\sum_k \frac{1 - e^{-\lambda_k h}}{\lambda_k}\,(e_k\cdot g)\,e_k ,\qquad
        X' = \mathrm{Exp}_X(s(h)) \ \text{(row by row)} .

    For small h this is a gradient step -h g; along an unstable mode (lam_k < 0) it follows the exponential escape
    from a saddle; for large h in a convex region it is the Newton step -H^{-1} g. So the same iteration follows the
    flow far from a minimum and is a quadratically convergent polish near it (there is no switch to tune), and it
    crosses the plateaus where the gradient is exponentially small in 1/tau in a few steps, where plain gradient
    descent needs ~1e5. Every step is checked before it is taken:

    - length: no row moves more than ``max_angle`` radians (h is halved until it holds), so that one step cannot
      cross a ridge;
    - accuracy (the local-error control that keeps the discrete path on the flow): the gradient at X', transported
      back to X along the geodesics, must match the model's prediction g + H s to a relative error ``accuracy`` of
      the flow speed, |T g' - (g + H s)| <= accuracy * max(|g|, |g + H s|);
    - descent (Armijo against the model decrease m = g.s + s.H s / 2 < 0): E(X') - E(X) <= m / 2. When |m| is
      below the float resolution of E (256 eps (1 + |E|)), the energy difference is measured by the trapezoid rule
      on the gradients, (g + T g').s / 2, instead of by subtracting two rounded energies (as in the approximate
      Wolfe conditions of Hager & Zhang 2005).

    An accepted step multiplies h by 4 (up to 1e8), a rejected one divides it by 4. The iteration stops when the
    Riemannian gradient norm over the whole configuration is below ``tol`` at a point that is not a saddle, after
    ``max_steps`` iterations, or when h underflows (1e-20: float resolution reached).

    Saddles: a configuration where rows coincide exactly (a collapsed cluster of pairs, which float arithmetic
    produces in finite time) has, by the symmetry exchanging the coincident rows, an exactly zero gradient along the
    directions that split them, also where splitting lowers the energy. The exact flow never reaches such a saddle
    (it is approached only asymptotically and left again along the unstable directions), while a float flow sits on
    it forever. So a point with |g| < tol whose Hessian has an eigenvalue below -sqrt(eps) max|lam| is not accepted
    as converged: the unstable components of g are raised to tol / sqrt(#unstable) (keeping their sign) and the flow
    goes on, leaving the saddle along its unstable manifold as the exact flow would.

    Default tolerance: ``tol = 1e-5`` on |grad E| over the whole configuration. In float32 the gradient at an exact
    minimiser rounds to ~1e-8 (1e-9 to 2e-8 at the regular 8-gon at tau = 0.05, where the logits are 1/tau = 20),
    and the Newton polish reaches that floor in a few steps; 1e-5 is three decades above it, and small enough that
    the energy is within |g|^2 / (2 lam_min) ~ 1e-8 of the minimum. On plateaus whose gradient is below 1e-5 the
    quench stops, as any gradient-flow quench stopped at that tolerance does (at tau = 0.05: clusters of collapsed
    pairs whose anchors and positives sit apart, stable except along exponentially flat directions, along which
    the exact flow drifts for flow times 1e4 - 1e7 and may then split them).

    Each iteration costs one energy + gradient, N = n (d-1) Jacobian-vector products and an N x N symmetric
    eigendecomposition: cheap for the configurations of this package (N up to a few hundred).

    Validation (circle, M = 8 pairs, symmetric InfoNCE, tau = 0.05, the 256 starts
    ``sphere.uniform(jax.random.key(0), (256, 16, 2))``): against a float64 integration of the same flow (scipy
    BDF, rtol 1e-8, stopped at the first time |g| < 1e-5), the quench ends in the same state for 243 of the 244
    starts where that flow stops at a local minimum (the exception sits at the stability threshold of a cluster);
    the other 12 flows stop on collapsed-cluster saddles (Hessian eigenvalues -0.4 to -2.5), which the quench
    leaves. Tightening the controls to ``max_angle=0.01, accuracy=0.05`` changes no converged outcome; loosening
    them to ``0.1, 0.5`` changes 5 of 256. 237 / 256 starts reach E*; every start converges (max |g| 9.4e-6) in at
    most 216 iterations, 3 s for the vmapped batch on 2 CPU cores (6.4 s with compilation).

    Args:
      energy: X (n, d) -> scalar, any callable differentiable twice by JAX (its Riemannian gradient is taken with
        :func:`langevin_sphere.energies.value_and_grad`).
      x: (n, d) configuration with unit rows.
      tol: stop when the Riemannian gradient norm is below this (at a point that is not a saddle).
      max_steps: iteration cap (accepted and rejected steps together).
      max_angle: largest geodesic move of a row in one step, radians; keep it below the length scale of the
        landscape (tau for InfoNCE).
      accuracy: relative local-error tolerance of the flow integration (see above).

    Returns:
      A :class:`QuenchInfo` (x, energy, grad_norm, n_steps).

    References:
      Stillinger & Weber, *Hidden structure in liquids*, Phys. Rev. A 25, 978 (1982) (inherent structures).
      Hochbruck & Ostermann, *Exponential integrators*, Acta Numerica 19, 209 (2010) (exponential Euler).
      Absil, Mahony & Sepulchre, *Optimization Algorithms on Matrix Manifolds* (2008), ch. 5-6 (Riemannian Newton).
      Hager & Zhang, *A new conjugate gradient method with guaranteed descent and an efficient line search*,
      SIAM J. Optim. 16, 170 (2005) (approximate Wolfe conditions).

    Examples:
      >>> import jax, jax.numpy as jnp
      >>> from langevin_sphere import energies, optima, sphere
      >>> e = energies.InfoNCE(tau=0.2)
      >>> x0 = sphere.uniform(jax.random.key(1), (6, 3))          # M = 3 pairs in R^3
      >>> res = quench_info(e, x0)
      >>> bool(res.grad_norm < 1e-5), abs(float(res.energy) - optima.simplex_energy(3, 0.2)) < 1e-5
      (True, True)
    """
    if x.ndim != 2 or x.shape[-1] < 2:
        raise ValueError(
            f"quench: expects one configuration X of shape (n, d) with d >= 2 (vmap over a batch), got shape {x.shape}"
        )
    if not (tol > 0 and max_angle > 0 and accuracy > 0 and max_steps >= 0):
        raise ValueError(
            "quench: needs tol, max_angle, accuracy > 0 and max_steps >= 0, "
            f"got {tol=}, {max_steps=}, {max_angle=}, {accuracy=}"
        )
    return _quench_info(energy, x, tol, max_steps, max_angle, accuracy)


@eqx.filter_jit  # one compilation per (energy, shape, settings) also when called outside jit; inlined inside one
def _quench_info(energy, x, tol, max_steps, max_angle, accuracy) -> QuenchInfo:
    dtype = x.dtype
    eps = jnp.finfo(dtype).eps
    h_max, h_min = 1e8, 1e-20

    def to_ambient(b, c):  # (n, d, d-1), (N,) -> (n, d)
        return jnp.einsum("nda,na->nd", b, c.reshape(b.shape[0], -1))

    def model(x, g):
        """At x: tangent basis, Hessian eigenpairs, gradient in the eigenbasis (saddle-kicked) and 'is a saddle'."""
        b = tangent_basis(x)  # (n, d, d-1)
        lam, vecs = jnp.linalg.eigh(riemannian_hessian(energy, x, b))  # (N,), (N, N)
        gc = vecs.T @ jnp.einsum("nda,nd->na", b, g).reshape(-1)  # (N,)
        unstable = lam < -jnp.sqrt(eps) * jnp.max(jnp.abs(lam))
        n_unstable = jnp.sum(unstable)
        stuck = (_norm(g) < tol) & (n_unstable > 0)  # a saddle the float flow cannot leave by itself
        kick = tol / jnp.sqrt(jnp.maximum(n_unstable, 1).astype(dtype))
        gc = jnp.where(stuck & unstable, jnp.where(gc >= 0, 1.0, -1.0) * jnp.maximum(jnp.abs(gc), kick), gc)
        return b, lam, vecs, gc, stuck

    def step_of(b, lam, vecs, gc, h):  # the exact time-h flow of the model, as an ambient tangent vector (n, d)
        return to_ambient(b, -(vecs @ (_phi(lam, h) * gc)))

    def cap(b, lam, vecs, gc, h):  # halve h until no row moves more than max_angle
        def too_long(h):
            s = step_of(b, lam, vecs, gc, h)
            return (jnp.max(jnp.sum(s * s, axis=-1)) > max_angle**2) & (h > h_min)

        return jax.lax.while_loop(too_long, lambda h: 0.5 * h, h)

    def cond(state):
        x, e, g, gn, b, lam, vecs, gc, stuck, h, k = state
        return ((gn >= tol) | stuck) & (k < max_steps) & (h > h_min)

    def body(state):
        x, e, g, gn, b, lam, vecs, gc, stuck, h, k = state
        h = cap(b, lam, vecs, gc, h)
        phi = _phi(lam, h)
        s = step_of(b, lam, vecs, gc, h)  # (n, d)
        x_new = sphere.exp(x, s)
        e_new, g_new = energies.value_and_grad(energy, x_new)

        # g_new transported back to x along each row's geodesic: its component along the end velocity
        # e' = -sin(theta) x + cos(theta) e (e = s / theta) becomes a component along e; the rest is unchanged
        theta = jnp.sqrt(jnp.sum(s * s, axis=-1, keepdims=True))
        e_dir = s / jnp.where(theta > 0, theta, 1.0)
        e_end = -jnp.sin(theta) * x + jnp.cos(theta) * e_dir
        g_back = g_new + jnp.sum(g_new * e_end, axis=-1, keepdims=True) * (e_dir - e_end)

        # the checks use the true gradient g, not the kicked gc the step was made with: s = V sc in the eigenbasis
        g_true = vecs.T @ jnp.einsum("nda,nd->na", b, g).reshape(-1)  # (N,)
        sc = -phi * gc
        g_pred = to_ambient(b, vecs @ (g_true + lam * sc))  # g + H s: the model's gradient at the step's end
        err = _norm(g_back - g_pred)
        speed = jnp.maximum(gn, _norm(g_pred))
        m = jnp.sum(g_true * sc + 0.5 * lam * sc**2)  # model decrease g.s + s.H s / 2 (< 0)
        de_direct = e_new - e
        de_trap = 0.5 * jnp.sum((g + g_back) * s)
        resolved = -m > 256.0 * eps * (1.0 + jnp.abs(e))
        descent = jnp.where(resolved, de_direct, de_trap) <= 0.5 * m
        ok = jnp.isfinite(e_new) & jnp.all(jnp.isfinite(g_new)) & (err <= accuracy * speed) & descent

        def accept(_):
            return (x_new, e_new, g_new, _norm(g_new), *model(x_new, g_new), jnp.minimum(4.0 * h, h_max))

        def reject(_):
            return x, e, g, gn, b, lam, vecs, gc, stuck, 0.25 * h

        return (*jax.lax.cond(ok, accept, reject, None), k + 1)

    x = sphere.normalize(x)  # rows unit to the working precision (a float32 state cast to float64 is not)
    e0, g0 = energies.value_and_grad(energy, x)
    init = (x, e0, g0, _norm(g0), *model(x, g0), jnp.asarray(h_max, dtype), jnp.asarray(0))
    x, e, _, gn, *_, k = jax.lax.while_loop(cond, body, init)
    return QuenchInfo(x, e, gn, k)


def descend(
    energy: EnergyFn,
    x: Float[Array, "n d"],
    n_steps: int,
    *,
    max_angle: float = 0.05,
) -> Float[Array, "n d"]:
    """``n_steps`` of Riemannian gradient descent X' = Exp_X(-h grad E(X)): a first-order approach to the gradient
    flow's minimum, for configurations whose Hessian is too large to decompose at every step of :func:`quench_info`
    (which should then polish the result). Vmappable, jit-able.

    The step h adapts per configuration: a step is taken when it lowers E by at least h |grad E|^2 / 4 (Armijo; below
    the float resolution of E the decrease is measured by the trapezoid rule on the gradients, as in
    :func:`quench_info`), and h then grows by 1.25; otherwise h is divided by 4 and X stays. No row moves more than
    ``max_angle`` radians in a step. This is the explicit Euler method of the flow with step control, so it follows
    the flow's basins where the step stays small against the landscape's curvature; :func:`quench_info` (exponential
    Euler with local-error control) is the one validated against a float64 integration of the flow.

    Examples:
      >>> import jax
      >>> from langevin_sphere import energies, optima, sphere
      >>> e = energies.InfoNCE(tau=0.5)
      >>> x = descend(e, sphere.uniform(jax.random.key(1), (6, 3)), 500)     # M = 3 pairs in R^3
      >>> abs(float(e(x)) - optima.simplex_energy(3, 0.5)) < 1e-4
      True
    """
    if x.ndim != 2 or n_steps < 0 or not max_angle > 0:
        raise ValueError(f"descend: needs x of shape (n, d), n_steps >= 0 and max_angle > 0, got shape {x.shape}, "
                         f"{n_steps=}, {max_angle=}")

    def step(carry, _):
        x, e, g, h = carry
        row = jnp.sqrt(jnp.max(jnp.sum(g * g, axis=-1)))
        h = jnp.minimum(h, max_angle / jnp.maximum(row, jnp.finfo(x.dtype).tiny))
        x_new = sphere.exp(x, -h * g)
        e_new, g_new = energies.value_and_grad(energy, x_new)
        gg = jnp.sum(g * g)
        # below the float resolution of E the decrease is measured by the trapezoid rule on the gradients
        resolved = h * gg > 256.0 * jnp.finfo(x.dtype).eps * (1.0 + jnp.abs(e))
        de = jnp.where(resolved, e_new - e, -0.5 * h * jnp.sum((g + g_new) * g))
        ok = jnp.isfinite(e_new) & jnp.all(jnp.isfinite(g_new)) & (de <= -0.25 * h * gg)
        keep = lambda a, b: jnp.where(ok, a, b)  # noqa: E731
        return (keep(x_new, x), keep(e_new, e), keep(g_new, g), jnp.where(ok, 1.25 * h, 0.25 * h)), None

    e0, g0 = energies.value_and_grad(energy, x)
    h0 = jnp.asarray(1e-2, x.dtype)
    return jax.lax.scan(step, (x, e0, g0, h0), None, length=n_steps)[0][0]


def quench(
    energy: EnergyFn,
    x: Float[Array, "n d"],
    *,
    tol: float = 1e-5,
    max_steps: int = 1000,
) -> tuple[Float[Array, "n d"], Float[Array, ""]]:
    """The local minimum of the gradient-flow basin of ``x``: returns (X_min, E_min). Vmappable, jit-able.

    See :func:`quench_info` for the method (exponential-Euler integration of the gradient flow on the local
    quadratic model, with step-length and local-error control, which becomes a Newton polish near the minimum), the
    default tolerance and the references; use it when the convergence itself (gradient norm, iterations) matters.

    Args:
      energy: X (n, d) -> scalar.
      x: (n, d) configuration with unit rows.
      tol: tolerance on the Riemannian gradient norm over the whole configuration.
      max_steps: iteration cap.

    Returns:
      (X_min (n, d), E_min ()).

    Examples:
      >>> import jax, jax.numpy as jnp
      >>> from langevin_sphere import energies, sphere
      >>> e = energies.InfoNCE(tau=0.1)
      >>> x0 = sphere.uniform(jax.random.key(0), (8, 4, 2))     # a batch of 8 configurations, M = 2 pairs in R^2
      >>> x_min, e_min = jax.jit(jax.vmap(lambda x: quench(e, x)))(x0)
      >>> x_min.shape, e_min.shape
      ((8, 4, 2), (8,))
    """
    res = quench_info(energy, x, tol=tol, max_steps=max_steps)
    return res.x, res.energy


def quench_many(
    energy: EnergyFn,
    x: Float[np.ndarray, "B n d"],
    *,
    tol: float = 1e-5,
    max_steps: int = 1000,
    descent_steps: int = 0,
    batch: int | None = None,
) -> QuenchInfo:
    """:func:`quench_info` of B configurations, in the float width of ``x`` (float64 needs ``jax.enable_x64``);
    numpy in, numpy out. With ``descent_steps`` > 0, that many steps of :func:`descend` come first (all
    configurations at once: a fixed number of steps), so that the quench, whose every iteration decomposes the
    n (d - 1) Hessian, starts next to a minimum.

    The quench runs in batches of ``batch`` configurations (default :func:`batch_size`): a vmapped quench iterates
    until its slowest configuration stops, so on large configurations one slow start would make every other start
    of its batch pay as many eigendecompositions.

    Examples:
      >>> import jax
      >>> from langevin_sphere import energies, optima, sphere
      >>> x0 = np.asarray(sphere.uniform(jax.random.key(0), (5, 6, 3)))   # five starts, M = 3 pairs in R^3
      >>> q = quench_many(energies.InfoNCE(tau=0.2), x0, batch=2)
      >>> q.x.shape, bool(np.all(np.abs(q.energy - optima.simplex_energy(3, 0.2)) < 1e-5))
      ((5, 6, 3), True)
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"quench_many: expects configurations of shape (B, n, d), got shape {x.shape}")
    if descent_steps:
        x = np.asarray(_descend_batch(energy, jnp.asarray(x), descent_steps))
    size = batch_size(x.shape[1] * (x.shape[2] - 1)) if batch is None else batch
    parts = [jax.tree.map(np.asarray, _quench_batch(energy, jnp.asarray(part), tol, max_steps))
             for part in batches(x, size)]
    return jax.tree.map(lambda *a: np.concatenate(a)[: len(x)], *parts)


@eqx.filter_jit
def _descend_batch(energy, x, n_steps):
    return jax.vmap(lambda y: descend(energy, y, n_steps))(x)


@eqx.filter_jit
def _quench_batch(energy, x, tol, max_steps):
    return jax.vmap(lambda y: quench_info(energy, y, tol=tol, max_steps=max_steps))(x)


def basin_signature(x: Float[Array, "n d"], *, swap_views: bool = True) -> Float[Array, " S"]:
    """A signature of a configuration of M pairs that is invariant under the symmetries of the contrastive energies.

    The symmetries: a global orthogonal map (O(d), rotations and reflections, acting on every row), a simultaneous
    relabelling of the pairs (the same permutation of U and V) and, when ``swap_views``, the exchange U <-> V
    (a symmetry of symmetric InfoNCE, DHEL and KCL). The Gram blocks U U^T, V V^T, U V^T are O(d)-invariant and a
    relabelling permutes them simultaneously, so their sorted entries are invariant:

        [sort(offdiag U U^T) ; sort(offdiag V V^T) ; sort(diag U V^T) ; sort(offdiag U V^T)]

    with the first two blocks sorted together when ``swap_views``. Sorted multisets are not a complete invariant; with
    the quenched energy they tell apart the minima met here (see :func:`basin_labels`). Shape (S,) with
    S = 2 * M (M - 1) + M^2 (vmappable).
    """
    m = x.shape[0] // 2
    u, v = x[:m], x[m:]
    off = ~np.eye(m, dtype=bool)  # a static (numpy) mask, so the indexing has a static shape under jit
    uu, vv, uv = (u @ u.T)[off], (v @ v.T)[off], u @ v.T
    within = jnp.sort(jnp.concatenate([uu, vv])) if swap_views else jnp.concatenate([jnp.sort(uu), jnp.sort(vv)])
    return jnp.concatenate([within, jnp.sort(jnp.diagonal(uv)), jnp.sort(uv[off])])


def basin_labels(energy, signature, *, energy_tol: float = 1e-4, signature_tol: float = 1e-3):
    """Integer basin labels for quenched configurations: equal labels = the same minimum up to the symmetries.

    Two minima get the same label when their energies differ by at most ``energy_tol`` and their
    :func:`basin_signature` by at most ``signature_tol`` (max norm). Labels are numbered by increasing energy
    (label 0 is the lowest minimum found). Host-side numpy, after the run.

    Args:
      energy: (N,) quenched energies.
      signature: (N, S) basin signatures.

    Returns:
      (labels (N,) int, representative energies (K,)) with K distinct basins; non-finite energies get label -1.
    """
    energy, signature = np.asarray(energy, np.float64), np.asarray(signature, np.float64)
    labels = np.full(energy.shape, -1)
    reps: list[int] = []
    for i in np.argsort(energy, kind="stable"):
        if not np.isfinite(energy[i]):
            continue
        for k, j in enumerate(reps):
            if abs(energy[i] - energy[j]) <= energy_tol and np.max(np.abs(signature[i] - signature[j])) <= signature_tol:
                labels[i] = k
                break
        else:
            labels[i] = len(reps)
            reps.append(i)
    return labels, energy[reps]


def full_configuration(energy, x: Float[Array, "... m d"]) -> Float[Array, "... n d"]:
    """The configuration [U; V] that ``energy`` sees: ``x`` itself, or the anchors prepended for a FrozenAnchors
    energy (whose argument is V alone). Basin signatures are taken of this, so the anchors' geometry counts."""
    if isinstance(energy, energies.FrozenAnchors):
        anchors = jnp.broadcast_to(energy.anchors.astype(x.dtype), x.shape[:-2] + energy.anchors.shape)
        return jnp.concatenate([anchors, x], axis=-2)
    return x


def basin_table(
    energy: EnergyFn,
    x: Float[Array, "B n d"],
    *,
    e_star: float | None = None,
    eps: float = 1e-3,
    tol: float = 1e-5,
    swap_views: bool = True,
    energy_tol: float = 1e-4,
    signature_tol: float = 1e-3,
) -> dict:
    """Quench many starts, label their basins up to symmetry and tabulate them: the landscape's basin statistics.

    Each start is quenched (:func:`quench_info`, converged to |grad| < ``tol``), its minimum labelled by quenched
    energy and :func:`basin_signature` of :func:`full_configuration` (:func:`basin_labels`), and the basins counted.
    With uniform random starts the fraction of a basin estimates the uniform measure of its domain of attraction under
    the gradient flow; the fraction of starts that miss the global basin is what a quench (beta = infinity at once)
    leaves trapped. Binomial 95% intervals are Wilson's (:func:`langevin_sphere.diagnostics.wilson_interval`).

    Args:
      energy: X (n, d) -> scalar (a :class:`~langevin_sphere.energies.FrozenAnchors` energy takes V only).
      x: (B, n, d) starts, unit rows.
      e_star: the global minimum; the lowest quenched energy when None (then said so in ``e_star_source``).
      eps: a minimum within eps of E* is the global basin.
      tol: quench tolerance on the Riemannian gradient norm.
      swap_views: U <-> V is a symmetry of the energy (True for symmetric contrastive energies with both views free).
      energy_tol, signature_tol: see :func:`basin_labels`.

    Returns:
      A dict: ``n_starts``, ``e_star``, ``e_star_source``, ``eps``, ``not_converged`` (starts with |grad| >= tol),
      ``global`` and ``trapped`` ({"count", "fraction", "lo", "hi"}), ``basins`` (one dict per basin by increasing
      energy level: energy, gap, count, fraction, lo, hi, global, signature_classes; see :func:`tabulate_basins`),
      and the per-start arrays ``start_energy`` (B,),
      ``start_label`` (B,) and ``start_grad_norm`` (B,) (numpy).

    Examples:
      >>> import jax
      >>> from langevin_sphere import energies, optima, sphere
      >>> x = sphere.uniform(jax.random.key(0), (16, 6, 3))     # M = 3 pairs in R^3: one basin, the triangle
      >>> tab = basin_table(energies.InfoNCE(tau=0.2), x, e_star=optima.simplex_energy(3, 0.2))
      >>> tab["global"]["count"], len(tab["basins"])
      (16, 1)
    """
    x = jnp.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"basin_table: expects starts of shape (B, n, d), got shape {x.shape}")
    info = jax.jit(jax.vmap(lambda y: quench_info(energy, y, tol=tol)))(x)
    sig = jax.jit(jax.vmap(lambda y: basin_signature(full_configuration(energy, y), swap_views=swap_views)))(info.x)
    e_min = np.asarray(info.energy, np.float64)
    labels, levels = basin_labels(e_min, np.asarray(sig), energy_tol=energy_tol, signature_tol=signature_tol)
    source = "given"
    if e_star is None:
        e_star, source = float(np.nanmin(e_min)), f"lowest quenched energy of these {len(e_min)} starts"
    table = tabulate_basins(e_min, labels, e_star, eps)
    return {**table, "e_star_source": source, "tol": tol,
            "not_converged": int(np.sum(~(np.asarray(info.grad_norm) < tol))),
            "start_energy": e_min, "start_label": labels, "start_grad_norm": np.asarray(info.grad_norm, np.float64)}


def energy_levels(energy, tol: float = 1e-4) -> np.ndarray:
    """Labels of quenched energies by level: energies within ``tol`` of a level's lowest share its label (numbered by
    increasing energy, -1 for non-finite). Any shape. What quench records without configurations allow.

    Examples:
      >>> energy_levels(np.array([0.5, 0.0, 0.50003, 1.0])).tolist()
      [1, 0, 1, 2]
    """
    flat = np.asarray(energy, np.float64).reshape(-1)
    labels, _ = basin_labels(flat, np.zeros((flat.size, 1)), energy_tol=tol)
    return labels.reshape(np.shape(energy))


def tabulate_basins(energy, labels, e_star: float, eps: float = 1e-3, energy_tol: float = 1e-4) -> dict:
    """Counts of quenched starts per energy level, with Wilson 95% intervals: the table of :func:`basin_table`.

    Rows are energy levels (:func:`energy_levels`); each says how many basin labels (classes up to symmetry) it
    merges: on the plateaus of small-tau landscapes a converged quench stops at slightly different points of one
    flat family of minima, which a signature tells apart while the energy does not. Every start within ``eps`` of E*
    is the one global row.

    Args:
      energy: (B,) quenched energies; labels: (B,) basin labels from :func:`basin_labels` (-1: failed start).
      e_star: the global minimum; a level within ``eps`` of it is the global basin.

    Returns:
      ``{"n_starts", "e_star", "eps", "global", "trapped", "basins"}`` as described in :func:`basin_table`.

    Examples:
      >>> tab = tabulate_basins(np.array([0.0, 0.0, 0.5, 0.0]), np.array([0, 0, 1, 0]), e_star=0.0)
      >>> [(b["gap"], b["count"]) for b in tab["basins"]], tab["trapped"]["fraction"]
      ([(0.0, 3), (0.5, 1)], 0.25)
    """
    from . import diagnostics  # statistics of arrays; imported here to keep this module's imports geometric

    energy, labels = np.asarray(energy, np.float64), np.asarray(labels)
    n = len(energy)

    def share(k):
        lo, hi = diagnostics.wilson_interval(int(k), n)
        return {"count": int(k), "fraction": int(k) / n, "lo": lo, "hi": hi}

    at_global = np.isfinite(energy) & (energy - e_star <= eps)
    levels = np.where(at_global, -2, energy_levels(energy, energy_tol))  # -2: the global row
    basins = []
    for level in np.unique(levels[levels != -1]):
        members = levels == level
        lowest = float(np.min(energy[members]))
        basins.append({"energy": lowest, "gap": 0.0 if level == -2 else lowest - e_star, **share(np.sum(members)),
                       "global": bool(level == -2), "signature_classes": int(np.unique(labels[members]).size)})
    basins.sort(key=lambda b: b["energy"])
    return {"n_starts": n, "e_star": float(e_star), "eps": eps, "global": share(np.sum(at_global)),
            "trapped": share(np.sum(~at_global)), "basins": basins}


# ---- end states: minimum, plateau, saddle or unconverged ----------------------------------------------------------

KINDS = ("minimum", "plateau", "saddle", "unconverged")


class EndStates(NamedTuple):
    """Result of :func:`classify` for B configurations (numpy arrays, float64).

    Attributes:
      x: (B, n, d) the end state: the configuration quenched in float64 to the float resolution of its energy.
      energy: (B,) E(x) in float64.
      grad_norm: (B,) Riemannian gradient norm at x.
      kind: (B,) str, one of :data:`KINDS`.
      hessian_head: (B, 4) the four smallest eigenvalues of the Riemannian Hessian off the symmetry modes.
      hessian_max: (B,) its largest eigenvalue (the scale of the soft-mode threshold).
      n_soft: (B,) eigenvalues off the symmetry modes with |lambda| <= soft_ratio * hessian_max.
      leads_to: (B,) for a plateau, the lowest energy that its probes reached downhill (NaN otherwise).
    """

    x: np.ndarray
    energy: np.ndarray
    grad_norm: np.ndarray
    kind: np.ndarray
    hessian_head: np.ndarray
    hessian_max: np.ndarray
    n_soft: np.ndarray
    leads_to: np.ndarray



def symmetry_projector(x: Float[Array, "n d"], basis: Float[Array, "n d d-1"],
                       symmetries: tuple[str, ...] = ("orthogonal",)) -> Float[Array, "N N"]:
    """Orthogonal projector, in the tangent coordinates of ``basis``, onto the directions at X along which the energy
    is constant by a continuous symmetry (N = n (d - 1)).

    An energy invariant under a global orthogonal map (``"orthogonal"``: X -> X Q, Q in O(d); true of every
    contrastive energy of :mod:`langevin_sphere.energies` with both views free) is constant on the orbit of X, whose
    tangent space is spanned by X A for the generators A = e_k e_l^T - e_l e_k^T of so(d): every Hessian has exact
    zero eigenvalues along it, which say nothing about the landscape, so they are removed before a state is called a
    minimum or a plateau. The orbit has dimension d (d - 1) / 2 or less (rows spanning fewer than d - 1 dimensions
    are fixed by some rotations): the projector has the numerical rank of those vectors (singular values above 1e-6
    of the largest). Pair relabelling and U <-> V are discrete symmetries: they have no zero modes. ``symmetries=()``
    (an energy with fixed anchors, a field like von Mises-Fisher) removes nothing.
    """
    n, d = x.shape
    big_n = n * (d - 1)
    if "orthogonal" not in symmetries:
        return jnp.zeros((big_n, big_n), x.dtype)
    gens = []
    for k, l in itertools.combinations(range(d), 2):
        a = np.zeros((d, d))
        a[k, l], a[l, k] = 1.0, -1.0
        gens.append(jnp.einsum("nda,nd->na", basis, x @ jnp.asarray(a, x.dtype)).reshape(-1))  # (N,)
    u, s, _ = jnp.linalg.svd(jnp.stack(gens, axis=1), full_matrices=False)  # (N, G), (G,)
    u = u * (s > 1e-6 * jnp.max(s))[None, :]
    return u @ u.T


def reduced_spectrum(energy: EnergyFn, x: Float[Array, "n d"], symmetries: tuple[str, ...] = ("orthogonal",)):
    """Eigenvalues and eigenvectors of the Riemannian Hessian at X off the symmetry modes (:func:`symmetry_projector`).

    Returns:
      (lam (N,), vec (N, n, d)): eigenvalues in increasing order, +inf for the removed symmetry modes (sorted last),
      and the eigenvectors as ambient tangent fields, unit norm over the whole configuration.
    """
    n, d = x.shape
    b = tangent_basis(x)
    h = riemannian_hessian(energy, x, b)
    p = symmetry_projector(x, b, symmetries)
    q = jnp.eye(h.shape[0], dtype=x.dtype) - p
    scale = 1.0 + jnp.max(jnp.abs(h))
    # block-diagonal in (complement, symmetry): the complement's spectrum is exact, the symmetry modes sit at `scale`
    lam, w = jnp.linalg.eigh(q @ h @ q + scale * p)
    on_symmetry = jnp.sum(w * (p @ w), axis=0) > 0.5
    lam = jnp.where(on_symmetry, jnp.inf, lam)
    order = jnp.argsort(lam)
    vec = jnp.einsum("nda,kna->knd", b, w.T.reshape(-1, n, d - 1))
    return lam[order], vec[order]


def classify(
    energy: EnergyFn,
    x: Float[Array, "B n d"],
    *,
    symmetries: tuple[str, ...] = ("orthogonal",),
    tol: float = 1e-8,
    soft_ratio: float = 1e-6,
    flat_energy: float = 1e-6,
    energy_tol: float = 1e-6,
    amplitudes: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.4, 2.0),
    max_soft: int = 8,
    max_steps: int = 5000,
    batch: int | None = None,
) -> EndStates:
    r"""The kind of the end state of each configuration: ``minimum``, ``plateau``, ``saddle`` or ``unconverged``.

    Every configuration (float32 or float64) is quenched in float64 (scoped ``jax.enable_x64``; never a global
    switch) by :func:`quench_info` to the float64 resolution of its energy (gradient tolerance 1e-11, so the end
    state does not depend on how, or in which float width, the configuration was quenched before). Then, with the
    Riemannian Hessian's eigenvalues lam_1 <= lam_2 <= ... off the symmetry modes (:func:`reduced_spectrum`) and
    its largest eigenvalue lam_max:

    - ``unconverged``: |grad E| >= ``tol`` at the end of the quench;
    - ``saddle``: a clearly negative eigenvalue, lam_1 < -``soft_ratio`` lam_max;
    - ``plateau``: soft modes, |lam_k| <= ``soft_ratio`` lam_max, along which the energy can decrease: some
      displacement Exp_X(a v_k) along a soft eigenvector (largest row move a in ``amplitudes`` radians, both signs)
      that raises E by at most ``flat_energy`` (checked at a / 2 and a) and whose quench ends more than
      ``energy_tol`` below E(X). The barrier out of a plateau is thus below ``flat_energy``: for the dynamics at
      beta up to 1 / flat_energy (1e6 by default) it is no barrier at all. The probes of a configuration are
      quenched in order (softest mode first, growing amplitude) and stop at the first batch in which one leads
      lower;
    - ``minimum``: otherwise (strictly positive off the symmetry modes, or soft modes that lead nowhere lower).

    The thresholds are relative to the stiffest mode (soft_ratio, scale-free) and absolute in energy
    (flat_energy, energy_tol: thermal energies 1 / beta are absolute). On the circle landscapes of this package the
    gaps are wide: the InfoNCE cluster states at tau = 0.05 have soft eigenvalues 1e-10 - 5e-7 against lam_max
    ~ 10 - 20 (ratio < 5e-8), their minima and the optima ratios above 1e-3.

    Args:
      energy: X (n, d) -> scalar; it must evaluate in float64 when given float64 input (true of the energies here).
      x: (B, n, d) configurations, unit rows.
      symmetries: continuous symmetries whose zero modes are removed (see :func:`symmetry_projector`).
      tol: convergence tolerance on |grad E| of the float64 end state.
      soft_ratio, flat_energy, energy_tol, amplitudes: the plateau test above.
      max_soft: at most this many soft modes (the softest) are probed.
      max_steps: iteration cap of each float64 quench.
      batch: configurations per compiled call (the batch is padded to a multiple: one compilation). A vmapped
        quench iterates until its slowest configuration stops, and each iteration decomposes every configuration's
        N x N Hessian (N = n (d - 1)); so the default (None) shrinks the batch as N grows (:func:`batch_size`):
        64 up to N = 24, 1 from N = 96 on, where one decomposition outweighs the per-call overhead.

    Returns:
      :class:`EndStates` (numpy, float64).

    Examples:
      >>> import jax
      >>> from langevin_sphere import energies, sphere
      >>> x = sphere.uniform(jax.random.key(0), (4, 6, 3))      # M = 3 pairs in R^3: the only minimum is the triangle
      >>> classify(energies.InfoNCE(tau=0.2), x, batch=4).kind.tolist()
      ['minimum', 'minimum', 'minimum', 'minimum']
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 3 or x.shape[-1] < 2:
        raise ValueError(f"classify: expects configurations of shape (B, n, d) with d >= 2, got shape {x.shape}")
    n_conf, n, d = x.shape
    batch = batch_size(n * (d - 1)) if batch is None else batch
    if not (tol > 0 and soft_ratio > 0 and flat_energy > 0 and energy_tol > 0 and batch >= 1 and amplitudes):
        raise ValueError("classify: needs tol, soft_ratio, flat_energy, energy_tol > 0, batch >= 1 and amplitudes, "
                         f"got {tol=}, {soft_ratio=}, {flat_energy=}, {energy_tol=}, {batch=}, {amplitudes=}")
    x = x / np.linalg.norm(x, axis=-1, keepdims=True)  # float32 rows are unit only to 1e-7
    with jax.enable_x64(True):
        q = quench_many(energy, x, tol=1e-11, max_steps=max_steps, batch=batch)
        spec = [jax.tree.map(np.asarray, _spectrum_batch(energy, jnp.asarray(part), tuple(symmetries)))
                for part in batches(q.x, batch)]
        lam, vec = (np.concatenate(a)[:n_conf] for a in zip(*spec))

        lam_max = np.max(np.where(np.isfinite(lam), lam, -np.inf), axis=1)
        lam_max = np.where(np.isfinite(lam_max), lam_max, 0.0)
        soft_level = soft_ratio * np.abs(lam_max)
        converged = np.isfinite(q.energy) & (q.grad_norm < tol)
        saddle = converged & (lam[:, 0] < -soft_level)
        soft = np.isfinite(lam) & (np.abs(lam) <= soft_level[:, None])  # (B, N)
        n_soft = soft.sum(axis=1)

        # plateau test: displacements along the softest modes, cheap enough in energy, then quenched
        probes, owner, e_ref = [], [], []
        for i in np.flatnonzero(converged & ~saddle & (n_soft > 0)):
            for k in np.flatnonzero(soft[i])[:max_soft]:
                v = vec[i, k] / np.max(np.linalg.norm(vec[i, k], axis=-1))
                for a in amplitudes:
                    for sign in (1.0, -1.0):
                        probes += [_exp64(q.x[i], s * sign * a * v) for s in (0.5, 1.0)]
                        owner.append(i)
                        e_ref.append(q.energy[i])
        leads_to = np.full(n_conf, np.nan)
        if owner:
            probes = np.stack(probes).reshape(len(owner), 2, n, d)
            e_probe = np.concatenate([np.asarray(_energy_batch(energy, jnp.asarray(p)))
                                      for p in batches(probes.reshape(-1, n, d), 2 * batch)])
            e_probe = e_probe[: 2 * len(owner)].reshape(len(owner), 2)
            cheap = np.all(e_probe - np.asarray(e_ref)[:, None] <= flat_energy, axis=1)
            owner, todo = np.asarray(owner)[cheap], probes[cheap, 1]
            while owner.size:  # in order; a configuration found to lead lower needs no further probe
                ends = quench_many(energy, todo[:batch], tol=1e-11, max_steps=max_steps, batch=batch).energy
                for i, e_end in zip(owner[:batch], ends):
                    if np.isfinite(e_end) and e_end < q.energy[i] - energy_tol:
                        leads_to[i] = np.fmin(leads_to[i], e_end)
                left = ~np.isfinite(leads_to[owner[batch:]])
                owner, todo = owner[batch:][left], todo[batch:][left]

    kind = np.full(n_conf, "minimum", dtype=object)
    kind[np.isfinite(leads_to)] = "plateau"
    kind[saddle] = "saddle"
    kind[~converged] = "unconverged"
    head = np.full((n_conf, 4), np.nan)
    k = min(4, lam.shape[1])
    head[:, :k] = np.where(np.isfinite(lam[:, :k]), lam[:, :k], np.nan)
    return EndStates(x=q.x, energy=np.asarray(q.energy, np.float64), grad_norm=np.asarray(q.grad_norm, np.float64),
                     kind=kind.astype(str), hessian_head=head, hessian_max=lam_max, n_soft=n_soft, leads_to=leads_to)


@eqx.filter_jit
def _spectrum_batch(energy, x, symmetries):
    return jax.vmap(lambda y: reduced_spectrum(energy, y, symmetries))(x)


@eqx.filter_jit
def _energy_batch(energy, x):
    return jax.vmap(energy)(x)


def _exp64(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Exp_x(v) row by row in numpy float64 (host side: the probes of :func:`classify`)."""
    r = np.linalg.norm(v, axis=-1, keepdims=True)
    y = np.cos(r) * x + np.sinc(r / np.pi) * v
    return y / np.linalg.norm(y, axis=-1, keepdims=True)


def batch_size(n_hessian: int) -> int:
    """Configurations per vmapped quench (:func:`quench_many`) for an N x N Hessian: 64 (24 / N)^3, from 1 to 64.

    One iteration of a vmapped batch costs the per-call overhead plus B eigendecompositions (~N^3), and the batch
    runs until its slowest configuration stops: batching pays only while the overhead dominates (small N). On
    S^5 with M = 18 (N = 180), 61 of 64 quenched starts stop after 1 iteration and 3 after 881-1687; as one batch
    of 64 that is 1687 x 64 decompositions (~390 s), one by one 13 s."""
    return int(np.clip(64 * (24 / max(n_hessian, 1)) ** 3, 1, 64))


def batches(x: np.ndarray, size: int):
    """Slices of ``size`` along axis 0, the last one padded by repeating its first row (a fixed compiled shape)."""
    for start in range(0, len(x), size):
        part = x[start:start + size]
        if len(part) < size:
            part = np.concatenate([part, np.repeat(part[:1], size - len(part), axis=0)])
        yield part
