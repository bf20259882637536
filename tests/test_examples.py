"""The scripts of examples/ run as a user runs them (a subprocess each, as ``python examples/NAME.py``), and what
they print is right: the Thomson optimum of the literature, the kernel loop equal to ``simulate``, a recorded
statistic that falls as the configuration balances, end states classified at the closed-form optimum."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


def _run(name: str) -> str:
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_every_example_is_tested():
    tested = {"schedule_comparison_own_energy.py", "own_loop.py", "custom_statistic.py", "classify_from_file.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


@pytest.mark.slow  # two annealed runs, classified (about 20 s); the docs' own-energy page runs in test_docs
@pytest.mark.parametrize("name", ["schedule_comparison_own_energy.py"])
def test_schedule_comparison_on_a_user_energy_reaches_the_thomson_optimum(name):
    # five charges on S^2 have one minimum: every schedule's quenched chains reach E* = 6.474691495 (literature)
    fractions = [int(f) for f in re.findall(r"quenched to E\* in (\d+)%", _run(name))]
    assert len(fractions) == 3 and min(fractions) >= 95


def test_own_loop_on_the_kernel_equals_simulate():
    # the same noise and dynamics: equal to float32 round-off (simulate passes tau and the schedule's numbers to its
    # compiled run as arguments, the loop compiles them in as constants, which XLA may fold differently)
    out = _run("own_loop.py")
    assert float(re.search(r"final states: (\S+)", out).group(1)) < 1e-5


def test_custom_statistic_is_recorded_at_every_record():
    values = [float(v) for v in re.findall(r"centroid\| = (\S+)", _run("custom_statistic.py"))]
    assert len(values) == 7  # t = 0 and six records
    assert values[-1] < values[0]  # annealing balances the anchors


@pytest.mark.slow  # a subprocess classifying 16 states (about 18 s); test_classify checks classify itself
def test_end_states_loaded_from_a_file_are_classified():
    out = _run("classify_from_file.py")
    assert "'minimum': 16" in out and out.strip().endswith(": 16")
