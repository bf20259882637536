"""Minimum-energy paths and critical depth against energies whose barriers are known in closed form.

- circle, E(theta) = -cos(2 theta) - b cos(theta): minima at theta = 0 and pi (E = -1 -+ b), saddles at
  cos(theta) = -b/4 with E = 1 + b^2/8;
- S^2, E(x) = -x_3^2 + x_2^2/2 + a x_3: minima at the poles (E = -1 +- a), index-1 saddles at x_2 = 0, x_3 = a/2,
  E = a^2/4; the string starts off the minimum-energy path (bent towards x_2 > 0) and must relax to x_2 = 0;
- a product (S^2)^2 energy of the relative angle only, E = -cos(2 phi) - b cos(phi), phi = angle(x_0, x_1): an
  O(3)-invariant landscape (a continuum of minimum-energy paths, as for InfoNCE) with the same saddle 1 + b^2/8;
- three wells on the circle: the depths of the minima against a float64 walk along a fine grid of the circle.
"""

import jax.numpy as jnp
import numpy as np
import pytest

from langevin_sphere import barriers

B = 0.5
SADDLE = 1.0 + B * B / 8.0  # = 1.03125


def tilted_two_well(x):  # (1, 2): -cos 2theta - b cos theta
    return jnp.sum(-(x[:, 0] ** 2 - x[:, 1] ** 2) - B * x[:, 0])


def relative_angle(x):  # (2, d): the same profile in phi = angle(x_0, x_1)
    c = jnp.sum(x[0] * x[1])
    return -(2.0 * c * c - 1.0) - B * c


def s2_two_well(x, a=0.3):
    return jnp.sum(-(x[:, 2] ** 2) + 0.5 * x[:, 1] ** 2 + a * x[:, 2])


def test_circle_two_well_barrier_antipodal_ends():
    xa, xb = jnp.array([[1.0, 0.0]]), jnp.array([[-1.0, 0.0]])  # antipodal: the initial geodesic needs the guard
    path = barriers.minimum_energy_path(tilted_two_well, xa, xb, n_images=32)
    print(f"circle: saddle {float(path.saddle_energy):.7f} vs {SADDLE}, residual {float(path.residual):.1e}")
    assert bool(path.converged)
    assert abs(float(path.saddle_energy) - SADDLE) < 1e-3
    assert np.all(np.asarray(path.end_grad_norm) < 1e-4)  # the ends are critical points ...
    e = np.asarray(path.energies)
    assert e[0] < e[1] and e[-1] < e[-2]  # ... and minima along the path
    assert float(path.saddle_energy) >= e.max() - 1e-6
    assert abs(abs(float(path.saddle[0, 0])) - B / 4) < 1e-3  # at cos(theta) = -b/4 (either way round)
    np.testing.assert_allclose(np.linalg.norm(path.images, axis=-1), 1.0, atol=1e-6)
    steps = np.diff(np.asarray(path.arc_length))
    np.testing.assert_allclose(steps, steps.mean(), rtol=1e-3)  # equal arc length


def bent_string(k):
    """k points from the north to the south pole through the meridian at longitude 0.6 (x_2 > 0): off the MEP."""
    t = np.linspace(0.0, np.pi, k)
    return np.stack([np.sin(t) * np.cos(0.6), np.sin(t) * np.sin(0.6), np.cos(t)], axis=-1)[:, None, :].astype(
        np.float32
    )


def s2_paths(ks):
    a = 0.3
    paths = {}
    for k in ks:
        bent = bent_string(k)
        path = paths[k] = barriers.minimum_energy_path(
            s2_two_well, bent[0], bent[-1], n_images=k, initial=jnp.asarray(bent)
        )
        saddle = np.asarray(path.saddle)[0]
        print(
            f"S^2, K={k}: saddle {float(path.saddle_energy):.7f} vs {a * a / 4}, at {saddle}, steps {int(path.n_steps)}"
        )
        assert bool(path.converged)
        assert abs(float(path.saddle_energy) - a * a / 4) < 1e-3
        assert abs(saddle[1]) < 1e-3 and abs(saddle[2] - a / 2) < 1e-3
        assert np.max(np.abs(np.asarray(path.images)[:, 0, 1])) < 1e-2  # relaxed onto the great circle x_2 = 0
    return paths


def test_s2_saddle_from_a_bent_string():
    s2_paths([24])


@pytest.mark.slow
def test_s2_path_is_invariant_to_n_images():
    paths = s2_paths([16, 32])
    # the same path: energy against the fraction of arc length, and the total length (pi), for K = 16 and K = 32
    p16, p32 = paths[16], paths[32]
    s16 = np.asarray(p16.arc_length) / float(p16.arc_length[-1])
    s32 = np.asarray(p32.arc_length) / float(p32.arc_length[-1])
    np.testing.assert_allclose(np.asarray(p16.energies), np.interp(s16, s32, np.asarray(p32.energies)), atol=1e-2)
    np.testing.assert_allclose([float(p16.arc_length[-1]), float(p32.arc_length[-1])], np.pi, rtol=1e-3)


