"""The landscape atlas: which contrastive losses have non-global minima, for which (d, M, tau), how deep they are and
how often uniform random starts end in them.

Per landscape (loss, d, M, tau), ``starts`` uniform configurations of (S^{d-1})^{2M} are quenched
(:func:`langevin_sphere.landscape.quench_info`, float32, |grad| < 1e-5; with ``descent_steps`` > 0 after that many
steps of :func:`langevin_sphere.landscape.descend`, which spares the quench's Hessian eigendecompositions on large
configurations) and classified
(:func:`langevin_sphere.landscape.classify`: float64 quench to |grad| < 1e-11, Riemannian Hessian off the O(d)
modes), and the end states are merged up to symmetry into the landscape's catalogue
(:func:`langevin_sphere.catalogue.merge`). The lowest minimum is E*; a start is ``trapped`` when it ends in a
minimum above E* + tol, with tol = 1e-9 + 1e-6 |E*| (the energy resolution the classification keeps), the kind
being that of the start's catalogue entry (:func:`langevin_sphere.catalogue.kinds`: a soft state filed in a plateau
family counts as a plateau). A landscape
with |E*| < :data:`FLAT` = 1e-9 (InfoNCE at small tau and M, where every well-separated configuration has
E ~ exp(-1/tau)) is flat at that resolution: its end states, however many distinct ones, are one energy level.
Where there are non-global minima, the classification is repeated in four variants on the first
``robustness_starts`` starts (:func:`langevin_sphere.catalogue.robustness`: float32 / float64 quench, tolerance
1e-5 / 1e-8) and, when there are at most ``c_star_max_minima`` minima, c* is computed on all of them by
minimum-energy paths and the catalogue is closed under the strings' images (:func:`langevin_sphere.catalogue.close`).
With more minima (up to ``c_star_neighbours_max_minima``) and ``c_star_neighbours`` = k > 0, strings join each
minimum to its k nearest minima and its nearest lower one only (:func:`langevin_sphere.barriers.neighbour_pairs`):
c* is then an upper bound.

The losses, with tau their temperature: ``infonce`` (symmetric), ``infonce-onesided``, ``dhel`` and ``kcl`` with
t = 1 / (2 tau) and gamma = 16 (exp(-t |u - v|^2) = e^{-2t} exp(u.v / tau) on the sphere: the same kernel as the
InfoNCE similarity at temperature tau).

Files (``experiments/atlas/`` by default, readable without this package): one folder per landscape with the
catalogue (``minima.npz``, :mod:`langevin_sphere.catalogue`'s format) and ``summary.json``; ``atlas.csv`` with one
row per landscape. A landscape whose ``summary.json`` exists with the same settings (:meth:`Settings.covers`) is not
recomputed: the command resumes and extends. One surveyed with fewer ``robustness_starts`` (0: none) gets only its
robustness check run again (:func:`add_robustness`).
"""

from __future__ import annotations

import itertools
import json
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from .. import landscape
from ..core import energies, io, sphere
from ..landscape import catalogue, diagnostics, optima
from .config import ENERGY_NAMES, ConfigError

__all__ = [
    "LOSSES",
    "LOSS_NAMES",
    "FLAT",
    "Landscape",
    "Settings",
    "energy_of",
    "load",
    "load_text",
    "survey",
    "add_robustness",
    "build",
    "table",
    "matrix_free_check",
    "best_known_table",
    "CSV_FIELDS",
]

LOSSES = ("infonce", "infonce-onesided", "dhel", "kcl")
LOSS_NAMES = {loss: ENERGY_NAMES.get(loss, "one-sided InfoNCE") for loss in LOSSES}  # in the order of LOSSES
FLAT = 1e-9  # an E* below this is flat at float64 resolution: every end state is within the level tolerance of it
CSV_FIELDS = (
    "name",
    "loss",
    "d",
    "M",
    "tau",
    "starts",
    "E_star",
    "E_star_closed_form",
    "flat",
    "n_minima",
    "n_non_global",
    "n_plateaus",
    "success",
    "trapped",
    "trapped_lo",
    "trapped_hi",
    "plateau",
    "saddle",
    "unconverged",
    "runner_up_gap",
    "max_gap",
    "c_star",
    "c_star_is",
    "strings",
    "robust",
    "descent_steps",
    "seconds",
)


