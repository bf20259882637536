"""Gaussian noise for the Langevin step: a counter-based stream, cheap enough for the hot path.

One step of B chains needs B x n x (d-1) standard normal numbers; with JAX's default ``jax.random.normal`` drawing
them costs more than the energy and its gradient (on CPU). This module draws the same kind of numbers faster:

- **bits**: the Threefry-2x32 block cipher with 20 rounds (Salmon et al. 2011), the generator behind JAX's default
  PRNG, evaluated directly on the counters 0, 1, 2, ... under the words of the step's key, as plain uint32 array
  arithmetic that XLA fuses and vectorises. :func:`threefry2x32` is bit-identical to
  ``jax.extend.random.threefry_2x32``; on CPU it is ~8x faster per number than ``jax.random.normal`` (bench.py).
- **normals**: a uniform on the open interval (-1, 1) from the top 23 bits, mapped by sqrt(2) erfinv (the same
  transformation as ``jax.random.normal``).
- **tangent normals**: only d - 1 numbers per row, mapped onto the tangent space T_x S^{d-1} by a Householder
  reflection (an isometry of R^d that sends e_1 to -s x, s = sign x_1), instead of projecting d numbers.

A chain's stream depends only on its key, never on the batch around it: the simulator derives the key of chain b at
step k as ``fold_in(fold_in(key, b), k)``. Keys of other PRNG implementations (``rbg``, ``unsafe_rbg``) and float64
fall back to ``jax.random.normal``.

Reference: J. K. Salmon, M. A. Moraes, R. O. Dror, D. E. Shaw, *Parallel random numbers: as easy as 1, 2, 3*, SC11
(2011), doi:10.1145/2063384.2063405.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray, UInt32

__all__ = ["threefry2x32", "fold_in", "normal", "tangent_normal", "householder"]

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA  # Threefish key-schedule constant


def _rotl(x: Array, r: int) -> Array:
    return (x << jnp.uint32(r)) | (x >> jnp.uint32(32 - r))


def _rounds(x0: Array, x1: Array, rotations: tuple[int, ...]) -> tuple[Array, Array]:
    for r in rotations:
        x0 = x0 + x1
        x1 = _rotl(x1, r) ^ x0
    return x0, x1


def threefry2x32(
    key: UInt32[Array, 2], x0: UInt32[Array, "*shape"], x1: UInt32[Array, "*shape"]
) -> tuple[UInt32[Array, "*shape"], UInt32[Array, "*shape"]]:
    """Threefry-2x32-20 of the counter pairs (x0, x1) under ``key`` (two uint32 words); two uint32 words out.

    Examples:
      >>> import jax.numpy as jnp
      >>> y0, y1 = threefry2x32(jnp.array([3, 7], jnp.uint32), jnp.uint32(5), jnp.uint32(9))
      >>> int(y0), int(y1)
      (2824471258, 1758984953)
    """
    k0, k1 = key[0], key[1]
    schedule = (k0, k1, k0 ^ k1 ^ jnp.uint32(_PARITY))
    x0, x1 = x0 + k0, x1 + k1
    for i in range(5):  # 5 x 4 rounds, a key injection after each four
        x0, x1 = _rounds(x0, x1, _ROTATIONS[i % 2])
        x0, x1 = x0 + schedule[(i + 1) % 3], x1 + schedule[(i + 2) % 3] + jnp.uint32(i + 1)
    return x0, x1


def fold_in(keys: PRNGKeyArray, data) -> PRNGKeyArray:
    """``jax.random.fold_in(key, data)`` for every key of a batch, bit for bit, without JAX's per-key dispatch.

    For threefry keys fold_in is Threefry(key, (0, data)); other key types go through ``jax.random.fold_in``.

    Examples:
      >>> import jax
      >>> keys = jax.random.split(jax.random.key(0), 3)
      >>> bool((jax.random.key_data(fold_in(keys, 7)) ==
      ...       jax.random.key_data(jax.vmap(jax.random.fold_in, in_axes=(0, None))(keys, 7))).all())
      True
    """
    words = jax.random.key_data(keys)
    if words.shape[-1:] != (2,) or jax.random.key_impl(keys) != jax.random.key_impl(jax.random.key(0)):
        if jnp.ndim(keys) == 0:  # one key (a chain's, in the kernel)
            return jax.random.fold_in(keys, data)
        return jax.vmap(jax.random.fold_in, in_axes=(0, None))(keys, data)
    data = jnp.broadcast_to(jnp.asarray(data).astype(jnp.uint32), words.shape[:-1])
    y0, y1 = threefry2x32(jnp.moveaxis(words, -1, 0), jnp.zeros_like(data), data)
    return jax.random.wrap_key_data(jnp.stack([y0, y1], axis=-1), impl=jax.random.key_impl(keys))


def _fast(key: PRNGKeyArray, dtype) -> bool:
    return (
        jnp.dtype(dtype) == jnp.float32
        and jax.random.key_data(key).shape == (2,)
        and jax.random.key_impl(key) == jax.random.key_impl(jax.random.key(0))
    )


def normal(key: PRNGKeyArray, shape: tuple[int, ...], dtype=jnp.float32) -> Float[Array, "*shape"]:
    """Standard normal numbers of the given shape from a single (threefry) key.

    With h = ceil(size / 2) cipher blocks Threefry(key, (0, m)), m < h: the first h numbers of the flattened array
    come from the blocks' first words, the rest from their second words (each word is turned into a normal before
    the halves are joined, so that XLA evaluates each cipher block once). Not the same numbers as
    ``jax.random.normal(key, shape)``, but the same distribution and the same generator.
    """
    if not _fast(key, dtype):
        return jax.random.normal(key, shape, dtype)
    size = math.prod(shape)
    counters = jnp.arange((size + 1) // 2, dtype=jnp.uint32)
    y0, y1 = threefry2x32(jax.random.key_data(key), jnp.zeros_like(counters), counters)
    return jnp.concatenate([_to_normal(y0), _to_normal(y1)])[:size].reshape(shape)


def _to_normal(bits: UInt32[Array, "*shape"]) -> Float[Array, "*shape"]:
    # 23 random bits -> the midpoints of 2^23 equal cells of (-1, 1): never +-1, symmetric about 0
    u = (bits >> jnp.uint32(9)).astype(jnp.float32) * jnp.float32(2.0**-22) - jnp.float32(1.0 - 2.0**-23)
    return jnp.float32(math.sqrt(2.0)) * jax.lax.erf_inv(u)


def tangent_normal(key: PRNGKeyArray, x: Float[Array, "... d"]) -> Float[Array, "... d"]:
    r"""Standard Gaussian in the tangent space at every row of x: covariance P_x = I - x x^T.

    Draws eta ~ N(0, I_{d-1}) per row and returns H (0, eta), with H = I - 2 w w^T / |w|^2, w = x + s e_1,
    s = sign(x_1) (+1 at 0): H is orthogonal, H e_1 = -s x, so H maps R^{d-1} = e_1^perp isometrically onto x^perp.
    With w . (0, eta) = x_{2:} . eta and |w|^2 = 2 (1 + |x_1|) >= 2 this is

    .. math::  H(0, \eta) = (0, \eta) - \frac{x_{2:}\cdot\eta}{1 + |x_1|}\, w .

    Examples:
      >>> import jax, jax.numpy as jnp
      >>> x = jnp.array([[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
      >>> xi = tangent_normal(jax.random.key(0), x)
      >>> bool(jnp.all(jnp.abs(jnp.sum(xi * x, -1)) < 1e-6))
      True
    """
    return householder(x, normal(key, x.shape[:-1] + (x.shape[-1] - 1,), x.dtype))


def householder(x: Float[Array, "... d"], eta: Float[Array, "... d-1"], axis: int = -1) -> Float[Array, "... d"]:
    """The isometry of :func:`tangent_normal`: eta in R^{d-1} -> H (0, eta) in the tangent space at x, per row.

    ``axis`` is the coordinate axis of ``x`` and ``eta`` (the last one by default; a chains-last layout
    (n, d, B) uses axis 1).
    """
    x1 = jax.lax.slice_in_dim(x, 0, 1, axis=axis)
    rest = jax.lax.slice_in_dim(x, 1, None, axis=axis)
    s = jnp.where(x1 < 0, -1.0, 1.0).astype(x.dtype)
    w = jnp.concatenate([x1 + s, rest], axis=axis)
    coef = jnp.sum(rest * eta, axis=axis, keepdims=True) / (1.0 + jnp.abs(x1))
    return jnp.concatenate([jnp.zeros_like(x1), eta], axis=axis) - coef * w
