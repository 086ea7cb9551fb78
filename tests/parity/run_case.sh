#!/bin/sh
# run_case.sh MODEL_EXE CASE_DIR WORKDIR: a generated model against one PyTorch case made by
# make_fixtures.py (docs/testing.md).
#   1. MODEL_EXE infer on CASE_DIR/x.npy          vs logits_eval.npy   (tol 1e-4)
#   2. MODEL_EXE grad  on x.npy and labels.npy    vs grads.safetensors (tol 1e-3, loss 1e-4)
#                                                 and input_grad.npy   (tol 1e-3)
# Every step runs even after a failure; exits 1 if anything failed or a command failed.
# Environment: COMPARE_TENSORS (default: compare_tensors next to MODEL_EXE), THREADS
# (--threads for the model, default 1), PARITY_LOGITS_TOL, PARITY_GRAD_TOL, PARITY_LOSS_TOL,
# PARITY_DX_TOL to override the tolerances.
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 MODEL_EXE CASE_DIR WORKDIR" >&2
    exit 2
fi
exe=$1 case_dir=$2 work=$3
cmp=${COMPARE_TENSORS:-$(dirname "$exe")/compare_tensors}
threads=${THREADS:-1}
logits_tol=${PARITY_LOGITS_TOL:-1e-4}
grad_tol=${PARITY_GRAD_TOL:-1e-3}
loss_tol=${PARITY_LOSS_TOL:-1e-4}
dx_tol=${PARITY_DX_TOL:-1e-3}

for f in weights.safetensors x.npy labels.npy logits_eval.npy grads.safetensors input_grad.npy; do
    if [ ! -f "$case_dir/$f" ]; then
        echo "run_case: $case_dir/$f is missing (make the fixtures: make_fixtures.py)" >&2
        exit 2
    fi
done
if [ ! -x "$cmp" ]; then
    echo "run_case: comparator $cmp not found (set COMPARE_TENSORS)" >&2
    exit 2
fi
mkdir -p "$work" || exit 2
rm -f "$work/logits.npy" "$work/grads.safetensors" "$work/dx.npy"

failed=""
step() { # name, command...
    name=$1
    shift
    echo "== $name: $*"
    if ! "$@"; then
        failed="$failed $name"
    fi
}

step infer "$exe" infer --weights "$case_dir/weights.safetensors" --input "$case_dir/x.npy" \
    --output "$work/logits.npy" --threads "$threads"
if [ -f "$work/logits.npy" ]; then
    step logits "$cmp" "$case_dir/logits_eval.npy" "$work/logits.npy" --default-tol "$logits_tol"
else
    failed="$failed logits"
fi

step grad "$exe" grad --weights "$case_dir/weights.safetensors" --input "$case_dir/x.npy" \
    --labels "$case_dir/labels.npy" --output "$work/grads.safetensors" \
    --input-grad "$work/dx.npy" --threads "$threads"
if [ -f "$work/grads.safetensors" ]; then
    step grads "$cmp" "$case_dir/grads.safetensors" "$work/grads.safetensors" \
        --default-tol "$grad_tol" --tol "loss=$loss_tol"
else
    failed="$failed grads"
fi
if [ -f "$work/dx.npy" ]; then
    step input_grad "$cmp" "$case_dir/input_grad.npy" "$work/dx.npy" --default-tol "$dx_tol"
else
    failed="$failed input_grad"
fi

if [ -n "$failed" ]; then
    echo "run_case: $(basename "$case_dir"): FAILED:$failed"
    exit 1
fi
echo "run_case: $(basename "$case_dir"): all match"
exit 0
