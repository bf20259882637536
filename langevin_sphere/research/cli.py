"""Command line: ``langevin-sphere run | figures | bench | report | catalogue | atlas | atlas-check | study | config``
(also ``python -m langevin_sphere``).

Every command first splits the CPU into one JAX device per core (unless the user chose a count) and, for
``run --distributed`` or ``run --coordinator ...``, joins a ``jax.distributed`` run; both before JAX's backends start.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _run(args) -> int:
    import jax

    from . import config, experiment, figures

    cfg, text = config.load(args.config)
    out = Path(args.out) if args.out else Path("runs") / cfg.name
    lead = jax.process_index() == 0
    print(
        f"langevin-sphere run: {cfg.name} -> {out}"
        + (
            ""
            if jax.process_count() == 1
            else f" (process {jax.process_index()} of {jax.process_count()}, {jax.device_count()} devices)"
        )
    )
    start = time.perf_counter()
    summary = experiment.run(cfg, text, out, progress=not args.quiet and lead, log=print if lead else (lambda *_: None))
    if not lead:
        return 0
    print(
        f"\nE* = {summary['E_star']:.6g} ({summary['E_star_source']}); success: quenched final energy within "
        f"{summary['eps']:g} of E*"
    )
    print(
        f"{'schedule':26s} {'chains':>6s} {'success [95% CI]':>24s} {'minimum':>8s} {'plateau':>8s} "
        f"{'unconv.':>8s} {'steps/s':>10s}"
    )
    for s in summary["schedules"]:
        ci = f"{s['success']:.3f} [{s['success_lo']:.3f}, {s['success_hi']:.3f}]"
        o = s["outcomes"]
        print(
            f"{s['label']:26s} {s['n']:6d} {ci:>24s} {o['minimum']['count']:8d} {o['plateau']['count']:8d} "
            f"{o['unconverged']['count'] + o['saddle']['count']:8d} {s['config_steps_per_s']:10.3g}"
        )
    print(
        "(success: classified final state at a minimum within eps of E*; minimum: trapped in a non-global minimum; "
        "plateau: on a plateau; counts of chains)"
    )
    figures.experiment_traces(out)
    print(
        f"\nwrote {out}/summary.json, traces.csv, schedule_*.npz, energy_traces.png  "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0


def _figures(args) -> int:
    from . import figures

    for path in figures.from_runs(args.runs, args.out):
        print(f"wrote {path}")
    return 0


def _bench(args) -> int:
    from . import bench, figures

    result = bench.run(n_chains=args.chains, M=args.M, d=args.d, do_sweep=not args.no_sweep, out=args.out)
    if args.out and "sweep" in result:
        for path in figures.bench_sweep(result["sweep"], Path(args.out) / "bench_sweep", result["device"]):
            print(f"wrote {path}")
    return 0


def _report(args) -> int:
    from . import report

    text = report.report(args.runs, args.bench)
    if args.write is None:
        sys.stdout.write(text)
        return 0
    for page in report.write_pages(text, args.write):
        print(f"wrote {page}")
    return 0


def _catalogue(args) -> int:
    from . import catalogues

    catalogues.build(args.runs, args.out, args.only)
    return 0


def _atlas(args) -> int:
    from . import atlas, figures

    start = time.perf_counter()
    csv_file = atlas.build(args.config, args.out, progress=not args.quiet, best_known=args.best_known)
    print(f"wrote {csv_file} ({time.perf_counter() - start:.0f} s)")
    for path in figures.atlas(args.out, args.figures) if args.figures != "none" else []:
        print(f"wrote {path}")
    return 0


def _atlas_check(args) -> int:
    from . import atlas

    rows = atlas.matrix_free_check(args.folders, args.out, max_n=args.max_n)["rows"]
    print(f"{len(rows)} landscapes" + (f"; wrote {args.out}" if args.out else ""))
    return 0


def _study(argv: list[str]) -> int:
    from . import studies

    return studies.main(argv, prog="langevin-sphere study")


def _config(args) -> int:
    from . import config

    print(config.reference_text() if args.reference else config.default_text(), end="")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("langevin-sphere")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _join_processes(args) -> None:
    """``jax.distributed.initialize`` for ``--distributed`` / ``--coordinator``, before JAX's backends start."""
    if not (getattr(args, "distributed", False) or getattr(args, "coordinator", None)):
        return
    import jax

    if args.coordinator and (args.num_processes is None or args.process_id is None):
        raise SystemExit("langevin-sphere run: --coordinator needs --num-processes and --process-id")
    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU processes gather records over gloo
    jax.distributed.initialize(
        coordinator_address=args.coordinator, num_processes=args.num_processes, process_id=args.process_id
    )


