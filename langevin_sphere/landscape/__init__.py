"""Landscape analysis: quenches, Riemannian Hessians, classification of end states, basins, symmetries, known
optima, barriers and c*, catalogues, and the statistics of end states.

Modules (imports go downward in this order): ``symmetries``, ``diagnostics`` (statistics), ``optima``, ``hessian``,
``krylov`` (the matrix-free spectrum), ``quenching``, ``basins``, ``classification``, ``barriers``, ``catalogue``.
They use the simulator core, never the research layer. The names of the quench, Hessian, spectrum, basin and
classification modules are re-exported here, so ``ls.landscape.quench`` and ``ls.landscape.classify`` are reached as
before.
"""

from . import barriers, basins, catalogue, classification, diagnostics, hessian, krylov, optima, quenching, symmetries
from .basins import basin_labels, basin_signature, basin_table, energy_levels, full_configuration, tabulate_basins
from .classification import KINDS, EndStates, classify
from .hessian import (
    EnergyFn,
    batch_size,
    batches,
    gradient_norm,
    hessian_vector_product,
    reduced_spectrum,
    riemannian_hessian,
    symmetry_projector,
    tangent_basis,
)
from .krylov import LowSpectrum, lowest_eigenpairs, orbit_projection
from .quenching import QuenchInfo, descend, quench, quench_info, quench_many

__all__ = [
    "barriers",
    "basins",
    "catalogue",
    "diagnostics",
    "hessian",
    "krylov",
    "optima",
    "symmetries",
    "classification",
    "quenching",
    "EnergyFn",
    "gradient_norm",
    "tangent_basis",
    "riemannian_hessian",
    "symmetry_projector",
    "reduced_spectrum",
    "hessian_vector_product",
    "LowSpectrum",
    "orbit_projection",
    "lowest_eigenpairs",
    "batch_size",
    "batches",
    "QuenchInfo",
    "quench_info",
    "descend",
    "quench",
    "quench_many",
    "basin_signature",
    "basin_labels",
    "full_configuration",
    "basin_table",
    "energy_levels",
    "tabulate_basins",
    "KINDS",
    "EndStates",
    "classify",
]
