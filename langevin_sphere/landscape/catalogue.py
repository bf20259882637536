"""Catalogues of a landscape's end states: every distinct minimum and plateau seen anywhere, and c* on all of them.

A catalogue is the set of critical points behind a landscape's trap statistics: each end state classified by
:func:`langevin_sphere.classification.classify` (minimum, plateau, saddle, unconverged) joins it once up to the
symmetries,
with how often it was seen and where. Its critical depth c* is computed by minimum-energy paths between all its
minima, and every string image that quenches to a state not yet in the catalogue is added to it, so the set of
minima behind c* is closed under the searches made (complete by construction, up to what was searched).

Files, in a folder ``experiments/landscapes/<name>/``, readable without this package:

- ``minima.npz``: ``energy (K,)``, ``x (K, n, d)``, ``kind (K,)`` (strings), ``hessian_head (K, 4)`` (the four
  smallest Hessian eigenvalues off the symmetry modes), ``count (K,)`` (how often the state was seen), ``n_soft (K,)``,
  ``leads_to (K,)`` (the lowest energy that a plateau's probes reached downhill, NaN otherwise);
- ``c_star.json``: c*, the deepest minimum, every pair's saddle and whether its string converged, the sources and the
  provenance; ``paths.npz``: the energy profiles of those strings.

This module merges, labels, stores and computes c*; the classification is in ``landscape``, the strings in
``barriers``.
"""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ..core import io
from . import barriers, basins, classification, quenching

__all__ = [
    "empty",
    "merge",
    "labels",
    "kinds",
    "save",
    "load",
    "critical_depth",
    "robustness",
    "build",
    "close",
    "FIELDS",
]

FIELDS = ("energy", "x", "kind", "hessian_head", "count", "n_soft", "leads_to")
_DEPTH_FIELDS = (
    "c_star",
    "deepest",
    "deepest_energy",
    "n_minima",
    "minima",
    "energy",
    "converged",
    "depth",
    "pairs",
    "strings_converged",
    "strings_total",
    "depth_setting_strings",
    "depth_setting_converged",
    "c_star_is",
    "wall_time_s",
)


def empty(n: int, d: int) -> dict:
    """A catalogue with no state yet, for configurations of shape (n, d)."""
    return {
        "energy": np.zeros(0),
        "x": np.zeros((0, n, d)),
        "kind": np.zeros(0, dtype="<U11"),
        "hessian_head": np.zeros((0, 4)),
        "count": np.zeros(0, int),
        "n_soft": np.zeros(0, int),
        "leads_to": np.zeros(0),
    }


def _signature(x: np.ndarray, swap_views: bool) -> np.ndarray:
    with jax.enable_x64(True):
        return np.asarray(jax.vmap(lambda y: basins.basin_signature(y, swap_views=swap_views))(jnp.asarray(x)))


def _match(
    cat: dict,
    energy: float,
    kind: str,
    sig: np.ndarray,
    cat_sig: np.ndarray,
    soft: bool,
    energy_tol: float,
    signature_tol: float,
) -> int:
    """Index of the catalogue entry that is the same state up to symmetry, or -1.

    Same kind, energies within ``energy_tol`` and signatures within ``signature_tol`` (max norm). A state with soft
    modes (a plateau, or a minimum with exponentially flat directions) is a point of a continuous family whose
    points have different signatures: for those the energy alone decides, and the family is one entry, a plateau
    as soon as a descent was found from one of its points."""
    for k in np.flatnonzero(np.abs(cat["energy"] - energy) <= energy_tol):
        family = (soft or kind == "plateau") and (cat["n_soft"][k] > 0 or cat["kind"][k] == "plateau")
        if family or (cat["kind"][k] == kind and np.max(np.abs(cat_sig[k] - sig)) <= signature_tol):
            return int(k)
    return -1


