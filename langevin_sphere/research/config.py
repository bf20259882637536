"""Experiment configuration: a TOML file -> validated settings -> energy, schedules and run parameters.

The first step of the data flow (config -> energy + schedules -> simulate -> Result -> diagnostics -> figures).
Unknown keys, wrong types and bad values fail here, with the key's full name, before anything is simulated.

A config has four parts (see ``default.toml`` beside this file, the embedded default experiment)::

    name = "circle-M8-tau0.05"     # used in file names and titles
    seed = 0                       # PRNG seed: initial states and noise

    [energy]                       # the landscape
    kind = "infonce"               # infonce | dhel | kcl
    M = 8                          # pairs (n = 2M unit vectors)
    d = 2                          # ambient dimension (S^{d-1})
    tau = 0.05

    [run]
    n_chains = 256
    step_size = 2e-3
    t_max = 40.0                   # diffusion time; n_steps = t_max / step_size
    record_every = 100

    [[schedule]]                   # one table per schedule to compare
    label = "geometric"
    kind = "geometric"             # a factory of langevin_sphere.schedules
    beta0 = 1.0                    # ... and its arguments
    rate = 0.5

    [analysis]
    eps = 1e-3                     # success: quenched final energy within eps of E*

Optional keys (defaults in brackets):

- ``[energy] frozen_anchors`` [false]: hold the anchors U fixed and move only the positives V (locked-image
  tuning, :class:`langevin_sphere.energies.FrozenAnchors`); a chain is then V alone, shape (M, d), and each pair can
  trap on its own. ``[energy] anchors`` ["regular"]: the fixed U, either "regular" (U of the closed-form optimum:
  the regular simplex for M <= d + 1, the regular M-gon on the circle, the cross-polytope for M = 2d, so E* is
  known; other (M, d) are refused) or "random" (M uniform random unit vectors drawn from the seed; E* is then the
  lowest quenched energy found).
- ``[run] chunk_records`` [10]: records per compiled chunk (a checkpoint after each). ``layout`` ["chains"]:
  :func:`langevin_sphere.simulate`'s layout; "lanes" is the faster chains-last CPU step for small M and d, equal
  to "chains" up to float32 round-off; "auto" picks the faster of the two. The default stays "chains", the layout
  of the stored experiments, so that re-running them reproduces their files bit for bit.
  ``integrator`` ["euler_maruyama"]: a name of :data:`langevin_sphere.integrators.REGISTRY`.
- ``[energy]``: besides the keys above, any field of the energy class of ``kind``
  (:data:`langevin_sphere.energies.REGISTRY`), e.g. ``both_views`` of DHEL.
- ``[[schedule]]``: ``kind`` is a name of :data:`langevin_sphere.schedules.REGISTRY` and the other keys its
  arguments (numbers, or lists of numbers for ``piecewise_linear``). ``anneal.<field>`` = {kind = ..., ...}: a
  schedule of an energy field, e.g. ``anneal.tau = {kind = "periodic_cosine", low = 0.1, high = 1.0, period = 40.0}``
  anneals the loss temperature (success is still judged under the configured energy, so end at its tau).
- ``[analysis] basin_starts`` [512]: uniform random starts quenched for the landscape's basin table
  (``basins.json``); 0 skips it. ``quench_every`` [0]: quench every chain every this many records during the run
  (inherent structures: trapping events, first hitting time of the global basin, the success curve); 0: only the
  final states. ``window`` [1.0]: the diffusion time W a chain must stay in one non-global basin to count as a
  trapping event. ``sweep`` [""]: the schedule parameter this experiment sweeps ("rate", "c", "slope",
  "exponent" or "beta"), recorded per schedule as its ``speed`` for the trapped-fraction-vs-speed figures.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import equinox as eqx

from ..core import energies, integrators, schedules
from ..landscape import optima

__all__ = [
    "ConfigError",
    "ENERGY_NAMES",
    "energy_class",
    "energy_name",
    "EnergyConfig",
    "RunConfig",
    "ScheduleConfig",
    "Config",
    "load",
    "loads",
    "default_text",
    "reference_text",
]


class ConfigError(ValueError):
    """A config file that cannot be run: the message names the key, the value and what is allowed."""


# The one map from an energy's config name to its display name (titles, catalogues, atlas, studies); the classes are
# those of ``energies.REGISTRY``.
ENERGY_NAMES = {"infonce": "InfoNCE", "dhel": "DHEL", "kcl": "KCL", "siglip": "SigLIP"}


def energy_name(kind: str) -> str:
    """The display name of ``[energy] kind`` (titles, catalogues): "InfoNCE", ... or a user class's name."""
    return ENERGY_NAMES.get(kind) or energy_class(kind).__name__