@dataclass(frozen=True)
class Landscape:
    """One cell of the atlas: a loss on (S^{d-1})^{2M} at temperature tau."""

    loss: str
    d: int
    M: int
    tau: float

    @property
    def name(self) -> str:
        return f"{self.loss}-S{self.d - 1}-M{self.M}-tau{self.tau:g}"


@dataclass(frozen=True)
class Settings:
    """How each landscape is surveyed (``[atlas]`` in the config)."""

    starts: int = 256
    seed: int = 0
    robustness_starts: int = 64
    c_star_max_minima: int = 6
    c_star_neighbours: int = 0  # 0: no c* above c_star_max_minima; k: strings to each minimum's k nearest (a bound)
    c_star_neighbours_max_minima: int = 32
    path_images: int = 32
    path_max_steps: int = 20_000
    descent_steps: int = 0  # > 0: gradient descent (landscape.descend) before the quench, for large n (d - 1)

    def covers(self, summary: dict) -> bool:
        """Whether a stored landscape ``summary`` stands under these settings (no need to survey it again): its
        settings equal these (keys added since then at their defaults, the values it ran with), or differ only in
        the neighbour-string keys of c* and those would add no c* to it, or in ``robustness_starts`` where the
        stored check is at least as large or the landscape needs none (no non-global minima, no plateau starts)."""
        old = _ran_with(summary)
        differ = {k for k in old if old[k] != self.__dict__.get(k)}
        if "robustness_starts" in differ and (
            old["robustness_starts"] >= self.robustness_starts or not _needs_check(summary)
        ):
            differ.remove("robustness_starts")
        if not differ <= {"c_star_neighbours", "c_star_neighbours_max_minima"}:
            return False
        return not (
            differ
            and summary.get("c_star_skipped")
            and self.c_star_neighbours
            and summary["n_minima"] <= self.c_star_neighbours_max_minima
        )

    def adds_robustness(self, summary: dict) -> bool:
        """Whether a stored ``summary`` stands under these settings once its robustness check is run again on
        ``robustness_starts`` starts (:func:`add_robustness`): it ran with fewer (0: none) and covers otherwise."""
        ran = _ran_with(summary)["robustness_starts"]
        return not self.covers(summary) and replace(self, robustness_starts=ran).covers(summary)


def _ran_with(summary: dict) -> dict:
    """The settings a stored landscape ran with (keys added to :class:`Settings` since then at their defaults)."""
    return {**Settings().__dict__, **summary.get("settings", {})}


def energy_of(cell: Landscape) -> energies.Energy:
    """The energy of a cell. tau is stored as a float64 array so that one compilation serves every tau (it is cast
    to float32 in the float32 quench and kept exact in the float64 classification)."""
    tau = np.asarray(cell.tau, np.float64)
    if cell.loss == "infonce":
        return energies.InfoNCE(tau=tau)
    if cell.loss == "infonce-onesided":
        return energies.InfoNCE(tau=tau, symmetric=False)
    if cell.loss == "dhel":
        return energies.DHEL(tau=tau)
    if cell.loss == "kcl":
        return energies.KCL(t=np.asarray(1.0 / (2.0 * cell.tau)), gamma=np.asarray(16.0))
    raise ValueError(f"atlas: loss must be one of {LOSSES}, got {cell.loss!r}")


def load(path: str | Path) -> tuple[Settings, list[Landscape]]:
    """Read an atlas config file (see :func:`load_text`)."""
    return load_text(Path(path).read_text(), path)


