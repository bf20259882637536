"""Matrix-free spectrum of the Riemannian Hessian off the symmetry modes, for configurations too large to decompose.

:func:`~langevin_sphere.landscape.hessian.reduced_spectrum` forms the dense N x N Hessian (N = n (d - 1)) and the
N x G matrix of the so(d) generators: O(N^2) memory and O(N^3) time, out of reach beyond N ~ 10^4. Here the same
operator is applied to tangent fields only (:func:`~langevin_sphere.landscape.hessian.hessian_vector_product`), the
orbit directions are removed in closed form (:func:`orbit_projection`, O(n d^2 + d^3)), and the few lowest
eigenpairs come from LOBPCG (Knyazev 2001; ``jax.experimental.sparse.linalg.lobpcg_standard``) on a shifted
operator. Memory O(N k) for k wanted eigenpairs; no N x N array, host or device.

This module computes spectra only: the classification that reads them is ``classification``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.experimental.sparse.linalg import lobpcg_standard
from jaxtyping import Array, Float, PRNGKeyArray

from ..core import sphere
from .hessian import EnergyFn, hessian_vector_product

__all__ = ["LowSpectrum", "Lanczos", "lanczos", "orbit_projection", "lowest_eigenpairs"]


def orbit_projection(x: Float[Array, "n d"], v: Float[Array, "n d"]) -> Float[Array, "n d"]:
    r"""Orthogonal projection of a tangent field V at X onto the tangent space of X's O(d) orbit, {X A : A in so(d)}.

    The nearest X A to V (Frobenius norm) solves the normal equations G A + A G = X^T V - V^T X with G = X^T X. In
    the eigenbasis G = Q diag(lam) Q^T, with C = Q^T X^T V Q, they decouple:

    .. math:: \tilde A_{kl} = \frac{C_{kl} - C_{lk}}{\lambda_k + \lambda_l}, \qquad P V = X Q \tilde A Q^T .

    The generator X Q (e_k e_l^T - e_l e_k^T) Q^T has norm sqrt(lam_k + lam_l), and the generators of distinct pairs
    are orthogonal: pairs with sqrt(lam_k + lam_l) at most 1e-6 of the largest are dropped, the rank rule of
    :func:`~langevin_sphere.landscape.hessian.symmetry_projector` (rows spanning fewer than d - 1 dimensions are
    fixed by some rotations). Cost O(n d^2 + d^3), memory O(n d + d^2): no N x G generator matrix.

    Examples:
      >>> import jax, jax.numpy as jnp
      >>> from langevin_sphere import sphere
      >>> x = sphere.uniform(jax.random.key(0), (5, 3))
      >>> a = jnp.array([[0.0, 1.0, -2.0], [-1.0, 0.0, 0.5], [2.0, -0.5, 0.0]])    # in so(3)
      >>> bool(jnp.allclose(orbit_projection(x, x @ a), x @ a, atol=1e-5))        # an orbit direction stays
      True
    """
    lam, q = jnp.linalg.eigh(x.T @ x)  # (d,), (d, d)
    c = q.T @ (x.T @ v) @ q  # (d, d)
    pair = lam[:, None] + lam[None, :]  # lam_k + lam_l, (d, d)
    off = ~jnp.eye(x.shape[1], dtype=bool)
    norm = jnp.sqrt(jnp.maximum(pair, 0.0))
    keep = off & (norm > 1e-6 * jnp.max(jnp.where(off, norm, 0.0)))
    a = jnp.where(keep, (c - c.T) / jnp.where(keep, pair, 1.0), 0.0)  # antisymmetric, (d, d)
    return x @ (q @ a @ q.T)


class Lanczos(NamedTuple):
    """Result of :func:`lanczos`: an orthonormal Krylov basis and the operator's matrix in it.

    With V = ``basis[:m]`` (rows flattened), T = tridiag(``beta``, ``alpha``, ``beta``) and q = ``basis[m]``:
    A V^T = V^T T + beta_m q e_m^T, where beta_m = ``residual`` (so A acts exactly on the span of V and q).

    Attributes:
      basis: (m + 1, *shape) the Lanczos vectors v_1 ... v_m and the next one q (zero after a breakdown).
      alpha: (m,) diagonal of T.
      beta: (m - 1,) off-diagonal of T.
      residual: () beta_m, the norm of the part of A v_m off the basis.
    """

    basis: Array
    alpha: Array
    beta: Array
    residual: Array

    def tridiagonal(self) -> Array:
        """T (m, m)."""
        return jnp.diag(self.alpha) + jnp.diag(self.beta, 1) + jnp.diag(self.beta, -1)


def lanczos(matvec: Callable[[Array], Array], v0: Array, m: int) -> Lanczos:
    r"""m steps of the Lanczos process for a symmetric operator A from v0, with full reorthogonalisation.

    v_1 = v0 / |v0|; w = A v_j is orthogonalised against every earlier vector twice (classical Gram-Schmidt, twice is
    enough in floating point: Giraud et al. 2005), alpha_j = v_j . A v_j, beta_j = |w|, v_{j+1} = w / beta_j. When
    the Krylov space is exhausted (|w| <= sqrt(eps) |A v_j|: A v_j lies in the span so far to rounding), the later
    vectors are zero and T decouples into the exact restriction of A and a zero block that no start touches.
    Memory (m + 1) |v|; m products. Jit-compatible (a ``fori_loop``).

    Reference: Saad, *Numerical Methods for Large Eigenvalue Problems* (2011), sec. 6.6.

    Examples:
      >>> import jax.numpy as jnp
      >>> a = jnp.diag(jnp.arange(1.0, 7.0))
      >>> lz = lanczos(lambda v: a @ v, jnp.ones(6), 6)
      >>> bool(jnp.allclose(jnp.linalg.eigvalsh(lz.tridiagonal()), jnp.arange(1.0, 7.0), atol=1e-4))
      True
    """
    shape, dtype = v0.shape, v0.dtype
    eps = jnp.finfo(dtype).eps
    v0 = v0.reshape(-1)
    norm0 = jnp.sqrt(jnp.sum(v0 * v0))
    basis = (
        jnp.zeros((m + 1, v0.size), dtype).at[0].set(jnp.where(norm0 > 0, v0 / jnp.where(norm0 > 0, norm0, 1.0), 0.0))
    )

    def body(j, carry):
        basis, alpha, beta = carry
        v = basis[j]
        w = matvec(v.reshape(shape)).reshape(-1)
        a = jnp.sum(v * w)
        size = jnp.sqrt(jnp.sum(w * w))
        w = w - basis.T @ (basis @ w)  # rows after j are zero
        w = w - basis.T @ (basis @ w)
        b = jnp.sqrt(jnp.sum(w * w))
        ok = b > jnp.sqrt(eps) * size
        basis = basis.at[j + 1].set(jnp.where(ok, w / jnp.where(ok, b, 1.0), 0.0))
        return basis, alpha.at[j].set(a), beta.at[j].set(jnp.where(ok, b, 0.0))

    zeros = jnp.zeros(m, dtype)
    basis, alpha, beta = jax.lax.fori_loop(0, m, body, (basis, zeros, zeros))
    return Lanczos(basis.reshape(m + 1, *shape), alpha, beta[:-1], beta[-1])


class LowSpectrum(NamedTuple):
    """Result of :func:`lowest_eigenpairs`.

    Attributes:
      lam: (k,) the k lowest eigenvalues of the Riemannian Hessian off the symmetry modes, increasing.
      vec: (k, n, d) their eigenvectors as ambient tangent fields, unit norm over the configuration.
      lam_max: () its largest eigenvalue.
      residual: (k,) |Hess v - lam v| of each pair (their accuracy: compare with lam_max).
    """

    lam: Array
    vec: Array
    lam_max: Array
    residual: Array


def lowest_eigenpairs(
    energy: EnergyFn,
    x: Float[Array, "n d"],
    k: int,
    key: PRNGKeyArray,
    *,
    symmetries: tuple[str, ...] = ("orthogonal",),
    guard: int = 4,
    max_iter: int = 10_000,
) -> LowSpectrum:
    r"""The k lowest eigenpairs and the largest eigenvalue of the Riemannian Hessian at X off the symmetry modes,
    from Hessian-vector products only.

    The operator acts on ambient fields (n d numbers): with Pc V = P_X V minus its orbit part
    (:func:`orbit_projection`, when ``"orthogonal"`` is in ``symmetries``),

    .. math:: A V = P_c\,\mathrm{Hess}\,E(X)[P_c V] + s\,(V - P_c V),

    so the directions off the reduced tangent space (normal to the spheres, or along the orbit) are eigenvectors of
    eigenvalue s. First lam_max, the top Ritz value of 64 Lanczos steps on A with s = 0 (an extreme eigenvalue
    converges first; a Ritz value is a lower bound); then LOBPCG finds the k lowest, as the top of sigma I - A with
    sigma = s = 1.1 lam_max + 1e-30 (the removed directions at 0, the reduced eigenvalues at sigma - lam > 0). A
    block of k + ``guard`` vectors converges clustered and near-zero eigenvalues together.
    LOBPCG's default tolerance is the float resolution of the dtype; an eigenvalue near zero is accurate absolutely,
    to about that resolution times lam_max (so is a dense ``eigh``). The soft eigenvalues sit at the top of
    sigma I - A with relative gaps ~1e-6, where LOBPCG converges slowly: at the KCL (tau = 0.05) states of the
    stored catalogues, 500 iterations left residuals of 1e-7 - 1e-6 lam_max (too coarse to tell a soft eigenvalue
    from a stiff one), 3000 reached 1e-13, and a 15-fold soft cluster in a block of 5 needed 10^4. LOBPCG stops
    as soon as every pair has converged, so the cap ``max_iter`` costs time only where it is needed.

    Jit-compatible; memory O(N (k + guard + 64)) with N = n d; about (k + guard) products per LOBPCG iteration,
    each about three gradients. It needs 5 (k + guard) < n d.

    Args:
      energy: X (n, d) -> scalar.
      x: (n, d) configuration, unit rows.
      k: number of lowest eigenpairs.
      key: PRNG key of the random start block.
      symmetries: as in :func:`~langevin_sphere.landscape.hessian.reduced_spectrum`.
      guard: extra vectors of the block.
      max_iter: LOBPCG's iteration cap (see above).

    Returns:
      :class:`LowSpectrum`.

    Reference: A. V. Knyazev, SIAM J. Sci. Comput. 23, 517 (2001).
    """
    n, d = x.shape
    size = n * d
    block = k + guard
    if 5 * block >= size:
        raise ValueError(f"lowest_eigenpairs: needs 5 (k + guard) < n d = {size}, got k={k}, guard={guard}")
    hvp = hessian_vector_product(energy, x)
    orbit = "orthogonal" in symmetries

    def reduce(v):  # (n, d) -> its part in the reduced tangent space
        t = sphere.project(x, v)
        return t - orbit_projection(x, t) if orbit else t

    def apply(shift, sign, offset):  # the block operator V (N, b) -> offset V + sign A V with A's shift s
        def one(col):
            v = col.reshape(n, d)
            r = reduce(v)
            av = reduce(hvp(r)) + shift * (v - r)
            return (offset * v + sign * av).reshape(-1)

        return jax.vmap(one, in_axes=1, out_axes=1)

    k_top, k_low = jax.random.split(key)
    top = lanczos(
        lambda v: reduce(hvp(reduce(v))), reduce(jax.random.normal(k_top, (n, d), x.dtype)), min(64, size // 2)
    )
    lam_max = jnp.max(jnp.linalg.eigvalsh(top.tridiagonal()))
    sigma = 1.1 * jnp.abs(lam_max) + 1e-30
    theta, u, _ = lobpcg_standard(
        apply(sigma, -1.0, sigma), jax.random.normal(k_low, (size, block), x.dtype), m=max_iter
    )
    lam = (sigma - theta)[:k]  # increasing: theta is decreasing
    vec = jnp.moveaxis(u[:, :k], 1, 0).reshape(k, n, d)
    vec = vec / jnp.sqrt(jnp.sum(vec**2, axis=(1, 2), keepdims=True))

    def residual(v, lam_i):
        r = reduce(v)
        return jnp.sqrt(jnp.sum((reduce(hvp(r)) - lam_i * v) ** 2))

    return LowSpectrum(lam=lam, vec=vec, lam_max=lam_max, residual=jax.vmap(residual)(vec, lam))
