"""The simulator core: geometry, noise, energies, schedules, the annealed SDE, integrators, kernel, records, layouts,
checkpoints, devices and :func:`simulate`, the driver.

Modules import only modules of this layer listed before them (``io, noise, devices, sphere, energies, schedules, sde,
integrators, kernel, records, layouts, checkpoint, simulate``), never the landscape analysis or the research layer
(the one exception: :func:`simulate`'s in-run quench, imported when ``quench_every`` is given).
"""

from . import checkpoint, devices, energies, integrators, io, kernel, layouts, noise, records, schedules, sde, sphere
from .devices import set_host_device_count
from .simulate import Result, simulate

__all__ = [
    "checkpoint",
    "devices",
    "energies",
    "integrators",
    "io",
    "kernel",
    "layouts",
    "noise",
    "records",
    "schedules",
    "sde",
    "sphere",
    "Result",
    "simulate",
    "set_host_device_count",
]
