"""Studies of the landscape and of annealing beyond a schedule comparison: critical depth, Kramers escape rates, the
c-sweep of the logarithmic schedule. Each study writes its results to a folder (``study.json`` with a ``"kind"``
field, plus ``.npz`` arrays); :mod:`langevin_sphere.figures` draws them from those files only.

    langevin-sphere study kramers --out experiments/studies/kramers_two_well
    langevin-sphere study c-sweep --out experiments/studies/c_sweep_two_well
    langevin-sphere study matrix-free-cost --out experiments/studies/matrix_free_cost
    langevin-sphere study escape \
        --out experiments/studies/escape_dhel-circle-M8-tau0.1_infonce-circle-M6-tau0.05
    langevin-sphere figures --runs experiments/studies --out figures

The saved results of these commands are kept under ``experiments/studies/``. The critical depth of a studied
landscape is kept in its catalogue (``langevin-sphere catalogue``, :mod:`langevin_sphere.catalogue`), which joins
every minimum ever seen; ``critical-depth`` here joins only the minima of one multi-start search.

This module runs studies and saves numbers; the methods are in ``barriers``, ``landscape``, ``integrators`` and
``simulate``, the drawing in ``figures``.
"""

from __future__ import annotations

import argparse

from .c_sweep import c_sweep_study, landscape_c_sweep_study
from .critical_depth import _CONTRASTIVE, critical_depth_study
from .escape import basin_exit, escape_study, level_exit, rotation_distance
from .kramers import kramers_study
from .matrix_free import matrix_free_cost_study
from .tails import tails_study
from .two_well import TiltedTwoWell, escape_times
from .weak_order import weak_order_study

__all__ = [
    "TiltedTwoWell",
    "critical_depth_study",
    "escape_times",
    "kramers_study",
    "c_sweep_study",
    "landscape_c_sweep_study",
    "tails_study",
    "escape_study",
    "weak_order_study",
    "matrix_free_cost_study",
    "basin_exit",
    "level_exit",
    "rotation_distance",
    "main",
]


_CLI = {  # study name -> (function, help, {option: (type, default)}); every study takes --out
    "critical-depth": (
        critical_depth_study,
        "c* of a contrastive landscape by minimum-energy paths",
        {"kind": (str, "infonce"), "M": (int, 8), "d": (int, 2), "tau": (float, 0.05), "n_starts": (int, 256)},
    ),
    "kramers": (
        kramers_study,
        "mean escape time vs beta from the trap of a closed-form two-well energy",
        {"n_chains": (int, 512)},
    ),
    "c-sweep": (
        c_sweep_study,
        "success at a fixed time vs c of the logarithmic schedule, around c* (two-well)",
        {"n_chains": (int, 1024), "t_max": (float, 2000.0)},
    ),
    "landscape-c-sweep": (
        landscape_c_sweep_study,
        "success vs c around the cached c* of a contrastive landscape",
        {"depth_study": (str, None), "n_chains": (int, 256), "t_max": (float, 50.0)},
    ),
    "tails": (
        tails_study,
        "finite-time tails P(E_t - E* > eps) ~ t^-alpha of logarithmic annealing",
        {"n_chains": (int, 2048)},
    ),
    "weak-order": (
        weak_order_study,
        "bias of a stationary average vs the step size, per integrator (vMF, coupled pair)",
        {
            "n_chains": (int, 4096),
            "rows": (int, 32),
            "t_max": (float, 5000.0),
            "cases": (str, "vmf_bk2,vmf_bk8,pair_bk8"),
        },
    ),
    "escape": (
        escape_study,
        "mean escape time vs beta: a DHEL minimum (Arrhenius) and an InfoNCE plateau",
        {"part": (str, "both"), "catalogue": (str, "experiments/landscapes/dhel-circle-M8-tau0.1"), "seed": (int, 0)},
    ),
    "matrix-free-cost": (
        matrix_free_cost_study,
        "seconds and peak memory of the matrix-free quench, classification and string at N ~ 1e4 - 1e5",
        {"sizes": (str, ""), "tau": (float, 0.1)},
    ),
}


def main(argv=None, prog: str = "python -m langevin_sphere.research.studies") -> int:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="study", required=True)
    for name, (_, help_text, options) in _CLI.items():
        q = sub.add_parser(name, help=help_text)
        q.add_argument("--out", required=True)
        for option, (kind, default) in options.items():
            q.add_argument(
                "--" + option.replace("_", "-"), dest=option, type=kind, default=default, required=default is None
            )
    args = vars(p.parse_args(argv))
    fn, _, options = _CLI[args.pop("study")]
    if args.get("kind") not in (None, *_CONTRASTIVE):
        p.error(f"--kind must be one of {sorted(_CONTRASTIVE)}, got {args['kind']!r}")
    fn(args.pop("out"), **args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
