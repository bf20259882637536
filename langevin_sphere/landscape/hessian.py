"""Riemannian derivatives on (S^{d-1})^n: the gradient norm, a tangent basis, the dense Riemannian Hessian and its
spectrum off the symmetry modes.

Tangent coordinates: at X each row x has the orthonormal basis B_x (d, d-1) of its tangent space, so a tangent
vector of the whole configuration is a vector of N = n (d - 1) coordinates. The dense Hessian is N x N: fine up to
N ~ 10^3, the size of the configurations it is used for.

The dense Hessian is N x N: :func:`hessian_vector_product` applies the same operator to one tangent field without
forming it (one forward-mode derivative, O(N) memory), for configurations too large to decompose.

This module differentiates only: no quench, no classification.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..core import energies, sphere

__all__ = [
    "EnergyFn",
    "gradient_norm",
    "tangent_basis",
    "riemannian_hessian",
    "hessian_vector_product",
    "symmetry_projector",
    "reduced_spectrum",
    "batch_size",
    "batches",
]


EnergyFn = Callable[[Float[Array, "n d"]], Float[Array, ""]]


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


def hessian_vector_product(energy: EnergyFn, x: Float[Array, "n d"]) -> Callable[[Array], Array]:
    r"""The Riemannian Hessian of ``energy`` at X as a linear map on ambient tangent fields V (n, d) -> (n, d).

    Hess E(X)[V] = P_X(D grad E(X)[V]) (Absil et al. 2008, eq. 5.15), the operator of :func:`riemannian_hessian`
    (whose (i a, j b) entry is <B_ia, Hess E(X)[B_jb]>) applied to one field: one forward-mode derivative (JVP) of
    the Riemannian gradient field extended 0-homogeneously off the spheres, then the row-wise tangent projection.
    Cost: about three gradients per product, memory O(n d); no N x N array. The gradient field is linearised once at
    X (``jax.linearize``), so repeated products reuse the primal computation.

    Examples:
      >>> import jax, jax.numpy as jnp
      >>> from langevin_sphere import energies, sphere
      >>> e = energies.InfoNCE(tau=0.5)
      >>> x = sphere.uniform(jax.random.key(0), (6, 3))
      >>> @jax.jit
      ... def both(x):  # the field B_i0 on every row, as a field and in tangent coordinates
      ...     b = tangent_basis(x)
      ...     hv = hessian_vector_product(e, x)(b[:, :, 0])
      ...     c = jnp.zeros((6, 2)).at[:, 0].set(1.0).reshape(-1)
      ...     return jnp.einsum("nda,nd->na", b, hv).reshape(-1), riemannian_hessian(e, x, b) @ c
      >>> matrix_free, dense = both(x)
      >>> bool(jnp.allclose(matrix_free, dense, atol=1e-5))
      True
    """

    def rgrad(y):  # the Riemannian gradient field, extended 0-homogeneously off the spheres
        return energies.value_and_grad(energy, sphere.normalize(y))[1]

    _, lin = jax.linearize(rgrad, x)

    def product(v: Float[Array, "n d"]) -> Float[Array, "n d"]:
        return sphere.project(x, lin(v))

    return product


def symmetry_projector(
    x: Float[Array, "n d"], basis: Float[Array, "n d d-1"], symmetries: tuple[str, ...] = ("orthogonal",)
) -> Float[Array, "N N"]:
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
        part = x[start : start + size]
        if len(part) < size:
            part = np.concatenate([part, np.repeat(part[:1], size - len(part), axis=0)])
        yield part
