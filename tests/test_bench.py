"""The throughput benchmark runs end to end at a tiny size and writes its JSON and plot (no speed is asserted)."""

import json

import numpy as np
import pytest

from langevin_sphere import bench, cli, figures


@pytest.mark.slow  # ~20 compilations: a minute on 2 cores
def test_bench_tiny_end_to_end(tmp_path, capsys):
    result = bench.run(n_chains=16, M=4, d=3, do_sweep=False, out=tmp_path)
    rows = result["p0"]
    assert [r["implementation"] for r in rows] == ["baseline", "ls.simulate", "ls.simulate, lanes",
                                                   "ls.simulate, autodiff"]
    assert all(r["config_steps_per_s"] > 0 and 0 < r["fraction_of_limit"] < 1 for r in rows)
    assert rows[0]["ratio_to_baseline"] == 1.0
    assert set(result["profile_s_per_step"]) >= {"noise (keys + tangent normals)", "exponential map"}
    # memory: a compiled chunk does not grow with n_steps; the run needs about the state plus the records
    assert result["memory"]["peak_over_state_plus_records"] < 2.0
    saved = json.loads((tmp_path / "bench.json").read_text())
    assert saved["p0"][1]["implementation"] == "ls.simulate"
    assert "config-steps/s" in capsys.readouterr().out


@pytest.mark.slow
def test_sweep_and_plot(tmp_path):
    limits = {"exp_per_s": 1e9, "flop_per_s": 1e11}
    rows = bench.sweep(limits, Ms=(4, 8), ds=(3,), target_s=0.01, log=lambda *_: None)
    assert len(rows) == 6 and {r["implementation"] for r in rows} == {"baseline", "ls.simulate", "ls.simulate, lanes"}
    assert all(np.isfinite(r["config_steps_per_s"]) for r in rows)
    written = figures.bench_sweep(rows, tmp_path / "sweep", "test CPU")
    assert [p.name for p in written] == ["sweep.png", "sweep.pdf"] and all(p.stat().st_size > 0 for p in written)


def test_bench_command_line_arguments(monkeypatch):
    seen = {}
    monkeypatch.setattr(bench, "run", lambda **kw: seen.update(kw) or {})
    assert cli.main(["bench", "--chains", "8", "--M", "4", "--d", "5", "--no-sweep", "--out", "x"]) == 0
    assert seen == {"n_chains": 8, "M": 4, "d": 5, "do_sweep": False, "out": "x"}
