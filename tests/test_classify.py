"""End-state classification (landscape.classify): closed-form Hessians, symmetry modes, kinds that do not depend on
the quench tolerance or the float width."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from langevin_sphere import catalogue, energies, landscape, optima, sphere
from langevin_sphere.research.studies import TiltedTwoWell


def _circle(theta):
    return np.array([[np.cos(theta), np.sin(theta)]])


def test_two_well_kinds_and_curvatures_are_the_closed_form():
    """E = a (-cos 2 theta - b cos theta) on one circle: E'' = a (4 cos 2 theta + b cos theta) at the trap (theta = pi),
    the global well (0) and the saddle (cos theta = -b / 4); max_steps = 0 keeps the saddle where it is."""
    e = TiltedTwoWell(a=0.5, b=0.5)

    def curv(th):
        return e.a * (4 * np.cos(2 * th) + e.b * np.cos(th))

    th_s = np.arccos(-e.b / 4)
    ends = landscape.classify(e, np.stack([_circle(np.pi - 0.3), _circle(0.2)]), symmetries=(), batch=2)
    assert ends.kind.tolist() == ["minimum", "minimum"]
    np.testing.assert_allclose(ends.hessian_head[:, 0], [curv(np.pi), curv(0.0)], rtol=1e-9)
    np.testing.assert_allclose(ends.energy, [e.a * (-1 + e.b), -e.a * (1 + e.b)], rtol=1e-12)
    at_saddle = landscape.classify(e, _circle(th_s)[None], symmetries=(), max_steps=0, batch=1)
    assert at_saddle.kind.tolist() == ["saddle"]
    np.testing.assert_allclose(at_saddle.hessian_head[0, 0], curv(th_s), rtol=1e-9)


@pytest.mark.parametrize(
    "d, rows, rank", [(3, "generic", 3), (3, "collinear", 2), (2, "generic", 1), (4, "generic", 6)]
)
def test_symmetry_projector_has_the_rank_of_the_orbit(rng, d, rows, rank):
    """so(d) has d (d - 1) / 2 generators; rows all on one axis are fixed by the rotations about it (one fewer in d =
    3)."""
    x = rng.standard_normal((6, d))
    if rows == "collinear":
        x = np.outer(np.sign(x[:, 0]), np.eye(d)[0])
    x = jnp.asarray(x / np.linalg.norm(x, axis=1, keepdims=True))
    with jax.enable_x64(True):
        x = jnp.asarray(x, jnp.float64)
        p = landscape.symmetry_projector(x, landscape.tangent_basis(x))
        assert np.linalg.matrix_rank(np.asarray(p), tol=1e-8) == rank
        np.testing.assert_allclose(np.asarray(p @ p), np.asarray(p), atol=1e-12)  # a projector


def test_symmetry_mode_is_what_makes_the_optimum_soft():
    """At the regular hexagon (U = V), the only zero eigenvalue of the Hessian is the rotation: removed, no soft mode
    is left; kept (symmetries=()), exactly one."""
    x = np.concatenate([optima.polygon(6)] * 2)[None]
    with_sym = landscape.classify(energies.InfoNCE(tau=0.05), x, batch=1)
    without = landscape.classify(energies.InfoNCE(tau=0.05), x, symmetries=(), batch=1)
    assert with_sym.kind.tolist() == without.kind.tolist() == ["minimum"]
    assert with_sym.n_soft.tolist() == [0] and without.n_soft.tolist() == [1]
    np.testing.assert_allclose(with_sym.energy, optima.polygon_energy(6, 0.05), rtol=0, atol=1e-15)


def test_landscape_a_states_above_the_hexagon_are_plateaus_that_lead_to_it():
    """Landscape A (symmetric InfoNCE, circle, M = 6, tau = 0.05) has one minimum up to symmetry, the regular hexagon
    (its stored catalogue, 512 starts): every quenched state above it must be a plateau whose probes lead down to the
    hexagon's closed-form energy. Fails when the plateau probes are skipped (the states come out as minima)."""
    energy = energies.InfoNCE(tau=0.05)
    x0 = sphere.uniform(jax.random.key(0), (4, 12, 2))
    q = jax.vmap(lambda y: landscape.quench_info(energy, y))(x0)
    ends = landscape.classify(energy, np.asarray(q.x))
    e_hex = optima.polygon_energy(6, 0.05)
    above = ends.energy > e_hex + 1e-3
    assert above.sum() >= 2 and np.all(ends.kind[above] == "plateau") and np.all(ends.n_soft[above] > 0)
    np.testing.assert_allclose(ends.leads_to[above], e_hex, rtol=1e-9)
    assert np.all(ends.kind[~above] == "minimum") and np.all(np.isnan(ends.leads_to[~above]))
    np.testing.assert_allclose(ends.energy[~above], e_hex, rtol=1e-9)


LANDSCAPES = {
    "A": (energies.InfoNCE(tau=0.05), 6),  # symmetric InfoNCE, circle, M = 6: plateaus, no trap behind a barrier
    "B": (energies.DHEL(tau=0.1), 8),  # DHEL, circle, M = 8: minima behind barriers
}


@pytest.mark.slow  # ~10 s each; the stored catalogues hold the same check over 512 starts per landscape
@pytest.mark.parametrize("name", ["A", "B"])
def test_kinds_do_not_depend_on_quench_tolerance_or_float_width(name, n_starts=16):
    """The same starts quenched in float32 to 1e-5 and in float64 to 1e-8, each classified with tol 1e-5 and 1e-8:
    the same kind and the same catalogue label for every start."""
    energy, m = LANDSCAPES[name]
    starts = np.asarray(sphere.uniform(jax.random.fold_in(jax.random.key(0), 1), (n_starts, 2 * m, 2)))
    res = catalogue.robustness(energy, starts)
    assert res["agree"], res["variants"]
    kinds = res["variants"][res["reference"]]["kinds"]
    assert kinds["unconverged"] == kinds["saddle"] == 0
    if name == "B":
        assert kinds["plateau"] == 0 and kinds["minimum"] == n_starts


@pytest.mark.slow
@pytest.mark.parametrize("name", ["A", "B"])
def test_kinds_do_not_depend_on_quench_tolerance_or_float_width_128(name):
    test_kinds_do_not_depend_on_quench_tolerance_or_float_width(name, n_starts=128)
