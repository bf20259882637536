#!/usr/bin/env bash
# Re-run every experiment of the README into runs/ (resumable: a finished schedule is not simulated again), then
# redraw all figures from the saved results. About 1.5 hours on a 2-core CPU, most of it in the slow DHEL sweeps.
# The studies (critical depth, Kramers, c-sweeps, tails) are cached in experiments/studies/; to recompute one, see
# `python -m langevin_sphere.studies --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
langevin-sphere run --quiet --out runs/default
for name in simplex_M4_d3 compare_circle_M6 compare_dhel_circle_M8 \
            sweep_rate_circle_M6 sweep_slope_circle_M6 sweep_c_circle_M6 \
            sweep_rate_dhel_circle_M8 sweep_rate_slow_dhel_circle_M8 sweep_rate_slowest_dhel_circle_M8; do
    langevin-sphere run --quiet "experiments/$name.toml" --out "runs/$name"
done
langevin-sphere figures --runs runs --out figures
langevin-sphere figures --runs experiments/studies --out figures
