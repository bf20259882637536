#!/usr/bin/env bash
# The GPU measurement, one script: the CUDA extra (unless JAX already sees a GPU), `langevin-sphere bench` on P0
# (B = 1024, M = 16, d = 3) and on B = 65536, M = 16, d = 4, and the default experiment, into benchmarks/<device>/.
#
#   benchmarks/gpu.sh               on a machine with an NVIDIA GPU (installs ".[cuda12]" from the registries;
#                                   offline, put JAX's CUDA wheels on PYTHONPATH first and nothing is installed)
#   benchmarks/gpu.sh --cpu-check   the same steps on the CPU at a tiny size, into a temporary folder: everything up
#                                   to the point where CUDA is needed (tests/test_bench.py runs it under -m slow)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
check=${1:-}
has_gpu() { $PY -c 'import jax, sys; sys.exit(jax.default_backend() != "gpu")' 2>/dev/null; }

if [ "$check" = "--cpu-check" ]; then
    out=$(mktemp -d)
    big=(--chains 64 --M 4 --d 4)
    p0=(--chains 32 --M 4 --d 3)
    export JAX_PLATFORMS=cpu
else
    has_gpu || $PY -m pip install --quiet -e ".[cuda12]"
    has_gpu || { echo "gpu.sh: JAX sees no GPU: $($PY -c 'import jax; print(jax.devices())')" >&2; exit 2; }
    device=$($PY -c 'import jax; print(jax.devices()[0].device_kind.replace(" ", "-"))')
    out="benchmarks/$device"
    big=(--chains 65536 --M 16 --d 4)
    p0=()
fi
mkdir -p "$out"
$PY -c 'import jax, langevin_sphere as ls; print("jax", jax.__version__, jax.devices(), "langevin_sphere", ls.__version__)' \
    | tee "$out/devices.txt"
$PY -m langevin_sphere bench --no-sweep "${p0[@]}" --out "$out/p0" | tee "$out/p0.txt"
$PY -m langevin_sphere bench --no-sweep "${big[@]}" --out "$out/large" | tee "$out/large.txt"
if [ "$check" = "--cpu-check" ]; then  # the default experiment, shortened
    sed -e 's/^n_chains = .*/n_chains = 16/' -e 's/^t_max = .*/t_max = 0.4/' langevin_sphere/research/default.toml \
        | sed -e 's/^chunk_records = .*/chunk_records = 2/' -e 's/^eps = \(.*\)/eps = \1\nbasin_starts = 16/' \
        > "$out/default.toml"
    $PY -m langevin_sphere run "$out/default.toml" --quiet --out "$out/default-run" | tee "$out/default-run.txt"
else
    $PY -m langevin_sphere run --quiet --out "$out/default-run" | tee "$out/default-run.txt"
fi
echo "gpu.sh: wrote $out"
