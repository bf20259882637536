"""Multi-process runs (``jax.distributed``): two local processes, one CPU device each, give the one-process result.

Each process builds the same inputs, ``simulate`` places the slices of its own devices
(``jax.make_array_from_callback``), runs the chunks over the global mesh, gathers the records on every process, and
only process 0 writes the checkpoint; a second call resumes from it on both processes.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import langevin_sphere as ls

KW = dict(schedule=ls.schedules.geometric(1.0, 2.0), step_size=1e-3, n_steps=200, record_every=20, quench_every=5)
SCRIPT = textwrap.dedent(
    """
    import sys
    import jax, numpy as np
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    pid, port, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=2, process_id=pid)
    import langevin_sphere as ls
    assert jax.process_count() == 2 and jax.device_count() == 2 and jax.local_device_count() == 1
    kw = dict(schedule=ls.schedules.geometric(1.0, 2.0), step_size=1e-3, n_steps=200, record_every=20, quench_every=5)
    x0 = ls.sphere.uniform(jax.random.key(0), (21, 8, 3))
    energy = ls.energies.InfoNCE(tau=0.2)
    res = ls.simulate(energy, x0, jax.random.key(1), checkpoint=out + ".ckpt.npz", **kw)
    again = ls.simulate(energy, x0, jax.random.key(1), checkpoint=out + ".ckpt.npz", **kw)  # resumes: nothing left
    np.testing.assert_array_equal(again.energy, res.energy)
    if pid == 0:
        np.savez(out, energy=res.energy, grad_norm=res.grad_norm, final=res.final, quench_energy=res.quench_energy)
    print("OK", pid)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # three processes compiling at once (about 55 s on 2 cores); test_sharding covers the mesh in one
def test_two_processes_give_the_one_process_result(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS",)}
    env.update(JAX_PLATFORMS="cpu", JAX_NUM_CPU_DEVICES="1")
    port, out = str(_free_port()), str(tmp_path / "two.npz")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(pid), port, out],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid in (0, 1)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (stdout, stderr) in zip(procs, results):
        assert p.returncode == 0, stderr[-4000:]
        assert "OK" in stdout
    two = np.load(out)
    x0 = ls.sphere.uniform(jax.random.key(0), (21, 8, 3))
    one = ls.simulate(ls.energies.InfoNCE(tau=0.2), x0, jax.random.key(1), **KW)
    for name in ("energy", "grad_norm", "final"):
        np.testing.assert_array_equal(two[name], getattr(one, name), err_msg=name)
    np.testing.assert_allclose(two["quench_energy"], one.quench_energy, rtol=1e-5)


@pytest.mark.slow
def test_command_line_run_over_two_processes_writes_once_and_matches_one_process(tmp_path):
    """``langevin-sphere run --coordinator ... --num-processes 2 --process-id i`` on two local processes: process 0
    writes the experiment's files, whose numbers equal those of a one-process run."""
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(
        'name = "tiny"\n[energy]\nkind = "infonce"\nM = 3\nd = 3\ntau = 0.3\n'
        "[run]\nn_chains = 12\nstep_size = 0.01\nt_max = 2.0\nrecord_every = 20\nchunk_records = 5\n"
        '[[schedule]]\nkind = "geometric"\nbeta0 = 1.0\nrate = 2.0\n[analysis]\nbasin_starts = 0\n'
    )
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS",)}
    env.update(JAX_PLATFORMS="cpu", JAX_NUM_CPU_DEVICES="1")
    port = str(_free_port())
    cmd = [
        sys.executable,
        "-m",
        "langevin_sphere",
        "run",
        str(cfg),
        "--quiet",
        "--out",
        str(tmp_path / "two"),
        "--coordinator",
        f"localhost:{port}",
        "--num-processes",
        "2",
        "--process-id",
    ]
    procs = [
        subprocess.Popen(cmd + [str(i)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in (0, 1)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-4000:]
    one = subprocess.run(
        [sys.executable, "-m", "langevin_sphere", "run", str(cfg), "--quiet", "--out", str(tmp_path / "one")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert one.returncode == 0, one.stderr[-4000:]
    a, b = (np.load(tmp_path / f / "schedule_0.npz") for f in ("two", "one"))
    np.testing.assert_array_equal(a["energy"], b["energy"])
    np.testing.assert_array_equal(a["final"], b["final"])
    s2, s1 = (json.loads((tmp_path / f / "summary.json").read_text()) for f in ("two", "one"))
    assert s2["schedules"][0]["success"] == s1["schedules"][0]["success"]