def load_text(text: str, path: str | Path = "<text>") -> tuple[Settings, list[Landscape]]:
    """Parse an atlas config: ``[atlas]`` settings and ``[[atlas.part]]`` tables, each the product of its
    ``losses``, ``d``, ``M`` and ``tau`` lists. Every value is checked before anything runs."""
    raw = tomllib.loads(text)
    if "atlas" not in raw:
        raise ConfigError(f"atlas config {path}: needs an [atlas] table")
    table_ = dict(raw["atlas"])
    parts = table_.pop("part", [])
    known = set(Settings.__dataclass_fields__)
    for key in table_:
        if key not in known:
            raise ConfigError(f"atlas config {path}: unknown key [atlas] {key!r}; allowed: {sorted(known)}")
    settings = Settings(**table_)
    for key in ("starts", "path_images", "path_max_steps"):
        if int(getattr(settings, key)) < 1:
            raise ConfigError(f"atlas config {path}: [atlas] {key} = {getattr(settings, key)} must be >= 1")
    for key in ("robustness_starts", "descent_steps"):
        if int(getattr(settings, key)) < 0:
            raise ConfigError(f"atlas config {path}: [atlas] {key} = {getattr(settings, key)} must be >= 0")
    if settings.c_star_max_minima < 2:
        raise ConfigError(f"atlas config {path}: [atlas] c_star_max_minima = {settings.c_star_max_minima} must be >= 2")
    if settings.c_star_neighbours < 0:
        raise ConfigError(f"atlas config {path}: [atlas] c_star_neighbours = {settings.c_star_neighbours} must be >= 0")
    if not parts:
        raise ConfigError(f"atlas config {path}: needs at least one [[atlas.part]] with losses, d, M, tau")
    cells: list[Landscape] = []
    for i, part in enumerate(parts):
        missing = {"losses", "d", "M", "tau"} - set(part)
        if missing:
            raise ConfigError(f"atlas config {path}: [[atlas.part]] {i} lacks {sorted(missing)}")
        as_list = {k: part[k] if isinstance(part[k], list) else [part[k]] for k in ("losses", "d", "M", "tau")}
        for loss, d, m, tau in itertools.product(*as_list.values()):
            if loss not in LOSSES:
                raise ConfigError(f"atlas config {path}: part {i}: loss {loss!r} is not one of {LOSSES}")
            if not (isinstance(d, int) and d >= 2):
                raise ConfigError(f"atlas config {path}: part {i}: d = {d!r} must be an integer >= 2")
            if not (isinstance(m, int) and m >= 2):
                raise ConfigError(f"atlas config {path}: part {i}: M = {m!r} must be an integer >= 2")
            if not (isinstance(tau, (int, float)) and tau > 0):
                raise ConfigError(f"atlas config {path}: part {i}: tau = {tau!r} must be > 0")
            cell = Landscape(loss, d, m, float(tau))
            if cell not in cells:
                cells.append(cell)
    return settings, cells


