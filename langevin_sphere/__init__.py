"""langevin_sphere: geodesic Langevin dynamics and simulated annealing on products of spheres (S^{d-1})^n.

    import langevin_sphere as ls
    res = ls.simulate(ls.energies.InfoNCE(tau=0.2), X0, key, schedule=ls.schedules.logarithmic(0.5))
"""

from importlib.metadata import PackageNotFoundError, version

from . import (atlas, barriers, catalogue, checkpoint, config, devices, diagnostics, energies, integrators, kernel, landscape, layouts, optima, records,
               schedules, sde, sphere, symmetries)
from .devices import set_host_device_count
from .simulate import Result, simulate

try:
    __version__ = version("langevin-sphere")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "atlas",
    "barriers",
    "catalogue",
    "checkpoint",
    "config",
    "devices",
    "diagnostics",
    "energies",
    "integrators",
    "kernel",
    "landscape",
    "layouts",
    "optima",
    "records",
    "schedules",
    "sde",
    "sphere",
    "symmetries",
    "simulate",
    "Result",
    "set_host_device_count",
    "__version__",
]
