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
import functools
import math
import numbers
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray
from tqdm.auto import tqdm

from . import devices as devices_lib
from . import layouts as layouts_lib
from . import records as records_lib
from . import schedules as schedules_lib
from .checkpoint import Checkpoint, fingerprint
from .integrators import Integrator, LangevinState
from .kernel import Kernel, build_kernel
from .sde import Langevin, annealed

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
      records: every recorded quantity by name, (B, R, ...): the defaults behind the fields above (energy,
        grad_norm, n_accepted, x) and those asked for with ``simulate(records=...)``.
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
    records: dict = dataclasses.field(default_factory=dict)
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


def _check_inputs(energy, x0, step_size, n_steps, record_every) -> tuple[float, int, int]:
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
            f"simulate: every row of X0 must be a unit vector (|norm - 1| <= {_UNIT_NORM_TOL}), got max |norm - 1| = "
            f"{dev:.3g}; "
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
    out = jax.eval_shape(energy, jax.ShapeDtypeStruct(x0.shape[1:], x0.dtype))
    if getattr(out, "shape", None) != ():
        raise ValueError(
            f"simulate: energy must return a scalar for X of shape {x0.shape[1:]}, got shape "
            f"{getattr(out, 'shape', out)}"
        )
    return step_size, n_steps, record_every


@jax.jit
def _row_norms(g: Float[Array, "B n d"]) -> Float[Array, "B n"]:
    return jnp.linalg.norm(g, axis=-1)


_MAX_STEP_ANGLE = 1.0  # radians: a geodesic step longer than this does not resolve the dynamics at all


def _check_step_size(states: LangevinState, h: float, beta0: float, d: int) -> None:
    """Refuse a step size absurdly large for the energy scale: drift h |grad E| or noise sqrt(2 h (d-1) / beta)
    above one radian per row at the start of the run."""
    drift = h * float(np.nanmax(_to_host(_row_norms(states.grad))))
    noise = math.sqrt(2.0 * h * (d - 1) / beta0)
    if drift > _MAX_STEP_ANGLE or noise > _MAX_STEP_ANGLE:
        g = drift / h
        limit = min(_MAX_STEP_ANGLE / g if g > 0 else math.inf, _MAX_STEP_ANGLE**2 * beta0 / (2 * (d - 1)))
        raise ValueError(
            f"simulate: step_size={h:g} is too large for this energy and temperature: at t = 0 a row moves by "
            f"h |grad E| = {drift:.3g} rad (drift) and sqrt(2 h (d-1) / beta) = {noise:.3g} rad (noise) per step; "
            f"allowed: both <= {_MAX_STEP_ANGLE} rad, i.e. step_size <= {limit:.3g} (use ~100x less for accuracy)"
        )


def _warn_if_one_cpu_device() -> None:
    """A warning (shown once per session by Python's default filter) when the chains would run on one CPU device of
    a multi-core machine that nobody chose."""
    cores = devices_lib.available_cores()
    if (
        jax.default_backend() == "cpu"
        and jax.device_count() == 1
        and cores > 1
        and not devices_lib.user_chose_device_count()
    ):
        warnings.warn(
            f"simulate: the chains run on 1 CPU device while this machine has {cores} cores; call "
            "langevin_sphere.set_host_device_count() right after `import langevin_sphere` to use them all "
            "(or set JAX_NUM_CPU_DEVICES=1 to keep one device and silence this)",
            RuntimeWarning,
            stacklevel=3,
        )