def survey(cell: Landscape, settings: Settings = Settings(), *, log=print) -> tuple[dict, dict, dict]:
    """Quench, classify and catalogue one landscape; c* where it has non-global minima (see the module docstring).

    Returns (the summary dict, the catalogue, the path profiles for ``paths.npz``)."""
    start = time.time()
    energy = energy_of(cell)
    n = 2 * cell.M
    x0 = sphere.uniform(jax.random.key(settings.seed), (settings.starts, n, cell.d))
    q = landscape.quench_many(energy, np.asarray(x0), tol=1e-5, max_steps=2000, descent_steps=settings.descent_steps)
    t_quench = time.time() - start
    with jax.enable_x64(True):
        e64 = np.asarray(jax.vmap(energy)(jnp.asarray(np.asarray(q.x, np.float64))))
    if np.all(np.abs(e64) < FLAT):  # one energy level at float64 resolution: nothing to classify
        return _flat_summary(cell, settings, e64, np.asarray(q.x, np.float64), start, t_quench, log)
    states = landscape.classify(energy, np.asarray(q.x))
    t_classify = time.time() - start - t_quench
    swap = cell.loss != "infonce-onesided"
    is_min = states.kind == "minimum"
    e_star = float(np.min(states.energy[is_min])) if np.any(is_min) else float(np.nanmin(states.energy))
    tol = 1e-9 + 1e-6 * abs(e_star)
    same = min(tol, 1e-6)  # the catalogue's identity tolerance: never coarser than its default
    cat, idx = catalogue.merge(catalogue.empty(n, cell.d), states, swap_views=swap, energy_tol=same)
    outcome = diagnostics.outcomes(catalogue.kinds(cat, idx, states), states.energy, e_star, tol)
    minima = np.flatnonzero(cat["kind"] == "minimum")
    gaps = cat["energy"][minima] - e_star
    non_global = int(np.sum(gaps > tol))

    robust, c_star, profiles, history = None, None, {}, []
    if (non_global or outcome["plateau"]["count"]) and settings.robustness_starts:
        robust = _robustness(cell, settings, same)
    t_robust = time.time() - start - t_quench - t_classify
    neighbours = None if len(minima) <= settings.c_star_max_minima else settings.c_star_neighbours
    if non_global and (neighbours is None or 0 < neighbours and len(minima) <= settings.c_star_neighbours_max_minima):
        # the strings' step and force tolerances scale with the curvature (defaults tuned where lambda_max ~ 20)
        a = float(np.median(states.hessian_max[is_min])) / 20.0
        cat, c_star, profiles, history, found = catalogue.close(
            energy,
            cat,
            swap_views=swap,
            energy_tol=same,
            path_symmetries=("orthogonal", "pairs", "swap") if swap else ("orthogonal", "pairs"),
            rounds=1,
            n_images=settings.path_images,
            step=3e-2 / a,
            max_steps=settings.path_max_steps,
            refine=1,
            tol=1e-5 * a,
            saddle_tol=1e-6 * a,
            neighbours=neighbours,
            log=log,
        )
        c_star = {
            k: c_star[k]
            for k in (
                "c_star",
                "deepest_energy",
                "strings_converged",
                "strings_total",
                "depth_setting_strings",
                "depth_setting_converged",
                "pairs_joined",
                "c_star_is",
                "depth",
            )
        }
        c_star["string_images"] = found
        minima = np.flatnonzero(cat["kind"] == "minimum")
        if cat["energy"][minima].min() < e_star - tol:  # a string's image found a lower minimum: E* moves there
            e_star = float(cat["energy"][minima].min())
            tol = 1e-9 + 1e-6 * abs(e_star)
            same = min(tol, 1e-6)
        idx = catalogue.labels(cat, states, swap_views=swap, energy_tol=same)  # the closed catalogue's order
        outcome = diagnostics.outcomes(catalogue.kinds(cat, idx, states), states.energy, e_star, tol)
        gaps = cat["energy"][minima] - e_star
    best = minima[np.argmin(cat["energy"][minima])] if minima.size else None
    summary = {
        **_header(cell, settings),
        "E_star": e_star,
        "x_star": cat["x"][best].tolist() if best is not None else None,
        "starts_at_E_star": int(outcome["success"]["count"]),
        "level_tol": tol,
        "outcomes": outcome,
        "n_minima": int(len(minima)),
        "n_non_global_minima": int(np.sum(gaps > tol)),
        "n_plateaus": int(np.sum(cat["kind"] == "plateau")),
        "minima": [
            {
                "energy": float(cat["energy"][k]),
                "gap": float(cat["energy"][k] - e_star),
                "starts": int(np.sum(idx == k)),
                "hessian_lowest": float(cat["hessian_head"][k, 0]),
                "n_soft": int(cat["n_soft"][k]),
            }
            for k in minima
        ],
        "runner_up_gap": float(np.min(gaps[gaps > tol])) if np.any(gaps > tol) else None,
        "robustness": robust,
        "c_star": c_star,
        "c_star_rounds": history,
        "c_star_skipped": (_skipped(len(minima), settings) if non_global and c_star is None else None),
        "seconds": {
            "quench": t_quench,
            "classify": t_classify,
            "robustness": t_robust,
            "c_star": time.time() - start - t_quench - t_classify - t_robust,
            "total": time.time() - start,
        },
        "provenance": io.provenance(),
    }
    log(
        f"{cell.name}: {summary['n_minima']} minima ({summary['n_non_global_minima']} non-global), trapped "
        f"{outcome['minimum']['fraction']:.3f}, plateau {outcome['plateau']['fraction']:.3f}"
        + (f", c* = {c_star['c_star']:.3g} ({c_star['strings_converged']}/{c_star['strings_total']})" if c_star else "")
        + f" [{summary['seconds']['total']:.0f} s]"
    )
    return summary, cat, profiles


