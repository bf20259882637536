"""Quenches: the local minimum of the gradient-flow basin of a configuration.

A quench is the zero-temperature limit of the dynamics: it follows the gradient flow dX/dt = -grad E(X) from a
configuration to the local minimum at the end of it, the "inherent structure" of the configuration (Stillinger &
Weber 1982). That is how trapped chains are told from converged ones, so a quench must stay in the basin it starts
in: an optimiser that jumps across a barrier (a line search that overshoots, a quasi-Newton step through a ridge)
reports the global minimum from starts that are really trapped.

This module computes quenches only: no dynamics in time, no schedules, no classification of the end state.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from ..core import energies, sphere
from .hessian import EnergyFn, batch_size, batches, hessian_vector_product, riemannian_hessian, tangent_basis
from .krylov import lanczos

DENSE_MAX_N = 96
"""Largest N = n (d - 1) that ``method="auto"`` quenches with the dense Hessian: above it the Krylov quench is the
cheaper (measured on 2 CPU cores, see :func:`quench_info`)."""

__all__ = ["DENSE_MAX_N", "QuenchInfo", "quench_info", "descend", "quench", "quench_many"]


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


def _cap_step(step, h: Array, max_angle: float, h_min: float) -> Array:
    """Halve the flow time h until no row of the step ``step(h)`` (n, d) moves more than ``max_angle`` radians."""

    def too_long(h):
        s = step(h)
        return (jnp.max(jnp.sum(s * s, axis=-1)) > max_angle**2) & (h > h_min)

    return jax.lax.while_loop(too_long, lambda h: 0.5 * h, h)


_H_MAX, _H_MIN = 1e8, 1e-20  # the quench's flow-time bounds: h grows to at most 1e8, and it stops below 1e-20


def _flow(energy, x, model, propose, tol, max_steps, accuracy) -> QuenchInfo:
    """The iteration shared by the dense and the Krylov quench of :func:`quench_info`.

    ``model(x, g, k)`` is the local model at x (a tuple whose last entry says "stuck at a saddle"), rebuilt at every
    accepted point; ``propose(x, g, model, h)`` returns (h, s, g_pred, m, sane): the capped flow time, the step
    (n, d), the model's gradient g + H s at its end, the model decrease and any check of its own. A step is accepted
    when ``sane`` and :func:`_step_ok` hold (h x 4), rejected otherwise (h / 4). The loop starts from zeros shaped
    like the model (``jax.eval_shape``) and a first iteration that takes no step and builds the model at the start
    point, so that the model is compiled once, not twice; that iteration is not counted in n_steps."""
    x = sphere.normalize(x)  # rows unit to the working precision (a float32 state cast to float64 is not)
    dtype = x.dtype

    def cond(state):
        x, e, g, gn, mod, h, k, fresh = state
        return fresh | (((gn >= tol) | mod[-1]) & (k < max_steps) & (h > _H_MIN))

    def body(state):
        x, e, g, gn, mod, h, k, fresh = state
        h, s, g_pred, m, sane = propose(x, g, mod, h)
        x_new = jnp.where(fresh, x, sphere.exp(x, s))
        e_new, g_new = energies.value_and_grad(energy, x_new)
        g_back = _transport_back(x, s, g_new)
        ok = fresh | (sane & _step_ok(e, e_new, g, g_new, g_back, g_pred, s, m, accuracy))

        def accept(_):
            h_next = jnp.where(fresh, h, jnp.minimum(4.0 * h, _H_MAX))
            return x_new, e_new, g_new, _norm(g_new), model(x_new, g_new, k), h_next

        def reject(_):
            return x, e, g, gn, mod, 0.25 * h

        return (*jax.lax.cond(ok, accept, reject, None), k + (~fresh).astype(k.dtype), jnp.asarray(False))

    zero = jnp.zeros((), dtype)
    mod0 = jax.tree.map(lambda a: jnp.zeros(a.shape, a.dtype), jax.eval_shape(model, x, x, 0))
    init = (x, zero, jnp.zeros_like(x), zero, mod0, jnp.asarray(_H_MAX, dtype), jnp.asarray(0), jnp.asarray(True))
    x, e, _, gn, *_, k, _ = jax.lax.while_loop(cond, body, init)
    return QuenchInfo(x, e, gn, k)


def _transport_back(x: Array, s: Array, g_new: Array) -> Array:
    """The gradient g_new at Exp_x(s) transported back to x along each row's geodesic: its component along the end
    velocity e' = -sin(theta) x + cos(theta) e (e = s / theta) becomes a component along e; the rest is unchanged."""
    theta = jnp.sqrt(jnp.sum(s * s, axis=-1, keepdims=True))
    e_dir = s / jnp.where(theta > 0, theta, 1.0)
    e_end = -jnp.sin(theta) * x + jnp.cos(theta) * e_dir
    return g_new + jnp.sum(g_new * e_end, axis=-1, keepdims=True) * (e_dir - e_end)