def _check_fits(
    kernel: Kernel,
    recorded,
    X0,
    key,
    n_records: int,
    record_every: int,
    placement: Placement,
    checkpoint: Checkpoint | None,
) -> None:
    """Refuse, before anything is compiled, a run whose records cannot fit in host memory, or whose checkpoint cannot
    fit on its disk; the message gives the estimate and the fix. In a multi-process run every process checks its own
    host and all refuse together (one refusing alone would leave the others waiting in a collective)."""
    x = jax.ShapeDtypeStruct(X0.shape[1:], X0.dtype)
    state = jax.eval_shape(kernel.init, x, key)
    one = jax.eval_shape(lambda st: records_lib.evaluate(recorded, st, jnp.asarray(False)), state)
    per_record = sum(a.size * a.dtype.itemsize for a in jax.tree.leaves(one))  # one chain, one record
    per_state = sum(a.size * a.dtype.itemsize for a in jax.tree.leaves(state))
    n_chains = X0.shape[0]
    records = n_chains * (n_records + 1) * per_record
    gib = 2.0**-30
    fix = (
        f"record less: a larger record_every (now {record_every}), fewer chains (now {n_chains})"
        + (", or record_x=False" if "x" in recorded else "")
        + ", or split the run"
    )
    host = 2 * records  # the chunks' records and their concatenation at the end
    available, bound = devices_lib.host_memory_available()
    problem = None
    if host > available:
        problem = (
            f"simulate: the records need {host * gib:.3g} GiB of host memory ({n_chains} chains x {n_records + 1} "
            f"records x {per_record} bytes, held twice while they are assembled), more than the {available * gib:.3g} "
            f"GiB left ({bound}); {fix}"
        )
    elif checkpoint is not None:
        import shutil

        folder = checkpoint.path.parent if checkpoint.path.parent.exists() else Path(".")
        # the records, the quench records (at most two floats per chain and record) and the state, twice: an atomic
        # write keeps the previous checkpoint until the new one is complete
        quenches = n_chains * (n_records + 1) * 2 * X0.dtype.itemsize
        need = 2 * (records + quenches + (n_chains + placement.n_pad) * per_state)
        free = shutil.disk_usage(folder).free
        if need > free:
            problem = (
                f"simulate: the checkpoint {checkpoint.path} needs up to {need * gib:.3g} GiB on its disk (the records "
                f"so far and the state, twice while a new checkpoint replaces the old one), more than the "
                f"{free * gib:.3g} GiB free; {fix}, or write the checkpoint to a disk with more room"
            )
    if jax.process_count() > 1:  # refuse on every process, or on none
        from jax.experimental import multihost_utils

        refused = np.asarray(multihost_utils.process_allgather(np.asarray(problem is not None)))
        if refused.any() and problem is None:
            problem = (
                f"simulate: process(es) {np.flatnonzero(refused).tolist()} of this run refused it (records or "
                "checkpoint too large for their host); see their message"
            )
    if problem is not None:
        raise ValueError(problem)


_CHECK_CHUNK_BYTES = 2**30  # a rough working set of a block above which the compiled chunk's memory is checked


