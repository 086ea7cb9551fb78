#!/bin/sh
# tools/memory_vs_pytorch.sh [BUILD_DIR]: peak memory of resnetc against PyTorch for one
# training step (forward + backward: `<model> grad`) and one inference batch (`<model>
# infer`), for ResNet-20 (3x32x32, batch 128) and ResNet-50 (3x224x224, batch 16), one thread
# each. Builds resnet20 and resnet50 in BUILD_DIR (default build-memory), prints a markdown
# table (the figures in docs/memory.md come from it). Columns, in MiB:
#   plan      resnetc: rn_run_bytes (`summary --batch B`, "peak: one run") for training; for
#             inference the inference plan (params + BN statistics + inference activations
#             + work), though `infer` allocates the whole run (rn_run_create sizes
#             activations for training too)
#   rss       max resident set of the whole process (/usr/bin/time -v): resnetc includes the
#             weights file buffer, the input and (grad) the gradient file; PyTorch includes
#             libtorch itself
#   rss+      PyTorch: max RSS minus the RSS before the step (model and input already made)
#   alloc     PyTorch: parameters + peak bytes held by its CPU allocator during the step
#             (profiler memory events; tools/memory_torch.py)
# Needs GNU time (/usr/bin/time) and /usr/bin/python3 with torch, torchvision, numpy.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-memory}
py=${RESNETC_TORCH_PYTHON:-/usr/bin/python3}
work=$build/memory
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=OFF \
  -DRESNETC_MODELS="resnet20;resnet50" >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
mkdir -p "$work"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
# max RSS in bytes of a command (its output discarded)
maxrss() {
  /usr/bin/time -v "$@" 2>"$work/time.txt" >/dev/null || { cat "$work/time.txt" >&2; exit 1; }
  awk -F: '/Maximum resident set size/ { print $2 * 1024 }' "$work/time.txt"
}
# a number from `summary`: the bytes on the line containing $2
summary_bytes() { awk -v key="$2" 'index($0, key) { for (i = 1; i <= NF; i++) if ($i == "bytes") print $(i - 1) }' "$1"; }
# a field of memory_torch.py's key=value line
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

echo "| model | input | batch | pass | resnetc plan | resnetc rss | PyTorch alloc | PyTorch rss+ | PyTorch rss |"
echo "|---|---|---|---|---:|---:|---:|---:|---:|"
for cfg in "resnet20 32 10 128" "resnet50 224 1000 16"; do
  set -- $cfg
  m=$1 size=$2 classes=$3 batch=$4
  exe=$build/bin/$m
  "$exe" summary --batch "$batch" >"$work/$m.summary"
  "$exe" init --seed 1 --output "$work/$m.safetensors" >/dev/null
  "$py" -c "import numpy as np, sys; r = np.random.default_rng(1)
np.save(sys.argv[1], r.standard_normal(($batch, 3, $size, $size)).astype('<f4'))
np.save(sys.argv[2], r.integers(0, $classes, $batch).astype('<i8'))" "$work/$m.x.npy" "$work/$m.y.npy"
  s=$work/$m.summary
  train_plan=$(summary_bytes "$s" "peak: one run (rn_run_bytes)")
  infer_plan=$(awk -v a="$(summary_bytes "$s" "  parameters  ")" -v b="$(summary_bytes "$s" "BN running statistics")" \
    -v c="$(summary_bytes "$s" "activations, inference")" -v d="$(summary_bytes "$s" "work (batch-independent)")" \
    'BEGIN { printf "%.0f", a + b + c + d }')
  for pass in train infer; do
    if [ $pass = train ]; then
      rss=$(maxrss "$exe" grad --weights "$work/$m.safetensors" --input "$work/$m.x.npy" \
            --labels "$work/$m.y.npy" --output "$work/$m.grads.safetensors" --threads 1)
      plan=$train_plan
    else
      rss=$(maxrss "$exe" infer --weights "$work/$m.safetensors" --input "$work/$m.x.npy" \
            --output "$work/$m.logits.npy" --batch "$batch" --threads 1)
      plan=$infer_plan
    fi
    t=$("$py" "$root/tools/memory_torch.py" $pass $m "$batch" "$size" "$classes")
    tplus=$(awk -v a="$(field "$t" peak_rss)" -v b="$(field "$t" base_rss)" 'BEGIN { printf "%.0f", a - b }')
    echo "| $m | ${size}x$size | $batch | $pass | $(mib "$plan") | $(mib "$rss") | $(mib "$(field "$t" alloc_peak)") | $(mib "$tplus") | $(mib "$(field "$t" peak_rss)") |"
  done
done
