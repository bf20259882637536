"""Energies on (S^{d-1})^n: contrastive losses as functions of a whole configuration, and test energies.

An energy is a callable ``X -> scalar`` with ``X`` of shape (n, d), one point of (S^{d-1})^n. For the contrastive
losses n = 2M: rows 0..M-1 are the anchors U and rows M..2M-1 their positives V (pair i = rows i and M + i).
The classes here are equinox Modules, so they carry their parameters through ``jit``/``vmap`` and print readably;
any plain Python callable with the same signature works in :func:`langevin_sphere.simulate` too.

This module defines energies and the Wang-Isola metrics only: no dynamics, no time, no schedules.
"""

from __future__ import annotations

import numbers

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from . import sphere

__all__ = [
    "Energy",
    "InfoNCE",
    "DHEL",
    "KCL",
    "SigLIP",
    "VonMisesFisher",
    "FrozenAnchors",
    "value_and_grad",
    "lanes_value_and_grad",
    "alignment",
    "uniformity",
    "REGISTRY",
]


def _check_positive(owner: str, name: str, value) -> None:
    """Fail early for a concrete non-positive or non-finite parameter (traced values are left alone)."""
    if isinstance(value, numbers.Real) and not (0 < float(value) < float("inf")):
        raise ValueError(f"{owner}: {name} must be a finite number > 0, got {name}={value!r}")


def _split_pairs(owner: str, x: Float[Array, "n d"]) -> tuple[Float[Array, "M d"], Float[Array, "M d"]]:
    if x.ndim != 2:
        raise ValueError(f"{owner}: expects one configuration X of shape (n, d), got shape {x.shape}")
    n = x.shape[0]
    if n % 2 or n < 4:
        raise ValueError(
            f"{owner}: X must hold n = 2M rows (M anchors, then their M positives) with M >= 2, got n={n} (shape "
            f"{x.shape})"
        )
    m = n // 2
    return x[:m], x[m:]


class Energy(eqx.Module):
    """Base class of the energies: ``energy(X) -> E(X)`` for X of shape (n, d)."""

    def __call__(self, x: Float[Array, "n d"]) -> Float[Array, ""]:
        raise NotImplementedError


