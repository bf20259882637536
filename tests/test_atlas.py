"""The landscape atlas: config checks, a survey against closed-form optima and independent bounds, resuming."""

import csv

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from langevin_sphere import atlas, barriers, energies, io, landscape, optima
from langevin_sphere.research.config import ConfigError

TINY = """
[atlas]
starts = 8
robustness_starts = 4

[[atlas.part]]
losses = ["infonce"]
d = 3
M = 3
tau = [0.2, 0.5]
"""


@pytest.mark.parametrize(
    "change, message",
    [
        ('losses = ["infonce"]', "loss 'nce' is not one of"),
        ("M = 3", "M = 1 must be an integer >= 2"),
        ("tau = [0.2, 0.5]", "tau = -0.1 must be > 0"),
        ("starts = 8", "starts = 0 must be >= 1"),
        ("robustness_starts = 4", "unknown key [atlas] 'restarts'"),
    ],
)
def test_a_bad_config_is_refused_naming_the_parameter_and_value(tmp_path, change, message):
    broken = {
        'losses = ["infonce"]': 'losses = ["nce"]',
        "M = 3": "M = 1",
        "tau = [0.2, 0.5]": "tau = -0.1",
        "starts = 8": "starts = 0",
        "robustness_starts = 4": "restarts = 4",
    }[change]
    path = tmp_path / "atlas.toml"
    path.write_text(TINY.replace(change, broken))
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        atlas.load(path)


def test_the_grid_is_the_product_of_each_part():
    settings, cells = atlas.load_text(TINY)
    assert settings.starts == 8 and settings.robustness_starts == 4
    assert [c.name for c in cells] == ["infonce-S2-M3-tau0.2", "infonce-S2-M3-tau0.5"]


def test_kcl_has_the_infonce_kernel_at_the_same_temperature():
    """exp(-t |u - v|^2) with t = 1 / (2 tau) is exp(u.v / tau) up to a constant factor on the sphere."""
    e = atlas.energy_of(atlas.Landscape("kcl", 3, 4, 0.1))
    assert float(e.t) == pytest.approx(5.0) and float(e.gamma) == 16.0


@pytest.mark.slow  # ~20 s, mostly compilation; the stored atlas holds the same survey on 144 landscapes
def test_a_landscape_with_a_non_global_minimum_bounds_its_depth_by_the_geodesic():
    """KCL on S^2 with M = 4, t = 1 (tau = 0.5) has a second minimum: its depth c* is positive and at most the
    highest energy on the geodesic between the two minima (aligned), an independent upper bound of the lowest
    saddle. Surveyed without the robustness check, the stored summary gets it added, and only it."""
    cell = atlas.Landscape("kcl", 3, 4, 0.5)
    first, cat, _ = atlas.survey(cell, atlas.Settings(starts=8, robustness_starts=0), log=lambda *_: None)
    assert first["robustness"] is None
    settings = atlas.Settings(starts=8, robustness_starts=2)
    assert not settings.covers(first) and settings.adds_robustness(first)
    summary = atlas.add_robustness(cell, settings, first)
    assert settings.covers(summary) and summary["robustness"]["n_starts"] == 2
    added = ("settings", "robustness", "seconds", "robustness_provenance")
    assert {k: v for k, v in summary.items() if k not in added} == {k: v for k, v in first.items() if k not in added}
    assert summary["n_non_global_minima"] >= 1
    o = summary["outcomes"]
    assert sum(v["count"] for v in o.values()) == 8
    assert o["minimum"]["count"] >= 1 and o["minimum"]["lo"] <= o["minimum"]["fraction"] <= o["minimum"]["hi"]
    assert sum(m["starts"] for m in summary["minima"]) == o["success"]["count"] + o["minimum"]["count"]
    assert all(m["hessian_lowest"] > 0 for m in summary["minima"])
    assert summary["robustness"]["agree"]
    c = summary["c_star"]
    assert c is not None and c["c_star"] > 0
    minima = cat["x"][cat["kind"] == "minimum"]
    e_min = cat["energy"][cat["kind"] == "minimum"]
    energy = atlas.energy_of(cell)
    with jax.enable_x64(True):
        far = barriers.aligned(jnp.asarray(minima[0]), jnp.asarray(minima[-1]), ("orthogonal", "pairs", "swap"))
        path = barriers.geodesic_path(jnp.asarray(minima[0]), far, 64)
        top = float(np.max(np.asarray(jax.vmap(energy)(path))))
    assert c["c_star"] <= top - e_min[-1] + 1e-9