def main(argv: list[str] | None = None) -> int:
    from ..core import devices

    if not devices.user_chose_device_count():  # before anything starts JAX's backends: one CPU device per core
        devices.set_host_device_count()
    devices.enable_compilation_cache()  # a second run of the same config compiles nothing
    parser = argparse.ArgumentParser(
        prog="langevin-sphere",
        description="Geodesic Langevin dynamics and simulated annealing on products of spheres under InfoNCE.",
    )
    parser.add_argument("--version", action="version", version=f"langevin-sphere {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run a schedule-comparison experiment (default: the embedded one)")
    p.add_argument("config", nargs="?", help="TOML config file (default: the embedded default experiment)")
    p.add_argument("--out", help="output folder (default: runs/<name>); re-running on it resumes")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    d = p.add_argument_group("several processes (jax.distributed; each process runs the same command)")
    d.add_argument(
        "--distributed",
        action="store_true",
        help="join a multi-process run, detected from the environment (SLURM, Open MPI)",
    )
    d.add_argument("--coordinator", help="address HOST:PORT of process 0 (instead of auto-detection)")
    d.add_argument("--num-processes", type=int, help="number of processes (with --coordinator)")
    d.add_argument("--process-id", type=int, help="this process's index, 0 .. num-processes - 1 (with --coordinator)")
    p.set_defaults(fn=_run)
    p = sub.add_parser("figures", help="redraw the figures from saved results (no simulation)")
    p.add_argument("--runs", default="runs", help="folder searched for saved experiments (default: runs)")
    p.add_argument("--out", default="figures", help="folder for the figures (default: figures)")
    p.set_defaults(fn=_figures)
    p = sub.add_parser("bench", help="throughput (config-steps/s) against the straightforward baseline")
    p.add_argument("--chains", type=int, default=1024, help="chains B of the reference problem (default 1024)")
    p.add_argument("--M", type=int, default=16, help="pairs M of the reference problem (default 16)")
    p.add_argument("--d", type=int, default=3, help="dimension d of the reference problem (default 3)")
    p.add_argument("--no-sweep", action="store_true", help="only the reference problem, no sweep over M and d")
    p.add_argument("--out", help="folder for bench.json and the sweep plot (default: print only)")
    p.set_defaults(fn=_bench)
    p = sub.add_parser("report", help="print the result tables of the docs (markdown) from the stored results")
    p.add_argument("--runs", default="experiments", help="folder with results/*/ and studies/*/ (default: experiments)")
    p.add_argument("--bench", help="benchmark JSON (default: benchmarks/cpu-2core/bench.json beside the runs folder)")
    p.add_argument("--write", metavar="DOCS", help="write the tables into the marked blocks of the pages under DOCS")
    p.set_defaults(fn=_report)
    p = sub.add_parser("catalogue", help="build or extend the landscape catalogues (classified end states, c*)")
    p.add_argument("--runs", default="runs", help="folder searched for saved experiments (default: runs)")
    p.add_argument(
        "--out", default="experiments/landscapes", help="catalogue folders (default: experiments/landscapes)"
    )
    p.add_argument("--only", nargs="*", help="landscape folder names to build (default: every landscape found)")
    p.set_defaults(fn=_catalogue)
    p = sub.add_parser("atlas", help="build or extend the landscape atlas (minima, trapped fractions, c*), resumable")
    p.add_argument("config", help="TOML atlas config ([atlas] settings and [[atlas.part]] grids)")
    p.add_argument("--out", default="experiments/atlas", help="atlas folder (default: experiments/atlas)")
    p.add_argument(
        "--figures", default="figures", help="folder for the atlas figures (default: figures; none: no figures)"
    )
    p.add_argument(
        "--best-known",
        help="also add this atlas's landscapes to the best-known minima table (JSON) there, "
        "keeping its other entries; the package reads langevin_sphere/best_known.json",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(fn=_atlas)
    p = sub.add_parser(
        "atlas-check", help="the matrix-free classification of the stored catalogues against the dense one, resumable"
    )
    p.add_argument(
        "folders", nargs="*", default=["experiments/atlas", "experiments/landscapes"], help="catalogue roots"
    )
    p.add_argument("--out", help="JSON of the comparison (default: print only)")
    p.add_argument("--max-n", type=int, default=720, help="largest N = 2M(d - 1) compared (default 720)")
    p.set_defaults(fn=_atlas_check)
    p = sub.add_parser(
        "study", add_help=False, help="run one of the cached studies (Kramers, c-sweeps, tails, escape, weak order)"
    )
    p.add_argument("args", nargs=argparse.REMAINDER, help="NAME --out FOLDER [options]; `study --help` lists them")
    p = sub.add_parser("config", help="print the default config, or a reference with every key")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--default", action="store_true", help="the embedded default experiment (`run` without a file)")
    which.add_argument("--reference", action="store_true", help="every key at its default, with its allowed values")
    p.set_defaults(fn=_config)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["study"]:  # the studies' own parser takes every option after the name
        return _study(argv[1:])
    args = parser.parse_args(argv)
    _join_processes(args)
    from .config import ConfigError

    try:
        return args.fn(args)
    except (ConfigError, FileNotFoundError) as err:
        print(f"langevin-sphere {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a full disk, a folder that vanished: the files already written are intact (atomic)
        where = f" ({err.filename})" if err.filename else ""
        print(
            f"langevin-sphere {args.command}: error: cannot write results{where}: {err.strerror or err}. "
            "Files written before are intact; free space or choose another --out, then run again to resume.",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