def energy_class(kind: str) -> type[energies.Energy]:
    """The energy class of ``[energy] kind``: a name of ``energies.REGISTRY``, or ``"package.module:Name"``, an
    equinox Module (e.g. a subclass of :class:`langevin_sphere.energies.Energy`) in an importable module of one's own,
    so no edit of this package is needed; it is built with the ``[energy]`` table's keys that are fields of the
    class."""
    if kind in energies.REGISTRY:
        return energies.REGISTRY[kind]
    allowed = f"one of {', '.join(energies.REGISTRY)} or 'package.module:Name'"
    if not isinstance(kind, str) or kind.count(":") != 1:
        raise ConfigError(f"energy.kind must be {allowed}, got {kind!r}")
    module, _, name = kind.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise ConfigError(f"energy.kind = {kind!r}: cannot import {name} from {module} ({err})") from None
    if not (isinstance(cls, type) and issubclass(cls, eqx.Module)):
        raise ConfigError(
            f"energy.kind = {kind!r} must name an equinox Module class with __call__(X) -> E (e.g. a subclass of "
            f"langevin_sphere.energies.Energy), got {cls!r}"
        )
    return cls


_ENERGY_FIELDS = ("tau", "symmetric", "t", "gamma")  # keys of [energy] passed on to the energy class that has them


@dataclasses.dataclass(frozen=True)
class EnergyConfig:
    kind: str = "infonce"
    M: int = 8
    d: int = 2
    tau: float = 0.2
    symmetric: bool = True
    t: float = 2.0  # KCL kernel scale
    gamma: float = 16.0  # KCL weight
    frozen_anchors: bool = False  # hold U fixed, move only V
    anchors: str = "regular"  # the fixed U: "regular" (the optimum's U) or "random" (from the seed)
    params: tuple[tuple[str, Any], ...] = ()  # further fields of the energy class (an energy added to the registry)

    def describe(self) -> str:
        """A short name of the landscape, e.g. "InfoNCE, circle, M=6, tau=0.05" (titles and figure legends)."""
        name = energy_name(self.kind)
        if self.kind == "infonce" and not self.symmetric:
            name = "one-sided InfoNCE"
        space = "circle" if self.d == 2 else f"S^{self.d - 1}"
        temp = f"tau={self.tau:g}" if self.kind != "kcl" else f"t={self.t:g}, gamma={self.gamma:g}"
        frozen = f", frozen {self.anchors} anchors" if self.frozen_anchors else ""
        return f"{name}, {space}, M={self.M}, {temp}{frozen}"

    @property
    def shape(self) -> tuple[int, int]:
        """Shape (n, d) of one chain's configuration: [U; V] (2M, d), or V alone (M, d) with frozen anchors."""
        return (self.M if self.frozen_anchors else 2 * self.M, self.d)

    @property
    def swap_views(self) -> bool:
        """U <-> V is a symmetry of the energy (symmetric contrastive energies with both views free)."""
        return not self.frozen_anchors and (self.kind != "infonce" or self.symmetric)

    @property
    def symmetries(self) -> tuple[str, ...]:
        """Continuous symmetries of the energy (:func:`langevin_sphere.landscape.symmetry_projector`): O(d) unless
        the anchors are fixed."""
        return () if self.frozen_anchors else ("orthogonal",)

    def build(self, seed: int = 0):
        """The energy of a chain's configuration; ``seed`` draws the anchors when ``anchors = "random"``."""
        cls = energy_class(self.kind)
        fields = {f.name for f in dataclasses.fields(cls)}
        given = {name: getattr(self, name) for name in _ENERGY_FIELDS} | dict(self.params)
        base = cls(**{name: value for name, value in given.items() if name in fields})
        if not self.frozen_anchors:
            return base
        return energies.FrozenAnchors(base, self.anchor_configuration(seed))

    def anchor_configuration(self, seed: int = 0):
        """The fixed anchors U (M, d) of the frozen-anchor variant (float32)."""
        import jax
        import jax.numpy as jnp

        from ..core import sphere

        if self.anchors == "random":
            return sphere.uniform(jax.random.fold_in(jax.random.key(seed), 2), (self.M, self.d))
        _, x_star = optima.infonce_optimum(self.M, self.d, 1.0)  # U of the known optimum (the same for every tau)
        return jnp.asarray(x_star[: self.M], jnp.float32)


