"""`simulate`: many independent Langevin chains on (S^{d-1})^n under an annealed inverse temperature.

The one entry point (as diffrax has ``diffeqsolve``). The hot path is one compiled ``lax.scan`` per chunk of records,
vmapped over chains; records (energy, gradient norm, ...) are reduced inside the scan, so memory is O(B x records),
never O(B x steps). Between chunks, on the host: the progress bar and the transfer of records.

Randomness: chain b draws its noise at step k from ``fold_in(fold_in(key, b), k)``, so a chain's trajectory does not
depend on how many chains run beside it, nor on the chunking.

Checkpoints: with ``checkpoint=PATH`` the state, the step and the records so far are written atomically every
``checkpoint_every`` chunks; calling ``simulate`` again with the same arguments and PATH resumes from it, and the
result is bit-identical to an uninterrupted run (noise keys depend only on (key, chain, step)). A checkpoint written
by a run with other arguments is refused.

Non-finite values: a chain whose state, energy or gradient becomes NaN/inf is frozen at its last finite state and its
step is reported in ``Result.failed_step``; its later records are NaN, the other chains go on untouched.

This module runs dynamics; it does not define energies, schedules or diagnostics.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import numbers
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray
from tqdm.auto import tqdm

from . import io, landscape, noise
from . import schedules as schedules_lib
from .integrators import GeodesicEulerMaruyama, Integrator, LangevinState

__all__ = ["Result", "simulate"]

_UNIT_NORM_TOL = 1e-4


@dataclasses.dataclass(frozen=True)
class Result:
    """What :func:`simulate` returns: host (numpy) arrays, R = n_steps / record_every + 1 records (t = 0 included).

    Attributes:
      t: (R,) diffusion times of the records, t_r = r * record_every * step_size.
      beta: (R,) inverse temperature at the records.
      energy: (B, R) energy of every chain at every record (NaN after a chain failed).
      grad_norm: (B, R) norm of the Riemannian gradient over the whole configuration.
      final: (B, n, d) last configuration of every chain (the last finite one for a failed chain).
      failed_step: (B,) the step at which a chain first became non-finite, -1 if never.
      tau: (R,) loss temperature at the records when a ``tau_schedule`` was given, else None.
      x: (B, R, n, d) recorded configurations when ``record_x=True``, else None.
      quench_t: (Q,) times of the quenches when ``quench_every`` was given, else None.
      quench_energy: (B, Q) energy of the local minimum of each chain's basin at those times (NaN after a failure).
      quench_grad_norm: (B, Q) Riemannian gradient norm at the quenched configuration (the quench's convergence).
      n_accepted: (B, R) proposals accepted since t = 0, for a Metropolis-adjusted integrator (state field
        ``n_accepted``), else None; the acceptance rate between records is its difference over ``record_every``.
      chunk_seconds: (C,) wall time of each compiled chunk of this call (run and transfer of its records; the first
        one includes compilation): the steady-state throughput is B x steps per chunk / chunk_seconds[1:].
      step_size, n_steps, record_every: the run's parameters.
    """

    t: np.ndarray
    beta: np.ndarray
    energy: np.ndarray
    grad_norm: np.ndarray
    final: np.ndarray
    failed_step: np.ndarray
    tau: np.ndarray | None = None
    x: np.ndarray | None = None
    quench_t: np.ndarray | None = None
    quench_energy: np.ndarray | None = None
    quench_grad_norm: np.ndarray | None = None
    n_accepted: np.ndarray | None = None
    chunk_seconds: np.ndarray | None = None
    step_size: float = 0.0
    n_steps: int = 0
    record_every: int = 1

    @property
    def n_chains(self) -> int:
        return self.energy.shape[0]


def _to_host(a) -> np.ndarray:
    """A device array as numpy; an array sharded over several hosts is gathered first."""
    if isinstance(a, jax.Array) and not a.is_fully_addressable:
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(a, tiled=True))
    return np.asarray(a)


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"simulate: {name} must be an integer >= 1, got {name}={value!r}")
    if value < 1:
        raise ValueError(f"simulate: {name} must be an integer >= 1, got {name}={value}")
    return int(value)


def _check_inputs(energy, x0, step_size, n_steps, record_every, tau_schedule) -> tuple[float, int, int]:
    if not callable(energy):
        raise TypeError(f"simulate: energy must be a callable X (n, d) -> scalar, got {type(energy).__name__}")
    if x0.ndim != 3:
        raise ValueError(
            f"simulate: X0 must have shape (B, n, d) = (chains, rows, dimension), got shape {x0.shape}; "
            "for a single chain use X0[None]"
        )
    if x0.shape[-1] < 2 or x0.shape[0] < 1 or x0.shape[1] < 1:
        raise ValueError(f"simulate: X0 of shape (B, n, d) needs B >= 1, n >= 1 and d >= 2, got shape {x0.shape}")
    if not jnp.issubdtype(x0.dtype, jnp.floating):
        raise TypeError(f"simulate: X0 must be a floating-point array, got dtype {x0.dtype}")
    dev = float(jnp.max(jnp.abs(jnp.linalg.norm(x0, axis=-1) - 1.0)))
    if not dev <= _UNIT_NORM_TOL:  # also catches NaN
        raise ValueError(
            f"simulate: every row of X0 must be a unit vector (|norm - 1| <= {_UNIT_NORM_TOL}), got max |norm - 1| = {dev:.3g}; "
            "normalise with langevin_sphere.sphere.normalize(X0)"
        )
    if isinstance(step_size, bool) or not isinstance(step_size, numbers.Real):
        raise TypeError(f"simulate: step_size must be a real number > 0, got step_size={step_size!r}")
    step_size = float(step_size)
    if not (0 < step_size < math.inf):
        raise ValueError(f"simulate: step_size must be a finite number > 0, got step_size={step_size}")
    n_steps = _positive_int("n_steps", n_steps)
    record_every = _positive_int("record_every", record_every)
    if n_steps % record_every:
        raise ValueError(
            f"simulate: record_every must divide n_steps so that the last step is recorded, got n_steps={n_steps}, "
            f"record_every={record_every} (n_steps % record_every = {n_steps % record_every})"
        )
    if tau_schedule is not None and not hasattr(energy, "tau"):
        raise ValueError(
            f"simulate: tau_schedule needs an energy with a loss temperature field `tau`, got {type(energy).__name__}"
        )
    out = jax.eval_shape(energy, jax.ShapeDtypeStruct(x0.shape[1:], x0.dtype))
    if getattr(out, "shape", None) != ():
        raise ValueError(f"simulate: energy must return a scalar for X of shape {x0.shape[1:]}, got shape {getattr(out, 'shape', out)}")
    return step_size, n_steps, record_every


_CPU_BLOCK = 8  # chains per block on CPU, one chain at a time: fastest of 1-256 on the reference problem (bench.py)
_LANES_BLOCK = 1024  # most chains per block of the chains-last CPU step: bounds its (M, M, block) intermediates

_MAX_STEP_ANGLE = 1.0  # radians: a geodesic step longer than this does not resolve the dynamics at all


def _check_step_size(states: LangevinState, h: float, beta0: float, d: int) -> None:
    """Refuse a step size absurdly large for the energy scale: drift h |grad E| or noise sqrt(2 h (d-1) / beta)
    above one radian per row at the start of the run."""
    drift = h * float(jnp.nanmax(jnp.linalg.norm(states.grad, axis=-1)))
    noise = math.sqrt(2.0 * h * (d - 1) / beta0)
    if drift > _MAX_STEP_ANGLE or noise > _MAX_STEP_ANGLE:
        g = drift / h
        limit = min(_MAX_STEP_ANGLE / g if g > 0 else math.inf, _MAX_STEP_ANGLE**2 * beta0 / (2 * (d - 1)))
        raise ValueError(
            f"simulate: step_size={h:g} is too large for this energy and temperature: at t = 0 a row moves by "
            f"h |grad E| = {drift:.3g} rad (drift) and sqrt(2 h (d-1) / beta) = {noise:.3g} rad (noise) per step; "
            f"allowed: both <= {_MAX_STEP_ANGLE} rad, i.e. step_size <= {limit:.3g} (use ~100x less for accuracy)"
        )


def _fingerprint(energy, x0, key, schedule, tau_schedule, integrator, h, n_steps, record_every, record_x,
                 quench_every, layout) -> str:
    """A digest of everything that determines a run's result, to refuse resuming from another run's checkpoint.

    Callables cannot be compared, so schedules enter through their values on a grid of times and the energy through
    its value on the first chains (and its printed form when it is an equinox Module).
    """
    t_grid = jnp.linspace(0.0, n_steps * h, 17, dtype=x0.dtype)
    probe = x0[: min(4, x0.shape[0])]
    parts = {
        "x0": hashlib.sha256(np.asarray(x0).tobytes()).hexdigest(),
        "shape": list(x0.shape),
        "dtype": str(x0.dtype),
        "key": np.asarray(jax.random.key_data(key)).tolist(),
        "energy": repr(energy) if isinstance(energy, eqx.Module) else getattr(energy, "__qualname__", "callable"),
        "energy_values": np.asarray(jax.vmap(energy)(probe)).tolist(),
        "beta": np.asarray(schedule(t_grid)).tolist(),
        "tau": None if tau_schedule is None else np.asarray(tau_schedule(t_grid)).tolist(),
        "integrator": repr(integrator),
        "step_size": h,
        "n_steps": n_steps,
        "record_every": record_every,
        "record_x": record_x,
        "quench_every": quench_every,
    }
    if layout != "chains":  # (absent for the default, so that earlier checkpoints stay valid)
        parts["layout"] = layout
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _save_checkpoint(path: Path, fingerprint: str, states: LangevinState, failed, records, quenches, done: int) -> None:
    arrays = {"fingerprint": np.asarray(fingerprint), "done": np.asarray(done), "failed": np.asarray(failed)}
    for i, leaf in enumerate(jax.tree.leaves(states)):
        arrays[f"state_{i}"] = np.asarray(leaf)
    for prefix, recs in (("record_", records), ("quench_", quenches)):
        for name in recs[0] if recs else ():
            arrays[prefix + name] = np.concatenate([r[name] for r in recs], axis=0)
    io.save_npz(path, arrays)


def _load_checkpoint(path: Path, fingerprint: str, like: LangevinState):
    try:
        data = io.load_npz(path)
    except Exception as err:  # noqa: BLE001 - a damaged file is reported, never half-used
        raise ValueError(f"simulate: cannot read the checkpoint {path}: {err}") from err
    if str(data["fingerprint"]) != fingerprint:
        raise ValueError(
            f"simulate: the checkpoint {path} was written by a run with other arguments (energy, X0, key, schedules, "
            "integrator, step_size, n_steps, record_every, record_x or quench_every differ); refusing to resume from it. Delete it or pass another path."
        )
    leaves, treedef = jax.tree.flatten(like)
    states = jax.tree.unflatten(treedef, [jnp.asarray(data[f"state_{i}"]) for i in range(len(leaves))])
    records = [{k[len("record_"):]: v for k, v in data.items() if k.startswith("record_")}]
    quenches = [{k[len("quench_"):]: v for k, v in data.items() if k.startswith("quench_")}]
    return states, jnp.asarray(data["failed"]), records, [q for q in quenches if q], int(data["done"])


def simulate(
    energy: Callable[[Float[Array, "n d"]], Float[Array, ""]],
    X0: Float[Array, "B n d"],
    key: PRNGKeyArray,
    *,
    schedule: schedules_lib.Schedule,
    step_size: float = 1e-3,
    n_steps: int = 100_000,
    record_every: int = 100,
    tau_schedule: schedules_lib.Schedule | None = None,
    integrator: Integrator | None = None,
    chunk_records: int | None = None,
    record_x: bool = False,
    progress: bool = False,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 1,
    quench_every: int | None = None,
    devices: Sequence[jax.Device] | None = None,
    layout: str = "chains",
) -> Result:
    r"""Run B independent Langevin chains on (S^{d-1})^n with an annealed inverse temperature.

    Integrates dX = -grad E(X) dt + sqrt(2 / beta(t)) dW with ``integrator`` (default
    :class:`~langevin_sphere.integrators.GeodesicEulerMaruyama`), steps k = 0 .. n_steps - 1 at t_k = k h.

    Args:
      energy: X (n, d) -> scalar: an energy of :mod:`langevin_sphere.energies` or any JAX-traceable callable.
      X0: (B, n, d) initial configurations, unit rows; B chains.
      key: PRNG key; chain b uses ``jax.random.fold_in(key, b)``.
      schedule: t -> beta(t) > 0 (see :mod:`langevin_sphere.schedules`); checked on [0, n_steps h] before running.
      step_size: h > 0, in units of diffusion time.
      n_steps: number of steps, a multiple of ``record_every``.
      record_every: steps between records.
      tau_schedule: optional t -> tau(t) annealing the energy's loss temperature field ``tau``.
      integrator: an :class:`~langevin_sphere.integrators.Integrator`.
      chunk_records: records per compiled chunk (default: about 20 chunks per run).
      record_x: also record the configurations, (B, R, n, d) (memory!).
      progress: show a progress bar over chunks.
      checkpoint: path of a checkpoint file (``.npz``): resume from it if it exists, write it as the run goes.
        It is left in place at the end; delete it once the result is saved.
      checkpoint_every: write the checkpoint every this many chunks.
      quench_every: every this many records (and at t = 0), quench a copy of every chain
        (:func:`langevin_sphere.landscape.quench_info`, the inherent-structure method) and record the energy of
        its basin's minimum: the input of :func:`langevin_sphere.diagnostics.trapping_events`. The quenches run
        between compiled chunks, so the chunk length becomes ``quench_every`` records; it must divide the number
        of records.
      devices: the devices over which the chains are sharded (a 1-d ``jax.sharding.Mesh`` over the chain axis);
        default: all of ``jax.devices()``, which after ``jax.distributed.initialize()`` spans every host. The chains
        are padded to a multiple of the device count with copies that are discarded (on one CPU host, devices that
        would hold only padding are left out). Chains never communicate, and each has its own key, so the result is
        the same on one device or many (bit for bit within one process; XLA may round differently in a process
        configured with another number of CPU devices).
      layout: ``"chains"`` (default): each chain is stepped on its own (``vmap`` of ``integrator.step``, on the
        CPU in blocks of 8 chains); a chain's trajectory is bit for bit the same whatever B, the chunking and the
        devices. ``"lanes"``: the integrator's ``lanes_step`` over blocks of up to 1024 chains stored chains-last
        (n, d, B), so that the CPU's vector lanes run over chains (about 2x the throughput on InfoNCE with its
        ``lanes_value_and_grad``; any energy works). The same dynamics, the same noise: results agree with
        ``"chains"`` to float32 round-off, and are reproducible for the same B, chunking and devices, but not bit
        for bit across them.

    Returns:
      A :class:`Result`.

    Examples:
      >>> import jax
      >>> import langevin_sphere as ls
      >>> x0 = ls.sphere.uniform(jax.random.key(0), (8, 6, 3))              # 8 chains of M = 3 pairs in R^3
      >>> res = ls.simulate(ls.energies.InfoNCE(tau=0.5), x0, jax.random.key(1),
      ...                   schedule=ls.schedules.geometric(1.0, 1.0), step_size=1e-2, n_steps=200, record_every=50)
      >>> res.energy.shape, res.t.tolist()
      ((8, 5), [0.0, 0.5, 1.0, 1.5, 2.0])
    """
    X0 = jnp.asarray(X0)
    h, n_steps, record_every = _check_inputs(energy, X0, step_size, n_steps, record_every, tau_schedule)
    t_max = n_steps * h
    schedules_lib.check(schedule, t_max, "simulate: schedule (beta)")
    if tau_schedule is not None:
        schedules_lib.check(tau_schedule, t_max, "simulate: tau_schedule")
    integrator = integrator if integrator is not None else GeodesicEulerMaruyama()
    n_chains = X0.shape[0]
    n_records = n_steps // record_every  # after t = 0
    if chunk_records is None:
        chunk_records = max(1, -(-n_records // 20))
    chunk_records = min(_positive_int("chunk_records", chunk_records), n_records)
    if quench_every is not None:
        quench_every = _positive_int("quench_every", quench_every)
        if n_records % quench_every:
            raise ValueError(
                f"simulate: quench_every must divide the number of records n_steps / record_every = {n_records}, "
                f"got quench_every={quench_every}"
            )
        chunk_records = quench_every

    def energy_at(t):
        if tau_schedule is None:
            return energy
        return eqx.tree_at(lambda e: e.tau, energy, tau_schedule(t))

    devices = list(jax.devices() if devices is None else devices)
    if layout not in ("chains", "lanes"):
        raise ValueError(f"simulate: layout must be 'chains' or 'lanes', got {layout=}")
    lanes = layout == "lanes"
    if lanes and not hasattr(integrator, "lanes_step"):
        raise ValueError(f"simulate: layout='lanes' needs an integrator with a lanes_step method; "
                         f"{type(integrator).__name__} has none (use layout='chains')")
    # On CPU the chains of a device run in blocks of _CPU_BLOCK (one after the other), whose intermediates stay in
    # cache; a GPU runs all of its chains at once. The block size depends on nothing else, so a chain's result does
    # not depend on B or on the number of devices.
    if devices[0].platform == "cpu" and not lanes and jax.process_count() == 1:
        # no more devices than needed for the fewest blocks per device: more would only run padding chains
        n_blocks = -(-n_chains // _CPU_BLOCK)
        per_device = -(-n_blocks // len(devices))
        devices = devices[: -(-n_blocks // per_device)]
    share = -(-n_chains // len(devices))  # chains per device
    if lanes:  # blocks of at most _LANES_BLOCK chains, as even as the device's share allows
        block = -(-share // -(-share // _LANES_BLOCK))
    else:
        block = _CPU_BLOCK if devices[0].platform == "cpu" else share
    n_pad = -n_chains % (len(devices) * block)  # padding chains: copies of chain 0 with keys of their own, dropped
    sharding = jax.sharding.NamedSharding(jax.sharding.Mesh(np.array(devices), ("chains",)),
                                          jax.sharding.PartitionSpec("chains"))

    def place(tree):  # (B, ...) leaves -> padded to B + n_pad and sharded over the chain axis
        def pad(a):
            return jnp.concatenate([a, jnp.repeat(a[:1], n_chains + n_pad - a.shape[0], 0)])

        return jax.device_put(jax.tree.map(pad, tree), sharding)

    chain_keys = place(jax.vmap(lambda b: jax.random.fold_in(key, b))(jnp.arange(n_chains + n_pad)))
    dtype = X0.dtype
    h_arr = jnp.asarray(h, dtype)

    def summary(states: LangevinState, failed):  # states chains-first
        dead = failed >= 0
        e = jnp.where(dead, jnp.nan, states.energy)
        gnorm = jnp.sqrt(jnp.sum(states.grad**2, axis=(-2, -1)))
        rec = {"energy": e, "grad_norm": jnp.where(dead, jnp.nan, gnorm)}
        if hasattr(states, "n_accepted"):  # Metropolis-adjusted integrators
            rec["n_accepted"] = states.n_accepted
        if record_x:
            rec["x"] = states.x
        return rec

    step_chains = integrator.lanes_step if lanes else jax.vmap(integrator.step, in_axes=(None, 0, 0, None, None))
    # layout of the states inside a chunk: chains-last (n, d, B) for the lanes step, else chains-first (B, n, d)
    inner = (lambda st: jax.tree.map(lambda a: jnp.moveaxis(a, 0, -1), st)) if lanes else (lambda st: st)
    outer = (lambda st: jax.tree.map(lambda a: jnp.moveaxis(a, -1, 0), st)) if lanes else (lambda st: st)
    row_axes = (0, 1) if lanes else (-2, -1)

    def one_step(carry, k, chain_keys):
        states, failed = carry
        t = k.astype(dtype) * h_arr
        beta = schedule(t)
        keys = noise.fold_in(chain_keys, k)  # = fold_in(chain_key, k) per chain, bit for bit
        new = step_chains(energy_at(t + h_arr), states, keys, h_arr, beta)
        # one reduction: a NaN or inf anywhere in the state makes the sum non-finite
        finite = jnp.isfinite(new.energy + jnp.sum(new.x + new.grad, axis=row_axes))
        keep = finite & (failed < 0)
        if lanes:  # (B,) broadcasts against the trailing chain axis
            states = jax.tree.map(lambda a, b: jnp.where(keep, a, b), new, states)
        else:
            states = jax.tree.map(
                lambda a, b: jnp.where(keep.reshape(keep.shape + (1,) * (a.ndim - 1)), a, b), new, states
            )
        failed = jnp.where((failed < 0) & ~finite, k.astype(failed.dtype), failed)
        return (states, failed), None

    def make_chunk(n_rec: int):
        def block_chunk(states, failed, chain_keys, k0):  # one block of chains: n_rec records of record_every steps
            def one_record(carry, r):
                ks = k0 + r * record_every + jnp.arange(record_every)
                carry, _ = jax.lax.scan(lambda c, k: one_step(c, k, chain_keys), carry, ks)
                return carry, summary(outer(carry[0]), carry[1])

            (states, failed), rec = jax.lax.scan(one_record, (inner(states), failed), jnp.arange(n_rec))
            return (outer(states), failed), rec

        def device_chunk(states, failed, chain_keys, k0):  # this device's chains, block after block
            blocks = jax.tree.map(lambda a: a.reshape((-1, block) + a.shape[1:]), (states, failed, chain_keys))
            (states, failed), rec = jax.lax.map(lambda b: block_chunk(*b, k0), blocks)
            states, failed = jax.tree.map(lambda a: a.reshape((-1,) + a.shape[2:]), (states, failed))
            rec = jax.tree.map(lambda a: jnp.moveaxis(a, 0, 1).reshape((n_rec, -1) + a.shape[3:]), rec)
            return (states, failed), rec

        spec = jax.sharding.PartitionSpec("chains")
        return jax.jit(jax.shard_map(
            device_chunk, mesh=sharding.mesh, in_specs=(spec, spec, spec, jax.sharding.PartitionSpec()),
            out_specs=((spec, spec), jax.sharding.PartitionSpec(None, "chains")),
        ))

    energy0 = energy_at(jnp.asarray(0.0, dtype))  # closed over, not an argument: a plain callable is not a jit argument
    states = jax.jit(jax.vmap(lambda x: integrator.init(energy0, x)))(place(X0))
    _check_step_size(states, h, float(schedule(jnp.asarray(0.0, dtype))), X0.shape[-1])
    failed = jnp.where(jnp.isfinite(states.energy), -1, 0).astype(jnp.int32)

    def host(tree, axis=1):  # device records (..., B + n_pad, ...) -> numpy, padding dropped
        return jax.tree.map(lambda a: np.take(_to_host(a), np.arange(n_chains), axis=axis), tree)

    records = [host(jax.tree.map(lambda a: a[None], summary(states, failed)))]
    done = 0

    @jax.jit
    def quench_chains(states, failed, k):
        info = jax.vmap(lambda x: landscape.quench_info(energy_at(k.astype(dtype) * h_arr), x))(states.x)
        dead = failed >= 0
        return {"energy": jnp.where(dead, jnp.nan, info.energy)[None],
                "grad_norm": jnp.where(dead, jnp.nan, info.grad_norm)[None]}

    def quench_now(states, failed, done):
        k = jnp.asarray(done * record_every, jnp.int32)
        return host(quench_chains(states, failed, k))

    quenches = []
    if checkpoint is not None:
        checkpoint = Path(checkpoint)
        checkpoint_every = _positive_int("checkpoint_every", checkpoint_every)
        fingerprint = _fingerprint(energy, X0, key, schedule, tau_schedule, integrator, h, n_steps, record_every,
                                   record_x, quench_every, layout)
        if checkpoint.exists():
            states, failed, records, quenches, done = _load_checkpoint(checkpoint, fingerprint, host(states, 0))
            states, failed = place(states), place(failed)
    if quench_every is not None and not quenches:  # the quench at t = 0 (a resumed run has it already)
        quenches.append(quench_now(states, failed, done))

    chunks = {}
    n_chunks = 0
    chunk_seconds = []
    bar = tqdm(total=n_steps, initial=done * record_every, unit="step", disable=not progress, desc="simulate")
    while done < n_records:
        n_rec = min(chunk_records, n_records - done)
        if n_rec not in chunks:
            chunks[n_rec] = make_chunk(n_rec)
        start = time.perf_counter()
        (states, failed), rec = chunks[n_rec](states, failed, chain_keys, jnp.asarray(done * record_every, jnp.int32))
        records.append(host(rec))  # waits for the chunk
        chunk_seconds.append(time.perf_counter() - start)
        done += n_rec
        n_chunks += 1
        if quench_every is not None:
            quenches.append(quench_now(states, failed, done))
        bar.update(n_rec * record_every)
        if checkpoint is not None and (n_chunks % checkpoint_every == 0 or done == n_records):
            _save_checkpoint(checkpoint, fingerprint, host(states, 0), host(failed, 0), records, quenches, done)
    bar.close()

    stacked = {name: np.concatenate([r[name] for r in records], axis=0) for name in records[0]}
    r_idx = np.arange(n_records + 1)
    t = r_idx * record_every * h
    t_dev = jnp.asarray(r_idx * record_every, jnp.int32).astype(dtype) * h_arr  # as the scan computes it
    failed = host(failed, 0)
    if (failed >= 0).any():
        bad = np.flatnonzero(failed >= 0)
        listing = ", ".join(f"chain {b} at step {failed[b]}" for b in bad[:10]) + (" ..." if len(bad) > 10 else "")
        warnings.warn(
            f"simulate: {len(bad)} of {n_chains} chains became non-finite and were frozen ({listing}). "
            "Their later records are NaN; the other chains are unaffected. Hint: reduce step_size "
            "(h * |grad E| should stay well below 1 radian) or check the energy at those configurations.",
            RuntimeWarning,
            stacklevel=2,
        )
    return Result(
        t=t,
        beta=np.asarray(schedule(t_dev)) * np.ones_like(t),
        energy=stacked["energy"].T,
        grad_norm=stacked["grad_norm"].T,
        final=host(states.x, 0),
        failed_step=failed,
        tau=None if tau_schedule is None else np.asarray(tau_schedule(t_dev)) * np.ones_like(t),
        x=np.moveaxis(stacked["x"], 0, 1) if record_x else None,
        quench_t=None if quench_every is None else t[::quench_every],
        quench_energy=None if quench_every is None else np.concatenate([q["energy"] for q in quenches]).T,
        quench_grad_norm=None if quench_every is None else np.concatenate([q["grad_norm"] for q in quenches]).T,
        n_accepted=stacked["n_accepted"].T if "n_accepted" in stacked else None,
        chunk_seconds=np.asarray(chunk_seconds),
        step_size=h,
        n_steps=n_steps,
        record_every=record_every,
    )