def test_product_relative_angle_barrier():
    xa = jnp.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    xb = jnp.array([[0.6, 0.8, 0.0], [-0.6, -0.8, 0.0]])  # phi = 0 -> phi = pi
    path = barriers.minimum_energy_path(relative_angle, xa, xb, n_images=32)
    print(f"(S^2)^2: saddle {float(path.saddle_energy):.7f} vs {SADDLE}, steps {int(path.n_steps)}")
    assert bool(path.converged)
    assert abs(float(path.saddle_energy) - SADDLE) < 1e-3
    assert np.all(np.asarray(path.end_grad_norm) < 1e-4)
    cos_phi = np.sum(np.asarray(path.saddle)[0] * np.asarray(path.saddle)[1])
    assert abs(cos_phi + B / 4) < 1e-3


def test_log_guard_at_equal_and_antipodal_rows():
    x = jnp.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    path = barriers.geodesic_path(x, jnp.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), 5)
    assert np.all(np.isfinite(np.asarray(path)))
    np.testing.assert_allclose(np.asarray(path[:, 1]), np.tile([0.0, 0.0, 1.0], (5, 1)), atol=1e-7)
    np.testing.assert_allclose(np.asarray(path[2, 0]) @ np.array([1.0, 0.0, 0.0]), 0.0, atol=1e-6)  # half-way


def test_align_undoes_rotation_relabelling_and_swap(rng):
    m, d = 4, 3
    x = rng.standard_normal((2 * m, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    perm = rng.permutation(m)
    y = (x @ q)[np.concatenate([perm + m, perm])]  # rotate, relabel the pairs, swap U and V
    np.testing.assert_allclose(barriers.align(x, y), x, atol=1e-8)
    with pytest.raises(ValueError, match="n = 2M"):
        barriers.align(x[:3], y[:3])


def three_wells(x):  # circle: -cos(3 theta) - 0.3 cos(theta) - 0.2 sin(theta), three minima of different depths
    c, s = x[:, 0], x[:, 1]
    return jnp.sum(-(4 * c**3 - 3 * c) - 0.3 * c - 0.2 * s)


def grid_depths(n=50_000):
    """Minima of the three-well energy and their depths by walking the circle both ways (float64 grid)."""
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    e = -np.cos(3 * theta) - 0.3 * np.cos(theta) - 0.2 * np.sin(theta)
    mins = np.flatnonzero((e < np.roll(e, 1)) & (e < np.roll(e, -1)))
    is_min = set(mins.tolist())
    out = []
    for i in mins:
        best = np.inf
        for direction in (1, -1):
            top, j = e[i], i
            while True:
                j = (j + direction) % n
                top = max(top, e[j])
                if j in is_min and e[j] < e[i]:
                    break
                if j == i:
                    top = np.inf
                    break
            best = min(best, top)
        out.append(best - e[i])
    return theta[mins], e[mins], np.array(out)


def test_depths_of_a_three_well_circle():
    theta, e_min, expected = grid_depths()
    minima = np.stack([np.cos(theta), np.sin(theta)], axis=-1)[:, None, :].astype(np.float32)
    res = barriers.critical_depth(three_wells, jnp.asarray(minima), symmetries=(), n_images=24)
    expected = np.where(np.isinf(expected), np.nan, expected)  # the global minimum
    print(f"three wells: E {res['energy']}, depths {res['depth']} vs {expected}, c* {res['c_star']:.6f}")
    assert res["converged"][~np.eye(3, dtype=bool)].all()
    np.testing.assert_allclose(res["energy"], e_min, atol=1e-5)
    np.testing.assert_allclose(res["depth"], expected, atol=1e-3)  # NaN (global) matched by NaN
    assert abs(res["c_star"] - np.nanmax(expected)) < 1e-3


def test_depths_bottleneck_through_an_intermediate_minimum():
    # 0 is global; 3 reaches 0 only through 2 (saddle 3-0 is 5), 2 reaches 0 over 2.5; 1 is isolated
    e = np.array([0.0, 1.0, 0.5, 0.8])
    s = np.full((4, 4), np.inf)
    for (i, j), v in {(0, 2): 2.5, (2, 3): 1.0, (0, 3): 5.0}.items():
        s[i, j] = s[j, i] = v
    np.testing.assert_allclose(barriers.depths(e, s), [np.nan, np.inf, 2.0, 0.2])
