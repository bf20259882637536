"""Throughput benchmark: config-steps per second of :func:`langevin_sphere.simulate` beside the baseline.

One config-step = one Langevin step of one chain (a whole configuration of n = 2M rows). Every number is measured in
this process, side by side, so ratios mean something on any machine:

- **baseline**: the straightforward implementation, kept here as the reference: ``jit(vmap(lax.scan(...)))`` around
  ``jax.grad`` of the log-softmax InfoNCE, tangent projection, ``jax.random.normal`` noise and the exponential map
  with ``cos``/``sin``.
- **ls.simulate**: the library as users call it, default layout ("auto"), with a closed-form InfoNCE gradient sharing
  one exp, counter-based Threefry noise with d - 1 numbers per row, polynomial exponential map, NaN isolation and
  records inside the scan.
- **ls.simulate, chains** / **ls.simulate, lanes**: each layout explicitly, one chain at a time or chains-last
  (vector lanes over chains, InfoNCE's ``lanes_value_and_grad``).
- **ls.simulate, autodiff**: the same as ls.simulate, with the energy passed as a plain callable (``jax.grad``).
- **ls.simulate, 1 device**: where there are several local devices (``langevin-sphere`` makes one CPU device per
  core), ``ls.simulate`` shards the chains over all of them; this row keeps them on one.
- **baseline, all devices**: the baseline with its chains sharded over the same devices as ``ls.simulate``, so that
  every ``ratio_to_baseline`` compares like with like (a row on several devices against this one, a row on one
  device against the one-device baseline). XLA's CPU devices share one pool of threads for large matrix products,
  so even one device may use every core there.
- **large batches**: M = 256 and 1024 with d = 64, 128 and 512, a few chains, where a step is matrix products: the
  ``flop_fraction`` of every row is on the measured matmul FLOP/s of its own devices (one, or all at once).
- **PyTorch + geoopt** (when both are installed, on the CPU): what a PyTorch user writes, autograd InfoNCE and
  geoopt's ``SphereExact`` (``proju``, ``expmap``) in a Python loop over steps, all chains batched, on torch's
  threads (one per core by default); ``devices`` of its row = those threads.
- **machine limits**: exp throughput (jnp.exp over 2^22 floats) and matmul FLOP/s (1024^3), measured here. A
  config-step of InfoNCE needs M^2 + M exps and about 6 M^2 d + 12 M^2 FLOPs; the "fraction of limit" is the larger
  of the two utilisations.
- **profile** (P0): the time per step of each piece of the step, alone: noise, energy and gradient, exponential map;
  the rest of a ``simulate`` step is bookkeeping (keys, NaN checks, records). All on one device.

Reference problem P0: B = 1024 chains, M = 16 pairs, d = 3, symmetric InfoNCE tau = 0.2, beta = 50, float32.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ..core import energies, layouts, noise, records, schedules, sphere
from ..core.kernel import build_kernel
from ..core.sde import Langevin
from ..core.simulate import Placement, make_chunk, simulate

__all__ = ["baseline", "machine_limits", "measure", "profile", "sweep", "large_batches", "memory", "scaling", "run"]

P0 = {"B": 1024, "M": 16, "d": 3, "tau": 0.2, "beta": 50.0}
SWEEP_M = (4, 16, 64, 256)
SWEEP_D = (3, 16, 128)


def baseline(energy, *, beta: float, step_size: float, n_steps: int):
    """Straightforward reference: returns a jitted ``(x0 (B, n, d), keys (B,)) -> final (B, n, d)``, one scan per
    chain, vmapped."""
    grad = jax.grad(energy)

    def exp_map(x, v):  # cos / sin, as written in the textbooks
        r = jnp.linalg.norm(v, axis=-1, keepdims=True)
        r_safe = jnp.where(r > 0, r, 1.0)
        y = jnp.cos(r) * x + jnp.where(r > 0, jnp.sin(r_safe) / r_safe, 1.0) * v
        return y / jnp.linalg.norm(y, axis=-1, keepdims=True)

    def chain(x, k):
        def step(x, i):
            g = sphere.project(x, grad(x))
            xi = sphere.project(x, jax.random.normal(jax.random.fold_in(k, i), x.shape))
            return exp_map(x, -step_size * g + jnp.sqrt(2 * step_size / beta) * xi), None

        return jax.lax.scan(step, x, jnp.arange(n_steps))[0]

    return jax.jit(jax.vmap(chain))


def torch_geoopt(x0: np.ndarray, *, tau: float, beta: float, step_size: float, n_steps: int):
    """What a PyTorch user writes: symmetric InfoNCE by autograd, geoopt's ``SphereExact`` for the tangent projection
    and the exponential map, one Python loop over steps with all chains batched; returns ``run() -> final x``.
    Needs torch and geoopt (not dependencies of this package); runs on all CPU threads torch is given."""
    import geoopt
    import torch

    manifold = geoopt.SphereExact()
    m = x0.shape[1] // 2

    def energy(x):  # (B, 2M, d) -> the sum over chains of each chain's symmetric InfoNCE
        s = torch.einsum("bid,bjd->bij", x[:, :m], x[:, m:]) / tau
        l_uv = -torch.diagonal(torch.log_softmax(s, dim=2), dim1=1, dim2=2).mean(1)
        l_vu = -torch.diagonal(torch.log_softmax(s, dim=1), dim1=1, dim2=2).mean(1)
        return (0.5 * (l_uv + l_vu)).sum()

    def run():
        x = torch.tensor(np.asarray(x0))
        gen = torch.Generator().manual_seed(0)
        for _ in range(n_steps):
            x.requires_grad_(True)
            (g,) = torch.autograd.grad(energy(x), x)
            with torch.no_grad():
                xi = manifold.proju(x, torch.randn(x.shape, generator=gen))
                x = manifold.expmap(x, -step_size * manifold.proju(x, g) + math.sqrt(2 * step_size / beta) * xi)
        return x

    return run


def _torch_threads() -> int | None:
    """torch's CPU threads when torch and geoopt are installed (the optional benchmark row), else None."""
    try:
        import geoopt  # noqa: F401
        import torch
    except ImportError:
        return None
    return torch.get_num_threads()


