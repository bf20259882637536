"""The energy landscape: quenches (the nearest local minimum of a configuration).

A quench is the zero-temperature limit of the dynamics: it maps a configuration to the local minimum of its basin
(the "inherent structure" of Stillinger & Weber 1982), which is how trapped chains are told from converged ones.

Method: L-BFGS with a zoom line search (``optax.lbfgs``) on the 0-homogeneous extension f(Y) = E(Y / |Y|_rows) to
R^{n x d}; at unit rows its Euclidean gradient is the Riemannian gradient of E, and its minimisers are those of E.
The result is projected back onto the spheres. Gradient descent needs ~1e5 steps at small tau, where the landscape
is stiff and flat at once; the quasi-Newton quench converges in hundreds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float

from . import energies, sphere

__all__ = ["quench"]


def quench(
    energy,
    x: Float[Array, "n d"],
    *,
    tol: float = 1e-5,
    max_steps: int = 2000,
) -> tuple[Float[Array, "n d"], Float[Array, ""]]:
    """Descend from ``x`` to a local minimum of ``energy``: returns (X_min, E_min). Vmappable, jit-able.

    Stops when the Riemannian gradient norm (over the whole configuration) is below ``tol`` or after ``max_steps``
    L-BFGS iterations. Use :func:`quench_info`-style checks (``energies.value_and_grad``) on the result when the
    convergence itself matters.

    Args:
      energy: X (n, d) -> scalar.
      x: (n, d) configuration with unit rows.
      tol: tolerance on the Riemannian gradient norm.
      max_steps: iteration cap.

    References:
      Stillinger & Weber, *Hidden structure in liquids*, Phys. Rev. A 25, 978 (1982);
      Nocedal & Wright, *Numerical Optimization* (2006), ch. 7 (L-BFGS).
    """

    def f(y):
        return energy(sphere.normalize(y))

    opt = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(f)

    def cond(carry):
        y, state, k = carry
        g = optax.tree_utils.tree_get(state, "grad")
        # the extension's gradient at y is the Riemannian gradient at y/|y| divided by |y| (per row)
        gnorm = jnp.sqrt(jnp.sum((g * jnp.linalg.norm(y, axis=-1, keepdims=True)) ** 2))
        return (k == 0) | ((k < max_steps) & (gnorm >= tol))

    def body(carry):
        y, state, k = carry
        value, grad = value_and_grad(y, state=state)
        updates, state = opt.update(grad, state, y, value=value, grad=grad, value_fn=f)
        return optax.apply_updates(y, updates), state, k + 1

    y, _, _ = jax.lax.while_loop(cond, body, (x, opt.init(x), 0))
    x_min = sphere.normalize(y)
    return x_min, energy(x_min)


def gradient_norm(energy, x: Float[Array, "n d"]) -> Float[Array, ""]:
    """Norm of the Riemannian gradient of ``energy`` at X over the whole configuration (a convergence check)."""
    _, g = energies.value_and_grad(energy, x)
    return jnp.sqrt(jnp.sum(g**2))
