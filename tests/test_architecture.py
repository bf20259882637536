"""The package's import graph: data flows one way, and no module imports one above it.

The order below is the data flow of DESIGN.md (geometry -> energies and schedules -> SDE -> integrators -> kernel ->
simulate -> statistics -> experiments -> figures -> command line). A module may import only modules listed before
it, at the top of the file or inside a function; the test reads every ``from . import`` / ``from .x import`` of
the package's source.
"""

import ast
from pathlib import Path

import pytest

import langevin_sphere

ORDER = [
    "io", "noise", "devices",                            # files; random numbers; CPU devices
    "sphere", "symmetries", "diagnostics",               # geometry; statistics of end states
    "energies", "schedules", "optima",                   # the landscape's pieces and its known optima
    "sde", "integrators", "kernel", "records", "layouts", "checkpoint",
    "landscape", "barriers", "simulate",                 # quench and classification; paths; the driver
    "config", "catalogue", "atlas", "experiment", "studies", "bench",
    "figures", "report", "cli", "__main__", "__init__",
]
PACKAGE = Path(langevin_sphere.__file__).parent


def _imports(path: Path) -> set[str]:
    """The package modules a source file imports (relative imports, anywhere in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:  # from .x import y
                found.add(node.module.split(".")[0])
            else:  # from . import x, y
                found.update(alias.name for alias in node.names)
    return found


def test_every_module_is_placed_in_the_order():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set(ORDER), f"place these in ORDER: {sorted(modules - set(ORDER))}; gone: {sorted(set(ORDER) - modules)}"


@pytest.mark.parametrize("module", ORDER)
def test_imports_go_downward(module):
    rank = {name: i for i, name in enumerate(ORDER)}
    above = sorted(m for m in _imports(PACKAGE / f"{module}.py") if m in rank and rank[m] >= rank[module])
    assert not above, f"{module} imports {above}, which come after it in the data flow"


def test_running_an_experiment_imports_no_plotting(tmp_path):
    """Importing the package and the experiment module loads neither matplotlib nor pyplot (a subprocess, so that
    other tests' imports do not count)."""
    import subprocess
    import sys

    code = ("import sys, langevin_sphere, langevin_sphere.experiment, langevin_sphere.studies; "
            "print(sorted(m for m in sys.modules if m.startswith('matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