@pytest.mark.slow  # two full surveys (about 26 s); the stored atlas is built by the same command
def test_build_writes_the_table_and_resumes_without_recomputing(tmp_path, monkeypatch):
    """M = 3 <= d + 1 pairs: the regular simplex is the global minimum (a theorem, optima.simplex_energy in closed
    form) and, from uniform starts, the only end state."""
    config = tmp_path / "atlas.toml"
    config.write_text(TINY)
    out = tmp_path / "atlas"
    table = tmp_path / "best_known.json"
    other = {"kind": "dhel", "symmetric": True, "M": 9, "d": 5, "tau": 0.1, "E_star": -1.0}  # another atlas's entry
    io.save_json(table, {"landscapes": [other]})
    atlas.build(config, out, progress=False, log=lambda *_: None, best_known=table)
    entries = io.load_json(table)["landscapes"]
    assert other in entries and [(e["M"], e["tau"]) for e in entries if e["kind"] == "infonce"] == [(3, 0.2), (3, 0.5)]
    with open(out / "atlas.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["name"] for r in rows] == ["infonce-S2-M3-tau0.2", "infonce-S2-M3-tau0.5"]
    for r in rows:  # M = 3 <= d + 1: the simplex, in closed form
        assert float(r["E_star"]) == pytest.approx(optima.simplex_energy(3, float(r["tau"])), abs=1e-10)
        assert r["n_minima"] == "1" and float(r["trapped"]) == 0.0
    summary = io.load_json(out / "infonce-S2-M3-tau0.2" / "summary.json")
    assert summary["settings"]["starts"] == 8 and summary["outcomes"]["success"]["count"] == 8
    assert summary["minima"][0]["hessian_lowest"] > 0
    x_star = np.asarray(summary["x_star"])
    u, v = x_star[:3], x_star[3:]
    np.testing.assert_allclose(u @ u.T, (3 * np.eye(3) - 1) / 2, atol=1e-6)  # a regular simplex (triangle), V = U
    np.testing.assert_allclose(u, v, atol=1e-6)

    def no_survey(*args, **kwargs):
        raise AssertionError("a stored landscape was surveyed again")

    monkeypatch.setattr(atlas, "survey", no_survey)
    atlas.build(config, out, progress=False, log=lambda *_: None)  # resumes: nothing to do


def test_a_stored_landscape_stands_unless_its_settings_changed_or_it_lacks_a_c_star_they_would_add():
    new = atlas.Settings(c_star_neighbours=3)
    before = {k: v for k, v in atlas.Settings().__dict__.items() if not k.startswith("c_star_neighbours")}
    assert new.covers({"settings": before, "c_star_skipped": None, "n_minima": 40})  # keys added since: defaults
    assert not new.covers({"settings": before, "c_star_skipped": "9 minima > ...", "n_minima": 9})
    assert new.covers({"settings": before, "c_star_skipped": "40 minima > ...", "n_minima": 40})  # above 32: none
    assert not new.covers({"settings": {**before, "starts": 128}, "c_star_skipped": None, "n_minima": 1})
    assert atlas.Settings().covers({"settings": before, "c_star_skipped": "9 minima > ...", "n_minima": 9})
    checked = {
        "settings": {**before, "robustness_starts": 32},
        "c_star_skipped": None,
        "n_minima": 3,
        "n_non_global_minima": 2,
        "outcomes": {"plateau": {"count": 0}},
    }
    assert atlas.Settings(robustness_starts=16).covers(checked)  # a larger check stands for a smaller one
    assert not new.covers(checked) and new.adds_robustness(checked)  # 64 asked: the check runs again, nothing else
    assert new.covers({**checked, "n_non_global_minima": 0})  # one minimum, no plateau: nothing to check
    assert not new.covers({**checked, "n_non_global_minima": 0, "outcomes": {"plateau": {"count": 5}}})
    assert not atlas.Settings(robustness_starts=64, starts=128).adds_robustness(checked)  # a new survey


def test_neighbour_pairs_join_every_minimum_to_a_lower_one():
    """On random minima (no symmetries), every minimum but the lowest has an edge to a lower one, each has at least
    its k nearest, and the graph is sparser than all pairs."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 4, 3))
    x /= np.linalg.norm(x, axis=-1, keepdims=True)
    e = rng.uniform(size=12)
    pairs = barriers.neighbour_pairs(x, e, 2, symmetries=())
    assert len(pairs) < 12 * 11 // 2 and all(i < j for i, j in pairs)
    for i in range(12):
        others = {j for p in pairs for j in p if i in p and j != i}
        dist = np.linalg.norm(x - x[i], axis=(1, 2))
        dist[i] = np.inf
        assert set(np.argsort(dist)[:2]) <= others
        assert i == int(np.argmin(e)) or any(e[j] < e[i] for j in others)


def test_energy_of_refuses_an_unknown_loss():
    with pytest.raises(ValueError, match="loss must be one of"):
        atlas.energy_of(atlas.Landscape("siglip", 3, 4, 0.1))
    assert isinstance(atlas.energy_of(atlas.Landscape("infonce-onesided", 3, 4, 0.1)), energies.InfoNCE)


def _best_known_entries():
    import json
    from importlib import resources

    return json.loads(resources.files("langevin_sphere.landscape").joinpath("best_known.json").read_text())[
        "landscapes"
    ]


def test_best_known_table_agrees_with_the_closed_forms():
    closed = [e for e in _best_known_entries() if e["closed_form"] is not None]
    assert closed, "the table has no landscape with a closed-form optimum"
    for e in closed:  # the simplex (M <= d + 1) and the cross-polytope (M = 2d), symmetric InfoNCE
        assert e["E_star"] == pytest.approx(e["closed_form"], abs=1e-9), (e["M"], e["d"], e["tau"])


def test_best_known_configurations_requench_to_minima_at_their_energy():
    """A few stored configurations (one per loss), evaluated afresh in float64: gradient below 1e-8, the energy
    within 1e-9 of the table's E*, and a positive Riemannian Hessian off the O(d) modes."""
    entries = [e for e in _best_known_entries() if e["closed_form"] is None and 2 * e["M"] * e["d"] <= 48]
    picks = {}
    for e in entries:  # per loss, the largest landscape without a closed form up to 2M d = 48 coordinates
        key = (e["kind"], e["symmetric"])
        if key not in picks or (e["M"], e["d"], e["tau"]) > (picks[key]["M"], picks[key]["d"], picks[key]["tau"]):
            picks[key] = e
    assert len(picks) == 4  # InfoNCE, one-sided InfoNCE, DHEL, KCL
    for e in picks.values():
        loss = e["kind"] if e["symmetric"] else "infonce-onesided"
        energy = atlas.energy_of(atlas.Landscape(loss, e["d"], e["M"], e["tau"]))
        assert optima.best_known(e["kind"], e["M"], e["d"], e["tau"], symmetric=e["symmetric"]) == e
        with jax.enable_x64(True):
            x = jnp.asarray(np.asarray(e["x"], np.float64))
            assert x.shape == (2 * e["M"], e["d"])
            g, value, lam = jax.jit(
                lambda y: (landscape.gradient_norm(energy, y), energy(y), landscape.reduced_spectrum(energy, y)[0])
            )(x)
            assert float(g) < 1e-8
            assert float(value) == pytest.approx(e["E_star"], abs=1e-9)
            assert float(lam[0]) > 0


@pytest.mark.slow  # a full survey (about 20 s on 2 cores)
def test_a_landscape_flat_at_float64_resolution_is_reported_flat():
    """InfoNCE with M = 4 on S^2 at tau = 0.02: E* = log(1 + 3 exp(-4 / (3 tau))) ~ 3e-29 (closed form), so every
    well-separated configuration is at one energy level in float64: reported flat, not as many 'minima'."""
    cell = atlas.Landscape("infonce", 3, 4, 0.02)
    assert optima.simplex_energy(4, 0.02) < atlas.FLAT
    summary, _, _ = atlas.survey(cell, atlas.Settings(starts=4), log=lambda *_: None)
    assert "flat" in summary and summary["n_minima"] is None
    assert abs(summary["E_star"]) < atlas.FLAT and summary["outcomes"]["success"]["count"] == 4


def test_matrix_free_classification_is_the_stored_catalogue(tmp_path):
    """Landscape A (symmetric InfoNCE, circle, M = 6, tau = 0.05): its stored catalogue (dense path, robust to float
    width and tolerance) holds the hexagon and five plateaus. Classified matrix-free (``atlas-check``), every entry
    gets its stored kind and catalogue label, and the four lowest eigenvalues off the symmetry modes agree to 1e-6
    (relative, or of the soft level 1e-6 lam_max for the soft ones)."""
    import shutil
    from pathlib import Path

    stored = Path(__file__).parents[1] / "experiments/landscapes/infonce-circle-M6-tau0.05"
    shutil.copytree(stored, tmp_path / "landscapes" / stored.name)
    out = tmp_path / "check.json"
    (row,) = atlas.matrix_free_check([tmp_path / "landscapes"], out, log=lambda *a: None)["rows"]
    assert row["entries"] == 6 and row["starts"] > 0
    assert row["same_kind_as_stored"] == row["same_kind_as_dense"] == row["same_label"] == 6
    assert row["starts_same_kind_and_label"] == row["starts"]
    assert row["max_rel_head"] < 1e-6 and row["max_abs_energy"] < 1e-9
    assert io.load_json(out)["rows"] == [row]  # stored, and a second call skips it
    assert atlas.matrix_free_check([tmp_path / "landscapes"], out, log=lambda *a: None)["rows"] == [row]