def _best_time(fn, repeats: int = 3) -> float:
    jax.block_until_ready(fn())  # compile and warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - start)
    return best


def machine_limits(log=print) -> dict:
    """Measured exp throughput (exps/s), float32 matmul FLOP/s and copy bandwidth (bytes/s) of the default device."""
    x = jax.random.uniform(jax.random.key(0), (1 << 22,), minval=-1.0, maxval=1.0)
    exp_fn = jax.jit(lambda x: jax.lax.fori_loop(0, 8, lambda i, y: jnp.exp(y * 0.5) - 1.0, x))
    exp_rate = 8 * x.size / _best_time(lambda: exp_fn(x))
    a = jax.random.normal(jax.random.key(1), (1024, 1024))
    mm = jax.jit(lambda a: a @ a)
    flops = 2 * 1024**3 / _best_time(lambda: mm(a))
    big = jax.random.uniform(jax.random.key(2), (1 << 24,))
    copy = jax.jit(lambda y: y * 1.0000001)
    bandwidth = 2 * 4 * big.size / _best_time(lambda: copy(big))
    out = {"exp_per_s": exp_rate, "flop_per_s": flops, "bytes_per_s": bandwidth, "device": str(jax.devices()[0])}
    log(f"machine: {out['device']}: exp {exp_rate:.3g}/s, matmul {flops:.3g} FLOP/s, copy {bandwidth:.3g} B/s")
    devices = jax.local_devices()
    if len(devices) > 1:  # the same matmul on every device at once: the matmul limit of a run on all of them
        each = [jax.device_put(a, dv) for dv in devices]
        out["flop_per_s_all_devices"] = 2 * 1024**3 * len(devices) / _best_time(lambda: [mm(b) for b in each])
        log(f"         {len(devices)} devices at once: matmul {out['flop_per_s_all_devices']:.3g} FLOP/s")
    return out