@dataclasses.dataclass(frozen=True)
class RunConfig:
    n_chains: int = 256
    step_size: float = 2e-3
    t_max: float = 40.0
    record_every: int = 100
    chunk_records: int = 10
    layout: str = "chains"  # simulate's layout: "chains" (that of the stored experiments), "lanes" or "auto"
    integrator: str = "euler_maruyama"  # a name of integrators.REGISTRY

    def build_integrator(self) -> integrators.Integrator:
        return integrators.REGISTRY[self.integrator]()

    @property
    def n_steps(self) -> int:
        return round(self.t_max / self.step_size)


@dataclasses.dataclass(frozen=True)
class ScheduleConfig:
    label: str
    kind: str
    params: dict[str, Any]
    anneal: tuple[tuple[str, ScheduleConfig], ...] = ()  # energy field -> its schedule (e.g. the loss temperature)

    def build(self) -> schedules.Schedule:
        return schedules.REGISTRY[self.kind](**self.params)

    def build_anneal(self) -> dict[str, schedules.Schedule]:
        """The annealed energy fields' schedules (``simulate(anneal=...)``)."""
        return {name: sched.build() for name, sched in self.anneal}

    def speed(self, sweep: str) -> float | None:
        """The value of the swept parameter (``analysis.sweep``) for this schedule (:data:`schedules.SWEEPS`): its
        cooling speed or constant; None for a schedule of another kind (a reference)."""
        axis = schedules.SWEEPS.get(sweep)
        return float(axis.speed(self.params)) if axis is not None and axis.kind == self.kind else None


@dataclasses.dataclass(frozen=True)
class AnalysisConfig:
    eps: float = 1e-3
    basin_starts: int = 512  # uniform random starts of the basin table (0: none)
    quench_every: int = 0  # quench all chains every this many records during the run (0: final states only)
    window: float = 1.0  # trapping-event window W (diffusion time)
    sweep: str = ""  # the swept schedule parameter, recorded as each schedule's speed


@dataclasses.dataclass(frozen=True)
class Config:
    name: str
    seed: int
    energy: EnergyConfig
    run: RunConfig
    schedules: tuple[ScheduleConfig, ...]
    analysis: AnalysisConfig

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def basin_starts(self):
        """The ``analysis.basin_starts`` uniform starts of the basin table (B, n, d), drawn from the seed
        independently of the chains."""
        import jax

        from ..core import sphere

        return sphere.uniform(
            jax.random.fold_in(jax.random.key(self.seed), 1), (self.analysis.basin_starts, *self.energy.shape)
        )


_TYPES = {int: (int,), float: (int, float), bool: (bool,), str: (str,)}