class InfoNCE(Energy):
    r"""InfoNCE (CLIP / SimCLR-style) contrastive loss of a configuration of M positive pairs.

    With similarities S_ij = u_i . v_j / tau,

    .. math::
        L_{U\to V} = -\frac{1}{M}\sum_i \log \frac{e^{S_{ii}}}{\sum_j e^{S_{ij}}},\qquad
        L_{V\to U} = -\frac{1}{M}\sum_j \log \frac{e^{S_{jj}}}{\sum_i e^{S_{ij}}},

    and E = (L_{U->V} + L_{V->U}) / 2 when ``symmetric`` (else E = L_{U->V}). Log-softmax keeps it finite at small tau.
    For M <= d + 1 its global minimum is U = V = a regular simplex, E* = log(1 + (M-1) exp(-M / ((M-1) tau)))
    (see :func:`langevin_sphere.optima.simplex_energy`).

    Args:
      tau: loss temperature, > 0.
      symmetric: average of both directions (default) or the one-sided U -> V loss.

    References:
      van den Oord, Li & Vinyals, *Representation Learning with Contrastive Predictive Coding* (2018), arXiv:1807.03748.
      Radford et al., *Learning Transferable Visual Models From Natural Language Supervision* (2021), arXiv:2103.00020.

    Examples:
      >>> import jax.numpy as jnp
      >>> from langevin_sphere import optima
      >>> e = InfoNCE(tau=0.5)
      >>> simplex = jnp.array([[1.0, 0.0], [-1.0, 0.0]])    # M = 2 antipodal anchors, V = U
      >>> x = jnp.concatenate([simplex, simplex])
      >>> bool(jnp.isclose(e(x), optima.simplex_energy(2, 0.5)))
      True
    """

    tau: float | Array = 0.2
    symmetric: bool = eqx.field(default=True, static=True)

    def __check_init__(self):
        _check_positive("InfoNCE", "tau", self.tau)

    def __call__(self, x: Float[Array, "n d"]) -> Float[Array, ""]:
        u, v = _split_pairs("InfoNCE", x)
        s = (u @ v.T) / self.tau  # (M, M)
        diag = jnp.diagonal(s)
        eye = jnp.eye(s.shape[0], dtype=bool)
        # -log softmax(S)_ii = log sum_j exp(S_ij - S_ii), with the j = i term exactly exp(0) = 1: full float precision
        # near the optimum, where every other term is tiny and E* itself may be ~1e-9.
        l_uv = jnp.mean(jax.nn.logsumexp(jnp.where(eye, 0.0, s - diag[:, None]), axis=1))
        if not self.symmetric:
            return l_uv
        l_vu = jnp.mean(jax.nn.logsumexp(jnp.where(eye, 0.0, s - diag[None, :]), axis=0))
        return 0.5 * (l_uv + l_vu)

    def value_and_grad(self, x: Float[Array, "n d"]) -> tuple[Float[Array, ""], Float[Array, "n d"]]:
        r"""Energy and Riemannian gradient in closed form, sharing one exp of the similarity matrix.

        With c = 1/tau, p_ij = exp(c (u_i . v_j - 1)) in (0, 1] (|u_i . v_j| <= 1 bounds the stabiliser), row sums
        r_i = sum_j p_ij and column sums k_j = sum_i p_ij, the softmaxes are A = p / r (rows) and B = p / k (columns):

        .. math::
            \frac{\partial E}{\partial S} = \frac{(A - I) + (B - I)}{2M}, \qquad
            \nabla_{u_i} E = c \sum_j \frac{\partial E}{\partial S_{ij}} v_j, \qquad
            \nabla_{v_j} E = c \sum_i \frac{\partial E}{\partial S_{ij}} u_i,

        then the tangent projection. The diagonal of A - I is written -sum_{j != i} p_ij / r_i, and the loss
        -log A_ii as log1p(sum_{j != i} p_ij / p_ii), so both keep full relative precision at the optimum.
        One exp serves both softmaxes while exp(-2c) stays a normal float (tau >= 2/80 in float32, >= 2/700 in
        float64); below that it falls back to automatic differentiation.
        """
        return self._closed_or_autodiff(x, self._value_and_grad, sphere.riemannian_value_and_grad(self))

    def _value_and_grad(self, x: Float[Array, "n d"], c) -> tuple[Float[Array, ""], Float[Array, "n d"]]:
        u, v = _split_pairs("InfoNCE", x)
        m = u.shape[0]
        eye = jnp.eye(m, dtype=bool)
        suv = jnp.sum(u * v, axis=-1)  # (M,)
        p = jnp.where(eye, 0.0, jnp.exp(c * (u @ v.T) - c))  # (M, M) off-diagonal terms
        energy, w, diag = _infonce_weights(p, suv, c, self.symmetric)
        if m < _TWO_PRODUCTS_FROM:  # both contractions as one batched product [w; w^T] @ [v; u]
            g = jnp.stack([w, w.T]) @ jnp.stack([v, u]) + diag[None, :, None] * jnp.stack([v, u])  # (2, M, d)
            return energy, sphere.project(x, (c / m) * g.reshape(x.shape))
        # w v and w^T u as two products, the transpose inside the contraction: no copies of the (M, M) weights
        g_u = w @ v + diag[:, None] * v
        g_v = jax.lax.dot_general(w, u, (((0,), (0,)), ((), ()))) + diag[:, None] * u
        return energy, sphere.project(x, (c / m) * jnp.concatenate([g_u, g_v]))

    def lanes_value_and_grad(self, x: Float[Array, "n d B"]) -> tuple[Float[Array, " B"], Float[Array, "n d B"]]:
        """:meth:`value_and_grad` of B configurations stored chains-last, x of shape (n, d, B).

        The same formulas written as broadcasts over the trailing chain axis, so that the vector lanes of a CPU run
        over chains: every operation is elementwise across chains, and the small (M, M) contractions become
        multiply-adds over d. On the CPU about twice as fast per chain as ``vmap(value_and_grad)`` for a large
        block of chains (``langevin-sphere bench``); the results agree to float32 round-off.
        """
        autodiff = jax.vmap(sphere.riemannian_value_and_grad(self), in_axes=-1, out_axes=-1)
        return self._closed_or_autodiff(x, self._lanes_value_and_grad, autodiff)

    def _lanes_value_and_grad(self, x: Float[Array, "n d B"], c) -> tuple[Float[Array, " B"], Float[Array, "n d B"]]:
        n, d = x.shape[:2]
        m = n // 2
        u, v = x[:m], x[m:]  # (M, d, B)
        s = sum(u[:, None, k] * v[None, :, k] for k in range(d))  # (M, M, B): u_i . v_j
        p = jnp.where(jnp.eye(m, dtype=bool)[:, :, None], 0.0, jnp.exp(c * s - c))
        energy, w, diag = _infonce_weights(p, jnp.sum(u * v, axis=1), c, self.symmetric)
        g_u = jnp.stack([jnp.sum(w * v[None, :, k], axis=1) for k in range(d)], axis=1) + diag[:, None] * v
        g_v = jnp.stack([jnp.sum(w * u[:, None, k], axis=0) for k in range(d)], axis=1) + diag[:, None] * u
        return energy, sphere.project(x, (c / m) * jnp.concatenate([g_u, g_v]), axis=1)

    def _closed_or_autodiff(self, x: Array, closed, autodiff):
        """``closed(x, c)`` with c = 1/tau where one exp of the similarities serves both softmaxes (exp(-2c) a normal
        float: 2c <= 80 in float32, <= 700 in float64), else ``autodiff(x)``. A concrete tau chooses here; a traced
        tau (a run's array field, an annealed tau) through ``lax.cond``, which stays a branch (one side computed)
        while tau is not batched."""
        limit = 80.0 if x.dtype == jnp.float32 else 700.0
        try:
            c = 1.0 / float(self.tau)
        except (TypeError, jax.errors.ConcretizationTypeError):  # traced tau: choose in the compiled program
            c_traced = 1.0 / jnp.asarray(self.tau, x.dtype)
            return jax.lax.cond(2.0 * c_traced <= limit, lambda x: closed(x, c_traced), autodiff, x)
        return closed(x, c) if 2.0 * c <= limit else autodiff(x)


