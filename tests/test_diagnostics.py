"""Convergence statistics on hand-made arrays with known answers."""

import numpy as np
import pytest

import langevin_sphere as ls
from langevin_sphere import diagnostics


def test_wilson_interval_known_values():
    # Wilson (1927) 95% interval for 5 / 10: centre (0.5 + z^2/20) / (1 + z^2/10) = 0.5, half-width 0.2628...
    lo, hi = diagnostics.wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert diagnostics.wilson_interval(10, 10)[1] == 1.0


def test_success_counts_failed_chains_as_failures():
    gap = np.array([0.0, 5e-4, 2e-3, 0.4, np.nan])
    s = diagnostics.success(gap, 1e-3)
    assert (s["n"], s["success"], s["trapped"], s["failed"]) == (5, 0.4, 0.4, pytest.approx(0.2))
    assert s["success_lo"] < 0.4 < s["success_hi"]


def test_success_curve_and_hitting_times():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    gap = np.array(
        [
            [1.0, 0.5, 0.0, 0.0],  # hits at t = 2
            [1.0, 0.0, 0.5, 0.0],  # hits at t = 1 (leaves and comes back: first hit counts)
            [1.0, 1.0, 1.0, 1.0],  # never: censored at t = 3
            [0.0, 0.0, 0.0, 0.0],  # at t = 0
        ]
    )
    curve = diagnostics.success_curve(gap, 1e-3)
    np.testing.assert_array_equal(curve["p"], [0.25, 0.5, 0.5, 0.75])
    assert np.all(curve["lo"] <= curve["p"]) and np.all(curve["p"] <= curve["hi"])
    times, observed = diagnostics.first_hitting_time(gap, t, 1e-3)
    np.testing.assert_array_equal(times, [2.0, 1.0, 3.0, 0.0])
    np.testing.assert_array_equal(observed, [True, True, False, True])


def test_kaplan_meier_by_hand():
    # times 0, 1, 2 observed, one chain censored at 3: S = 3/4, 3/4 * 2/3, 3/4 * 2/3 * 1/2
    km = diagnostics.kaplan_meier(np.array([2.0, 1.0, 3.0, 0.0]), np.array([True, True, False, True]))
    np.testing.assert_array_equal(km["t"], [0.0, 1.0, 2.0])
    np.testing.assert_allclose(km["survival"], [0.75, 0.5, 0.25])
    # Greenwood at t = 0: Var = S^2 * 1 / (4 * 3)
    half = 1.96 * 0.75 * np.sqrt(1 / 12)
    assert km["lo"][0] == pytest.approx(0.75 - half) and km["hi"][0] == pytest.approx(1.0)


def test_energy_quantiles_ignore_failed_chains():
    energy = np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 4.0]])
    q = diagnostics.energy_quantiles(energy)
    np.testing.assert_allclose(q["mean"], [3.0, 3.0])
    np.testing.assert_allclose(q["q50"], [3.0, 3.0])


def test_trapping_events_by_hand():
    t = np.arange(6.0)
    e_star = 1.0
    labels = np.array(
        [
            [0, 7, 7, 7, 0, 0],  # trapped in basin 7 from t=1, escapes at t=4 (stay 3 >= W)
            [0, 7, 0, 0, 0, 0],  # a stay of 1 < W: not an event
            [3, 3, 3, 3, 3, 3],  # trapped from the start to the end: an open event
            [5, 5, 6, 6, 6, 6],  # basin 5 for 2 (an event, escaping into 6 at t=2), then 6 until the end
            [0, 0, 0, 0, 0, 0],  # at the optimum throughout
        ]
    )
    energy = np.where(labels == 0, e_star, e_star + 0.1 * labels)
    energy[4] = e_star + 5e-4  # within eps of E*: global
    events = diagnostics.trapping_events(labels, energy, t, e_star, eps=1e-3, window=2.0)
    got = [(e["chain"], e["basin"], e["entry"], e["exit"], e["escaped"]) for e in events]
    assert got == [(0, 7, 1.0, 4.0, True), (2, 3, 0.0, None, False), (3, 5, 0.0, 2.0, True), (3, 6, 2.0, None, False)]
    assert events[0]["gap"] == pytest.approx(0.7) and events[0]["duration"] == 3.0
    assert events[1]["duration"] == 5.0


def test_trapping_event_ended_by_a_failed_chain_is_not_an_escape():
    events = diagnostics.trapping_events(
        np.array([[2, 2, 2, 2]]), np.array([[1.5, 1.5, 1.5, np.nan]]), np.arange(4.0), e_star=1.0, eps=1e-3, window=1.0
    )
    assert len(events) == 1 and not events[0]["escaped"] and events[0]["exit"] is None


def test_distance_to_optimum_is_invariant_and_exact_on_the_circle():
    """One row of the optimum turned by theta: the nearest rotation turns all n rows by theta / n, so the orbit
    distance is theta sqrt((n - 1) / n), whatever rotation, reflection, pair relabelling and U <-> V swap follow."""
    m, theta = 4, 0.1
    angles = 2 * np.pi * np.arange(m) / m
    square = np.stack([np.cos(angles), np.sin(angles)], 1)
    x_star = np.concatenate([square, square])  # (8, 2), U = V
    kicked = x_star.copy()
    kicked[2] = [np.cos(angles[2] + theta), np.sin(angles[2] + theta)]
    c, s = np.cos(1.1), np.sin(1.1)
    q = np.array([[c, s], [-s, c]]) @ np.diag([1.0, -1.0])  # a rotation and a reflection
    perm = np.array([3, 1, 0, 2])
    moved = (kicked @ q)[np.concatenate([m + perm, perm])]  # relabelled pairs, and V before U
    n = 2 * m
    expected = theta * np.sqrt((n - 1) / n)
    dist = ls.symmetries.distance_to_optimum(np.stack([kicked, moved, x_star @ q]), x_star)
    np.testing.assert_allclose(dist, [expected, expected, 0.0], atol=1e-7)
    assert np.isnan(ls.symmetries.distance_to_optimum(np.full_like(x_star, np.nan), x_star))