def _take(table: dict, cls, where: str):
    """Build dataclass ``cls`` from ``table``, rejecting unknown keys and wrong types with the key's full name."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key {where}.{unknown[0]} (allowed in [{where}]: {', '.join(fields)})")
    values = {}
    for name, value in table.items():
        want = fields[name].type
        want = {"int": int, "float": float, "bool": bool, "str": str}.get(want, want)
        ok = isinstance(value, _TYPES[want]) and not (want is not bool and isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{where}.{name} must be of type {want.__name__}, got {value!r} ({type(value).__name__})")
        values[name] = float(value) if want is float else value
    return cls(**values)


def _positive(where: str, value, *, integer: bool = False) -> None:
    if not (value > 0 and math.isfinite(value)):
        kind = "an integer >= 1" if integer else "a finite number > 0"
        raise ConfigError(f"{where} must be {kind}, got {where}={value}")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _schedule(table: dict, where: str, *, labelled: bool = True) -> ScheduleConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, got {table!r}")
    table = dict(table)
    kind = table.pop("kind", None)
    if kind not in schedules.REGISTRY:
        raise ConfigError(f"{where}.kind must be one of {', '.join(schedules.REGISTRY)}, got {kind!r}")
    label = table.pop("label", kind) if labelled else kind
    if not isinstance(label, str):
        raise ConfigError(f"{where}.label must be a string, got {label!r}")
    anneal = table.pop("anneal", {}) if labelled else {}
    if not isinstance(anneal, dict):
        raise ConfigError(
            f"{where}.anneal must be a table of energy fields, e.g. anneal.tau = {{kind = ...}}, got {anneal!r}"
        )
    allowed = list(inspect.signature(schedules.REGISTRY[kind]).parameters)
    for key, value in table.items():
        if key not in allowed:
            extra = "label, kind, anneal, " if labelled else "kind, "
            raise ConfigError(f"unknown key {where}.{key} for a {kind} schedule (allowed: {extra}{', '.join(allowed)})")
        if not (_number(value) or (isinstance(value, list) and value and all(_number(v) for v in value))):
            raise ConfigError(f"{where}.{key} must be a number or a list of numbers, got {value!r}")
    try:
        schedules.REGISTRY[kind](**table)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{where} ({label!r}): {err}") from None
    params = {k: [float(x) for x in v] if isinstance(v, list) else float(v) for k, v in table.items()}
    fields = tuple((name, _schedule(sub, f"{where}.anneal.{name}", labelled=False)) for name, sub in anneal.items())
    return ScheduleConfig(label=label, kind=kind, params=params, anneal=fields)


def loads(text: str) -> Config:
    """Parse and validate a config from TOML text: the top level, then [energy], [run], [[schedule]], [analysis]."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"the config is not valid TOML: {err}") from None
    name, seed = _top_level(raw)
    energy = _energy(dict(raw.get("energy", {})))
    run = _run(raw.get("run", {}))
    scheds = _schedules(raw.get("schedule", []))
    analysis = _analysis(raw.get("analysis", {}), run, scheds)
    return Config(name=name, seed=seed, energy=energy, run=run, schedules=scheds, analysis=analysis)


def _top_level(raw: dict) -> tuple[str, int]:
    """The top-level keys: name and seed; the sections must be tables."""
    top = {"name", "seed", "energy", "run", "schedule", "analysis"}
    unknown = sorted(set(raw) - top)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]} (allowed at the top level: {', '.join(sorted(top))})")
    name = raw.get("name", "experiment")
    if not isinstance(name, str) or not name or any(c in name for c in "/\\"):
        raise ConfigError(f"name must be a non-empty string without slashes, got {name!r}")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed must be an integer >= 0, got {seed!r}")
    for section in ("energy", "run", "analysis"):
        if not isinstance(raw.get(section, {}), dict):
            raise ConfigError(f"[{section}] must be a table, got {raw[section]!r}")
    return name, seed


def _energy(table: dict) -> EnergyConfig:
    """[energy]: the landscape; keys that are fields of the energy class go to its ``params``."""
    kind = table.get("kind", EnergyConfig.kind)
    own = {f.name for f in dataclasses.fields(EnergyConfig)} - {"params"}
    energy_fields = {f.name for f in dataclasses.fields(energy_class(kind))}
    unused = sorted(k for k in table if k in _ENERGY_FIELDS and k not in energy_fields)
    if unused:
        raise ConfigError(
            f"energy.{unused[0]} is not a parameter of a {kind} energy (its parameters: "
            f"{', '.join(sorted(energy_fields))})"
        )
    extra = {k: table.pop(k) for k in list(table) if k not in own and k in energy_fields}
    if "params" in table:
        raise ConfigError(f"unknown key energy.params (allowed in [energy]: {', '.join(sorted(own | energy_fields))})")
    energy = _take(table, EnergyConfig, "energy")
    energy = dataclasses.replace(energy, params=tuple(sorted(extra.items())))
    if energy.M < 2:
        raise ConfigError(f"energy.M (pairs) must be an integer >= 2, got energy.M={energy.M}")
    if energy.d < 2:
        raise ConfigError(f"energy.d (ambient dimension) must be an integer >= 2, got energy.d={energy.d}")
    for key in ("tau", "t", "gamma"):
        _positive(f"energy.{key}", getattr(energy, key))
    if energy.anchors not in ("regular", "random"):
        raise ConfigError(f"energy.anchors must be one of regular, random, got {energy.anchors!r}")
    if energy.frozen_anchors and energy.anchors == "regular" and optima.optimum_source(energy.M, energy.d) is None:
        raise ConfigError(
            'energy.anchors = "regular" needs a known optimum: M <= d + 1 (simplex), d = 2 (polygon) or M = 2d '
            "(cross-polytope), "
            f'got energy.M={energy.M}, energy.d={energy.d}; use anchors = "random"'
        )
    return energy