def labels(
    cat: dict,
    states: classification.EndStates,
    *,
    swap_views: bool = True,
    energy_tol: float = 1e-6,
    signature_tol: float = 1e-3,
) -> np.ndarray:
    """Catalogue index of every end state (-1: not in the catalogue, or unconverged)."""
    cat_sig = _signature(cat["x"], swap_views) if len(cat["energy"]) else None
    sig = _signature(states.x, swap_views)
    out = np.full(len(states.energy), -1)
    for i in range(len(out)):
        if states.kind[i] != "unconverged" and cat_sig is not None:
            out[i] = _match(
                cat, states.energy[i], states.kind[i], sig[i], cat_sig, states.n_soft[i] > 0, energy_tol, signature_tol
            )
    return out


def merge(
    cat: dict,
    states: classification.EndStates,
    *,
    swap_views: bool = True,
    energy_tol: float = 1e-6,
    signature_tol: float = 1e-3,
) -> tuple[dict, np.ndarray]:
    """Add the converged end states to the catalogue (new entries for states not in it, counts for the others).

    Returns (the new catalogue sorted by energy, the catalogue index of every state (-1: unconverged))."""
    cat = {k: np.array(v) for k, v in cat.items()}
    cat_sig = list(_signature(cat["x"], swap_views)) if len(cat["energy"]) else []
    sig = _signature(states.x, swap_views)
    idx = np.full(len(states.energy), -1)
    for i in range(len(idx)):
        if states.kind[i] == "unconverged":
            continue
        k = (
            _match(
                cat,
                states.energy[i],
                states.kind[i],
                sig[i],
                np.asarray(cat_sig),
                states.n_soft[i] > 0,
                energy_tol,
                signature_tol,
            )
            if cat_sig
            else -1
        )
        if k < 0:
            for field, value in (
                ("energy", states.energy[i]),
                ("x", states.x[i]),
                ("kind", states.kind[i]),
                ("hessian_head", states.hessian_head[i]),
                ("count", 0),
                ("n_soft", states.n_soft[i]),
                ("leads_to", states.leads_to[i]),
            ):
                cat[field] = np.concatenate([cat[field], np.asarray([value], cat[field].dtype)])
            cat_sig.append(sig[i])
            k = len(cat["energy"]) - 1
        elif states.kind[i] == "plateau":
            cat["kind"][k] = "plateau"
            cat["leads_to"][k] = np.fmin(cat["leads_to"][k], states.leads_to[i])
        cat["count"][k] += 1
        idx[i] = k
    order = np.argsort(cat["energy"], kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return {k: v[order] for k, v in cat.items()}, np.where(idx >= 0, rank[np.maximum(idx, 0)], -1)


def kinds(cat: dict, idx: np.ndarray, states: classification.EndStates) -> np.ndarray:
    """The kind of every end state as its catalogue entry's kind (the state's own where it has none: unconverged).

    A state with soft modes is filed by energy alone in its family (:func:`merge`), and a family is a plateau as
    soon as the probes of one of its points found a way down. A member whose own probes found none is then still
    a plateau state: on KCL at tau = 0.05 such members are a pair left antipodal (u_i = -v_i) among aligned pairs,
    whose kernel terms are e^{-4t} ~ 4e-18 flat, and a path of u_i around the other rows to v_i (two great-circle
    arcs) rises by at most 8e-5 (S^2, M = 4) and 6e-6 (S^3, M = 5) before it falls by a whole level. Counting the
    starts by ``kinds`` keeps the trapped fraction and the catalogue's minima one statistic."""
    return np.where(idx >= 0, cat["kind"][np.maximum(idx, 0)], states.kind).astype(str)


def save(folder: str | Path, cat: dict) -> Path:
    """Write ``minima.npz`` to ``folder`` (created)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    io.save_npz(folder / "minima.npz", {k: np.asarray(cat[k]) for k in FIELDS})
    return folder / "minima.npz"


def load(folder: str | Path) -> dict:
    """Read ``minima.npz`` from ``folder``."""
    arrays = io.load_npz(Path(folder) / "minima.npz")
    return {k: np.asarray(arrays[k]) for k in FIELDS}


def critical_depth(
    energy,
    cat: dict,
    *,
    symmetries=("orthogonal", "pairs", "swap"),
    energy_tol: float = 1e-6,
    n_images: int = 32,
    refine: int = 2,
    neighbours: int | None = None,
    log=print,
    **path_kwargs,
) -> tuple[dict, list]:
    """c* on every minimum of the catalogue, by minimum-energy paths between all pairs (float64), or, given
    ``neighbours`` = k, between each minimum and its k nearest minima and its nearest lower one
    (:func:`langevin_sphere.barriers.neighbour_pairs`; then c* is an upper bound of the all-pairs c*).

    :func:`langevin_sphere.barriers.critical_depth` joins the pairs; a pair whose string did not converge and whose
    saddle sets some minimum's depth (the edges that decide c*) is tried again, up to ``refine`` times, each with
    twice the images, a third of the step and twice the iterations; the lower of the two paths' highest points
    is kept. The saddles of
    unconverged strings remain upper bounds of the lowest saddle (a path's highest point), and so do the depths and
    c* computed from them: ``c_star_is`` says "exact up to the strings' convergence" or "an upper bound".

    Returns (the c_star.json dict, the string images (P, K, n, d) of every final path, to be quenched for minima
    that the catalogue lacks, and the energy profiles {"energies_i_j", "arc_i_j"} of the paths between minima i < j
    (indices into the list of minima) for ``paths.npz``).
    """
    keep = np.flatnonzero(cat["kind"] == "minimum")
    start = time.time()
    with jax.enable_x64(True):
        minima = jnp.asarray(cat["x"][keep], jnp.float64)
        joined = (
            None
            if neighbours is None
            else barriers.neighbour_pairs(
                minima, cat["energy"][keep], neighbours, symmetries=symmetries, energy_tol=energy_tol
            )
        )
        res = barriers.critical_depth(
            energy,
            minima,
            symmetries=symmetries,
            n_images=n_images,
            energy_tol=energy_tol,
            pairs=joined,
            log=log,
            **path_kwargs,
        )
        saddle, converged, paths = res["saddle"], res["converged"], dict(res["paths"])
        step = path_kwargs.pop("step", 1e-2)
        max_steps = path_kwargs.pop("max_steps", 20_000)
        images = n_images
        for _ in range(refine):
            # only the strings that set a depth matter for c*: the edges at some minimum's level E_m + depth_m
            dep = barriers.depths(res["energy"], saddle, energy_tol=energy_tol)
            levels = (res["energy"] + dep)[np.isfinite(dep)]
            todo = [
                (i, j)
                for (i, j) in paths
                if not converged[i, j] and np.any(np.abs(saddle[i, j] - levels) <= 1e-9 * (1.0 + abs(saddle[i, j])))
            ]
            if not todo:
                break
            images, step, max_steps = 2 * images, step / 3, 2 * max_steps
            for i, j in todo:
                far = barriers.aligned(minima[i], minima[j], symmetries)
                path = barriers.minimum_energy_path(
                    energy, minima[i], far, images, step=step, max_steps=max_steps, **path_kwargs
                )
                s = max(
                    float(path.saddle_energy),
                    float(np.max(np.asarray(path.energies))),
                    float(res["energy"][i]),
                    float(res["energy"][j]),
                )
                if s <= saddle[i, j]:  # both strings are paths: the lower highest point bounds the barrier
                    saddle[i, j] = saddle[j, i] = s
                    converged[i, j] = converged[j, i] = bool(path.converged)
                    paths[(i, j)] = path
                log(
                    f"refined path {i}-{j} ({images} images, step {step:.2g}): saddle {s:.9f}, "
                    f"converged {bool(path.converged)}"
                )
    depth = barriers.depths(res["energy"], saddle, energy_tol=energy_tol)
    finite = np.where(np.isnan(depth), -np.inf, depth)
    deepest = int(np.argmax(finite)) if np.any(~np.isnan(depth)) else -1
    k = len(keep)
    pairs = [
        {
            "i": int(keep[i]),
            "j": int(keep[j]),
            "saddle": float(saddle[i, j]),
            "barrier_from_i": float(saddle[i, j] - res["energy"][i]),
            "barrier_from_j": float(saddle[i, j] - res["energy"][j]),
            "converged": bool(converged[i, j]),
        }
        for i, j in sorted(paths)
    ]
    n_conv = sum(p["converged"] for p in pairs)
    levels = (res["energy"] + depth)[np.isfinite(depth)]
    setting = [p for p in pairs if np.any(np.abs(p["saddle"] - levels) <= 1e-9 * (1.0 + abs(p["saddle"])))]
    for p in pairs:
        p["sets_a_depth"] = p in setting
    summary = {
        "c_star": float(finite[deepest]) if deepest >= 0 else 0.0,
        "deepest": int(keep[deepest]) if deepest >= 0 else None,
        "deepest_energy": float(res["energy"][deepest]) if deepest >= 0 else None,
        "n_minima": k,
        "minima": keep.tolist(),
        "energy": res["energy"].tolist(),
        "converged": converged.tolist(),
        "depth": [None if not np.isfinite(v) else float(v) for v in depth],
        "pairs": pairs,
        "strings_converged": n_conv,
        "strings_total": len(pairs),
        "depth_setting_strings": len(setting),
        "depth_setting_converged": sum(p["converged"] for p in setting),
        "pairs_joined": "all"
        if neighbours is None
        else f"each minimum with its {neighbours} nearest and its nearest lower minimum",
        "c_star_is": (
            "exact up to the strings' convergence (every string that sets a depth converged)"
            if all(p["converged"] for p in setting)
            else "an upper bound (a string that sets a depth did not converge: its highest point stands in)"
        )
        if neighbours is None
        else "an upper bound (strings join each minimum's nearest minima only, not all pairs; "
        f"{sum(p['converged'] for p in setting)} of the {len(setting)} strings that set a depth converged)",
        "wall_time_s": time.time() - start,
    }
    profiles = {f"energies_{i}_{j}": np.asarray(p.energies) for (i, j), p in paths.items()}
    profiles.update({f"arc_{i}_{j}": np.asarray(p.arc_length) for (i, j), p in paths.items()})
    return summary, [np.asarray(p.images) for p in paths.values()], profiles


def close(
    energy,
    cat: dict,
    *,
    symmetries=("orthogonal",),
    swap_views: bool = True,
    path_symmetries=("orthogonal", "pairs", "swap"),
    rounds: int = 2,
    image_stride: int = 4,
    energy_tol: float = 1e-6,
    log=print,
    **path_kwargs,
) -> tuple[dict, dict, dict, list, dict]:
    """c* on the catalogue's minima, closed under the strings' images.

    :func:`critical_depth` joins every pair of minima; every ``image_stride``-th image of every string is classified
    and merged, and when that adds minima c* is computed again (up to ``rounds`` times): the set of minima behind c*
    is closed under the searches made.

    Returns (the catalogue, the c_star dict, the path profiles, one history row per round, the string-image sources
    as {name: {"n", "kinds", "new_minima"}}).
    """
    history, found = [], {}
    for r in range(rounds + 1):
        n_min = int(np.sum(cat["kind"] == "minimum"))
        c_star, images, profiles = critical_depth(
            energy, cat, symmetries=path_symmetries, energy_tol=energy_tol, log=log, **dict(path_kwargs)
        )
        history.append(
            {
                "round": r,
                "n_minima": n_min,
                "c_star": c_star["c_star"],
                "strings_converged": c_star["strings_converged"],
                "strings_total": c_star["strings_total"],
            }
        )
        if not images or r == rounds:
            break
        imgs = np.concatenate([im[1:-1:image_stride] for im in images])
        states = classification.classify(energy, imgs, symmetries=symmetries, energy_tol=energy_tol)
        cat, _ = merge(cat, states, swap_views=swap_views, energy_tol=energy_tol)
        added = int(np.sum(cat["kind"] == "minimum")) - n_min
        found[f"string images, round {r}"] = {
            "n": int(len(imgs)),
            "kinds": {k: int(np.sum(states.kind == k)) for k in classification.KINDS},
            "new_minima": added,
        }
        log(f"string images: {len(imgs)} quenched, {added} new minima")
        if added == 0:
            break
    return cat, c_star, profiles, history, found


def robustness(
    energy,
    starts: np.ndarray,
    *,
    symmetries=("orthogonal",),
    swap_views: bool = True,
    energy_tol: float = 1e-6,
    descent_steps: int = 0,
    method: str = "auto",
) -> dict:
    """Do the kinds and labels of quenched starts depend on the quench tolerance or the float width?

    The starts are quenched two ways, float32 to |grad| < 1e-5 and float64 to |grad| < 1e-8
    (:func:`langevin_sphere.quenching.quench_many`, each after ``descent_steps`` of gradient descent in its own float
    width), and each result is classified with ``tol`` 1e-5 and 1e-8; the float32 quench's states are also
    classified from their float32 values. ``method`` (dense or matrix-free quench and spectrum) is that of
    :func:`langevin_sphere.classification.classify`, for every quench and classification here. Returns the counts
    of each kind per variant and every start whose kind or
    catalogue label differs from the first variant's."""
    starts = np.asarray(starts)
    q32 = quenching.quench_many(energy, starts.astype(np.float32), tol=1e-5, descent_steps=descent_steps, method=method)
    with jax.enable_x64(True):
        x64 = quenching.quench_many(
            energy, starts.astype(np.float64), tol=1e-8, max_steps=5000, descent_steps=descent_steps, method=method
        ).x
    variants = {
        "float32 quench (|grad| < 1e-5), tol 1e-5": (np.asarray(q32.x, np.float64), 1e-5),
        "float32 quench (|grad| < 1e-5), tol 1e-8": (np.asarray(q32.x, np.float64), 1e-8),
        "float64 quench (|grad| < 1e-8), tol 1e-5": (x64, 1e-5),
        "float64 quench (|grad| < 1e-8), tol 1e-8": (x64, 1e-8),
    }
    results = {
        name: classification.classify(energy, x, symmetries=symmetries, tol=tol, energy_tol=energy_tol, method=method)
        for name, (x, tol) in variants.items()
    }
    cat = empty(*starts.shape[1:])
    for states in results.values():
        cat, _ = merge(cat, states, swap_views=swap_views, energy_tol=energy_tol)
    ref_name = next(iter(results))
    ref = results[ref_name]
    ref_labels = labels(cat, ref, swap_views=swap_views, energy_tol=energy_tol)
    out = {"n_starts": int(len(starts)), "reference": ref_name, "variants": {}}
    for name, states in results.items():
        lab = labels(cat, states, swap_views=swap_views, energy_tol=energy_tol)
        differ = np.flatnonzero((states.kind != ref.kind) | (lab != ref_labels))
        out["variants"][name] = {
            "kinds": {k: int(np.sum(states.kind == k)) for k in classification.KINDS},
            "differences": [
                {
                    "start": int(i),
                    "kind": str(states.kind[i]),
                    "energy": float(states.energy[i]),
                    "reference_kind": str(ref.kind[i]),
                    "reference_energy": float(ref.energy[i]),
                }
                for i in differ
            ],
        }
    out["agree"] = all(not v["differences"] for v in out["variants"].values())
    return out


def build(
    folder: str | Path,
    energy,
    sources: dict[str, np.ndarray],
    *,
    landscape_info: dict | None = None,
    symmetries=("orthogonal",),
    swap_views: bool = True,
    path_symmetries=("orthogonal", "pairs", "swap"),
    rounds: int = 2,
    image_stride: int = 4,
    robustness_starts: np.ndarray | None = None,
    log=print,
    **path_kwargs,
) -> dict:
    """Build or extend the catalogue in ``folder`` and compute c* on it.

    Every configuration of every source (name -> (B, n, d)) not merged by an earlier build of the same folder is
    classified and merged; c* is computed by
    :func:`critical_depth`; every ``image_stride``-th image of every string is classified too, and when that adds
    minima, c* is computed again (up to ``rounds`` times). Writes ``minima.npz`` and ``c_star.json`` (with the
    sources, the rounds and, given ``robustness_starts``, the :func:`robustness` check)."""
    folder = Path(folder)
    start = time.time()
    cat = load(folder) if (folder / "minima.npz").exists() else empty(*next(iter(sources.values())).shape[1:])
    seen = io.load_json(folder / "c_star.json").get("sources", {}) if (folder / "c_star.json").exists() else {}
    for name, x in sources.items():
        if name in seen:  # merged by an earlier build: extending a catalogue never counts a source twice
            continue
        t0 = time.time()
        states = classification.classify(energy, np.asarray(x), symmetries=symmetries)
        before = len(cat["energy"])
        cat, _ = merge(cat, states, swap_views=swap_views)
        seen[name] = {
            "n": int(len(x)),
            "kinds": {k: int(np.sum(states.kind == k)) for k in classification.KINDS},
            "new_entries": int(len(cat["energy"]) - before),
            "seconds": time.time() - t0,
        }
        log(f"{name}: {len(x)} states, {seen[name]['new_entries']} new entries ({len(cat['energy'])} in all)")
    previous = io.load_json(folder / "c_star.json") if (folder / "c_star.json").exists() else None
    minima_energy = cat["energy"][cat["kind"] == "minimum"]
    if (
        previous is not None
        and all(k in previous for k in _DEPTH_FIELDS)
        and len(previous["energy"]) == len(minima_energy)
        and np.allclose(previous["energy"], minima_energy, rtol=0, atol=1e-9)
    ):
        # the same minima as the last build: its strings and c* stand
        c_star = {k: previous[k] for k in _DEPTH_FIELDS}
        profiles, history = io.load_npz(folder / "paths.npz"), previous["rounds"]
        log(f"the same {len(minima_energy)} minima as the last build: c* = {c_star['c_star']:.6g} kept")
    else:
        cat, c_star, profiles, history, found = close(
            energy,
            cat,
            symmetries=symmetries,
            swap_views=swap_views,
            path_symmetries=path_symmetries,
            rounds=rounds,
            image_stride=image_stride,
            log=log,
            **path_kwargs,
        )
        seen.update(found)
    save(folder, cat)
    io.save_npz(folder / "paths.npz", profiles)
    e_cat = cat["energy"][cat["kind"] == "minimum"]
    summary = {
        "kind": "catalogue",
        "landscape": landscape_info or {},
        **c_star,
        "E_star": float(e_cat.min()) if e_cat.size else None,
        "minimum_energies": np.sort(e_cat).tolist(),
        "plateau_energies": np.sort(cat["energy"][cat["kind"] == "plateau"]).tolist(),
        "n_entries": int(len(cat["energy"])),
        "kinds": {k: int(np.sum(cat["kind"] == k)) for k in classification.KINDS},
        "sources": seen,
        "rounds": history,
        "method": {
            "classification": "classification.classify: float64 quench to |grad| < 1e-11 (scoped enable_x64), "
            "Riemannian Hessian off the O(d) modes; soft = |lambda| <= 1e-6 lambda_max; "
            "plateau = a soft move costing <= 1e-6 quenches >= 1e-6 lower",
            "identity": "same kind, energy within 1e-6 and basin signature within 1e-3 (energy alone for "
            "states with soft modes)",
            "paths": f"barriers.critical_depth on the minima, float64, {path_kwargs}; unconverged strings "
            "that set a depth refined (2x images, step / 3, 2x iterations)",
        },
        "wall_time_s": time.time() - start,
        "provenance": io.provenance(),
    }
    if robustness_starts is not None:
        summary["robustness"] = (
            previous["robustness"]
            if previous is not None and "robustness" in previous
            else robustness(energy, robustness_starts, symmetries=symmetries, swap_views=swap_views)
        )
    io.save_json(folder / "c_star.json", summary)
    return summary