# From this many pairs on InfoNCE's gradient is two matrix products, below it one batched product of the stacked
# operands (CPU, per config-step: 1.9 us against 2.4 at M = 16, d = 3; 81 against 139 at M = 64, d = 128;
# 24 against 31 ms at M = 1024, d = 512).
_TWO_PRODUCTS_FROM = 64


def _infonce_weights(p: Array, suv: Array, c: float, symmetric: bool) -> tuple[Array, Array, Array]:
    """Energy and softmax weights of InfoNCE from p_ij = exp(c (u_i . v_j - 1)) off the diagonal (0 on it) and
    suv_i = u_i . v_i; shapes (M, M, ...) and (M, ...), any trailing batch axes.

    Returns (E, w, diag) with w_ij = (A_ij + B_ij) / 2 off the diagonal (A_ij alone if one-sided) and diag_i the
    diagonal of (A - I + B - I) / 2, so that grad_{u_i} E = (c / M) (sum_j w_ij v_j + diag_i v_i) before projection.
    """
    p_diag = jnp.exp(c * suv - c)
    off_r, off_k = jnp.sum(p, axis=1), jnp.sum(p, axis=0)  # row and column sums without the diagonal
    r, k = off_r + p_diag, off_k + p_diag

    def loss(off, total):  # -log softmax_ii = log(total / p_ii); log1p keeps E* ~ 1e-9 exact
        tiny = p_diag > 1e-30
        ratio = off / jnp.where(tiny, p_diag, 1.0)
        return jnp.mean(jnp.where(tiny, jnp.log1p(ratio), jnp.log(total) - c * (suv - 1.0)), axis=0)

    inv_r = 1.0 / r
    if not symmetric:
        return loss(off_r, r), p * inv_r[:, None], -off_r * inv_r
    inv_k = 1.0 / k
    w = p * (0.5 * inv_r[:, None] + 0.5 * inv_k[None, :])
    return 0.5 * (loss(off_r, r) + loss(off_k, k)), w, -0.5 * (off_r * inv_r + off_k * inv_k)


class DHEL(Energy):
    r"""Decoupled Hyperspherical Energy Loss (Koromilas et al. 2024).

    The positive pair is removed from the denominator, and the negatives of an anchor are the other anchors
    (and, with ``both_views``, the negatives of its positive are the other positives):

    .. math::
        E = -\frac{1}{M}\sum_i \Big[\frac{u_i\cdot v_i}{\tau} - \log\sum_{j\ne i} e^{u_i\cdot u_j/\tau}
            - \log\sum_{j\ne i} e^{v_i\cdot v_j/\tau}\Big].

    Args:
      tau: loss temperature, > 0.
      both_views: include the uniformity term of the positives V (default, as in the reference code).

    References:
      Koromilas, Bouritsas, Giannakopoulos, Nicolaou & Panagakis, *Bridging Mini-Batch and Asymptotic Analysis in
      Contrastive Learning: From InfoNCE to Kernel-Based Losses*, ICML 2024, arXiv:2405.18045.
    """

    tau: float | Array = 0.3
    both_views: bool = eqx.field(default=True, static=True)

    def __check_init__(self):
        _check_positive("DHEL", "tau", self.tau)

    def __call__(self, x: Float[Array, "n d"]) -> Float[Array, ""]:
        u, v = _split_pairs("DHEL", x)
        m = u.shape[0]
        off = ~jnp.eye(m, dtype=bool)

        def lse_off_diagonal(z):  # log sum_{j != i} exp(z_i . z_j / tau), per i
            g = (z @ z.T) / self.tau
            return jax.nn.logsumexp(jnp.where(off, g, -jnp.inf), axis=1)

        energy = lse_off_diagonal(u) - jnp.sum(u * v, axis=1) / self.tau
        if self.both_views:
            energy = energy + lse_off_diagonal(v)
        return jnp.mean(energy)


