"""Figures from a tiny saved result built by hand (no simulation): every figure file is written."""

import numpy as np

from langevin_sphere import config, io, landscape
from langevin_sphere.research import experiment, figures

TOML = """
name = "hand-made"
[energy]
M = 2
d = 2
tau = 0.5
[run]
n_chains = 4
step_size = 0.1
t_max = 0.4
record_every = 1
[[schedule]]
label = "log c=0.5"
kind = "logarithmic"
c = 0.5
[[schedule]]
label = "log c=2"
kind = "logarithmic"
c = 2.0
[analysis]
quench_every = 2
window = 0.3
sweep = "c"
"""


def _saved_result(folder, e_star=1.0):
    """Four chains, five records: chain 0 sits in a trap (gap 0.5) from t = 0.2 on, the others reach E*."""
    cfg = config.loads(TOML)
    t = np.arange(5) * 0.1
    energy = np.array(
        [[2.0, 1.8, 1.5, 1.5, 1.5], [2.0, 1.3, 1.0, 1.0, 1.0], [2.0, 1.1, 1.0, 1.0, 1.0], [2.0, 1.2, 1.05, 1.0, 1.0]]
    )
    quench_t = t[::2]
    quench = np.array([[1.5, 1.5, 1.5], [1.0, 1.0, 1.0], [1.5, 1.0, 1.0], [1.5, 1.5, 1.0]])
    runs = [
        {
            "t": t,
            "beta": 1.0 + t,
            "energy": energy,
            "grad_norm": np.zeros_like(energy),
            "final": np.zeros((4, 4, 2)),
            "failed_step": -np.ones(4, int),
            "quench_energy": quench[:, -1],
            "quench_grad_norm": np.zeros(4),
            "wall_time": 1.0,
            "sim_time": 1.0,
            "quench_t": quench_t,
            "quench_energies": quench,
            "quench_grad_norms": np.zeros((4, 3)),
        }
        for _ in cfg.schedules
    ]
    folder.mkdir(parents=True)
    for i, r in enumerate(runs):
        io.save_npz(folder / f"schedule_{i}.npz", r)

    def ends(kinds):  # classified final states: the last quench's energies, of the given kinds
        k = len(kinds)
        return landscape.EndStates(
            x=np.zeros((k, 4, 2)),
            energy=quench[:, -1],
            grad_norm=np.zeros(k),
            kind=np.array(kinds),
            hessian_head=np.ones((k, 4)),
            hessian_max=np.ones(k),
            n_soft=np.zeros(k, int),
            leads_to=np.full(k, np.nan),
        )

    # schedule 0: chain 0 in a minimum at gap 0.5; schedule 1: the same state classified as a plateau
    summary = experiment._summarise(
        cfg, runs, [ends(["minimum"] * 4), ends(["plateau"] + ["minimum"] * 3)], e_star, "hand-made"
    )
    summary["basin_table"] = {"n_starts": 10, "trapped": {"count": 3, "fraction": 0.3, "lo": 0.1, "hi": 0.6}}
    for s in summary["schedules"]:
        s.pop("events")
    io.save_json(folder / "summary.json", summary)
    return summary


def test_summary_statistics_of_a_hand_made_result(tmp_path):
    summary = _saved_result(tmp_path / "runs" / "a")
    s = summary["schedules"][0]
    assert (s["success"], s["trapped"], s["n"]) == (0.75, 0.25, 4)
    assert s["final_basins"] == [
        {"gap": 0.0, "kind": "minimum", "count": 3, "fraction": 0.75},
        {"gap": 0.5, "kind": "minimum", "count": 1, "fraction": 0.25},
    ]
    other = summary["schedules"][1]
    assert (other["success"], other["trapped"], other["plateau"]) == (0.75, 0.0, 0.25)
    assert {k: v["count"] for k, v in other["outcomes"].items()} == {
        "success": 3,
        "minimum": 0,
        "plateau": 1,
        "saddle": 0,
        "unconverged": 0,
    }
    assert other["final_basins"][1] == {"gap": 0.5, "kind": "plateau", "count": 1, "fraction": 0.25}
    hit = s["first_hitting_time"]
    assert hit["hit_fraction"] == 0.75 and hit["median"] == 0.2  # hits at 0, 0.2, 0.4; chain 0 censored
    # chain 0 trapped all along (still trapped); chain 3 from 0 until its escape at 0.4; chain 2 escapes at 0.2 < W
    assert s["trapping_events"] == {"window": 0.3, "count": 2, "chains": 2, "escaped": 1, "still_trapped": 1}
    assert [x["speed"] for x in summary["schedules"]] == [0.5, 2.0]


def test_figures_from_a_hand_made_result_write_every_file(tmp_path):
    _saved_result(tmp_path / "runs" / "a")
    written = figures.from_runs(tmp_path / "runs", tmp_path / "figs")
    names = {p.name for p in written}
    for stem in (
        "hand-made_energy_traces",
        "hand-made_success_curves",
        "hand-made_final_basins",
        "trapped_vs_speed",
        "success_vs_c",
    ):
        for ext in (".png", ".pdf"):
            assert stem + ext in names and (tmp_path / "figs" / (stem + ext)).stat().st_size > 0


def test_figures_from_summaries_alone(tmp_path):
    """A folder with summary.json but no schedule_<i>.npz (experiments/results/) still gives F3 and F4."""
    _saved_result(tmp_path / "runs" / "a")
    for f in (tmp_path / "runs" / "a").glob("schedule_*.npz"):
        f.unlink()
    names = {p.name for p in figures.from_runs(tmp_path / "runs", tmp_path / "figs")}
    assert names == {
        stem + ext
        for stem in ("hand-made_final_basins", "trapped_vs_speed", "success_vs_c")
        for ext in (".png", ".pdf")
    }


def test_schedules_against_c_star_where_the_landscape_has_one(tmp_path):
    """A comparison whose landscape has a known c* (from the atlas's best-known table) gets the outcomes-vs-c/c*
    figure; one without c* does not."""
    summary = _saved_result(tmp_path / "runs" / "hand-made")
    written = figures.from_runs(tmp_path / "runs", tmp_path / "figs")
    assert not any("vs_c_star" in p.name for p in written)
    summary["critical_depth"] = {"c_star": 1.0, "c_star_is": "exact", "strings": "1 of 1 converged", "source": "x"}
    io.save_json(tmp_path / "runs" / "hand-made" / "summary.json", summary)
    written = figures.from_runs(tmp_path / "runs", tmp_path / "figs")
    assert {p.name for p in written} >= {"hand-made_vs_c_star.png", "hand-made_vs_c_star.pdf"}