def _flop_limit(limits: dict, n_devices: int) -> float:
    """Measured matmul FLOP/s of ``n_devices`` local devices (one, or all of them at once)."""
    return limits["flop_per_s"] if n_devices == 1 else limits.get("flop_per_s_all_devices", limits["flop_per_s"])


def _work(M: int, d: int) -> tuple[float, float]:
    """(exps, FLOPs) of one InfoNCE config-step: similarity, exp, softmax weights, two contractions."""
    return M * M + M, 6.0 * M * M * d + 12.0 * M * M


def measure(
    M: int,
    d: int,
    n_chains: int,
    *,
    n_steps: int | None = None,
    tau: float = 0.2,
    beta: float = 50.0,
    limits: dict | None = None,
    target_s: float = 0.5,
    implementations=None,
) -> list[dict]:
    """Config-steps per second of each implementation on one problem (B = n_chains, M pairs, d)."""
    energy = energies.InfoNCE(tau=tau)
    x0 = sphere.uniform(jax.random.key(0), (n_chains, 2 * M, d))
    key = jax.random.key(1)
    h = 1e-4 if d > 16 or M > 64 else 1e-3  # keeps the step far below a radian at every size

    def sim(e, devices=None, layout="auto"):  # steady state: the fastest of chunks 2-6 (the first one compiles)
        res = simulate(
            e,
            x0,
            key,
            schedule=schedules.constant(beta),
            step_size=h,
            n_steps=6 * n_steps,
            record_every=n_steps,
            chunk_records=1,
            devices=devices,
            layout=layout,
        )
        return float(np.min(res.chunk_seconds[1:]))

    def base(devices=None):  # one device, or the chains sharded over ``devices`` (n_chains a multiple of them)
        fn = baseline(energy, beta=beta, step_size=h, n_steps=n_steps)
        x, keys = x0, jax.random.split(key, n_chains)
        if devices is not None:
            sharding = jax.sharding.NamedSharding(
                jax.sharding.Mesh(np.array(devices), ("chains",)), jax.sharding.PartitionSpec("chains")
            )
            x, keys = jax.device_put(x, sharding), jax.device_put(keys, sharding)
        return _best_time(lambda: fn(x, keys), repeats=5)

    impls = {
        "baseline": base,
        "ls.simulate": lambda: sim(energy),
        "ls.simulate, chains": lambda: sim(energy, layout="chains"),
        "ls.simulate, lanes": lambda: sim(energy, layout="lanes"),
        "ls.simulate, autodiff": lambda: sim(lambda x: energy(x)),
    }
    if jax.local_device_count() > 1:  # chains sharded over all local devices by default; also on one of them
        impls["ls.simulate, 1 device"] = lambda: sim(energy, devices=jax.local_devices()[:1])
        if n_chains % jax.local_device_count() == 0:  # the baseline on the same devices as ls.simulate
            impls["baseline, all devices"] = lambda: base(jax.local_devices())
    threads = _torch_threads()
    if threads is not None and jax.default_backend() == "cpu":
        impls["PyTorch + geoopt"] = lambda: _best_time(
            torch_geoopt(np.asarray(x0), tau=tau, beta=beta, step_size=h, n_steps=n_steps)
        )
    cores = {"baseline": 1, "ls.simulate, 1 device": 1, "PyTorch + geoopt": threads}
    names = implementations or list(impls)
    if n_steps is None:  # calibrate on the baseline: about target_s seconds per timed run
        n_steps = 4
        seconds = impls["baseline"]()
        n_steps = int(min(5000, max(8, 4 * target_s / max(seconds, 1e-6))))
    exps, flops = _work(M, d)
    rows = []
    for name in names:
        rate = n_chains * n_steps / impls[name]()
        row = {
            "implementation": name,
            "B": n_chains,
            "M": M,
            "d": d,
            "n_steps": n_steps,
            "config_steps_per_s": rate,
            "devices": cores.get(name, jax.local_device_count()),
        }
        if limits:
            row["exp_fraction"] = rate * exps / limits["exp_per_s"]
            row["flop_fraction"] = rate * flops / _flop_limit(limits, row["devices"] or 1)
            row["fraction_of_limit"] = max(row["exp_fraction"], row["flop_fraction"])
            if "bytes_per_s" in limits:  # the least memory traffic of a step: read and write x and its gradient
                row["bandwidth_fraction"] = rate * 4 * (2 * M * d) * 4 / limits["bytes_per_s"]
        rows.append(row)
    by_name = {r["implementation"]: r for r in rows}
    for row in rows:  # like with like: against the baseline on as many devices where that row was measured
        same = by_name.get("baseline, all devices") if row["devices"] > 1 else None
        row["ratio_to_baseline"] = row["config_steps_per_s"] / (same or rows[0])["config_steps_per_s"]
    return rows