class KCL(Energy):
    r"""Kernel Contrastive Loss with the Gaussian kernel K(x, y) = exp(-t |x - y|^2) (Koromilas et al. 2024).

    .. math::
        E = -\frac{2}{M}\sum_i K(u_i, v_i)
            + \gamma\Big[\binom{M}{2}^{-1}\sum_{i<j} K(u_i, u_j) + \binom{M}{2}^{-1}\sum_{i<j} K(v_i, v_j)\Big].

    Args:
      t: kernel scale, > 0.
      gamma: weight of the uniformity (energy) term, > 0.

    References:
      Koromilas et al., ICML 2024, arXiv:2405.18045.
    """

    t: float | Array = 2.0
    gamma: float | Array = 16.0

    def __check_init__(self):
        _check_positive("KCL", "t", self.t)
        _check_positive("KCL", "gamma", self.gamma)

    def __call__(self, x: Float[Array, "n d"]) -> Float[Array, ""]:
        u, v = _split_pairs("KCL", x)
        align = jnp.mean(jnp.exp(-self.t * jnp.sum((u - v) ** 2, axis=1)))
        return -2.0 * align + self.gamma * (_mean_pair_kernel(u, self.t) + _mean_pair_kernel(v, self.t))


class SigLIP(Energy):
    r"""Sigmoid contrastive loss of SigLIP: every pair (i, j) is a binary classification, positive iff i = j.

    With logits s_ij = u_i . v_j / tau + b and labels z_ij = +1 on the diagonal, -1 elsewhere,

    .. math::
        E = -\frac{1}{M} \sum_{i,j} \log \sigma(z_{ij} s_{ij}) = \frac{1}{M} \sum_{i,j} \mathrm{softplus}(-z_{ij}
        s_{ij}).

    No softmax couples the pairs: each negative is pushed apart by its own sigmoid. The paper's initialisation is
    1/tau = 10, b = -10.

    Args:
      tau: temperature, > 0 (the paper learns t' = log(1/tau)).
      bias: the logit bias b (any real number).

    References:
      X. Zhai, B. Mustafa, A. Kolesnikov, L. Beyer, *Sigmoid Loss for Language Image Pre-Training*, ICCV 2023,
      arXiv:2303.15343.
    """

    tau: float | Array = 0.1
    bias: float | Array = -10.0

    def __check_init__(self):
        _check_positive("SigLIP", "tau", self.tau)

    def __call__(self, x: Float[Array, "n d"]) -> Float[Array, ""]:
        u, v = _split_pairs("SigLIP", x)
        s = (u @ v.T) / self.tau + self.bias
        z = 2.0 * jnp.eye(s.shape[0], dtype=s.dtype) - 1.0
        return jnp.sum(jax.nn.softplus(-z * s)) / s.shape[0]


def _mean_pair_kernel(z: Float[Array, "M d"], t) -> Float[Array, ""]:
    """Mean over pairs i < j of exp(-t |z_i - z_j|^2), with |z_i - z_j|^2 = 2 - 2 z_i . z_j on the sphere."""
    m = z.shape[0]
    k = jnp.exp(-t * (2.0 - 2.0 * (z @ z.T)))
    return (jnp.sum(k) - jnp.trace(k)) / (m * (m - 1))


class VonMisesFisher(Energy):
    r"""Linear test energy E(X) = -kappa sum_rows mu . x_row.

    Its Gibbs law at inverse temperature beta makes the rows independent von Mises-Fisher vMF(mu, beta kappa),
    whose mean of mu . x is A_d(beta kappa) = I_{d/2}(beta kappa) / I_{d/2-1}(beta kappa): a closed form against
    which the integrators are tested (Mardia & Jupp, *Directional Statistics*, 2000, sec. 9.3).

    Args:
      mu: mean direction, shape (d,), unit norm.
      kappa: concentration, >= 0.
    """

    mu: Float[Array, " d"]
    kappa: float | Array = 1.0

    def __check_init__(self):
        if isinstance(self.kappa, numbers.Real) and not (0 <= self.kappa < float("inf")):
            raise ValueError(f"VonMisesFisher: kappa must be a finite number >= 0, got kappa={self.kappa!r}")
        mu = jnp.asarray(self.mu)
        if mu.ndim != 1 or mu.shape[0] < 2:
            raise ValueError(f"VonMisesFisher: mu must be a vector of shape (d,) with d >= 2, got shape {mu.shape}")
        if not isinstance(mu, jax.core.Tracer) and abs(float(jnp.linalg.norm(mu)) - 1.0) > 1e-5:
            raise ValueError(f"VonMisesFisher: mu must have unit norm, got |mu|={float(jnp.linalg.norm(mu))}")

    def __call__(self, x: Float[Array, "n d"]) -> Float[Array, ""]:
        return -self.kappa * jnp.sum(x @ self.mu)


