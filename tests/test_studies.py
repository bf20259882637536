"""Studies: the closed-form two-well energy, and the figures drawn from saved study files (no simulation).

The studies themselves run for minutes; a small end-to-end run of each is a slow test.
"""

import json
import math

import jax.numpy as jnp
import numpy as np
import pytest

from langevin_sphere import io
from langevin_sphere.research import figures, studies


def test_two_well_closed_form_barrier_and_kramers_time():
    e = studies.TiltedTwoWell(a=0.5, b=0.5)
    theta = np.linspace(-np.pi, np.pi, 200_001)
    profile = 0.5 * (-np.cos(2 * theta) - 0.5 * np.cos(theta))
    assert abs(e.barrier() - (profile.max() - profile[np.argmin(np.abs(theta - np.pi))])) < 1e-8
    assert abs(float(e(jnp.array([[-1.0, 0.0]]))) - (-0.25)) < 1e-7
    # the global well is deeper by 2 a b: its escape time is longer by exp(beta 2 a b) (and the curvature ratio)
    ratio = e.kramers_time(2.0, "global") / e.kramers_time(2.0)
    assert abs(ratio - math.exp(2.0 * 0.5) * math.sqrt((4 - 0.5) / (4 + 0.5))) < 1e-9


def test_figures_from_saved_studies(tmp_path):
    """Every study kind is drawn from hand-written files (PNG + PDF), and from_runs dispatches to them."""
    k = {
        "kind": "kramers",
        "energy": {"name": "TiltedTwoWell", "a": 0.5, "b": 0.5},
        "barrier_string": 0.77,
        "slope": 0.76,
        "slope_se": 0.01,
        "intercept": 0.5,
        "relative_error": -0.01,
        "rows": [
            {
                "beta": b,
                "mean_escape_time": math.exp(0.5 + 0.76 * b),
                "se_log": 0.05,
                "n_chains": 64,
                "kramers_time": math.exp(0.4 + 0.77 * b),
            }
            for b in (2.0, 4.0)
        ],
    }
    c = {
        "kind": "c_sweep",
        "energy": k["energy"],
        "c_star": 0.77,
        "t_max": 100.0,
        "rows": [
            {"c": x, "success": p, "success_lo": p - 0.1, "success_hi": p + 0.05, "n": 64, "predicted": p}
            for x, p in ((0.4, 0.2), (0.8, 0.9))
        ],
    }
    t = {
        "kind": "tails",
        "energy": k["energy"],
        "c_star": 0.77,
        "t_max": 100.0,
        "fit_window": [10.0, 100.0],
        "c_factors": [2.0],
        "eps": [0.1],
        "rows": [{"eps_over_c": 0.06, "alpha": 0.1, "alpha_se": 0.01, "alpha_quasi_eq": 0.09, "n_chains": 64}],
    }
    d = {
        "kind": "critical_depth",
        "landscape": {"energy": "InfoNCE", "M": 2, "d": 2, "tau": 0.5},
        "energy": [0.0, 1.0],
        "depth": [None, 0.5],
        "c_star": 0.5,
        "n_minima": 2,
        "converged": [[False, True], [True, False]],
    }
    for name, study in (("k", k), ("c", c), ("t", t), ("d", d)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "study.json").write_text(json.dumps(study))
    grid = np.linspace(10.0, 100.0, 5)
    io.save_npz(tmp_path / "t" / "tails.npz", {"t_0": grid, "p_0_0": 1 / grid, "p_eq_0_0": 1 / grid})
    io.save_npz(
        tmp_path / "d" / "paths.npz", {"energies_0_1": np.array([0.0, 1.5, 1.0]), "arc_0_1": np.array([0.0, 1.0, 2.0])}
    )
    written = figures.from_runs(tmp_path, tmp_path / "figs")
    assert sorted(p.name for p in written) == sorted(
        f"{n}{s}" for n in ("k", "c", "t", "d_profiles") for s in (".png", ".pdf")
    )


@pytest.mark.slow
def test_small_end_to_end_studies(tmp_path):
    k = studies.kramers_study(tmp_path / "k", betas=(2.0, 4.0), n_chains=64, log=lambda *_: None)
    assert abs(k["barrier_string"] - studies.TiltedTwoWell().barrier()) < 1e-4
    assert abs(k["slope"] / k["barrier_string"] - 1) < 0.5  # 64 chains, two temperatures: a loose check
    c = studies.c_sweep_study(tmp_path / "c", factors=(0.5, 2.0), n_chains=64, t_max=50.0, log=lambda *_: None)
    assert c["rows"][0]["success"] < c["rows"][1]["success"]
    t = studies.tails_study(
        tmp_path / "t", c_factors=(2.0,), eps=(0.2,), n_chains=128, t_max=100.0, fit_from=10.0, log=lambda *_: None
    )
    assert t["rows"][0]["alpha"] > 0
    assert len(figures.from_studies(tmp_path, tmp_path / "figs")) == 6
    # a contrastive landscape: M = 3 pairs on the circle at tau = 0.2 (the triangle is the only minimum: c* = 0)
    d = studies.critical_depth_study(tmp_path / "d", M=3, tau=0.2, n_starts=8, log=lambda *_: None)
    assert d["c_star"] == 0.0 and abs(min(d["energy"]) - d["method"]["E_star"]) < 1e-6
    with pytest.raises(ValueError, match="no scale to sweep"):
        studies.landscape_c_sweep_study(tmp_path / "w", depth_study=tmp_path / "d")