def per_call(n_chains: int = P0["B"], M: int = P0["M"], d: int = P0["d"], n_steps: int = 2000, calls: int = 3) -> dict:
    """What a user who calls ``simulate`` several times sees: the wall time of ``calls`` successive P0 calls of
    ``n_steps`` steps each, every call with its own X0, key and beta (compilation, validation, placement and the
    transfer of records included), as config-steps per second per call. The first call compiles this structure
    (unless JAX's persistent compilation cache holds it: ``persistent_cache``); the later ones must not. Against the
    rate of the call's own chunks after the first (``own_chunks_config_steps_per_s``: the steady state measured in
    the same seconds, which a shared machine's load changes from minute to minute) a call's rate is the fraction of
    its time spent running chains."""
    energy = energies.InfoNCE(tau=P0["tau"])
    seconds, own = [], []
    for i in range(calls):
        x0 = sphere.uniform(jax.random.key(10 + i), (n_chains, 2 * M, d))
        start = time.perf_counter()
        res = simulate(
            energy, x0, jax.random.key(20 + i), schedule=schedules.constant(P0["beta"] + i), step_size=1e-3,
            n_steps=n_steps, record_every=100,
        )  # fmt: skip
        np.asarray(res.energy)
        seconds.append(time.perf_counter() - start)
        # the rate of this call's own chunks after the first (equal chunks: 20 records, one per chunk), the steady
        # state in the same minute as the call
        per_chunk = n_steps / len(res.chunk_seconds)
        own.append(n_chains * per_chunk * (len(res.chunk_seconds) - 1) / float(np.sum(res.chunk_seconds[1:])))
    return {
        "B": n_chains,
        "M": M,
        "d": d,
        "n_steps": n_steps,
        "seconds": seconds,
        "config_steps_per_s": [n_chains * n_steps / s for s in seconds],
        "own_chunks_config_steps_per_s": own,
        "devices": jax.local_device_count(),
        "persistent_cache": bool(jax.config.jax_compilation_cache_dir),  # type: ignore[attr-defined]
    }


