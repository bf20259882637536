"""Energy barriers on (S^{d-1})^n: minimum-energy paths between minima, their saddles, and the critical depth.

- :func:`minimum_energy_path`: the simplified string method (E, Ren & Vanden-Eijnden 2007) on the product of spheres,
  with a climbing image on the highest point of the converged string to locate the saddle exactly.
- :func:`align` (from :mod:`langevin_sphere.symmetries`): the symmetric copy of a configuration of M pairs nearest to
another (O(d) by orthogonal
  Procrustes, pair relabelling by assignment, U <-> V), so that a path joins the two nearest copies of two minima.
- :func:`depths` / :func:`critical_depth`: the graph of minima joined by minimum-energy paths (a disconnectivity
  analysis; all pairs, or each minimum with its nearest ones, :func:`neighbour_pairs`), each non-global minimum's
  depth (the lowest saddle over paths to a lower minimum, minus its energy) and c* = the largest depth: the constant
  of the logarithmic schedule beta(t) = log(t) / c below which annealing freezes (Hajek 1988).

This module computes paths and numbers; it runs no Langevin dynamics and draws nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int

from ..core import energies, sphere
from .symmetries import align, aligned

__all__ = [
    "MinimumEnergyPath",
    "minimum_energy_path",
    "geodesic_path",
    "reparametrise",
    "align",
    "aligned",
    "depths",
    "neighbour_pairs",
    "critical_depth",
]

EnergyFn = Callable[[Float[Array, "n d"]], Float[Array, ""]]


class MinimumEnergyPath(NamedTuple):
    """Result of :func:`minimum_energy_path` (a pytree of arrays).

    Attributes:
      images: (K, n, d) the converged string, equally spaced in geodesic arc length; images[0], images[-1] the ends.
      energies: (K,) energy of every image.
      saddle_energy: () energy of the saddle: of the climbing image when it converged (|grad| < ``saddle_tol``),
        otherwise the highest energy on the piecewise-geodesic path (the images refined 16x around the maximum).
      saddle: (n, d) the saddle configuration (the climbing image, or the highest refined point).
      saddle_grad_norm: () Riemannian gradient norm at ``saddle`` (the climbing image's convergence).
      arc_length: (K,) cumulative geodesic arc length of the images (product metric), 0 at images[0].
      residual: () the string's last velocity, max over images of |change| / (step size): < tol iff converged.
      end_grad_norm: (2,) Riemannian gradient norms at the two ends (small when they are minima).
      n_steps: () string iterations taken.
      converged: () string converged (residual < tol) and the climbing image converged.
    """

    images: Float[Array, "K n d"]
    energies: Float[Array, " K"]
    saddle_energy: Float[Array, ""]
    saddle: Float[Array, "n d"]
    saddle_grad_norm: Float[Array, ""]
    arc_length: Float[Array, " K"]
    residual: Float[Array, ""]
    end_grad_norm: Float[Array, " 2"]
    n_steps: Int[Array, ""]
    converged: Bool[Array, ""]


def _dot(x: Array, y: Array) -> Array:
    return jnp.sum(x * y, axis=-1, keepdims=True)


def _log(x: Float[Array, "... d"], y: Float[Array, "... d"]) -> Float[Array, "... d"]:
    """Log_x(y) row by row, also at y = x (0) and y = -x (then a fixed direction orthogonal to x: any is a geodesic).

    Never differentiated (the string method moves images by gradient steps of the energy, not of the path).
    """
    w = y - _dot(x, y) * x  # tangent at x, |w| = sin(theta)
    wn = jnp.sqrt(_dot(w, w))
    theta = sphere.distance(x, y)[..., None]
    # fallback direction for (nearly) antipodal rows: the coordinate axis least aligned with x, projected
    axis = jax.nn.one_hot(jnp.argmin(jnp.abs(x), axis=-1), x.shape[-1], dtype=x.dtype)
    perp = sphere.normalize(sphere.project(x, axis))
    direction = jnp.where(wn > 1e-12, w / jnp.where(wn > 1e-12, wn, 1.0), perp)
    return jnp.where(theta < 1e-3, w * (1.0 + theta**2 / 6.0), theta * direction)


def _segment_lengths(images: Float[Array, "K n d"]) -> tuple[Float[Array, "K-1 n d"], Float[Array, " K-1"]]:
    seg = _log(images[:-1], images[1:])  # (K-1, n, d): the geodesic from image k to image k+1, row by row
    return seg, jnp.sqrt(jnp.sum(seg**2, axis=(-2, -1)))


def reparametrise(images: Float[Array, "K n d"]) -> tuple[Float[Array, "K n d"], Float[Array, " K"]]:
    """Images equally spaced in arc length along the piecewise-geodesic path through ``images``; ends kept.

    The path between consecutive images is the geodesic of the product (S^{d-1})^n (every row on its great circle, at
    the same fraction), whose length is sqrt(sum_rows dist^2). Returns (new images (K, n, d), their cumulative arc
    length (K,)).
    """
    k_img = images.shape[0]
    seg, length = _segment_lengths(images)
    cum = jnp.concatenate([jnp.zeros((1,), images.dtype), jnp.cumsum(length)])  # (K,)
    target = jnp.linspace(0.0, 1.0, k_img, dtype=images.dtype) * cum[-1]
    k = jnp.clip(jnp.searchsorted(cum, target, side="right") - 1, 0, k_img - 2)
    frac = jnp.clip((target - cum[k]) / jnp.maximum(length[k], jnp.finfo(images.dtype).tiny), 0.0, 1.0)
    new = sphere.exp(images[k], frac[:, None, None] * seg[k])
    new = new.at[0].set(images[0]).at[-1].set(images[-1])
    return new, target


def geodesic_path(x_a: Float[Array, "n d"], x_b: Float[Array, "n d"], n_images: int) -> Float[Array, "K n d"]:
    """``n_images`` points equally spaced on the product geodesic from ``x_a`` to ``x_b`` (the string's start)."""
    seg = _log(x_a, x_b)
    frac = jnp.linspace(0.0, 1.0, n_images, dtype=x_a.dtype)
    path = jax.vmap(lambda f: sphere.exp(x_a, f * seg))(frac)
    return path.at[0].set(x_a).at[-1].set(x_b)


def _capped(g: Float[Array, "n d"], dt, max_angle) -> Float[Array, ""]:
    """Step size min(dt, max_angle / max_row |g|): no row moves more than ``max_angle`` radians."""
    gmax = jnp.sqrt(jnp.max(jnp.sum(g * g, axis=-1)))
    return jnp.minimum(dt, max_angle / jnp.maximum(gmax, 1e-30))


def minimum_energy_path(
    energy: EnergyFn,
    X_a: Float[Array, "n d"],
    X_b: Float[Array, "n d"],
    n_images: int = 32,
    *,
    step: float = 1e-2,
    max_angle: float = 0.02,
    tol: float = 1e-4,
    max_steps: int = 20_000,
    saddle_tol: float = 1e-4,
    saddle_steps: int = 20_000,
    initial: Float[Array, "K n d"] | None = None,
) -> MinimumEnergyPath:
    r"""Minimum-energy path from ``X_a`` to ``X_b`` by the simplified string method, and its saddle.

    The string is K images joined by geodesics of (S^{d-1})^n, started on the product geodesic from X_a to X_b (or at
    ``initial``). One iteration moves every interior image down the Riemannian gradient and then redistributes the
    images at equal geodesic arc length along the piecewise-geodesic path through them:

    .. math::
        \phi_k \leftarrow \mathrm{Exp}_{\phi_k}\big(-\Delta t_k\, \mathrm{grad}\,E(\phi_k)\big),\qquad
        \phi \leftarrow \text{reparametrise}(\phi)\ \ (\text{equal arc length}),

    with Delta t_k = min(``step``, ``max_angle`` / max_row |grad E(phi_k)|) (no row moves more than ``max_angle``
    radians per iteration). The tangential part of the gradient step is undone by the reparametrisation, so the fixed
    points are strings along which grad E is parallel to the path: minimum-energy paths. The ends stay fixed (pass
    minima, e.g. from :func:`langevin_sphere.landscape.quench`). Converged when no image moves faster than ``tol``
    (max over images of |change| / Delta t_k, in the product metric: the residual force perpendicular to the path).

    The saddle: from the highest interior image, a climbing image follows
    x <- Exp_x(-Delta t (g - 2 (g . t) t)), with t the path's unit tangent there (from its neighbours, projected on
    the tangent space at x): descent in every direction but t, ascent along t, so it converges to the index-1 saddle
    on the path (Henkelman, Uberuaga & Jonsson 2000; E & Zhou's climbing string). It stops at |grad E| <
    ``saddle_tol``; if it does not converge the saddle energy is the maximum of the path refined 16x between the
    images around the highest one (an underestimate by O(spacing^2)).

    A path that crosses an intermediate minimum has several maxima; the saddle reported is the highest, which is the
    barrier of the path. Rows that are antipodal in X_a and X_b are joined along a fixed perpendicular direction.

    Args:
      energy: X (n, d) -> scalar (Riemannian gradient by :func:`langevin_sphere.energies.value_and_grad`).
      X_a, X_b: (n, d) the two ends, unit rows; minima for a minimum-energy path.
      n_images: K >= 3, images including the ends.
      step: gradient-step size Delta t (in units of flow time); keep step * (largest Hessian eigenvalue) < 2.
      max_angle: largest geodesic move of a row in one iteration, radians.
      tol: convergence tolerance on the string's velocity (energy per radian, as a gradient norm).
      max_steps: iteration cap of the string.
      saddle_tol: convergence tolerance of the climbing image on |grad E|.
      saddle_steps: iteration cap of the climbing image.
      initial: (K, n, d) starting string instead of the geodesic (it is reparametrised first).

    Returns:
      A :class:`MinimumEnergyPath`.

    References:
      W. E, W. Ren, E. Vanden-Eijnden, *Simplified and improved string method for computing the minimum energy paths
      in barrier-crossing events*, J. Chem. Phys. 126, 164103 (2007).
      G. Henkelman, B. P. Uberuaga, H. Jonsson, *A climbing image nudged elastic band method for finding saddle points
      and minimum energy paths*, J. Chem. Phys. 113, 9901 (2000).

    Examples:
      >>> import jax.numpy as jnp
      >>> two_well = lambda x: -(x[0, 0] ** 2 - x[0, 1] ** 2)         # -cos(2 theta) on the circle: barrier 2
      >>> path = minimum_energy_path(two_well, jnp.array([[1.0, 0.0]]), jnp.array([[-1.0, 0.0]]), n_images=16)
      >>> path.images.shape, round(float(path.saddle_energy), 4), bool(path.converged)
      ((16, 1, 2), 1.0, True)
    """
    X_a, X_b = jnp.asarray(X_a), jnp.asarray(X_b)
    if X_a.ndim != 2 or X_a.shape != X_b.shape or X_a.shape[-1] < 2:
        raise ValueError(
            f"minimum_energy_path: X_a and X_b must be configurations of the same shape (n, d), d >= 2, "
            f"got {X_a.shape} and {X_b.shape}"
        )
    if not (isinstance(n_images, int) and n_images >= 3):
        raise ValueError(f"minimum_energy_path: n_images must be an integer >= 3, got {n_images=}")
    if not (step > 0 and max_angle > 0 and tol > 0 and saddle_tol > 0):
        raise ValueError(
            f"minimum_energy_path: needs step, max_angle, tol, saddle_tol > 0, got {step=}, "
            f"{max_angle=}, {tol=}, {saddle_tol=}"
        )
    if initial is None:
        initial = geodesic_path(X_a, X_b, n_images)
    else:
        initial = jnp.asarray(initial, X_a.dtype)
        if initial.shape != (n_images, *X_a.shape):
            raise ValueError(
                f"minimum_energy_path: initial must have shape {(n_images, *X_a.shape)}, got {initial.shape}"
            )
    return _string(energy, initial, step, max_angle, tol, max_steps, saddle_tol, saddle_steps)


@eqx.filter_jit
def _string(energy, images, step, max_angle, tol, max_steps, saddle_tol, saddle_steps) -> MinimumEnergyPath:
    dtype = images.dtype
    k_img = images.shape[0]
    interior = (jnp.arange(k_img) > 0) & (jnp.arange(k_img) < k_img - 1)
    vg = jax.vmap(lambda x: energies.value_and_grad(energy, x))

    def iterate(images):
        _, g = vg(images)  # (K,), (K, n, d)
        dt = jax.vmap(_capped, in_axes=(0, None, None))(g, step, max_angle)  # (K,)
        moved = jax.vmap(sphere.exp)(images, -dt[:, None, None] * g)
        moved = jnp.where(interior[:, None, None], moved, images)
        new, _ = reparametrise(moved)
        change = jnp.sqrt(jnp.sum(sphere.distance(new, images) ** 2, axis=-1))  # (K,)
        return new, jnp.max(jnp.where(interior, change / dt, 0.0))

    def cond(state):
        _, res, k = state
        return (res >= tol) & (k < max_steps)

    def body(state):
        images, _, k = state
        images, res = iterate(images)
        return images, res, k + 1

    images, _ = reparametrise(images)
    images, residual, n_steps = jax.lax.while_loop(cond, body, (images, jnp.asarray(jnp.inf, dtype), jnp.asarray(0)))
    e, g = vg(images)
    _, arc = reparametrise(images)
    end_gn = jnp.sqrt(jnp.sum(g[jnp.array([0, k_img - 1])] ** 2, axis=(-2, -1)))

    # climbing image from the highest interior image, with the path tangent there
    top = jnp.argmax(jnp.where(interior, e, -jnp.inf))
    x0 = images[top]
    tangent = _log(x0, images[top + 1]) - _log(x0, images[top - 1])
    tangent = tangent / jnp.sqrt(jnp.sum(tangent**2))

    def climb_cond(state):
        _, gn, k = state
        return (gn >= saddle_tol) & (k < saddle_steps)

    def climb_body(state):
        x, _, k = state
        _, g = energies.value_and_grad(energy, x)
        t = sphere.project(x, tangent)
        t = t / jnp.sqrt(jnp.sum(t**2))
        f = g - 2.0 * jnp.sum(g * t) * t
        x = sphere.exp(x, -_capped(f, step, max_angle) * f)
        return x, jnp.sqrt(jnp.sum(g**2)), k + 1

    _, g0 = energies.value_and_grad(energy, x0)
    x_s, _, _ = jax.lax.while_loop(climb_cond, climb_body, (x0, jnp.sqrt(jnp.sum(g0**2)), jnp.asarray(0)))
    e_s, g_s = energies.value_and_grad(energy, x_s)
    gn_s = jnp.sqrt(jnp.sum(g_s**2))
    climbed = (gn_s < saddle_tol) & jnp.isfinite(e_s)

    # fallback: the maximum of the path refined 16x on the two segments around the highest image
    frac = jnp.linspace(0.0, 1.0, 17, dtype=dtype)
    lo = jnp.clip(top - 1, 0, k_img - 2)
    starts = images[jnp.stack([lo, lo + 1])]
    ends = images[jnp.stack([lo + 1, lo + 2])]
    fine = jax.vmap(lambda a, b: jax.vmap(lambda f: sphere.exp(a, f * _log(a, b)))(frac))(starts, ends)
    fine = fine.reshape(-1, *x0.shape)
    e_fine = jax.vmap(energy)(fine)
    i_fine = jnp.argmax(e_fine)
    saddle_energy = jnp.where(climbed, e_s, e_fine[i_fine])
    saddle = jnp.where(climbed, x_s, fine[i_fine])
    return MinimumEnergyPath(
        images=images,
        energies=e,
        saddle_energy=saddle_energy,
        saddle=saddle,
        saddle_grad_norm=gn_s,
        arc_length=arc,
        residual=residual,
        end_grad_norm=end_gn,
        n_steps=n_steps,
        converged=(residual < tol) & climbed,
    )


def depths(minimum_energy, saddle_energy, *, energy_tol: float = 1e-4) -> np.ndarray:
    """Depth of every minimum from the saddle energies between minima: a bottleneck (minimax) analysis of the graph.

    depth(i) = min over paths in the graph from i to a minimum lower than E_i (by more than ``energy_tol``) of the
    highest saddle on the path, minus E_i. Computed like Kruskal's algorithm: edges are added by increasing saddle
    energy, and a minimum's depth is fixed by the first edge that joins it to a component holding a lower minimum.

    Args:
      minimum_energy: (K,) energies of the minima.
      saddle_energy: (K, K) symmetric, the saddle between i and j (inf or NaN: no path known).
      energy_tol: minima within this of the lowest are global (depth NaN).

    Returns:
      (K,) depths; NaN for the global minima, inf for a minimum with no known path to a lower one.

    Examples:
      >>> e = np.array([0.0, 1.0, 0.5])
      >>> s = np.array([[np.nan, 3.0, 2.0], [3.0, np.nan, 1.5], [2.0, 1.5, np.nan]])
      >>> depths(e, s).tolist()      # 1 reaches 2 over 1.5 (depth 0.5), 2 reaches 0 over 2.0 (depth 1.5)
      [nan, 0.5, 1.5]
    """
    e = np.asarray(minimum_energy, np.float64)
    s = np.asarray(saddle_energy, np.float64)
    k = len(e)
    if s.shape != (k, k):
        raise ValueError(f"depths: saddle_energy must have shape {(k, k)}, got {s.shape}")
    out = np.full(k, np.inf)
    out[e <= e.min() + energy_tol] = np.nan
    parent = list(range(k))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    edges = sorted((s[i, j], i, j) for i, j in itertools.combinations(range(k), 2) if np.isfinite(s[i, j]))
    for level, i, j in edges:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        members = [m for m in range(k) if find(m) in (ri, rj)]
        low = {r: min(e[m] for m in range(k) if find(m) == r) for r in (ri, rj)}
        for m in members:
            other = rj if find(m) == ri else ri
            if np.isinf(out[m]) and low[other] < e[m] - energy_tol:
                out[m] = max(level, e[m]) - e[m]
        parent[ri] = rj
    return out


def neighbour_pairs(
    minima: Float[Array, "K n d"],
    minimum_energy,
    k: int,
    *,
    symmetries: tuple[str, ...] = ("orthogonal", "pairs", "swap"),
    energy_tol: float = 1e-4,
) -> list[tuple[int, int]]:
    """The pairs (i < j) of a sparse graph of minima: each minimum with its ``k`` nearest minima and its nearest
    lower one (lower by more than ``energy_tol``), nearest in the Euclidean distance of R^{n x d} between a minimum
    and the aligned copy of the other (:func:`aligned`).

    Joining only these pairs by strings, instead of all K (K - 1) / 2, is how disconnectivity graphs of large
    landscapes are built (Wales 2003, ch. 4: connections are searched between minima close in configuration space).
    Every non-global minimum has an edge to a lower one, so every depth of :func:`depths` is finite; a barrier over
    a path through a pair that was not joined is not seen, so the depths are upper bounds of the all-pairs ones.

    Examples:
      >>> import numpy as np
      >>> x = np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[-1.0, 0.0]]])    # three minima on the circle, n = 1
      >>> neighbour_pairs(x, np.array([0.0, 1.0, 2.0]), 1, symmetries=())
      [(0, 1), (1, 2)]
    """
    x = np.asarray(minima, np.float64)
    e = np.asarray(minimum_energy, np.float64)
    n_min = len(x)
    dist = np.full((n_min, n_min), np.inf)
    for i, j in itertools.combinations(range(n_min), 2):
        dist[i, j] = dist[j, i] = float(np.linalg.norm(np.asarray(aligned(x[i], x[j], symmetries)) - x[i]))
    pairs = set()
    for i in range(n_min):
        order = [j for j in np.argsort(dist[i], kind="stable") if j != i]
        chosen = order[:k]
        lower = [j for j in order if e[j] < e[i] - energy_tol]
        if lower and lower[0] not in chosen:
            chosen.append(lower[0])
        pairs.update((min(i, int(j)), max(i, int(j))) for j in chosen)
    return sorted(pairs)


def critical_depth(
    energy: EnergyFn,
    minima: Float[Array, "K n d"],
    *,
    symmetries: tuple[str, ...] = ("orthogonal", "pairs", "swap"),
    n_images: int = 32,
    energy_tol: float = 1e-4,
    pairs=None,
    log=None,
    **path_kwargs,
) -> dict:
    """Critical depth c* of a landscape from a set of its distinct minima, by minimum-energy paths between all pairs
    (or the given ``pairs``).

    For every pair i < j, minimum j is first moved to its symmetric copy nearest to minimum i (:func:`align`), then
    joined to it by :func:`minimum_energy_path`; the saddle energy of the pair is the path's saddle (at least
    max(E_i, E_j)). :func:`depths` then gives each non-global minimum's depth and c* = max depth (Hajek 1988: the
    logarithmic schedule beta(t) = log(t) / c converges to the global minima iff c >= c*).

    Only the nearest symmetric copies are joined, and only by the path the string relaxes to from the geodesic
    between them: the saddles are upper bounds of the true lowest saddles, so the depths and c* are upper bounds too
    (exact on landscapes with one path between neighbouring minima, as on the circle).

    Args:
      energy: X (n, d) -> scalar.
      minima: (K, n, d) distinct minima (e.g. one representative per :func:`langevin_sphere.landscape.basin_labels`).
      symmetries: the symmetries of ``energy`` that :func:`align` may use: "orthogonal" (O(d)), "pairs" (relabelling
        of the M pairs, with "orthogonal"), "swap" (U <-> V, with "pairs"); ``()`` for an energy without symmetries
        (the minima are joined as given).
      n_images: images per string.
      energy_tol: minima within this of the lowest are global.
      pairs: the pairs (i, j), i < j, to join (e.g. :func:`neighbour_pairs`); all pairs by default. Saddles of
        pairs not joined are unknown (NaN): the depths then bound the all-pairs ones from above.
      log: optional callable for one line of progress per path.
      **path_kwargs: passed to :func:`minimum_energy_path` (step, max_angle, tol, ...).

    Returns:
      A dict of numpy arrays and numbers: ``energy`` (K,), ``saddle`` (K, K) (NaN on the diagonal), ``converged``
      (K, K) bool, ``residual`` (K, K), ``depth`` (K,) (NaN for the global minima), ``c_star``, ``deepest`` (the
      index of the minimum of depth c*), ``paths`` {(i, j): MinimumEnergyPath}.

    References:
      B. Hajek, *Cooling schedules for optimal annealing*, Math. Oper. Res. 13, 311 (1988).
      D. J. Wales, *Energy Landscapes*, Cambridge University Press (2003), ch. 4 (disconnectivity graphs).
    """
    minima = jnp.asarray(minima)
    k = minima.shape[0]
    e_min = np.asarray(jax.vmap(energy)(minima), np.float64)
    saddle = np.full((k, k), np.nan)
    converged = np.zeros((k, k), bool)
    residual = np.full((k, k), np.nan)
    paths = {}
    unknown = set(symmetries) - {"orthogonal", "pairs", "swap"}
    if unknown or (("pairs" in symmetries or "swap" in symmetries) and "orthogonal" not in symmetries):
        raise ValueError(
            f"critical_depth: symmetries must be a subset of ('orthogonal', 'pairs', 'swap') that holds "
            f"'orthogonal' when it holds another, got {symmetries=}"
        )
    for i, j in itertools.combinations(range(k), 2) if pairs is None else pairs:
        path = minimum_energy_path(
            energy, minima[i], aligned(minima[i], minima[j], symmetries), n_images, **path_kwargs
        )
        s = max(float(path.saddle_energy), float(np.max(np.asarray(path.energies))), e_min[i], e_min[j])
        saddle[i, j] = saddle[j, i] = s
        converged[i, j] = converged[j, i] = bool(path.converged)
        residual[i, j] = residual[j, i] = float(path.residual)
        paths[(i, j)] = path
        if log is not None:
            log(
                f"path {i}-{j}: E_i={e_min[i]:.6f} E_j={e_min[j]:.6f} saddle={s:.6f} converged={bool(path.converged)} "
                f"residual={float(path.residual):.2e} saddle|g|={float(path.saddle_grad_norm):.2e} "
                f"steps={int(path.n_steps)}"
            )
    dep = depths(e_min, saddle, energy_tol=energy_tol)
    finite = np.where(np.isnan(dep), -np.inf, dep)
    deepest = int(np.argmax(finite)) if np.any(~np.isnan(dep)) else -1  # -1: every minimum is global
    c_star = float(finite[deepest]) if deepest >= 0 else 0.0
    return {
        "energy": e_min,
        "saddle": saddle,
        "converged": converged,
        "residual": residual,
        "depth": dep,
        "c_star": c_star,
        "deepest": deepest,
        "paths": paths,
    }