def _check_chunk_fits(chunk: Chunk, states, failed, chain_keys, placement: Placement, layout_name: str) -> None:
    """Refuse, before it runs, a chunk whose working memory (XLA's analysis of the compiled program: arguments,
    outputs and temporaries of one device) exceeds the memory left on its device (the host's on a CPU).

    Compiling the chunk for the analysis costs a second compilation, so it is done only where a rough estimate of a
    block's working set, block x (n^2 + 16 n d) numbers (pairwise logits, states and their temporaries), exceeds
    1 GiB: e.g. the chains-last layout, whose CPU blocks are 512 chains wide also for 2 chains."""
    n, d = states.x.shape[-2:]
    rough = placement.block * (n * n + 16 * n * d) * states.x.dtype.itemsize
    if rough <= _CHECK_CHUNK_BYTES:
        return
    stats = chunk.lower(states, failed, chain_keys, jnp.asarray(0, jnp.int32)).compile().memory_analysis()
    if stats is None:
        return
    need = stats.argument_size_in_bytes + stats.output_size_in_bytes + stats.temp_size_in_bytes
    device = placement.mesh.devices.flat[0]
    if device.platform == "cpu":
        available, bound = devices_lib.host_memory_available()
    else:
        mem = device.memory_stats() or {}
        if "bytes_limit" not in mem:
            return
        available, bound = mem["bytes_limit"] - mem.get("bytes_in_use", 0), f"{device.platform} device memory"
    if need > available:
        gib = 2.0**-30
        raise ValueError(
            f"simulate: one compiled chunk needs {need * gib:.3g} GiB per device (layout={layout_name!r}, blocks of "
            f"{placement.block} chains of shape ({n}, {d}), {placement.n_pad} of them padding), more than the "
            f"{available * gib:.3g} GiB left ({bound}); use layout='chains' (blocks of at most 8 chains on a CPU), "
            "fewer chains per device, or smaller configurations"
        )


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where the chains run: a 1-d mesh over the chain axis, ``block`` chains per block, ``n_pad`` padding chains
    (copies of chain 0 with keys of their own, dropped at the end) so that every device holds whole blocks."""

    mesh: jax.sharding.Mesh
    block: int
    n_chains: int
    n_pad: int

    @classmethod
    def plan(cls, n_chains: int, devices: Sequence[jax.Device], layout: layouts_lib.Layout) -> Placement:
        devices = list(devices)
        platform = devices[0].platform
        if platform == "cpu" and jax.process_count() == 1:
            # no more devices than needed for the fewest blocks per device: more would only run padding chains
            n_blocks = -(-n_chains // layout.block_size(-(-n_chains // len(devices)), platform))
            per_device = -(-n_blocks // len(devices))
            devices = devices[: -(-n_blocks // per_device)]
        block = layout.block_size(-(-n_chains // len(devices)), platform)
        n_pad = -n_chains % (len(devices) * block)
        return cls(jax.sharding.Mesh(np.array(devices), ("chains",)), block, n_chains, n_pad)

    @property
    def sharding(self) -> jax.sharding.NamedSharding:
        return jax.sharding.NamedSharding(self.mesh, jax.sharding.PartitionSpec("chains"))

    def place(self, tree):
        """(B, ...) leaves -> padded to B + n_pad and sharded over the chain axis. Every process passes the same
        whole arrays; after ``jax.distributed.initialize()`` each places the slices of its own devices."""
        total = self.n_chains + self.n_pad

        def put(a):
            if jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):  # keys travel as their uint32 words
                return jax.random.wrap_key_data(put(jax.random.key_data(a)), impl=jax.random.key_impl(a))
            a = np.asarray(a)
            a = np.concatenate([a, np.repeat(a[:1], total - a.shape[0], 0)])
            if jax.process_count() == 1:
                return jax.device_put(a, self.sharding)
            return jax.make_array_from_callback(a.shape, self.sharding, lambda index: a[index])

        return jax.tree.map(put, tree)

    def host(self, tree, axis: int = 1):
        """Device records (..., B + n_pad, ...) -> numpy, padding dropped."""
        return jax.tree.map(lambda a: np.take(_to_host(a), np.arange(self.n_chains), axis=axis), tree)


def as_arguments(tree, dtype):
    """``tree`` with every Python float leaf made a ``dtype`` array: the numbers of energies, schedules, integrators
    and records (tau, beta0, h, ...) then enter a compiled function as arguments, not as constants of its program,
    and a call with other values runs the same compiled program. Integers (shapes, counts) stay static."""
    return jax.tree.map(lambda a: jnp.asarray(a, dtype) if isinstance(a, float) else a, tree)


def _is_hashable(a) -> bool:
    try:
        hash(a)
    except TypeError:
        return False
    return True


@dataclasses.dataclass(frozen=True, eq=False)
class _ByIdentity:
    """An unhashable object (e.g. a user's callable class), compared by identity."""

    obj: Any

    def __hash__(self):
        return id(self.obj)

    def __eq__(self, other):
        return isinstance(other, _ByIdentity) and other.obj is self.obj


class _Static:
    """The non-array part of a pytree, hashable and compared by its structure and leaves: a key of the cache of
    compiled programs (equal energies, schedules, integrators and records of equal structure share a program)."""

    def __init__(self, tree):
        self.leaves, self.treedef = jax.tree.flatten(tree)
        self._hashable = tuple(a if _is_hashable(a) else _ByIdentity(a) for a in self.leaves)

    def tree(self):
        return jax.tree.unflatten(self.treedef, self.leaves)

    def _key(self):
        return self.treedef, self._hashable

    def __hash__(self):
        return hash(self._key())

    def __eq__(self, other):
        return isinstance(other, _Static) and self._key() == other._key()


@functools.partial(jax.jit, static_argnames=("static", "layout", "placement", "n_rec", "record_every", "dtype"))
def _chunk(params, states, failed, chain_keys, k0, *, static, layout, placement, n_rec, record_every, dtype):
    block = placement.block

    def device_chunk(params, states, failed, chain_keys, k0):
        sde, integrator, h, records = eqx.combine(params, static.tree())
        kernel = build_kernel(sde, integrator, h, dtype)
        blocks = jax.tree.map(lambda a: a.reshape((-1, block) + a.shape[1:]), (states, failed, chain_keys))
        (states, failed), rec = jax.lax.map(
            lambda b: layout.run_block(kernel, records, *b, k0, n_rec, record_every), blocks
        )
        states, failed = jax.tree.map(lambda a: a.reshape((-1,) + a.shape[2:]), (states, failed))
        rec = jax.tree.map(lambda a: jnp.moveaxis(a, 0, 1).reshape((n_rec, -1) + a.shape[3:]), rec)
        return (states, failed), rec

    spec, replicated = jax.sharding.PartitionSpec("chains"), jax.sharding.PartitionSpec()
    return jax.shard_map(
        device_chunk,
        mesh=placement.mesh,
        in_specs=(replicated, spec, spec, spec, replicated),
        out_specs=((spec, spec), jax.sharding.PartitionSpec(None, "chains")),
    )(params, states, failed, chain_keys, k0)


@dataclasses.dataclass(frozen=True)
class Chunk:
    """A compiled chunk with its numbers: ``chunk(states, failed, chain_keys, k0)``; ``chunk.lower(...)`` as
    ``jax.jit``'s."""

    params: Any
    static: dict

    def __call__(self, states, failed, chain_keys, k0):
        return _chunk(self.params, states, failed, chain_keys, k0, **self.static)

    def lower(self, states, failed, chain_keys, k0):
        return _chunk.lower(self.params, states, failed, chain_keys, k0, **self.static)


def make_chunk(
    kernel: Kernel,
    layout: layouts_lib.Layout,
    records: Mapping[str, records_lib.Record],
    placement: Placement,
    n_rec: int,
    record_every: int,
) -> Chunk:
    """The compiled chunk: ``chunk(states, failed, chain_keys, k0) -> ((states, failed), records)`` runs every
    chain ``n_rec * record_every`` steps from step k0; each device runs its chains block after block
    (``lax.map``), records (n_rec, B, ...) reduced inside. The chunk :func:`simulate` runs, also measured by the
    benchmark (:func:`langevin_sphere.bench.memory`).

    The numbers of the kernel's SDE, integrator and step size and of the records enter as arguments
    (:func:`as_arguments`); the program is compiled once per structure (energy, schedule and record types, layout,
    placement, shapes) and reused by every later chunk and call with other numbers.
    """
    model = as_arguments((kernel.sde, kernel.integrator, kernel.step_size, dict(records)), kernel.dtype)
    params, static = eqx.partition(model, eqx.is_array)
    keys = {"layout": layout, "placement": placement, "n_rec": n_rec, "record_every": record_every}
    return Chunk(params, {"static": _Static(static), "dtype": np.dtype(kernel.dtype), **keys})


@eqx.filter_jit
def _init(sde, integrator, h, dtype, x0, chain_keys):
    kernel = build_kernel(sde, integrator, h, dtype)
    return jax.vmap(kernel.init)(x0, chain_keys)


@eqx.filter_jit
def _evaluate(records, states, failed):
    return layouts_lib.evaluate(records, states, failed)


_PIECE = 256  # times per compiled evaluation of a schedule (a length that does not depend on the run)


@eqx.filter_jit
def _at(schedule, t):
    return jnp.broadcast_to(schedule(t), t.shape)


def _values_at(schedule, t: np.ndarray) -> np.ndarray:
    """``schedule`` (its numbers as arrays) at the host times t (R,), compiled once for pieces of ``_PIECE``
    times whatever R."""
    padded = np.concatenate([t, np.repeat(t[-1:], -len(t) % _PIECE)])
    return np.concatenate([np.asarray(_at(schedule, padded[i : i + _PIECE])) for i in range(0, len(t), _PIECE)])[
        : len(t)
    ]


@dataclasses.dataclass(frozen=True)
class Quench:
    """In-run quenches: every ``every`` records (and at t = 0) a copy of every chain is quenched
    (:func:`langevin_sphere.landscape.quench_info`, the inherent-structure method) under the energy at that time,
    and the energy and gradient norm of its basin's minimum are recorded: the input of
    :func:`langevin_sphere.diagnostics.trapping_events`. The quenches run on the device between chunks."""

    every: int

    def __post_init__(self):
        _positive_int("quench_every", self.every)

    def __call__(self, sde: Langevin, states, failed, t) -> dict[str, Array]:
        # the energy and its annealed fields only: runs that differ in the beta schedule share the compiled quench
        return _quench(sde.energy, dict(sde.anneal), states, failed, t)


@eqx.filter_jit
def _quench(energy, anneal, states, failed, t):
    # The one import from the layer above (landscape analysis), taken only when in-run quenches are asked for.
    from ..landscape.quenching import quench_info

    info = jax.vmap(lambda x: quench_info(annealed(energy, anneal, t), x))(states.x)
    dead = failed >= 0
    return {
        "energy": jnp.where(dead, jnp.nan, info.energy)[None],
        "grad_norm": jnp.where(dead, jnp.nan, info.grad_norm)[None],
    }


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
    anneal: Mapping[str, schedules_lib.Schedule] | None = None,
    integrator: Integrator | None = None,
    records: Mapping[str, records_lib.Record] | None = None,
    chunk_records: int | None = None,
    record_x: bool = False,
    progress: bool = False,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 1,
    quench_every: int | None = None,
    devices: Sequence[jax.Device] | None = None,
    layout: str | layouts_lib.Layout = "auto",
) -> Result:
    r"""Run B independent Langevin chains on (S^{d-1})^n with an annealed inverse temperature.

    Integrates dX = -grad E_t(X) dt + sqrt(2 / beta(t)) dW with ``integrator`` (default
    :class:`~langevin_sphere.integrators.GeodesicEulerMaruyama`), steps k = 0 .. n_steps - 1 from t_k = k h. The
    driver of :func:`langevin_sphere.kernel.build_kernel`'s kernel: it validates, places the chains on devices, scans
    chunks, records and checkpoints.

    Args:
      energy: X (n, d) -> scalar: an energy of :mod:`langevin_sphere.energies` or any JAX-traceable callable.
      X0: (B, n, d) initial configurations, unit rows; B chains.
      key: PRNG key; chain b uses ``jax.random.fold_in(key, b)``, and its step k ``fold_in`` of that with k.
      schedule: t -> beta(t) > 0 (see :mod:`langevin_sphere.schedules`); checked on [0, n_steps h] before running.
      step_size: h > 0, in units of diffusion time.
      n_steps: number of steps, a multiple of ``record_every``.
      record_every: steps between records.
      anneal: field name -> schedule: fields of the energy annealed in time (e.g. ``{"tau": schedule}``).
      tau_schedule: shortcut for ``anneal={"tau": tau_schedule}`` (the loss temperature).
      integrator: an :class:`~langevin_sphere.integrators.Integrator`.
      records: name -> function of a chain's state (:mod:`langevin_sphere.records`), recorded besides the defaults
        (energy, gradient norm, the integrator's state records, and ``x`` with ``record_x``) in ``Result.records``.
      chunk_records: records per compiled chunk (default: about 20 chunks per run). With ``quench_every`` a chunk
        also ends at every quench.
      record_x: also record the configurations, (B, R, n, d) (memory!).
      progress: show a progress bar over chunks.
      checkpoint: path of a checkpoint file (``.npz``): resume from it if it exists, write it as the run goes.
        It is left in place at the end; delete it once the result is saved.
      checkpoint_every: write the checkpoint every this many chunks.
      quench_every: every this many records (and at t = 0), quench a copy of every chain (:class:`Quench`); it must
        divide the number of records.
      devices: the devices over which the chains are sharded (a 1-d ``jax.sharding.Mesh`` over the chain axis);
        default: all of ``jax.devices()``, which after ``jax.distributed.initialize()`` spans every host. The chains
        are padded to a multiple of the device count with copies that are discarded (on one CPU host, devices that
        would hold only padding are left out). Chains never communicate, and each has its own key, so the result is
        the same on one device or many (bit for bit within one process; XLA may round differently in a process
        configured with another number of CPU devices).
      layout: ``"auto"`` (default), ``"chains"`` or ``"lanes"``, or a :class:`~langevin_sphere.layouts.Layout`: how a
        device steps its chains (see :mod:`langevin_sphere.layouts`). ``"lanes"`` (chains-last, about 2x faster on
        the CPU for small M and d) and ``"chains"`` (one chain at a time) agree to float32 round-off; each is bit for
        bit independent of B, the chunking and the devices. ``"auto"`` takes lanes where it is the faster one (CPU,
        an energy with its own chains-last gradient such as InfoNCE, n d <= 128, B >= 512 per device) and chains
        elsewhere (see :func:`langevin_sphere.layouts.get`).

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
    h, n_steps, record_every = _check_inputs(energy, X0, step_size, n_steps, record_every)
    anneal = dict(anneal or {})
    if tau_schedule is not None:
        if "tau" in anneal:
            raise ValueError("simulate: give the loss temperature's schedule once, as tau_schedule or anneal['tau']")
        if not hasattr(energy, "tau"):
            raise ValueError(
                "simulate: tau_schedule needs an energy with a loss temperature field `tau`, got "
                f"{type(energy).__name__}"
            )
        anneal["tau"] = tau_schedule
    t_max = n_steps * h
    schedules_lib.check(schedule, t_max, "simulate: schedule (beta)")
    for name, fn in anneal.items():
        schedules_lib.check(fn, t_max, "simulate: tau_schedule" if name == "tau" else f"simulate: anneal[{name!r}]")
    sde = Langevin(energy, schedule, anneal)
    dtype = X0.dtype
    kernel = build_kernel(sde, integrator, h, dtype)
    device_list = list(jax.devices() if devices is None else devices)
    layout = layouts_lib.get(layout, kernel, X0.shape, device_list[0].platform, len(device_list))
    layout_name = type(layout).__name__.lower()
    layout.check(kernel)
    recorded = records_lib.defaults(kernel.integrator, record_x)
    for name, fn in (records or {}).items():
        if name in recorded or not callable(fn):
            raise ValueError(
                f"simulate: records[{name!r}] must be a new name (not one of {', '.join(recorded)}) "
                f"mapped to a function of a chain's state, got {fn!r}"
            )
        recorded[name] = fn
    n_chains = X0.shape[0]
    n_records = n_steps // record_every  # after t = 0
    if chunk_records is None:
        chunk_records = max(1, -(-n_records // 20))
    chunk_records = min(_positive_int("chunk_records", chunk_records), n_records)
    quench = None
    if quench_every is not None:
        quench = Quench(quench_every)
        if n_records % quench.every:
            raise ValueError(
                f"simulate: quench_every must divide the number of records n_steps / record_every = {n_records}, "
                f"got quench_every={quench_every}"
            )
    ckpt = Checkpoint(Path(checkpoint), checkpoint_every) if checkpoint is not None else None

    if devices is None:
        _warn_if_one_cpu_device()
    placement = Placement.plan(n_chains, jax.devices() if devices is None else devices, layout)
    _check_fits(kernel, recorded, X0, key, n_records, record_every, placement, ckpt)
    chain_keys = placement.place(jax.vmap(lambda b: jax.random.fold_in(key, b))(jnp.arange(n_chains + placement.n_pad)))
    # the numbers of the energy, schedules, integrator, step size and records as arrays: compiled once per structure
    sde_args, integrator_args, h_arg, recorded_args = as_arguments((sde, kernel.integrator, h, recorded), dtype)
    states = _init(sde_args, integrator_args, h_arg, np.dtype(dtype), placement.place(X0), chain_keys)
    _check_step_size(states, h, float(schedule(jnp.asarray(0.0, dtype))), X0.shape[-1])
    failed = jnp.where(jnp.isfinite(states.energy), -1, 0).astype(jnp.int32)
    record0 = _evaluate(recorded_args, states, failed)
    rec_list = [placement.host(jax.tree.map(lambda a: a[None], record0))]

    def t_of(k):  # the time of step k, as the kernel computes it (one rounding of k h in dtype)
        return np.asarray(k, np.int32).astype(dtype) * np.asarray(h, dtype)

    def quench_now(states, failed, done):
        return placement.host(quench(sde_args, states, failed, t_of(done * record_every)))

    quenches, done = [], 0
    if ckpt is not None:
        digest = fingerprint(
            sde, X0, key, kernel.integrator, h, n_steps, record_every, tuple(recorded), quench_every, layout_name
        )
        loaded = ckpt.load(digest, placement.host(states, 0))
        if loaded is not None:
            states, failed, rec_list, quenches, done = loaded
            states, failed = placement.place(states), placement.place(failed)
    chunks, n_chunks, chunk_seconds = {}, 0, []
    bar = tqdm(total=n_steps, initial=done * record_every, unit="step", disable=not progress, desc="simulate")
    while done < n_records:
        n_rec = min(chunk_records, n_records - done)
        if quench is not None:  # a chunk ends at the next quench
            n_rec = min(n_rec, quench.every - done % quench.every)
        if n_rec not in chunks:
            chunks[n_rec] = make_chunk(kernel, layout, recorded, placement, n_rec, record_every)
            if not n_chunks:
                _check_chunk_fits(chunks[n_rec], states, failed, chain_keys, placement, layout_name)
        if quench is not None and not quenches:  # the quench at t = 0, once the first chunk is known to fit
            quenches.append(quench_now(states, failed, done))  # (a resumed run has it already)
        start = time.perf_counter()
        (states, failed), rec = chunks[n_rec](states, failed, chain_keys, jnp.asarray(done * record_every, jnp.int32))
        rec_list.append(placement.host(rec))  # waits for the chunk
        chunk_seconds.append(time.perf_counter() - start)
        done += n_rec
        n_chunks += 1
        if quench is not None and done % quench.every == 0:
            quenches.append(quench_now(states, failed, done))
        bar.update(n_rec * record_every)
        if ckpt is not None and ckpt.due(n_chunks, done == n_records):
            ckpt.save(digest, placement.host(states, 0), placement.host(failed, 0), rec_list, quenches, done)
    bar.close()

    stacked = {name: np.moveaxis(np.concatenate([r[name] for r in rec_list], axis=0), 0, 1) for name in rec_list[0]}
    r_idx = np.arange(n_records + 1)
    t = r_idx * record_every * h
    t_dev = t_of(r_idx * record_every)
    failed = placement.host(failed, 0)
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
    tau = anneal.get("tau")
    return Result(
        t=t,
        beta=_values_at(sde_args.beta, t_dev),
        energy=stacked["energy"],
        grad_norm=stacked["grad_norm"],
        final=placement.host(states.x, 0),
        failed_step=failed,
        tau=None if tau is None else _values_at(sde_args.anneal["tau"], t_dev),
        x=stacked.get("x"),
        quench_t=None if quench is None else t[:: quench.every],
        quench_energy=None if quench is None else np.concatenate([q["energy"] for q in quenches]).T,
        quench_grad_norm=None if quench is None else np.concatenate([q["grad_norm"] for q in quenches]).T,
        n_accepted=stacked.get("n_accepted"),
        chunk_seconds=np.asarray(chunk_seconds),
        records=stacked,
        step_size=h,
        n_steps=n_steps,
        record_every=record_every,
    )
