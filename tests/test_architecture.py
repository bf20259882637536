"""The package's import graph: three layers, data flowing one way, no module importing one above it.

The layers are subpackages: ``core`` (the simulator), ``landscape`` (landscape analysis) and ``research`` (the
application). Inside each, ``ORDER`` lists the modules in data-flow order; a module may import only modules listed
before it in its own layer or modules of a layer below, at the top of the file or inside a function. The test reads
every relative import of the package's source.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import langevin_sphere

LAYERS = ["core", "landscape", "research"]
ORDER = {
    "core": [
        "io",
        "noise",
        "devices",
        "sphere",
        "energies",
        "schedules",
        "sde",
        "integrators",
        "kernel",
        "records",
        "layouts",
        "checkpoint",
        "simulate",
    ],
    "landscape": [
        "symmetries",
        "diagnostics",
        "optima",
        "hessian",
        "krylov",
        "quenching",
        "basins",
        "classification",
        "barriers",
        "catalogue",
    ],
    "research": ["config", "catalogues", "experiment", "studies", "atlas", "bench", "figures", "report", "cli"],
}
# The in-run quench of ``simulate(quench_every=...)`` is the landscape's quench, imported when asked for.
ALLOWED_UPWARD = {("core.simulate", "landscape.quenching")}
PACKAGE = Path(langevin_sphere.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package modules (as ``layer.module``) that a source file imports, relative imports anywhere in it."""
    here = _module_name(path).split(".")
    package = here if path.stem == "__init__" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            base = package[: len(package) - (node.level - 1)]
            target = base + (node.module.split(".") if node.module else [])
            if node.module:
                found.add(".".join(target[:2]))
            else:
                found.update(".".join((target + [alias.name])[:2]) for alias in node.names)
    return found


def _rank(name: str) -> tuple[int, int] | None:
    layer, _, module = name.partition(".")
    if layer not in ORDER:
        return None
    return LAYERS.index(layer), (ORDER[layer].index(module) if module in ORDER[layer] else -1)


def _modules(layer: str) -> list[Path]:
    return sorted(p for p in (PACKAGE / layer).rglob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("layer", LAYERS)
def test_every_module_is_placed_in_the_order(layer):
    modules = {p.relative_to(PACKAGE / layer).parts[0].removesuffix(".py") for p in _modules(layer)}
    assert modules == set(ORDER[layer]), (
        f"{layer}: place these in ORDER: {sorted(modules - set(ORDER[layer]))}; "
        f"gone: {sorted(set(ORDER[layer]) - modules)}"
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_go_downward(layer):
    bad = []
    for path in _modules(layer):
        name = ".".join(_module_name(path).split(".")[:2])
        for target in _imports(path):
            rank = _rank(target)
            if rank is None or (name, target) in ALLOWED_UPWARD or target == name:
                continue
            if rank >= _rank(name):
                bad.append(f"{name} imports {target}")
    assert not bad, f"imports that go up the data flow: {bad}"


def test_the_lower_layers_import_nothing_of_the_research_layer():
    for layer in ("core", "landscape"):
        for path in _modules(layer):
            assert not any(t.startswith("research") for t in _imports(path)), path


def test_importing_the_package_imports_no_plotting():
    """Importing the package, the experiment and the studies loads neither matplotlib nor pyplot (a subprocess, so
    that other tests' imports do not count)."""
    code = (
        "import sys, langevin_sphere, langevin_sphere.research.experiment, langevin_sphere.research.studies; "
        "print(sorted(m for m in sys.modules if m.startswith('matplotlib')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
