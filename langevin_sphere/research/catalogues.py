"""Catalogues of the landscapes behind experiment runs: one per landscape, from every run folder's config and states.

Command line: ``langevin-sphere catalogue --runs runs --out experiments/landscapes``. The catalogue itself (merge,
labels, c*) is :mod:`langevin_sphere.landscape.catalogue`; this module only gathers the runs' states for it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import io
from ..landscape import catalogue
from . import config as config_lib

__all__ = ["slug", "build"]


def slug(energy_cfg) -> str:
    """Folder name of a landscape, e.g. ``infonce-circle-M6-tau0.05`` (from a config's ``[energy]`` table)."""
    e = energy_cfg
    kind = e.kind + ("" if e.kind != "infonce" or e.symmetric else "-onesided")
    space = "circle" if e.d == 2 else f"S{e.d - 1}"
    temp = f"tau{e.tau:g}" if e.kind != "kcl" else f"t{e.t:g}-gamma{e.gamma:g}"
    return f"{kind}-{space}-M{e.M}-{temp}" + (f"-frozen-{e.anchors}" if e.frozen_anchors else "")


def build(
    runs: str | Path = "runs", out: str | Path = "experiments/landscapes", only: list[str] | None = None, log=print
) -> dict:
    """A catalogue per landscape (``out``/<:func:`slug`>/) from every experiment folder under ``runs`` (config.toml,
    schedule_<i>.npz): the basin-table starts and every chain's final state. Returns {name: c_star.json dict}.
    Command line: ``langevin-sphere catalogue --runs runs --out experiments/landscapes``."""
    built = {}
    groups: dict[str, list] = {}
    for cfg_file in sorted(Path(runs).glob("*/config.toml")):
        cfg, _ = config_lib.load(cfg_file)
        groups.setdefault(slug(cfg.energy), []).append((cfg, cfg_file.parent))
    for name, members in groups.items():
        if only and name not in only:
            continue
        cfg = members[0][0]
        energy = cfg.energy.build(cfg.seed)
        sources, robust = {}, None
        for cfg_i, folder in members:
            starts = np.asarray(cfg_i.basin_starts())
            key = f"basin-table starts, seed {cfg_i.seed}"
            if key not in sources:
                sources[key] = starts
                robust = starts if robust is None else robust
            for i, _ in enumerate(cfg_i.schedules):
                file = folder / f"schedule_{i}.npz"
                if file.exists():
                    sources[f"{folder.name}/schedule_{i} final states"] = io.load_npz(file)["final"]
        swap = cfg.energy.swap_views
        path_sym = (
            () if cfg.energy.frozen_anchors else (("orthogonal", "pairs", "swap") if swap else ("orthogonal", "pairs"))
        )
        log(f"== {name}: {len(sources)} sources")
        info = {
            "energy": config_lib.energy_name(cfg.energy.kind),
            "M": cfg.energy.M,
            "d": cfg.energy.d,
            "tau": cfg.energy.tau,
            "symmetric": cfg.energy.symmetric,
            "describe": cfg.energy.describe(),
        }
        res = catalogue.build(
            Path(out) / name,
            energy,
            sources,
            landscape_info=info,
            symmetries=cfg.energy.symmetries,
            swap_views=swap,
            path_symmetries=path_sym,
            robustness_starts=robust,
            step=3e-2,
            max_steps=100_000,
            tol=1e-5,
            saddle_tol=1e-6,
            log=log,
        )
        log(
            f"{name}: {res['n_entries']} entries {res['kinds']}, c* = {res['c_star']:.6g} "
            f"({res['strings_converged']}/{res['strings_total']} strings converged), "
            f"robust: {res.get('robustness', {}).get('agree')}"
        )
        built[name] = res
    return built
