"""Catalogue identity rules (catalogue.merge, catalogue.kinds) on hand-made end states."""

import numpy as np

from langevin_sphere import catalogue, landscape


def _states(rng, kinds, energies, n_soft, leads_to):
    b = len(kinds)
    x = rng.standard_normal((b, 4, 3))
    return landscape.EndStates(
        x=x / np.linalg.norm(x, axis=-1, keepdims=True),
        energy=np.asarray(energies, float),
        grad_norm=np.zeros(b),
        kind=np.asarray(kinds),
        hessian_head=np.ones((b, 4)),
        hessian_max=np.ones(b),
        n_soft=np.asarray(n_soft),
        leads_to=np.asarray(leads_to, float),
    )


def test_a_soft_minimum_in_a_plateau_family_counts_as_a_plateau(rng):
    """States at one energy with soft modes are one family, a plateau once one member leads lower; a stiff minimum
    at the same energy is its own entry; an unconverged state has none. Per-start kinds follow the entries."""
    states = _states(
        rng,
        ["minimum", "plateau", "minimum", "minimum", "unconverged"],
        [0.0, 1.0, 1.0 + 1e-9, 1.0 + 1e-9, 3.0],
        [0, 2, 1, 0, 0],
        [np.nan, 0.0, np.nan, np.nan, np.nan],
    )
    cat, idx = catalogue.merge(catalogue.empty(4, 3), states)
    assert cat["kind"].tolist() == ["minimum", "plateau", "minimum"]
    assert cat["count"].tolist() == [1, 2, 1] and idx.tolist() == [0, 1, 1, 2, -1]
    assert catalogue.kinds(cat, idx, states).tolist() == ["minimum", "plateau", "plateau", "minimum", "unconverged"]
    assert np.array_equal(catalogue.labels(cat, states), idx)


def test_a_family_found_to_lead_lower_later_becomes_a_plateau(rng):
    """Merged in the other order (the soft minimum first), the family entry turns into a plateau when the member
    that leads lower arrives, and the first state's kind follows it."""
    states = _states(rng, ["minimum", "plateau"], [1.0, 1.0 + 1e-9], [1, 3], [np.nan, 0.5])
    cat, idx = catalogue.merge(catalogue.empty(4, 3), states)
    assert cat["kind"].tolist() == ["plateau"] and cat["leads_to"].tolist() == [0.5]
    assert catalogue.kinds(cat, idx, states).tolist() == ["plateau", "plateau"]
