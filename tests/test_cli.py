"""The command line and its config files: validation messages, an end-to-end run, resume, figures."""

import dataclasses
import inspect
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import langevin_sphere as ls
from langevin_sphere import config
from langevin_sphere.research import cli

SMALL = """
name = "small-tau0.2"
seed = 3

[energy]
kind = "infonce"
M = 3
d = 2
tau = 0.2

[run]
n_chains = 8
step_size = 1e-2
t_max = 0.5
record_every = 10
chunk_records = 2

[[schedule]]
label = "const"
kind = "constant"
beta = 20.0

[[schedule]]
label = "geo"
kind = "geometric"
beta0 = 1.0
rate = 2.0

[analysis]
basin_starts = 16
quench_every = 1
window = 0.1
sweep = "rate"
"""


def _run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_default_config_is_the_documented_trap_landscape():
    cfg, _ = config.load()
    assert (cfg.energy.kind, cfg.energy.M, cfg.energy.d, cfg.energy.tau) == ("infonce", 8, 2, 0.05)
    assert cfg.run.n_chains >= 200
    assert {s.kind for s in cfg.schedules} >= {"constant", "logarithmic", "geometric"}


@pytest.mark.parametrize(
    "edit, message",
    [
        (("tau = 0.2", "tau = -0.2"), "energy.tau"),
        (("tau = 0.2", "tau = 0.2\ntemperature = 1"), "unknown key energy.temperature"),
        (("seed = 3", "seed = 3\ncolour = 'red'"), "unknown key colour"),
        (("beta = 20.0", "beta = 20.0\nc = 1.0"), "unknown key schedule[0].c"),
        (("beta = 20.0", "beta = -1.0"), "beta must be > 0"),
        (("n_chains = 8", "n_chains = 'eight'"), "run.n_chains must be of type int"),
        (("n_chains = 8", "n_chains = 0"), "run.n_chains"),
        (("record_every = 10", "record_every = 7"), "run.record_every must divide"),
        (("record_every = 10", "record_every = 10\nlayout = 'rows'"), "run.layout must be one of auto, chains, lanes"),
        (('kind = "infonce"', 'kind = "hinge"'), "energy.kind must be one of"),
        (('kind = "infonce"', 'kind = "no_such_module:Energy"'), "cannot import Energy from no_such_module"),
        (('kind = "infonce"', 'kind = "math:pi"'), "must name an equinox Module class"),
        (('kind = "constant"', 'kind = "exponential"'), "schedule[0].kind must be one of"),
        (("M = 3", "M = 1"), "energy.M"),
        (("tau = 0.2", "tau = 0.2\nanchors = 'fixed'"), "energy.anchors must be one of regular, random"),
        (("M = 3\nd = 2", "M = 5\nd = 3\nfrozen_anchors = true"), 'anchors = "regular" needs a known optimum'),
        (("tau = 0.2", "tau = 0.2\nfrozen_anchors = 1"), "energy.frozen_anchors must be of type bool"),
        (("quench_every = 1", "quench_every = 2"), "analysis.quench_every must divide the number of records"),
        (("quench_every = 1", "quench_every = -1"), "analysis.quench_every must be an integer >= 0"),
        (("basin_starts = 16", "basin_starts = -1"), "analysis.basin_starts must be an integer >= 0"),
        (("window = 0.1", "window = 0.0"), "analysis.window must be a finite number > 0"),
        (('sweep = "rate"', 'sweep = "speed"'), "analysis.sweep must be one of"),
        (('sweep = "rate"', 'sweep = "c"'), "analysis.sweep = 'c' sweeps logarithmic schedules"),
        (("window = 0.1", "window = 0.1\nW = 2"), "unknown key analysis.W"),
    ],
)
def test_bad_config_fails_with_a_message_naming_the_key(tmp_path, capsys, edit, message):
    assert edit[0] in SMALL
    path = tmp_path / "bad.toml"
    path.write_text(SMALL.replace(edit[0], edit[1], 1))
    code, _, err = _run(["run", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert message in err
    assert not (tmp_path / "out").exists()  # nothing is written for a config that does not validate


def test_not_toml_and_missing_file(tmp_path, capsys):
    path = tmp_path / "x.toml"
    path.write_text("name = ")
    assert "not valid TOML" in _run(["run", str(path)], capsys)[2]
    assert "cannot read the config file" in _run(["run", str(tmp_path / "nope.toml")], capsys)[2]


def test_run_writes_open_files_resumes_and_refuses_another_config(tmp_path, capsys):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    out = tmp_path / "out"
    code, stdout, _ = _run(["run", str(path), "--out", str(out), "--quiet"], capsys)
    assert code == 0 and "success" in stdout
    for name in (
        "config.toml",
        "summary.json",
        "traces.csv",
        "schedule_0.npz",
        "schedule_1.npz",
        "energy_traces.png",
        "energy_traces.pdf",
        "basins.json",
        "basins.npz",
        "trapping_events.json",
    ):
        assert (out / name).stat().st_size > 0, name

    summary = json.loads((out / "summary.json").read_text())
    assert summary["E_star_source"].startswith("regular simplex")  # M = 3 <= d + 1
    assert [s["label"] for s in summary["schedules"]] == ["const", "geo"]
    assert summary["provenance"]["jax"]
    for sched in summary["schedules"]:  # the convergence statistics of every schedule
        for key in (
            "success",
            "success_lo",
            "success_hi",
            "trapped",
            "trapped_lo",
            "trapped_hi",
            "final_basins",
            "first_hitting_time",
            "trapping_events",
            "speed",
        ):
            assert key in sched, key
        assert sum(b["count"] for b in sched["final_basins"]) == 8
        assert sum(o["count"] for o in sched["outcomes"].values()) == 8  # every chain's end state has one kind
        assert set(sched["first_hitting_time"]) >= {"hit_fraction", "median", "km_t", "km_survival"}
        assert set(sched["trapping_events"]) == {"window", "count", "chains", "escaped", "still_trapped"}
        dist = sched["distance_to_optimum"]  # radians to the simplex's orbit, quantiles in increasing order
        assert 0 <= dist["q05"] <= dist["q25"] <= dist["q50"] <= dist["q75"] <= dist["q95"] < 3.2 * math.sqrt(6)
    assert [s["speed"] for s in summary["schedules"]] == [None, 2.0]  # the swept rate; the constant is a reference
    basins = json.loads((out / "basins.json").read_text())
    assert basins["n_starts"] == 16 and basins["global"]["count"] + basins["trapped"]["count"] == 16
    assert summary["basin_table"]["trapped"] == basins["trapped"]
    run0 = np.load(out / "schedule_0.npz")
    assert run0["energy"].shape == (8, 6) and run0["final"].shape == (8, 6, 2)
    assert run0["quench_energies"].shape == (8, 6) and run0["quench_t"].shape == (6,)
    assert np.all(run0["quench_energy"] >= summary["E_star"] - 1e-5)  # nothing below the global minimum
    header = (out / "traces.csv").read_text().splitlines()[0]
    assert header == "schedule,t,beta,mean,q05,q25,q50,q75,q95"

    # running again on the same folder resumes: finished schedules are not simulated again
    before = (out / "schedule_0.npz").read_bytes()
    code, stdout, _ = _run(["run", str(path), "--out", str(out), "--quiet"], capsys)
    assert code == 0 and "not run again" in stdout
    assert (out / "schedule_0.npz").read_bytes() == before

    # a different config on the same folder is refused, not mixed in
    path.write_text(SMALL.replace("seed = 3", "seed = 4"))
    code, _, err = _run(["run", str(path), "--out", str(out)], capsys)
    assert code == 2 and "different config" in err

    figs = tmp_path / "figs"
    code, stdout, _ = _run(["figures", "--runs", str(tmp_path), "--out", str(figs)], capsys)
    assert code == 0
    for name in (
        "small-tau0.2_energy_traces",
        "small-tau0.2_success_curves",
        "small-tau0.2_final_basins",
        "trapped_vs_speed",
    ):  # F1, F2, F3 (final basins; trapped fraction vs speed): a dot in the name kept
        for ext in (".png", ".pdf"):
            assert (figs / (name + ext)).stat().st_size > 0, name + ext


def test_figures_without_results_is_a_clear_error(tmp_path, capsys):
    code, _, err = _run(["figures", "--runs", str(tmp_path), "--out", str(tmp_path / "f")], capsys)
    assert code == 2 and "no saved results" in err


@pytest.mark.slow
def test_default_run_completes(tmp_path, capsys):
    code, stdout, _ = _run(["run", "--out", str(tmp_path), "--quiet"], capsys)
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    by_kind = {s["label"]: s for s in summary["schedules"]}
    assert (tmp_path / "energy_traces.png").exists()
    # measured (seed 0, experiments/results/default): the default landscape has no non-global minimum; the nearly
    # instantaneous quench leaves 5 / 256 chains on plateaus, slow geometric annealing none
    assert all(s["outcomes"]["minimum"]["count"] == 0 for s in summary["schedules"])
    assert by_kind["constant beta=1000"]["outcomes"]["plateau"]["count"] == 5
    assert by_kind["geometric rate=0.5"]["success"] == 1.0
    assert all(s["quench_grad_norm_max"] < 1e-5 for s in summary["schedules"])


def test_output_folder_that_cannot_be_created(tmp_path, capsys):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    (tmp_path / "a_file").write_text("")
    code, _, err = _run(["run", str(path), "--out", str(tmp_path / "a_file" / "out")], capsys)
    assert code == 2 and "cannot create the output folder" in err


def test_disk_full_while_writing_results_is_reported_and_resumable(tmp_path, capsys, monkeypatch):
    import errno

    from langevin_sphere import io

    path = tmp_path / "small.toml"
    path.write_text(
        SMALL.replace("basin_starts = 16", "basin_starts = 0").replace("quench_every = 1", "quench_every = 0")
    )
    out = tmp_path / "out"
    real_write = io.atomic_write_bytes

    def full_disk(target, data):
        if str(target).endswith("schedule_1.npz"):
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real_write(target, data)

    monkeypatch.setattr(io, "atomic_write_bytes", full_disk)
    code, _, err = _run(["run", str(path), "--out", str(out), "--quiet"], capsys)
    assert code == 3
    assert "No space left on device" in err and "schedule_1.npz" in err
    assert (out / "schedule_0.npz").exists() and not (out / "schedule_1.npz").exists()
    assert not list(out.glob(".*.tmp")), "no temporary file is left behind"

    monkeypatch.setattr(io, "atomic_write_bytes", real_write)  # space freed: the same command finishes the run
    code, stdout, _ = _run(["run", str(path), "--out", str(out), "--quiet"], capsys)
    assert code == 0 and "not run again" in stdout and (out / "schedule_1.npz").exists()


def test_one_cpu_device_per_core_unless_the_user_chose():
    """The command line splits the CPU into one device per core before JAX starts; it never overrides a user's
    choice, and leaves JAX alone once its backends run; ``ls.set_host_device_count`` does the same for API users
    and warns when called too late. Each case in a fresh process."""
    import os
    import subprocess
    import sys

    def probe(code, **extra):
        env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_NUM_CPU_DEVICES")}
        env.update(JAX_PLATFORMS="cpu", **extra)
        out = subprocess.run(
            [sys.executable, "-W", "error::RuntimeWarning", "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return out.returncode, out.stdout.split(), out.stderr

    cli_run = (
        "import jax; {before}; from langevin_sphere.research import cli; "
        "cli.main(['report', '--runs', '/nonexistent']); print(jax.device_count())"
    )
    cores = str(len(os.sched_getaffinity(0)))
    assert probe(cli_run.format(before="pass"))[1] == [cores]
    assert probe(cli_run.format(before="pass"), XLA_FLAGS="--xla_force_host_platform_device_count=3")[1] == ["3"]
    assert probe(cli_run.format(before="pass"), JAX_NUM_CPU_DEVICES="1")[1] == ["1"]
    api = "import jax, langevin_sphere as ls; {before}; print(ls.set_host_device_count({n}), jax.device_count())"
    assert probe(api.format(before="pass", n=3))[1] == ["3", "3"]
    code, _, err = probe(api.format(before="jax.numpy.ones(1).block_until_ready()", n=3))  # too late: a warning
    assert code != 0 and "already run with 1 CPU device" in err and "right after `import langevin_sphere`" in err


@pytest.mark.slow  # ~10 s; tests/test_atlas.py covers atlas.build in the default suite
def test_atlas_command_builds_the_table_and_figures_and_refuses_a_bad_grid(tmp_path, capsys):
    config = tmp_path / "atlas.toml"
    config.write_text('[atlas]\nstarts = 4\n\n[[atlas.part]]\nlosses = ["infonce"]\nd = 3\nM = 3\ntau = [0.2, 0.5]\n')
    code, out, _ = _run(
        ["atlas", str(config), "--out", str(tmp_path / "atlas"), "--figures", str(tmp_path / "f"), "--quiet"], capsys
    )
    assert code == 0, out
    assert (tmp_path / "atlas" / "atlas.csv").read_text().count("\n") == 3  # header and two landscapes
    assert {p.name for p in (tmp_path / "f").iterdir()} >= {"atlas_trapped.png", "atlas_c_star.png", "atlas_minima.png"}
    config.write_text(config.read_text().replace("d = 3", "d = 1"))
    code, _, err = _run(["atlas", str(config), "--out", str(tmp_path / "atlas")], capsys)
    assert code == 2 and "d = 1 must be an integer >= 2" in err


def test_version_and_the_printed_configs(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"langevin-sphere {ls.__version__}"
    code, out, _ = _run(["config", "--default"], capsys)
    assert code == 0 and out == config.default_text()
    code, out, _ = _run(["config", "--reference"], capsys)
    assert code == 0 and out == config.reference_text()


def test_the_reference_config_holds_every_key_and_runs_as_written():
    text = config.reference_text()
    cfg = config.loads(text)  # the reference is a valid config as printed
    assert [s.kind for s in cfg.schedules] == list(ls.schedules.REGISTRY)  # one schedule per kind
    keys = {line.removeprefix("# ").split(" = ")[0] for line in text.splitlines() if " = " in line}
    for section in (config.EnergyConfig, config.RunConfig, config.AnalysisConfig):
        fields = {f.name for f in dataclasses.fields(section)} - {"params"}
        assert fields <= keys, f"keys missing from the reference: {sorted(fields - keys)}"
    for kind, factory in ls.schedules.REGISTRY.items():
        assert set(inspect.signature(factory).parameters) <= keys, kind


THOMSON = """
import equinox as eqx
import jax.numpy as jnp


class Thomson(eqx.Module):
    softening: float = 1e-12

    def __call__(self, x):  # Coulomb energy sum_{i<j} 1 / |x_i - x_j| of the rows of x (n, d)
        diff = x[:, None, :] - x[None, :, :]
        dist = jnp.sqrt(jnp.sum(diff**2, axis=-1) + self.softening)
        return jnp.sum(jnp.where(jnp.triu(jnp.ones(dist.shape, bool), k=1), 1.0 / dist, 0.0))
"""


def _one_schedule(text: str) -> str:
    """SMALL with its constant schedule only, no basin table and no in-run quench: one compiled chunk."""
    text = text.replace('[[schedule]]\nlabel = "geo"\nkind = "geometric"\nbeta0 = 1.0\nrate = 2.0\n', "")
    return text.replace("basin_starts = 16", "basin_starts = 0").replace("quench_every = 1", "")


def test_an_energy_of_ones_own_from_a_config(tmp_path, capsys, monkeypatch):
    """``[energy] kind = "module:Name"`` runs a user's class, built with the table's further keys: six charges on
    S^2 (M = 3 pairs) quench to the octahedron, E* = 9.985281374 (Thomson problem, n = 6)."""
    (tmp_path / "my_energies.py").write_text(THOMSON)
    monkeypatch.syspath_prepend(str(tmp_path))
    text = _one_schedule(SMALL)
    text = text.replace('kind = "infonce"', 'kind = "my_energies:Thomson"\nsoftening = 1e-10').replace("tau = 0.2", "")
    cfg = config.loads(text.replace('sweep = "rate"', ""))
    assert cfg.energy.build().softening == 1e-10
    path = tmp_path / "thomson.toml"
    path.write_text(text.replace('sweep = "rate"', "").replace("d = 2", "d = 3"))
    code, out, err = _run(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"], capsys)
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert abs(summary["E_star"] - 9.985281374) < 1e-4


COUNT_COMPILES = """
import sys
import jax.monitoring
events = []
jax.monitoring.register_event_listener(lambda event, **kwargs: events.append(event))
from langevin_sphere.research import cli
assert cli.main(sys.argv[1:]) == 0
print(events.count("/jax/compilation_cache/cache_misses"), events.count("/jax/compilation_cache/cache_hits"))
"""


def test_a_second_run_of_a_config_compiles_nothing(tmp_path):
    """The command line keeps JAX's persistent compilation cache (here in tmp_path): the first run compiles and
    stores every program, a second process running the same config loads all of them (no cache miss)."""
    path = tmp_path / "small.toml"
    text = _one_schedule(SMALL)
    path.write_text(text)
    env = {**os.environ, "LANGEVIN_SPHERE_COMPILATION_CACHE": str(tmp_path / "cache")}

    def run(out):
        argv = [sys.executable, "-c", COUNT_COMPILES, "run", str(path), "--out", str(tmp_path / out), "--quiet"]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return [int(n) for n in done.stdout.split()[-2:]]

    misses, _ = run("first")
    assert misses > 0 and len(list((tmp_path / "cache").iterdir())) == misses  # every compiled program stored
    misses, hits = run("second")
    assert misses == 0 and hits > 0
    assert ls.devices.enable_compilation_cache() is None  # LANGEVIN_SPHERE_COMPILATION_CACHE=0 (conftest): off