def profile(M: int = 16, d: int = 3, n_chains: int = 1024, tau: float = 0.2, n_steps: int = 200) -> dict:
    """Seconds per step of each piece of the Langevin step alone (B chains, in a scan of n_steps), and in total."""
    energy = energies.InfoNCE(tau=tau)
    x0 = sphere.uniform(jax.random.key(0), (n_chains, 2 * M, d))
    keys = jax.vmap(lambda b: jax.random.fold_in(jax.random.key(1), b))(jnp.arange(n_chains))

    block = layouts.Chains().block_size(n_chains, jax.devices()[0].platform)

    def loop(body):  # n_steps of body(x, keys, k), in blocks of chains as simulate runs them
        def run_block(xk):
            x, keys = xk
            return jax.lax.scan(lambda x, k: (body(x, keys, k), None), x, jnp.arange(n_steps))[0]

        blocks = jax.tree.map(lambda a: a.reshape((-1, block) + a.shape[1:]), (x0, keys))
        fn = jax.jit(lambda b: jax.lax.map(run_block, b))
        return _best_time(lambda: fn(blocks)) / n_steps

    lanes_x = jnp.moveaxis(x0, 0, -1)  # (n, d, B): the chains-last layout, one block
    lanes_vg = jax.jit(
        lambda x: jax.lax.scan(
            lambda x, _: (x - 1e-6 * energy.lanes_value_and_grad(x)[1], None), x, None, length=n_steps
        )[0]
    )
    pieces = {
        "noise (keys + tangent normals)": loop(
            lambda x, keys, k: x + 1e-6 * jax.vmap(noise.tangent_normal)(noise.fold_in(keys, k), x)
        ),
        "energy + gradient (closed form)": loop(lambda x, keys, k: x - 1e-6 * jax.vmap(energy.value_and_grad)(x)[1]),
        "energy + gradient (lanes layout)": _best_time(lambda: lanes_vg(lanes_x)) / n_steps,
        "energy + gradient (jax.grad)": loop(
            lambda x, keys, k: x - 1e-6 * jax.vmap(sphere.riemannian_value_and_grad(energy))(x)[1]
        ),
        "exponential map": loop(lambda x, keys, k: sphere.exp(x, 1e-3 * x[:, ::-1])),  # cost does not need tangency
    }

    def simulate_step(layout):  # seconds per step of simulate on one device, steady state
        res = simulate(
            energy,
            x0,
            jax.random.key(1),
            schedule=schedules.constant(50.0),
            step_size=1e-3,
            n_steps=4 * n_steps,
            record_every=n_steps,
            chunk_records=1,
            devices=jax.local_devices()[:1],
            layout=layout,
        )
        return float(np.min(res.chunk_seconds[1:])) / n_steps

    pieces["ls.simulate step (total)"] = total = simulate_step("chains")
    pieces["ls.simulate step, lanes layout (total)"] = simulate_step("lanes")
    parts = ("noise (keys + tangent normals)", "energy + gradient (closed form)", "exponential map")
    pieces["bookkeeping (total - pieces)"] = total - sum(pieces[p] for p in parts)
    return pieces


def sweep(limits: dict | None = None, Ms=SWEEP_M, ds=SWEEP_D, target_s: float = 0.3, log=print) -> list[dict]:
    """Baseline and ls.simulate over M x d; B shrinks with the work per step (B M^2 d about P0's, 8 <= B <= 1024);
    the lanes layout where B fills its blocks; the baseline also on all local devices, the library's."""
    rows = []
    for d in ds:
        for M in Ms:
            n_chains = int(min(1024, max(8, 2 ** round(math.log2(1024 * 16 * 16 * 3 / (M * M * d))))))
            names = ["baseline", "ls.simulate, chains"]
            if jax.local_device_count() > 1 and n_chains % jax.local_device_count() == 0:
                names.insert(1, "baseline, all devices")  # the library's devices: ratios like with like
            if n_chains >= layouts.Lanes().cpu_block:  # fewer chains than a lanes block would mostly run padding
                names.append("ls.simulate, lanes")
            got = measure(M, d, n_chains, limits=limits, target_s=target_s, implementations=names)
            for r in got:
                log(_format(r))
            rows += got
    return rows


LARGE = ((256, 64), (256, 128), (256, 512), (1024, 64), (1024, 128), (1024, 512))  # (M, d) of contrastive batches