def _needs_check(summary: dict) -> bool:
    """Whether a stored landscape has what the robustness check tests: non-global minima or plateau starts."""
    return bool(summary.get("n_non_global_minima", 1) or summary.get("outcomes", {}).get("plateau", {}).get("count"))


def _robustness(cell: Landscape, settings: Settings, energy_tol: float) -> dict:
    """The four-variant check (:func:`langevin_sphere.catalogue.robustness`) on the first ``robustness_starts`` of
    the landscape's starts, as stored in its summary."""
    x0 = sphere.uniform(jax.random.key(settings.seed), (settings.starts, 2 * cell.M, cell.d))
    k = min(settings.robustness_starts, settings.starts)
    r = catalogue.robustness(
        energy_of(cell),
        np.asarray(x0[:k]),
        swap_views=cell.loss != "infonce-onesided",
        energy_tol=energy_tol,
        descent_steps=settings.descent_steps,
    )
    return {
        "n_starts": r["n_starts"],
        "agree": r["agree"],
        "differences": sum(len(v["differences"]) for v in r["variants"].values()),
        "variants": {name: v["kinds"] for name, v in r["variants"].items()},
    }


def add_robustness(cell: Landscape, settings: Settings, summary: dict) -> dict:
    """``summary`` (a landscape surveyed with fewer robustness starts, see :meth:`Settings.adds_robustness`) with
    its robustness check run again on ``settings.robustness_starts`` starts; the rest of the survey stands (the
    check changes no other result). The catalogue's identity tolerance is the survey's, min(level_tol, 1e-6)."""
    start = time.time()
    robust = _robustness(cell, settings, min(summary["level_tol"], 1e-6))
    elapsed = time.time() - start
    seconds = {**summary["seconds"], "robustness": elapsed}
    seconds["total"] += elapsed - summary["seconds"]["robustness"]
    return {
        **summary,
        "settings": {**summary["settings"], "robustness_starts": settings.robustness_starts},
        "robustness": robust,
        "seconds": seconds,
        "robustness_provenance": io.provenance(),
    }


def _skipped(n_minima: int, settings: Settings) -> str:
    """Why c* was not computed on a landscape with non-global minima."""
    if not settings.c_star_neighbours:
        return f"{n_minima} minima > c_star_max_minima = {settings.c_star_max_minima}"
    return f"{n_minima} minima > c_star_neighbours_max_minima = {settings.c_star_neighbours_max_minima}"


def _flat_summary(cell, settings, e64, x, start, t_quench, log) -> tuple[dict, dict, dict]:
    """The summary of a landscape whose quenched starts all have abs(E) < FLAT: every start is at the one level."""
    best = int(np.argmin(e64))
    n = len(e64)
    cat = catalogue.empty(*x.shape[1:])
    outcome = diagnostics.outcomes(np.full(n, "minimum"), e64, float(e64[best]), 1e-9)
    summary = {
        **_header(cell, settings),
        "E_star": float(e64[best]),
        "x_star": x[best].tolist(),
        "starts_at_E_star": n,
        "level_tol": 1e-9,
        "flat": f"every quenched start has abs(E) < {FLAT:g} in float64 (max {float(np.max(np.abs(e64))):.3g}): "
        "one energy level at that resolution, not classified",
        "outcomes": outcome,
        "n_minima": None,
        "n_non_global_minima": 0,
        "n_plateaus": 0,
        "minima": [],
        "runner_up_gap": None,
        "robustness": None,
        "c_star": None,
        "c_star_rounds": [],
        "c_star_skipped": None,
        "seconds": {
            "quench": t_quench,
            "classify": 0.0,
            "robustness": 0.0,
            "c_star": 0.0,
            "total": time.time() - start,
        },
        "provenance": io.provenance(),
    }
    log(f"{cell.name}: flat (max abs(E) {float(np.max(np.abs(e64))):.2g}) [{summary['seconds']['total']:.0f} s]")
    return summary, cat, {}