def _step_ok(e, e_new, g, g_new, g_back, g_pred, s, m, accuracy) -> Array:
    """The local-error and descent checks of :func:`quench_info` for a step s with model decrease m and model
    gradient g_pred = g + H s at its end (g_back: the gradient there, transported back)."""
    eps = jnp.finfo(e.dtype).eps
    err = _norm(g_back - g_pred)
    speed = jnp.maximum(_norm(g), _norm(g_pred))
    de_direct = e_new - e
    de_trap = 0.5 * jnp.sum((g + g_back) * s)
    resolved = -m > 256.0 * eps * (1.0 + jnp.abs(e))
    descent = jnp.where(resolved, de_direct, de_trap) <= 0.5 * m
    return jnp.isfinite(e_new) & jnp.all(jnp.isfinite(g_new)) & (err <= accuracy * speed) & descent


def quench_info(
    energy: EnergyFn,
    x: Float[Array, "n d"],
    *,
    tol: float = 1e-5,
    max_steps: int = 1000,
    max_angle: float = 0.05,
    accuracy: float = 0.25,
    method: str = "auto",
    krylov_dim: int = 32,
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
    eigendecomposition: O(N^3), out of reach beyond N ~ 10^3.

    Matrix-free (``method="krylov"``; ``"auto"`` chooses it for N > :data:`DENSE_MAX_N`): the eigendecomposition
    of H is replaced by that of its projection T = V^T H V onto the Krylov space span{g, H g, ..., H^{m-1} g}
    (m = ``krylov_dim`` Lanczos steps with full reorthogonalisation, :func:`~langevin_sphere.landscape.krylov.lanczos`,
    from Hessian-vector products only), s(h) = -|g| V phi(T, h) e_1: the standard Krylov approximation of phi(h H) g
    (Hochbruck & Lubich 1997). It is exact when the Krylov space is invariant and for small h, and for large h it is
    the Newton-Krylov (conjugate-gradient) step. The model prediction g + H s is exact through the Lanczos relation
    H V = V T + beta_m q e_m^T, so every check above (row move, local error, descent) is applied unchanged: the
    Krylov step is accepted only where it follows the flow, which is what keeps the quench in its basin. Saddles: at
    |g| < tol a Lanczos run from a random tangent field (2m steps) gives a Ritz value at the bottom of the spectrum;
    a Ritz value is an upper bound of the lowest eigenvalue, so one below -sqrt(eps) max|theta| is a true unstable
    direction, and g is raised along its Ritz vector to tol as above. Cost per accepted step: m + 1 products (about
    3 gradients each) and O(m^2 n d); memory O(m n d). Measured on the validation landscape below with m = 8 of the
    N = 16 dimensions: the same end energy as the dense quench for 255 of the 256 starts, and the trapped starts
    of the float64 flow (``tests/test_landscape.py``) trapped alike; on (S^15)^48 (N = 720, tau = 0.1 and 0.2, 16
    starts each) the same end energy for every start, 5.6x faster on 2 CPU cores. The dense and Krylov quenches cost
    the same near N = 96 (8 starts vmapped, 2 CPU cores: 1.4 s and 1.3 s; at N = 384, 16.8 s and 4.3 s).

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
      method: ``"dense"`` (eigendecomposition of the N x N Hessian), ``"krylov"`` (matrix-free, see above) or
        ``"auto"`` (dense up to N = :data:`DENSE_MAX_N`).
      krylov_dim: Lanczos steps m of the Krylov step (at most N).

    Returns:
      A :class:`QuenchInfo` (x, energy, grad_norm, n_steps).

    References:
      Stillinger & Weber, *Hidden structure in liquids*, Phys. Rev. A 25, 978 (1982) (inherent structures).
      Hochbruck & Ostermann, *Exponential integrators*, Acta Numerica 19, 209 (2010) (exponential Euler).
      Absil, Mahony & Sepulchre, *Optimization Algorithms on Matrix Manifolds* (2008), ch. 5-6 (Riemannian Newton).
      Hager & Zhang, *A new conjugate gradient method with guaranteed descent and an efficient line search*,
      SIAM J. Optim. 16, 170 (2005) (approximate Wolfe conditions).
      Hochbruck & Lubich, *On Krylov subspace approximations to the matrix exponential operator*, SIAM J. Numer.
      Anal. 34, 1911 (1997).

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
    if method not in ("auto", "dense", "krylov") or krylov_dim < 2:
        raise ValueError(
            f"quench: method must be 'auto', 'dense' or 'krylov' and krylov_dim >= 2, got {method=}, {krylov_dim=}"
        )
    if method == "krylov" or (method == "auto" and x.shape[0] * (x.shape[1] - 1) > DENSE_MAX_N):
        return _quench_info_krylov(energy, x, tol, max_steps, max_angle, accuracy, krylov_dim)
    return _quench_info(energy, x, tol, max_steps, max_angle, accuracy)


@eqx.filter_jit  # one compilation per (energy, shape, settings) also when called outside jit; inlined inside one
def _quench_info(energy, x, tol, max_steps, max_angle, accuracy) -> QuenchInfo:
    dtype = x.dtype
    eps = jnp.finfo(dtype).eps

    def to_ambient(b, c):  # (n, d, d-1), (N,) -> (n, d)
        return jnp.einsum("nda,na->nd", b, c.reshape(b.shape[0], -1))

    def model(x, g, k):  # k: the iteration (used by the Krylov model only)
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

    def propose(x, g, mod, h):
        b, lam, vecs, gc, stuck = mod
        h = _cap_step(lambda h: step_of(b, lam, vecs, gc, h), h, max_angle, _H_MIN)
        phi = _phi(lam, h)
        s = step_of(b, lam, vecs, gc, h)  # (n, d)
        # the checks use the true gradient g, not the kicked gc the step was made with: s = V sc in the eigenbasis
        g_true = vecs.T @ jnp.einsum("nda,nd->na", b, g).reshape(-1)  # (N,)
        sc = -phi * gc
        g_pred = to_ambient(b, vecs @ (g_true + lam * sc))  # g + H s: the model's gradient at the step's end
        m = jnp.sum(g_true * sc + 0.5 * lam * sc**2)  # model decrease g.s + s.H s / 2 (< 0)
        return h, s, g_pred, m, jnp.asarray(True)

    return _flow(energy, x, model, propose, tol, max_steps, accuracy)


@eqx.filter_jit
def _quench_info_krylov(energy, x, tol, max_steps, max_angle, accuracy, dim) -> QuenchInfo:
    """:func:`quench_info` with the Hessian eigendecomposition replaced by its Lanczos projection (method "krylov")."""
    dtype = x.dtype
    eps = jnp.finfo(dtype).eps
    m = min(dim, x.shape[0] * (x.shape[1] - 1))

    def lowest_mode(x, hvp, k):  # a Ritz pair at the bottom of the spectrum, from a random tangent start
        v0 = sphere.project(x, jax.random.normal(jax.random.fold_in(jax.random.key(0), k), x.shape, dtype))
        lz = lanczos(hvp, v0, min(2 * m, x.shape[0] * (x.shape[1] - 1)))
        theta, u = jnp.linalg.eigh(lz.tridiagonal())
        return theta[0], jnp.einsum("j,j...->...", u[:, 0], lz.basis[:-1]), jnp.max(jnp.abs(theta))

    def model(x, g, k):
        """At x: the Krylov basis of the (saddle-kicked) gradient, T's eigenpairs, and 'is a saddle'."""
        hvp = hessian_vector_product(energy, x)
        gn = _norm(g)

        def kicked(_):  # at |g| < tol: is there a clearly negative curvature? then raise g along it (see quench_info)
            lam_low, u, scale = lowest_mode(x, hvp, k)
            stuck = lam_low < -jnp.sqrt(eps) * scale
            c = jnp.sum(u * g)
            g_kick = g + jnp.where(stuck, jnp.where(c >= 0, 1.0, -1.0) * jnp.maximum(tol - jnp.abs(c), 0.0), 0.0) * u
            return g_kick, stuck

        g_eff, stuck = jax.lax.cond(gn < tol, kicked, lambda _: (g, jnp.asarray(False)), None)
        lz = lanczos(hvp, g_eff, m)
        theta, s_t = jnp.linalg.eigh(lz.tridiagonal())  # (m,), (m, m)
        return lz, theta, s_t, _norm(g_eff), stuck

    def coefficients(theta, s_t, gk, h):  # the exact time-h flow of the projected model, in the Krylov basis (m,)
        return -gk * (s_t @ (_phi(theta, h) * s_t[0]))

    def ambient(lz, y):  # (m,) -> (n, d)
        return jnp.einsum("j,j...->...", y, lz.basis[:-1])

    def propose(x, g, mod, h):
        lz, theta, s_t, gk, stuck = mod
        h = _cap_step(lambda h: ambient(lz, coefficients(theta, s_t, gk, h)), h, max_angle, _H_MIN)
        y = coefficients(theta, s_t, gk, h)
        s = ambient(lz, y)
        # H s = V T y + beta_m q y_m exactly (the Lanczos relation): the model needs no further product
        hs = ambient(lz, s_t @ (theta * (s_t.T @ y))) + lz.residual * y[-1] * lz.basis[-1]
        m_dec = jnp.sum(g * s) + 0.5 * jnp.sum(s * hs)  # model decrease with the true gradient
        return h, s, g + hs, m_dec, m_dec < 0

    return _flow(energy, x, model, propose, tol, max_steps, accuracy)


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
        raise ValueError(
            f"descend: needs x of shape (n, d), n_steps >= 0 and max_angle > 0, got shape {x.shape}, "
            f"{n_steps=}, {max_angle=}"
        )

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
    method: str = "auto",
) -> QuenchInfo:
    """:func:`quench_info` of B configurations, in the float width of ``x`` (float64 needs ``jax.enable_x64``);
    numpy in, numpy out. With ``descent_steps`` > 0, that many steps of :func:`descend` come first (all
    configurations at once: a fixed number of steps), so that the quench, whose every iteration decomposes the
    n (d - 1) Hessian, starts next to a minimum.

    ``method`` is that of :func:`quench_info`. The quench runs in batches of ``batch`` configurations (default
    :func:`batch_size`): a vmapped quench iterates
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
    parts = [
        jax.tree.map(np.asarray, _quench_batch(energy, jnp.asarray(part), tol, max_steps, method))
        for part in batches(x, size)
    ]
    return jax.tree.map(lambda *a: np.concatenate(a)[: len(x)], *parts)


@eqx.filter_jit
def _descend_batch(energy, x, n_steps):
    return jax.vmap(lambda y: descend(energy, y, n_steps))(x)


@eqx.filter_jit
def _quench_batch(energy, x, tol, max_steps, method):
    one = lambda y: quench_info(energy, y, tol=tol, max_steps=max_steps, method=method)  # noqa: E731
    if x.shape[0] == 1:  # unbatched: the saddle test of the Krylov quench then runs only where |g| < tol
        return jax.tree.map(lambda a: a[None], one(x[0]))
    return jax.vmap(one)(x)