def large_batches(limits: dict, sizes=LARGE, target_s: float = 0.3, log=print) -> list[dict]:
    """Few chains at the batch sizes of contrastive learning, where a step is matmul-bound: ls.simulate and the
    baseline each on one device and on all local devices (2 chains per device up to M = 256, 1 beyond), every row's
    ``flop_fraction`` on the measured matmul FLOP/s of its own devices."""
    n_dev = jax.local_device_count()
    names = ["baseline", "ls.simulate, chains"]
    if n_dev > 1:
        names = ["baseline", "ls.simulate, 1 device", "baseline, all devices", "ls.simulate, chains"]
    rows = []
    for M, d in sizes:
        n_chains = (2 if M <= 256 else 1) * n_dev
        got = measure(M, d, n_chains, limits=limits, target_s=target_s, implementations=names)
        for r in got:
            log(_format(r) + f" ({r['devices']} device{'s' if r['devices'] > 1 else ''})")
        rows += got
    return rows


def memory(n_chains: int = 1024, M: int = 16, d: int = 3, n_steps: int = 10**6, record_every: int = 1000) -> dict:
    """Memory of a P0 run of ``n_steps`` from XLA's analysis of :func:`simulate`'s compiled chunk (nothing is run).

    The chunk is what stays resident: its arguments (the state), outputs (one chunk of records) and temporaries.
    Records are moved to the host after each chunk, so the whole run needs the chunk plus the host records.
    """
    energy = energies.InfoNCE(tau=P0["tau"])
    kernel = build_kernel(Langevin(energy, schedules.constant(P0["beta"])), None, 1e-3)
    layout = layouts.Chains()
    placement = Placement.plan(n_chains, jax.local_devices()[:1], layout)
    recorded = records.defaults(kernel.integrator)
    x = jax.ShapeDtypeStruct((n_chains, 2 * M, d), jnp.float32, sharding=placement.sharding)
    keys = jax.eval_shape(lambda: jax.random.split(jax.random.key(0), n_chains))
    keys = jax.ShapeDtypeStruct(keys.shape, keys.dtype, sharding=placement.sharding)
    states = jax.eval_shape(jax.vmap(kernel.init), x, keys)
    states = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=placement.sharding), states)
    failed = jax.ShapeDtypeStruct((n_chains,), jnp.int32, sharding=placement.sharding)
    k0 = jax.ShapeDtypeStruct((), jnp.int32)
    state_bytes = sum(a.size * a.dtype.itemsize for a in jax.tree.leaves(states))  # x, grad, energy
    n_records = n_steps // record_every + 1
    record_bytes = n_records * n_chains * 2 * 4  # energy and grad norm
    out = {"n_steps": n_steps, "record_every": record_every, "state_bytes": state_bytes, "record_bytes": record_bytes}
    for chunk_records in (1, 50):  # simulate's own compiled chunk
        chunk = make_chunk(kernel, layout, recorded, placement, chunk_records, record_every)
        stats = chunk.lower(states, failed, keys, k0).compile().memory_analysis()
        used = stats.argument_size_in_bytes + stats.output_size_in_bytes + stats.temp_size_in_bytes
        out[f"chunk_{chunk_records}_device_bytes"] = int(used)
    out["peak_over_state_plus_records"] = (out["chunk_50_device_bytes"] + record_bytes) / (state_bytes + record_bytes)
    return out


def scaling(n_chains: int = P0["B"], M: int = P0["M"], d: int = P0["d"], n_steps: int = 200) -> dict:
    """Steady-state P0 throughput on one device and on all local devices (chains sharded), and the efficiency
    rate(all) / (n_devices x rate(one)). On a CPU split into host devices
    (``XLA_FLAGS=--xla_force_host_platform_device_count=N``) each device should have a core of its own."""
    energy = energies.InfoNCE(tau=P0["tau"])
    x0 = sphere.uniform(jax.random.key(0), (n_chains, 2 * M, d))

    def rate(devices, layout):
        res = simulate(
            energy,
            x0,
            jax.random.key(1),
            schedule=schedules.constant(P0["beta"]),
            step_size=1e-3,
            n_steps=6 * n_steps,
            record_every=n_steps,
            chunk_records=1,
            devices=devices,
            layout=layout,
        )
        return n_chains * n_steps / float(np.min(res.chunk_seconds[1:]))

    devices = jax.local_devices()
    out = {"n_devices": len(devices)}
    for layout in ("chains", "lanes"):
        one, every = rate(devices[:1], layout), rate(devices, layout)
        out[layout] = {"one_device": one, "all_devices": every, "efficiency_per_device": every / (len(devices) * one)}
    return out


