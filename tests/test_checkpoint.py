"""Checkpoints: a run interrupted at any chunk and resumed is bit-identical to an uninterrupted one."""

import os
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

import langevin_sphere as ls

KW = dict(schedule=ls.schedules.geometric(1.0, 1.0), step_size=1e-2, n_steps=400, record_every=10, chunk_records=5)


@pytest.fixture(scope="module")
def problem():
    energy = ls.energies.InfoNCE(tau=0.2)
    x0 = ls.sphere.uniform(jax.random.key(0), (8, 8, 3))
    return energy, x0, ls.simulate(energy, x0, jax.random.key(1), **KW)


def _same(a, b):
    for field in ("t", "beta", "energy", "grad_norm", "final", "failed_step"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), field


@pytest.mark.parametrize("stop_after", [1, 4, 7])  # checkpoints written before the interruption (8 chunks in all)
def test_interrupted_run_resumes_bit_identically(problem, tmp_path, monkeypatch, stop_after):
    energy, x0, full = problem
    path = tmp_path / "ckpt.npz"
    save = ls.checkpoint.Checkpoint.save
    calls = []

    def save_then_crash(*args):
        save(*args)
        calls.append(1)
        if len(calls) == stop_after:
            raise KeyboardInterrupt

    monkeypatch.setattr(ls.checkpoint.Checkpoint, "save", save_then_crash)
    with pytest.raises(KeyboardInterrupt):
        ls.simulate(energy, x0, jax.random.key(1), checkpoint=path, **KW)
    assert int(np.load(path)["done"]) == 5 * stop_after
    monkeypatch.setattr(ls.checkpoint.Checkpoint, "save", save)
    _same(ls.simulate(energy, x0, jax.random.key(1), checkpoint=path, **KW), full)


def test_checkpoint_of_another_run_is_refused(problem, tmp_path):
    energy, x0, _ = problem
    path = tmp_path / "ckpt.npz"
    ls.simulate(energy, x0, jax.random.key(1), checkpoint=path, **KW)
    for change in (
        {"key": jax.random.key(2)},
        {"schedule": ls.schedules.geometric(1.0, 2.0)},
        {"energy": ls.energies.InfoNCE(tau=0.3)},
    ):
        args = {"energy": energy, "key": jax.random.key(1), **KW, **change}
        with pytest.raises(ValueError, match="other arguments"):
            ls.simulate(args.pop("energy"), x0, args.pop("key"), checkpoint=path, **args)


CONFIG = """
name = "killed"
seed = 1
[energy]
M = 4
d = 3
tau = 0.2
[run]
n_chains = 64
step_size = 1e-3
t_max = 24.0  # 1200 records: long enough that every kill point below lands mid-run
record_every = 20
chunk_records = 5
[[schedule]]
kind = "geometric"
beta0 = 1.0
rate = 1.0
"""


def _cli(args, **kw):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "langevin_sphere", "run", *args, "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **kw,
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    (folder / "killed.toml").write_text(CONFIG)
    proc = _cli([str(folder / "killed.toml"), "--out", str(folder / "out")])
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()[-2000:]
    return np.load(folder / "out" / "schedule_0.npz")


@pytest.mark.slow  # two CLI processes per kill point: ~30 s each on 2 cores
@pytest.mark.parametrize("delay", [0.0, 0.5, 1.5])  # seconds after the first checkpoint: different kill points
def test_sigkill_mid_run_then_resume_matches_uninterrupted_run(tmp_path, uninterrupted, delay):
    config = tmp_path / "killed.toml"
    config.write_text(CONFIG)
    killed = tmp_path / "killed"
    proc = _cli([str(config), "--out", str(killed)])
    ckpt = killed / "schedule_0.checkpoint.npz"
    deadline = time.monotonic() + 120
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ckpt.exists(), f"no checkpoint appeared: {proc.stderr.read().decode()[-2000:] if proc.poll() else ''}"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)  # no chance to clean up: only what was atomically written survives
    proc.wait()
    assert not (killed / "schedule_0.npz").exists(), "the run finished before it was killed: lengthen it"
    done_at_kill = int(np.load(ckpt)["done"])
    assert 0 < done_at_kill < 1200
    print(f"killed {delay} s after the first checkpoint, at record {done_at_kill} of 1200")

    proc = _cli([str(config), "--out", str(killed)])  # the same command resumes from the checkpoint
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()[-2000:]
    resumed = np.load(killed / "schedule_0.npz")
    for name in ("t", "beta", "energy", "grad_norm", "final", "failed_step", "quench_energy", "quench_grad_norm"):
        assert resumed[name].tobytes() == uninterrupted[name].tobytes(), name
    assert not ckpt.exists()


def test_resume_keeps_the_quench_records(problem, tmp_path, monkeypatch):
    energy, x0, _ = problem
    kw = {**KW, "quench_every": 10}  # 40 records: quenches at t = 0, 1, 2, 3, 4
    full = ls.simulate(energy, x0, jax.random.key(1), **kw)
    path = tmp_path / "ckpt.npz"
    save = ls.checkpoint.Checkpoint.save

    def save_then_crash(*args):
        save(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(ls.checkpoint.Checkpoint, "save", save_then_crash)
    with pytest.raises(KeyboardInterrupt):
        ls.simulate(energy, x0, jax.random.key(1), checkpoint=path, **kw)
    monkeypatch.setattr(ls.checkpoint.Checkpoint, "save", save)
    res = ls.simulate(energy, x0, jax.random.key(1), checkpoint=path, **kw)
    _same(res, full)
    assert res.quench_energy.shape == (8, 5)
    assert np.array_equal(res.quench_energy, full.quench_energy) and np.array_equal(res.quench_t, full.quench_t)
