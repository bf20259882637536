"""Geometry of the unit sphere S^{d-1} and of products (S^{d-1})^n.

Every function acts on the last axis, so a configuration X of shape (n, d) is a point of (S^{d-1})^n and a
batch (B, n, d) is B such points. This module is geometry only: it knows nothing of energies, schedules or
time. `riemannian_value_and_grad` takes a scalar function as an argument but does not define one.

Formulas (x a unit vector, v a tangent vector at x, i.e. x . v = 0):

    P_x v      = v - (x . v) x                              tangent projection
    Exp_x(v)   = cos(|v|) x + sin(|v|) v / |v|              exponential map (geodesic of length |v|)
    Log_x(y)   = theta (y - cos(theta) x) / |y - cos(theta) x|,  theta = dist(x, y)
    Gamma_xy u = u - (y . u) / (1 + x . y) (x + y)          parallel transport of u in T_x to T_y along the geodesic
    dist(x, y) = 2 atan2(|x - y|, |x + y|)                  geodesic (great-circle) distance

Reference: P.-A. Absil, R. Mahony, R. Sepulchre, *Optimization Algorithms on Matrix Manifolds* (2008), sec. 3.6, 4.1,
5.4.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from . import noise

__all__ = [
    "uniform",
    "normalize",
    "project",
    "exp",
    "log",
    "transport",
    "distance",
    "tangent_normal",
    "riemannian_value_and_grad",
]

# Below this norm cos(r) and sin(r)/r are evaluated by their Taylor series (error < r^4/24 ~ 4e-18).
_SMALL = 1e-4


def _dot(x: Array, y: Array, axis: int = -1) -> Array:
    """Inner product over the coordinate axis, keeping it: (..., d), (..., d) -> (..., 1)."""
    return jnp.sum(x * y, axis=axis, keepdims=True)


def _norm(v: Array, axis: int = -1) -> Array:
    return jnp.sqrt(_dot(v, v, axis))


def _sinc(r: Array) -> Array:
    """sin(r) / r, smooth and NaN-free at r = 0 (also under differentiation)."""
    small = r < _SMALL
    r_safe = jnp.where(small, 1.0, r)
    return jnp.where(small, 1.0 - r * r / 6.0, jnp.sin(r_safe) / r_safe)


def normalize(x: Float[Array, "... d"], axis: int = -1) -> Float[Array, "... d"]:
    """Radial projection x / |x| onto the sphere (``axis``: the coordinate axis, the last one by default)."""
    return x / _norm(x, axis)


def uniform(key: PRNGKeyArray, shape: tuple[int, ...], dtype=None) -> Float[Array, "... d"]:
    """Independent uniform points on S^{d-1}, d = shape[-1].

    Uses that a standard Gaussian vector divided by its norm is uniform on the sphere (Muller 1959).

    Args:
      key: a JAX PRNG key.
      shape: ``(..., n, d)``; the last axis is the ambient dimension d >= 2.
      dtype: floating dtype (default: JAX's default float).

    Returns:
      An array of the given shape whose rows along the last axis have unit norm.

    Examples:
      >>> import jax, jax.numpy as jnp
      >>> x = uniform(jax.random.key(0), (4, 3))
      >>> bool(jnp.allclose(jnp.linalg.norm(x, axis=-1), 1.0))
      True
    """
    if len(shape) < 1 or shape[-1] < 2:
        raise ValueError(f"uniform: the last axis of shape is the dimension d and must be >= 2, got {shape=}")
    dtype = dtype or jnp.zeros(()).dtype
    return normalize(jax.random.normal(key, shape, dtype))


def project(x: Float[Array, "... d"], v: Float[Array, "... d"], axis: int = -1) -> Float[Array, "... d"]:
    """Tangent projection P_x v = v - (x . v) x, row by row (``axis``: the coordinate axis).

    Examples:
      >>> import jax.numpy as jnp
      >>> project(jnp.array([0.0, 0.0, 1.0]), jnp.array([1.0, 2.0, 3.0]))
      Array([1., 2., 0.], dtype=float32)
    """
    return v - _dot(x, v, axis) * x


def exp(x: Float[Array, "... d"], v: Float[Array, "... d"], axis: int = -1) -> Float[Array, "... d"]:
    """Exponential map Exp_x(v) = cos(|v|) x + sin(|v|) v / |v|, row by row (``axis``: the coordinate axis).

    ``v`` must be tangent at ``x`` (use :func:`project`). Exact for any |v| (the geodesic wraps around for |v| > pi),
    NaN-free at v = 0 (also its derivatives), and the result is renormalised so that float round-off never
    accumulates in the norm over long runs.

    Examples:
      >>> import jax.numpy as jnp
      >>> y = exp(jnp.array([1.0, 0.0]), jnp.array([0.0, jnp.pi / 2]))    # a quarter turn
      >>> bool(jnp.allclose(y, jnp.array([0.0, 1.0]), atol=1e-6))
      True
    """
    r2 = _dot(v, v, axis)
    if v.dtype == jnp.float32:
        cos_r, sinc_r = _cos_sinc_f32(r2)
    else:
        small = r2 < _SMALL * _SMALL
        r = jnp.sqrt(jnp.where(small, 1.0, r2))  # sqrt never evaluated (nor differentiated) at 0: no NaN in the grad
        cos_r = jnp.where(small, 1.0 - r2 / 2.0, jnp.cos(r))
        sinc_r = jnp.where(small, 1.0 - r2 / 6.0, jnp.sin(r) / r)
    return normalize(cos_r * x + sinc_r * v, axis)


# Taylor coefficients of cos(t) and sin(t)/t in t^2, highest first: degree 20 leaves < 1e-10 on |t| <= pi.
_COS = tuple((-1) ** k / math.factorial(2 * k) for k in range(10, -1, -1))
_SINC = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(10, -1, -1))


def _cos_sinc_f32(r2: Array) -> tuple[Array, Array]:
    """cos(r) and sin(r)/r from r^2 by polynomials in float32 (XLA's CPU sin/cos are ~5x slower than exp).

    For r <= pi both are polynomials in r^2 itself: no square root, smooth (and NaN-free under differentiation)
    at r = 0. Beyond, r is reduced modulo 2 pi. Error <= 5e-7 for r <= pi, 2e-6 at r = 30 (float32 round-off).
    """
    inside = r2 <= math.pi**2
    r = jnp.sqrt(jnp.maximum(r2, math.pi**2))
    t = r - 2 * math.pi * jnp.round(r / (2 * math.pi))  # in [-pi, pi]
    t2 = jnp.where(inside, r2, t * t)
    cos_t, sinc_t = jnp.zeros_like(t2), jnp.zeros_like(t2)
    for a, b in zip(_COS, _SINC):  # Horner
        cos_t, sinc_t = a + t2 * cos_t, b + t2 * sinc_t
    return cos_t, jnp.where(inside, sinc_t, sinc_t * t / r)


def distance(x: Float[Array, "... d"], y: Float[Array, "... d"]) -> Float[Array, ...]:
    """Geodesic distance 2 atan2(|x - y|, |x + y|) in [0, pi], accurate also for nearly equal or antipodal points."""
    return 2.0 * jnp.arctan2(_norm(x - y)[..., 0], _norm(x + y)[..., 0])


def log(x: Float[Array, "... d"], y: Float[Array, "... d"]) -> Float[Array, "... d"]:
    """Logarithmic map Log_x(y): the tangent vector at x with Exp_x(Log_x(y)) = y and |Log_x(y)| = dist(x, y).

    Defined for y != -x; at y = x it returns 0 without NaN.
    """
    w = project(x, y - x)  # = y - (x . y) x: tangent at x, of norm sin(theta)
    theta = distance(x, y)[..., None]
    return w / _sinc(theta)  # = theta * w / |w|, and 0 at y = x


def transport(x: Float[Array, "... d"], y: Float[Array, "... d"], u: Float[Array, "... d"]) -> Float[Array, "... d"]:
    """Parallel transport of u (tangent at x) to y along the minimising geodesic: u - (y . u) / (1 + x . y) (x + y).

    An isometry T_x -> T_y (defined for y != -x); the identity at y = x.

    Examples:
      >>> import jax.numpy as jnp
      >>> x, y = jnp.array([1.0, 0.0, 0.0]), jnp.array([0.0, 1.0, 0.0])
      >>> transport(x, y, jnp.array([0.0, 1.0, 0.0])).tolist(), transport(x, y, jnp.array([0.0, 0.0, 1.0])).tolist()
      ([-1.0, 0.0, 0.0], [0.0, 0.0, 1.0])
    """
    return u - _dot(y, u) / (1.0 + _dot(x, y)) * (x + y)


def tangent_normal(key: PRNGKeyArray, x: Float[Array, "... d"]) -> Float[Array, "... d"]:
    """Standard Gaussian in the tangent space at each row: covariance P_x, the identity on T_x S^{d-1}.

    So ``exp(x, sqrt(2 h / beta) * tangent_normal(key, x))`` is one step of Brownian motion with generator
    (1 / beta) * Laplace-Beltrami. Drawn by :func:`langevin_sphere.noise.tangent_normal` (d - 1 numbers per row).
    """
    return noise.tangent_normal(key, x)


def riemannian_value_and_grad(
    f: Callable[[Float[Array, "n d"]], Float[Array, ""]],
) -> Callable[[Float[Array, "n d"]], tuple[Float[Array, ""], Float[Array, "n d"]]]:
    """Wrap a scalar function of X (n, d) into X -> (f(X), grad f(X)) with the Riemannian gradient of (S^{d-1})^n.

    For the round metric induced by R^d the Riemannian gradient is the tangent projection of the Euclidean one,
    grad f(X) = P_X(nabla f(X)), row by row (Absil et al. 2008, eq. 3.37).
    """

    def value_and_grad(x):
        value, g = jax.value_and_grad(f)(x)
        return value, project(x, g)

    return value_and_grad