def _format(r: dict) -> str:
    frac = f"{r['fraction_of_limit']:10.3f}" if "fraction_of_limit" in r else f"{'':10s}"
    return (
        f"{r['implementation']:24s} {r['B']:6d} {r['M']:4d} {r['d']:4d} {r['config_steps_per_s']:14.4g} "
        f"{r['ratio_to_baseline']:9.2f}x {frac}"
    )


def run(
    *,
    n_chains: int = P0["B"],
    M: int = P0["M"],
    d: int = P0["d"],
    do_sweep: bool = True,
    out: str | Path | None = None,
    log=print,
) -> dict:
    """The benchmark of ``langevin-sphere bench``: limits, the P0 table, its profile, the sweep; ``out/bench.json``
    (the CLI then draws the sweep with :func:`langevin_sphere.figures.bench_sweep`)."""
    from ..core import io

    limits = machine_limits(log=log)
    log(
        f"\n{'implementation':24s} {'B':>6s} {'M':>4s} {'d':>4s} {'config-steps/s':>14s} {'vs base':>10s} "
        f"{'of limit':>10s}"
    )
    rows = measure(M, d, n_chains, tau=P0["tau"], beta=P0["beta"], limits=limits)
    for r in rows:
        log(_format(r))
    calls = per_call(n_chains, M, d)
    steady = next(r["config_steps_per_s"] for r in rows if r["implementation"] == "ls.simulate")
    log(f"\n{len(calls['seconds'])} successive calls of {calls['n_steps']} steps, config-steps/s (compile included):")
    for i, rate in enumerate(calls["config_steps_per_s"]):
        log(
            f"  call {i + 1}: {rate:.4g}  ({rate / steady:.2f} of the steady state {steady:.4g}, "
            f"{rate / calls['own_chunks_config_steps_per_s'][i]:.2f} of its own chunks after the first)"
        )
    pieces = profile(M, d, n_chains)
    log("\nprofile, milliseconds per step of all chains:")
    for name, sec in pieces.items():
        log(f"  {name:34s} {1e3 * sec:8.3f}")
    result = {"limits": limits, "p0": rows, "per_call": calls, "profile_s_per_step": pieces}
    result["memory"] = memory(n_chains, M, d)
    log(
        f"\nmemory, P0 for 1e6 steps, record_every 1000: peak / (state + records) = "
        f"{result['memory']['peak_over_state_plus_records']:.2f}"
    )
    if jax.local_device_count() > 1:
        result["scaling"] = sc = scaling(n_chains, M, d)
        log("")
        for layout in ("chains", "lanes"):
            r = sc[layout]
            log(
                f"scaling, layout {layout}: 1 device {r['one_device']:.4g}, {sc['n_devices']} devices "
                f"{r['all_devices']:.4g} config-steps/s: {r['efficiency_per_device']:.2f} per device"
            )
    if do_sweep:
        log("\nsweep:")
        result["sweep"] = sweep(limits, log=log)
        log("\nlarge batches (ratio: to the baseline on as many devices; fraction of their matmul FLOP/s):")
        result["large_batches"] = large_batches(limits, log=log)
    result["provenance"] = io.provenance()
    result["device"] = f"{jax.devices()[0].device_kind} ({jax.default_backend()})"
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        io.save_json(out / "bench.json", result)
        log(f"wrote {out / 'bench.json'}")
    return result