class FrozenAnchors(Energy):
    r"""A contrastive energy with the anchors U held fixed: a function of the positives V alone (locked-image tuning).

    E_frozen(V) = E([U; V]) for V of shape (M, d), so ``simulate`` moves only V. With U fixed each positive v_i sees
    its own landscape, and pairs can trap one by one.

    Args:
      base: a contrastive energy of X = [U; V] (e.g. :class:`InfoNCE`).
      anchors: U, shape (M, d), unit rows.

    References:
      Zhai et al., *LiT: Zero-Shot Transfer with Locked-image text Tuning*, CVPR 2022, arXiv:2111.07991.
    """

    base: Energy
    anchors: Float[Array, "M d"]

    def __call__(self, v: Float[Array, "M d"]) -> Float[Array, ""]:
        if v.shape != self.anchors.shape:
            raise ValueError(f"FrozenAnchors: V must have the anchors' shape {self.anchors.shape}, got {v.shape}")
        return self.base(jnp.concatenate([self.anchors, v], axis=0))


def value_and_grad(energy, x: Float[Array, "n d"]) -> tuple[Float[Array, ""], Float[Array, "n d"]]:
    """Energy and Riemannian gradient at X (n, d).

    Uses the energy's own ``value_and_grad(x)`` method when it has one (an analytic gradient), else
    ``jax.value_and_grad`` followed by the tangent projection
    (:func:`langevin_sphere.sphere.riemannian_value_and_grad`).
    """
    own = getattr(energy, "value_and_grad", None)
    if own is not None:
        return own(x)
    return sphere.riemannian_value_and_grad(energy)(x)


def lanes_value_and_grad(energy, x: Float[Array, "n d B"]) -> tuple[Float[Array, " B"], Float[Array, "n d B"]]:
    """:func:`value_and_grad` of B configurations stored chains-last, x of shape (n, d, B).

    Uses the energy's own ``lanes_value_and_grad(x)`` when it has one, else ``vmap`` of :func:`value_and_grad` over
    the last axis.
    """
    own = getattr(energy, "lanes_value_and_grad", None)
    if own is not None:
        return own(x)
    return jax.vmap(lambda y: value_and_grad(energy, y), in_axes=-1, out_axes=-1)(x)


def alignment(x: Float[Array, "n d"], alpha: float | Array = 2.0) -> Float[Array, ""]:
    r"""Wang-Isola alignment metric: mean over pairs of |u_i - v_i|^alpha (0 = perfectly aligned pairs).

    Reference: Wang & Isola, *Understanding Contrastive Representation Learning through Alignment and Uniformity on
    the Hypersphere*, ICML 2020, arXiv:2005.10242.
    """
    u, v = _split_pairs("alignment", x)
    return jnp.mean(jnp.sum((u - v) ** 2, axis=1) ** (alpha / 2.0))


def uniformity(x: Float[Array, "n d"], t: float | Array = 2.0) -> Float[Array, ""]:
    r"""Wang-Isola uniformity metric: log of the mean Gaussian potential over distinct pairs, averaged over U and V.

    .. math:: \mathcal{L}_{uniform} = \tfrac12\big[\log \mathrm{mean}_{i<j} e^{-t|u_i-u_j|^2}
              + \log \mathrm{mean}_{i<j} e^{-t|v_i-v_j|^2}\big]

    Lower is more uniform. Reference: Wang & Isola (2020), arXiv:2005.10242.
    """
    u, v = _split_pairs("uniformity", x)
    return 0.5 * (jnp.log(_mean_pair_kernel(u, t)) + jnp.log(_mean_pair_kernel(v, t)))


REGISTRY: dict[str, type[Energy]] = {"infonce": InfoNCE, "dhel": DHEL, "kcl": KCL, "siglip": SigLIP}
"""The contrastive energies by the name a config file uses (``[energy] kind``); their fields are the config's keys."""
