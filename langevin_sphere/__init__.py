"""langevin_sphere: geodesic Langevin dynamics and simulated annealing on products of spheres (S^{d-1})^n.

    import langevin_sphere as ls
    res = ls.simulate(ls.energies.InfoNCE(tau=0.2), X0, key, schedule=ls.schedules.logarithmic(0.5))

Three layers, each a subpackage, imports going downward only:

- :mod:`langevin_sphere.core`: the simulator (geometry, energies, schedules, integrators, kernel, ``simulate``);
- :mod:`langevin_sphere.landscape`: landscape analysis (quench, Hessian, classification, barriers, catalogues);
- :mod:`langevin_sphere.research`: the research application (config, experiments, studies, atlas, figures, CLI).

The public modules of the first two are re-exported here (``ls.energies``, ``ls.landscape.classify``, ...).
"""

from importlib.metadata import PackageNotFoundError, version

from . import core, landscape
from .core import (
    checkpoint,
    devices,
    energies,
    integrators,
    io,
    kernel,
    layouts,
    noise,
    records,
    schedules,
    sde,
    sphere,
)
from .core.devices import set_host_device_count
from .core.simulate import Result, simulate
from .landscape import barriers, catalogue, diagnostics, optima, symmetries
from .research import atlas, config

try:
    __version__ = version("langevin-sphere")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "core",
    "landscape",
    "atlas",
    "barriers",
    "catalogue",
    "checkpoint",
    "config",
    "devices",
    "diagnostics",
    "energies",
    "integrators",
    "io",
    "kernel",
    "layouts",
    "noise",
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
