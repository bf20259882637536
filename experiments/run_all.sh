#!/usr/bin/env bash
# Re-run every experiment of the README into runs/ (resumable: a finished schedule is not simulated again), then
# redraw all figures from the saved results and keep the small results in experiments/results/. About 30 minutes on
# a 2-core CPU.
# The studies (Kramers, c-sweeps, tails, escape, weak order) are cached in experiments/studies/; to recompute one, see
# `langevin-sphere study --help` (the weak-order study: about 20 minutes on 2 cores,
# `langevin-sphere study weak-order --out experiments/studies/weak_order`).
set -euo pipefail
cd "$(dirname "$0")/.."
# the landscape atlas first (experiments/atlas/; resumable per landscape, it only computes what is missing): the
# comparisons on its landscapes take E* from the best-known table it writes
for part in infonce losses; do
    langevin-sphere atlas --quiet "experiments/atlas/$part.toml" --out experiments/atlas \
        --best-known langevin_sphere/best_known.json
done
langevin-sphere run --quiet --out runs/default
for name in simplex_M4_d3 compare_circle_M6 compare_dhel_circle_M8 \
            sweep_rate_circle_M6 sweep_slope_circle_M6 sweep_c_circle_M6 \
            sweep_rate_dhel_circle_M8 sweep_rate_slow_dhel_circle_M8 sweep_rate_slowest_dhel_circle_M8 \
            compare_dhel_S2_M6 compare_kcl_S2_M4; do
    langevin-sphere run --quiet "experiments/$name.toml" --out "runs/$name"
done
# the landscape catalogues: every end state of every run classified, c* on all minima (experiments/landscapes/)
langevin-sphere catalogue --runs runs --out experiments/landscapes
langevin-sphere figures --runs runs --out figures
# keep the small, human-readable results in the repository: `langevin-sphere figures --runs experiments/results`
# redraws the final-basin, trapped-vs-speed and success-vs-c figures from them (the traces need runs/)
for dir in runs/*/; do
    keep="experiments/results/$(basename "$dir")"
    mkdir -p "$keep"
    cp "$dir"/config.toml "$dir"/summary.json "$dir"/basins.json "$dir"/traces.csv "$keep"/
done
langevin-sphere figures --runs experiments/studies --out figures
langevin-sphere figures --runs experiments/landscapes --out figures
# the README's result tables: `langevin-sphere report` prints them from the stored results above
langevin-sphere report --runs experiments > /dev/null
