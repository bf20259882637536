"""The throughput benchmark runs end to end at a tiny size and writes its JSON and plot (no speed is asserted)."""

import json

import numpy as np
import pytest

from langevin_sphere.research import bench, cli, figures


@pytest.mark.slow  # ~20 compilations: a minute on 2 cores
def test_bench_tiny_end_to_end(tmp_path, capsys):
    result = bench.run(n_chains=16, M=4, d=3, do_sweep=False, out=tmp_path)
    rows = result["p0"]
    names = [r["implementation"] for r in rows]
    assert names[:5] == [
        "baseline",
        "ls.simulate",
        "ls.simulate, chains",
        "ls.simulate, lanes",
        "ls.simulate, autodiff",
    ]
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
    assert len(rows) == 6 and {r["implementation"] for r in rows} == {
        "baseline",
        "ls.simulate, chains",
        "ls.simulate, lanes",
    }
    assert all(np.isfinite(r["config_steps_per_s"]) for r in rows)
    written = figures.bench_sweep(rows, tmp_path / "sweep", "test CPU")
    assert [p.name for p in written] == ["sweep.png", "sweep.pdf"] and all(p.stat().st_size > 0 for p in written)


def test_bench_command_line_arguments(monkeypatch):
    seen = {}
    monkeypatch.setattr(bench, "run", lambda **kw: seen.update(kw) or {})
    assert cli.main(["bench", "--chains", "8", "--M", "4", "--d", "5", "--no-sweep", "--out", "x"]) == 0
    assert seen == {"n_chains": 8, "M": 4, "d": 5, "do_sweep": False, "out": "x"}


@pytest.mark.slow
def test_gpu_script_runs_on_the_cpu_up_to_where_it_needs_cuda():
    """benchmarks/gpu.sh --cpu-check: the GPU script's every step (both benchmarks, the default experiment) on the
    CPU at a tiny size."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[1] / "benchmarks" / "gpu.sh"
    env = dict(os.environ, PYTHON=sys.executable)
    out = subprocess.run(["bash", str(script), "--cpu-check"], env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "gpu.sh: wrote" in out.stdout and "config-steps/s" in out.stdout and "success" in out.stdout


def test_pytorch_geoopt_row_takes_the_same_step():
    """The optional PyTorch + geoopt row (run where torch and geoopt are installed) steps the same dynamics: at
    beta = 1e30 (no noise) 20 of its steps equal 20 geodesic Euler-Maruyama steps of ls.simulate."""
    pytest.importorskip("torch")
    pytest.importorskip("geoopt")
    import jax

    import langevin_sphere as ls

    x0 = np.asarray(ls.sphere.uniform(jax.random.key(0), (4, 8, 3)))
    ours = ls.simulate(
        ls.energies.InfoNCE(tau=0.2),
        x0,
        jax.random.key(1),
        schedule=ls.schedules.constant(1e30),
        step_size=1e-2,
        n_steps=20,
        record_every=20,
    )
    theirs = bench.torch_geoopt(x0, tau=0.2, beta=1e30, step_size=1e-2, n_steps=20)().numpy()
    np.testing.assert_allclose(theirs, ours.final, atol=2e-5)