def _header(cell: Landscape, settings: Settings) -> dict:
    """The fields every landscape summary starts with: the cell, the settings and the closed form where known."""
    closed = optima.infonce_optimum(cell.M, cell.d, cell.tau) if cell.loss == "infonce" else None
    return {
        "kind": "atlas landscape",
        "landscape": {
            "loss": cell.loss,
            "d": cell.d,
            "M": cell.M,
            "tau": cell.tau,
            "name": cell.name,
            "describe": _describe(cell),
        },
        "settings": settings.__dict__,
        "E_star_closed_form": closed[0] if closed else None,
        "E_star_source": optima.optimum_source(cell.M, cell.d) if closed else None,
    }


def _describe(cell: Landscape) -> str:
    name = LOSS_NAMES[cell.loss]
    temp = f"tau={cell.tau:g}" if cell.loss != "kcl" else f"t={1 / (2 * cell.tau):g} (tau={cell.tau:g}), gamma=16"
    return f"{name}, S^{cell.d - 1}, M={cell.M}, {temp}"


def build(
    config: str | Path,
    out: str | Path = "experiments/atlas",
    *,
    progress: bool = True,
    log=print,
    best_known: str | Path | None = None,
) -> Path:
    """Build or extend the atlas of ``config`` in ``out`` (resumable per landscape); writes ``atlas.csv`` and, given
    ``best_known``, the table of :func:`best_known_table` there."""
    settings, cells = load(config)
    out = Path(out)
    bar = tqdm(cells, unit="landscape", disable=not progress, desc="atlas")
    for cell in bar:
        folder = out / cell.name
        done = folder / "summary.json"
        stored = io.load_json(done) if done.exists() else None
        if stored is not None and settings.covers(stored):
            continue
        bar.set_postfix_str(cell.name)
        if stored is not None and settings.adds_robustness(stored):
            io.save_json(done, add_robustness(cell, settings, stored))
            continue
        summary, cat, profiles = survey(cell, settings, log=(lambda s: bar.write(s)) if progress else log)
        catalogue.save(folder, cat)
        if profiles:
            io.save_npz(folder / "paths.npz", profiles)
        io.save_json(done, summary)
    io.save_csv(out / "atlas.csv", list(CSV_FIELDS), [[r[k] for k in CSV_FIELDS] for r in table(out)])
    if best_known is not None:
        io.save_json(best_known, best_known_table(out, into=best_known))
    return out / "atlas.csv"


def table(folder: str | Path) -> list[dict]:
    """One row (:data:`CSV_FIELDS`) per landscape stored under ``folder``, sorted by loss, d, M, tau."""
    rows = []
    for file in Path(folder).glob("*/summary.json"):
        s = io.load_json(file)
        if s.get("kind") != "atlas landscape":
            continue
        cell, o, c = s["landscape"], s["outcomes"], s["c_star"]
        trapped, flat = o["minimum"], abs(s["E_star"]) < FLAT
        rows.append(
            {
                "name": cell["name"],
                "loss": cell["loss"],
                "d": cell["d"],
                "M": cell["M"],
                "tau": cell["tau"],
                "starts": s["settings"]["starts"],
                "E_star": s["E_star"],
                "E_star_closed_form": s["E_star_closed_form"],
                "flat": flat,
                "n_minima": None if flat else s["n_minima"],  # flat: one level, no count
                "n_non_global": s["n_non_global_minima"],
                "n_plateaus": s["n_plateaus"],
                "success": o["success"]["fraction"],
                "trapped": trapped["fraction"],
                "trapped_lo": trapped["lo"],
                "trapped_hi": trapped["hi"],
                "plateau": o["plateau"]["fraction"],
                "saddle": o["saddle"]["fraction"],
                "unconverged": o["unconverged"]["fraction"],
                "runner_up_gap": s["runner_up_gap"],
                "max_gap": max((m["gap"] for m in s["minima"]), default=0.0),
                "c_star": c["c_star"] if c else None,
                "c_star_is": c["c_star_is"] if c else s["c_star_skipped"],
                "strings": f"{c['strings_converged']}/{c['strings_total']}" if c else None,
                "robust": s["robustness"]["agree"] if s["robustness"] else None,
                "descent_steps": s["settings"].get("descent_steps", 0),
                "seconds": s["seconds"]["total"],
            }
        )
    order = {loss: i for i, loss in enumerate(LOSSES)}
    return sorted(rows, key=lambda r: (order[r["loss"]], r["d"], r["M"], r["tau"]))