def _run(table: dict) -> RunConfig:
    """[run]: chains, step size, duration, recording, layout and integrator."""
    run = _take(table, RunConfig, "run")
    for key in ("n_chains", "record_every", "chunk_records"):
        _positive(f"run.{key}", getattr(run, key), integer=True)
    for key in ("step_size", "t_max"):
        _positive(f"run.{key}", getattr(run, key))
    if abs(run.n_steps * run.step_size - run.t_max) > 1e-9 * run.t_max or run.n_steps < 1:
        raise ConfigError(
            f"run.t_max / run.step_size must be a whole number of steps, got {run.t_max} / {run.step_size}"
        )
    if run.layout not in ("auto", "chains", "lanes"):
        raise ConfigError(f"run.layout must be one of auto, chains, lanes, got run.layout={run.layout!r}")
    if run.integrator not in integrators.REGISTRY:
        raise ConfigError(
            f"run.integrator must be one of {', '.join(integrators.REGISTRY)}, got run.integrator={run.integrator!r}"
        )
    if run.n_steps % run.record_every:
        raise ConfigError(
            f"run.record_every must divide the number of steps t_max / step_size = {run.n_steps}, "
            f"got {run.record_every}"
        )
    return run


def _schedules(tables) -> tuple[ScheduleConfig, ...]:
    """[[schedule]]: at least one, with distinct labels."""
    if not isinstance(tables, list) or not tables:
        raise ConfigError("the config needs at least one [[schedule]] table")
    scheds = tuple(_schedule(t, f"schedule[{i}]") for i, t in enumerate(tables))
    labels = [s.label for s in scheds]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"schedule labels must be distinct, got {labels}")
    return scheds


def _analysis(table: dict, run: RunConfig, scheds: tuple[ScheduleConfig, ...]) -> AnalysisConfig:
    """[analysis]: success tolerance, quenches, trapping window and the swept schedule parameter."""
    analysis = _take(table, AnalysisConfig, "analysis")
    _positive("analysis.eps", analysis.eps)
    _positive("analysis.window", analysis.window)
    for key in ("basin_starts", "quench_every"):
        if getattr(analysis, key) < 0:
            raise ConfigError(
                f"analysis.{key} must be an integer >= 0 (0: off), got analysis.{key}={getattr(analysis, key)}"
            )
    n_records = run.n_steps // run.record_every
    if analysis.quench_every and n_records % analysis.quench_every:
        raise ConfigError(
            f"analysis.quench_every must divide the number of records n_steps / record_every = {n_records}, "
            f"got analysis.quench_every={analysis.quench_every}"
        )
    if analysis.sweep:
        if analysis.sweep not in schedules.SWEEPS:
            raise ConfigError(
                f"analysis.sweep must be one of {', '.join(schedules.SWEEPS)} (or empty), got {analysis.sweep!r}"
            )
        swept = schedules.SWEEPS[analysis.sweep].kind
        for s in scheds:
            if s.kind != swept and s.kind != "constant":
                raise ConfigError(
                    f"analysis.sweep = {analysis.sweep!r} sweeps {swept} schedules; "
                    f"schedule {s.label!r} is {s.kind} (only constant references may be added)"
                )
    return analysis


def default_text() -> str:
    """The TOML text of the embedded default experiment."""
    return resources.files("langevin_sphere.research").joinpath("default.toml").read_text()


def load(path: str | Path | None = None) -> tuple[Config, str]:
    """Load a config file (or the embedded default when ``path`` is None): returns (config, its TOML text)."""
    if path is None:
        text = default_text()
    else:
        try:
            text = Path(path).read_text()
        except OSError as err:
            raise ConfigError(f"cannot read the config file {path}: {err.strerror}") from None
    return loads(text), text


