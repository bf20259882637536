"""A second `simulate` call with the same structure (shapes, dtype, energy type, schedule type, integrator, records,
layout) and other numbers (X0, key, tau, beta, schedule parameters, step size, n_steps a multiple of the chunk)
compiles nothing: the test counts XLA compilations with ``jax.monitoring`` and fails on any."""

import warnings

import jax
import pytest

import langevin_sphere as ls

_COMPILES: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, _secs, **_kw: _COMPILES.append(name) if name == "/jax/core/compile/backend_compile_duration" else None
)


def _compilations(fn) -> int:
    before = len(_COMPILES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # one CPU device of two cores
        fn()
    return len(_COMPILES) - before


def _run(seed, *, tau, beta, h, n_steps, **kwargs):
    x0 = ls.sphere.uniform(jax.random.key(seed), (8, 8, 3))
    return ls.simulate(
        ls.energies.InfoNCE(tau=tau),
        x0,
        jax.random.key(seed + 100),
        schedule=kwargs.pop("schedule", ls.schedules.constant(beta)),
        step_size=h,
        n_steps=n_steps,
        record_every=10,
        chunk_records=5,
        **kwargs,
    )


CASES = {
    "constant beta, chains": lambda i: {},
    "geometric beta, annealed tau, MALA, a record of its own, quenches": lambda i: {
        "schedule": ls.schedules.geometric(2.0 + i, 0.1 * (i + 1)),
        "tau_schedule": ls.schedules.linear(0.5 + 0.1 * i, 0.2, 1.0 + i),
        "integrator": ls.integrators.MALA(),
        "records": {
            "alignment": ls.records.alignment(2.0 + i),
            "far": ls.records.distance_to(ls.sphere.uniform(jax.random.key(i), (8, 3))),
        },
        "quench_every": 5,
    },
    "logarithmic beta, lanes": lambda i: {"schedule": ls.schedules.logarithmic(0.5 / (i + 1)), "layout": "lanes"},
    "power beta, weak order 2": lambda i: {
        "schedule": ls.schedules.power(2.0, 1.0 + i),
        "integrator": ls.integrators.GeodesicLeimkuhlerMatthews(),
    },
}


@pytest.mark.parametrize("case", CASES)
def test_a_second_call_with_other_numbers_compiles_nothing(case):
    first = _compilations(lambda: _run(0, tau=0.5, beta=5.0, h=1e-3, n_steps=100, **CASES[case](0)))
    assert first > 0  # the counter sees compilations
    second = _compilations(lambda: _run(1, tau=0.3, beta=8.0, h=2e-3, n_steps=200, **CASES[case](1)))
    assert second == 0, f"{case}: the second call compiled {second} program(s)"


def test_a_new_structure_compiles_again():
    """The cache is keyed on the structure: another energy type is another program (the counter is not blind)."""
    _run(0, tau=0.5, beta=5.0, h=1e-3, n_steps=100)
    x0 = ls.sphere.uniform(jax.random.key(0), (8, 8, 3))
    other = _compilations(
        lambda: ls.simulate(
            ls.energies.DHEL(tau=0.5),
            x0,
            jax.random.key(1),
            schedule=ls.schedules.constant(5.0),
            step_size=1e-3,
            n_steps=100,
            record_every=10,
            chunk_records=5,
        )
    )
    assert other > 0