def best_known_table(folder: str | Path, into: str | Path | None = None) -> dict:
    """The best-known minima of the atlas's landscapes under ``folder`` (read by
    :func:`langevin_sphere.optima.best_known`): every landscape that is not flat (KCL under tau = 1 / (2t), with
    its t and gamma = 16), with its lowest float64 minimum, the configuration, how many starts reached it, the
    runner-up's gap and the robustness check of the start counts (``robust``: its starts and whether all four
    variants agree; None where it did not run). Written beside :mod:`langevin_sphere.optima` by ``langevin-sphere
    atlas ... --best-known``; given an existing table ``into``, its entries for other landscapes are kept (several
    atlases, one table)."""
    entries = []
    for file in sorted(Path(folder).glob("*/summary.json")):
        s = io.load_json(file)
        cell = s.get("landscape", {})
        if s.get("kind") != "atlas landscape" or abs(s["E_star"]) < FLAT:
            continue
        entries.append(
            {
                **({"t": 1.0 / (2.0 * cell["tau"]), "gamma": 16.0} if cell["loss"] == "kcl" else {}),
                "kind": "infonce" if cell["loss"].startswith("infonce") else cell["loss"],
                "symmetric": cell["loss"] != "infonce-onesided",
                "M": cell["M"],
                "d": cell["d"],
                "tau": cell["tau"],
                "E_star": s["E_star"],
                "closed_form": s["E_star_closed_form"],
                "found": f"{s['starts_at_E_star']} of {s['settings']['starts']} uniform starts",
                "starts_at_E_star": s["starts_at_E_star"],
                "starts": s["settings"]["starts"],
                "runner_up_gap": s["runner_up_gap"],
                "n_minima": s["n_minima"],
                "robust": None if s["robustness"] is None else {k: s["robustness"][k] for k in ("n_starts", "agree")},
                "c_star": s["c_star"]["c_star"] if s["c_star"] else None,
                "c_star_is": s["c_star"]["c_star_is"] if s["c_star"] else None,
                "c_star_strings": (
                    f"{s['c_star']['strings_converged']} of {s['c_star']['strings_total']} converged"
                    if s["c_star"]
                    else None
                ),
                "provenance": f"landscape atlas, {Path(folder).as_posix()}/{cell['name']}: "
                "sphere.uniform(jax.random.key("
                f"{s['settings']['seed']}), ({s['settings']['starts']}, {2 * cell['M']}, {cell['d']})), "
                + (
                    f"{s['settings']['descent_steps']} steps of gradient descent, "
                    if s["settings"].get("descent_steps")
                    else ""
                )
                + "quenched in float32 to abs(grad) < 1e-5, classified in float64 (abs(grad) < 1e-11, "
                "Hessian positive off the O(d) modes)",
                "x": s["x_star"],
            }
        )

    def key(e):
        return e["kind"], e["symmetric"], e["d"], e["M"], round(e["tau"], 12)

    if into is not None and Path(into).exists():
        ours = {key(e) for e in entries}
        entries += [e for e in io.load_json(into)["landscapes"] if key(e) not in ours]
    order = {loss: i for i, loss in enumerate(("infonce", "dhel", "kcl"))}
    entries.sort(key=lambda e: (order[e["kind"]], not e["symmetric"], e["d"], e["M"], e["tau"]))
    return {
        "about": "Best-known minima of contrastive losses on (S^{d-1})^{2M} (langevin_sphere.atlas)",
        "landscapes": entries,
    }