# One line per key of the schema: ``reference_text`` fails on a field without one, so the reference cannot drift.
_HELP = {
    "name": "used in file names and titles (no slashes)",
    "seed": "PRNG seed of the initial states and the noise (integer >= 0)",
    "energy.kind": f"{' | '.join(energies.REGISTRY)} | 'package.module:Name' (an Energy subclass of one's own)",
    "energy.M": "pairs (integer >= 2): a chain is [U; V], 2M unit vectors",
    "energy.d": "ambient dimension (integer >= 2): the sphere S^{d-1}",
    "energy.tau": "loss temperature (> 0; InfoNCE, DHEL, SigLIP)",
    "energy.symmetric": "InfoNCE: both directions (U -> V and V -> U) or one",
    "energy.t": "KCL kernel scale (> 0)",
    "energy.gamma": "KCL weight of the uniformity term (> 0)",
    "energy.frozen_anchors": "hold the anchors U fixed and move only the positives V",
    "energy.anchors": "the fixed U: regular (U of the known optimum) | random (drawn from the seed)",
    "run.n_chains": "independent chains (integer >= 1)",
    "run.step_size": "h (> 0); n_steps = t_max / step_size must be whole",
    "run.t_max": "diffusion time of the run (> 0)",
    "run.record_every": "steps between records (divides n_steps)",
    "run.chunk_records": "records per compiled chunk, a checkpoint after each (integer >= 1)",
    "run.layout": "chains | lanes | auto (simulate's memory layout)",
    "run.integrator": " | ".join(integrators.REGISTRY),
    "analysis.eps": "success: quenched final energy within eps of E* (> 0)",
    "analysis.basin_starts": "uniform starts quenched for the basin table (0: none)",
    "analysis.quench_every": "quench every chain every this many records (0: final states only)",
    "analysis.window": "diffusion time a chain must stay in a non-global basin to count as trapped (> 0)",
    "analysis.sweep": f"the swept schedule parameter: {' | '.join(schedules.SWEEPS)} | '' (none)",
}

# Example arguments of each schedule kind in the reference (the keys are the factory's parameters, checked there).
_SCHEDULE_EXAMPLES: dict[str, dict[str, Any]] = {
    "constant": {"beta": 1000.0},
    "logarithmic": {"c": 0.4, "t0": math.e},
    "geometric": {"beta0": 1.0, "rate": 0.5, "beta_max": 1e5},
    "linear": {"beta0": 1.0, "beta1": 1000.0, "t1": 20.0},
    "power": {"beta0": 1.0, "exponent": 1.5, "t_scale": 1.0},
    "cosine": {"beta0": 1.0, "beta1": 1000.0, "t1": 20.0},
    "periodic_cosine": {"low": 1.0, "high": 100.0, "period": 5.0},
    "piecewise_linear": {"times": [0.0, 10.0, 20.0], "values": [1.0, 100.0, 1000.0]},
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def _line(key: str, value: Any, where: str) -> str:
    return f"{key} = {_toml_value(value)}".ljust(30) + f"# {_HELP[where]}"


def reference_text() -> str:
    """A complete config with every key at its default (``langevin-sphere config --reference``), generated from the
    dataclasses above and the schedule registry: one ``[[schedule]]`` table per schedule kind."""
    out = ["# Every key of a langevin-sphere config, at its default (one [[schedule]] per schedule kind)."]
    out += [_line("name", "experiment", "name"), _line("seed", 0, "seed")]
    default_fields = {f.name for f in dataclasses.fields(energy_class(EnergyConfig.kind))}
    for section, cls in (("energy", EnergyConfig), ("run", RunConfig)):
        out += ["", f"[{section}]"]
        for f in dataclasses.fields(cls):
            if f.name == "params":
                continue
            line = _line(f.name, f.default, f"{section}.{f.name}")
            # keys of other energies' classes (KCL's t, gamma) are refused for the default kind: shown commented
            off = section == "energy" and f.name in _ENERGY_FIELDS and f.name not in default_fields
            out.append("# " + line if off else line)
        if section == "energy":
            out.append("# <field> = ...               # any further field of the energy class of `kind`")
    for kind in schedules.REGISTRY:
        example = _SCHEDULE_EXAMPLES[kind]
        if set(example) != set(inspect.signature(schedules.REGISTRY[kind]).parameters):
            raise KeyError(f"the reference example of the {kind} schedule does not give exactly its parameters")
        out += ["", "[[schedule]]", f'label = "{kind}"', f'kind = "{kind}"']
        out += [f"{key} = {_toml_value(value)}" for key, value in example.items()]
        if kind == "constant":
            out.append(
                '# anneal.tau = {kind = "periodic_cosine", low = 0.1, high = 1.0, period = 40.0}  # an energy field'
            )
    out += ["", "[analysis]"]
    out += [_line(f.name, f.default, f"analysis.{f.name}") for f in dataclasses.fields(AnalysisConfig)]
    return "\n".join(out) + "\n"