def _stored_landscapes(folders) -> list[tuple[str, Landscape, Path]]:
    """(name, cell, folder) of every stored catalogue: atlas folders (``summary.json``) and the experiment
    catalogues (``c_star.json``, whose energy is named as in a config)."""
    found = []
    for root in folders:
        for folder in sorted(Path(root).glob("*/minima.npz")):
            folder = folder.parent
            if (folder / "summary.json").exists():
                c = io.load_json(folder / "summary.json")["landscape"]
                cell = Landscape(c["loss"], int(c["d"]), int(c["M"]), float(c["tau"]))
            elif (folder / "c_star.json").exists():
                c = io.load_json(folder / "c_star.json")["landscape"]
                loss = c["energy"].lower() + (
                    "" if c.get("symmetric", True) or c["energy"] != "InfoNCE" else "-onesided"
                )
                cell = Landscape(loss, int(c["d"]), int(c["M"]), float(c["tau"]))
            else:
                continue
            found.append((folder.name, cell, folder))
    return found


def _entries(folder: Path) -> int:
    return len(io.load_npz(folder / "minima.npz")["energy"])


def matrix_free_check(
    folders=("experiments/atlas", "experiments/landscapes"),
    out: str | Path | None = None,
    *,
    max_n: int = 720,
    log=print,
) -> dict:
    """The matrix-free classification (``classify(method="krylov")``) of every stored catalogue entry of the atlas
    and the experiment catalogues with N = 2M(d - 1) <= ``max_n`` (and n d >= 21, LOBPCG's least size), against the
    stored (dense) result and a dense recomputation: the same kind, the same catalogue label
    (:func:`langevin_sphere.catalogue.labels` against the stored catalogue), and the four lowest eigenvalues off the
    symmetry modes, |lam_krylov - lam_stored| / max(|lam_stored|, soft level). Seconds of both paths per landscape
    (compilation included) give the measured cost crossover. Writes ``out`` (JSON) when given; resumable by rows."""
    path = Path(out) if out else None
    rows = io.load_json(path)["rows"] if path and path.exists() else []
    have = {r["name"] for r in rows}
    for name, cell, folder in sorted(_stored_landscapes(folders), key=lambda f: _entries(f[2])):  # cheap first
        n, d = 2 * cell.M, cell.d
        if name in have or n * (d - 1) > max_n or n * d < 21:
            continue
        cat = catalogue.load(folder)
        if not len(cat["energy"]):  # a flat landscape keeps no entry
            continue
        energy = energy_of(cell)
        timings, states = {}, {}
        for method in ("dense", "krylov"):
            start = time.perf_counter()
            states[method] = landscape.classify(energy, cat["x"], method=method)
            timings[method] = time.perf_counter() - start
        k, dn = states["krylov"], states["dense"]
        lab = catalogue.labels(cat, k)
        soft = 1e-6 * np.abs(k.hessian_max)[:, None]  # the soft level of classify
        rel = np.abs(k.hessian_head - cat["hessian_head"]) / np.maximum(np.abs(cat["hessian_head"]), soft)
        row = {
            "name": name,
            "N": n * (d - 1),
            "entries": len(cat["energy"]),
            "starts": int(np.sum(cat["count"])),
            "same_kind_as_stored": int(np.sum(k.kind == cat["kind"].astype(str))),
            "same_kind_as_dense": int(np.sum(k.kind == dn.kind)),
            # a family of soft states is one entry, a plateau once a descent was found from any of its points, and
            # keeps its first point: re-classified alone, that point may be a minimum (by either path)
            "dense_same_kind_as_stored": int(np.sum(dn.kind == cat["kind"].astype(str))),
            "same_label": int(np.sum(lab == np.arange(len(lab)))),
            "starts_same_kind_and_label": int(
                np.sum(cat["count"][(lab == np.arange(len(lab))) & (k.kind == cat["kind"].astype(str))])
            ),
            "max_rel_head": float(np.nanmax(rel)),
            "max_abs_energy": float(np.max(np.abs(k.energy - cat["energy"]))),
            "seconds_dense": timings["dense"],
            "seconds_krylov": timings["krylov"],
        }
        log(json.dumps(row))
        rows.append(row)
        if path:
            io.save_json(path, {"kind": "matrix_free_check", "provenance": io.provenance(), "rows": rows})
    return {"rows": rows}
