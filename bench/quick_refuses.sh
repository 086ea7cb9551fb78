#!/bin/sh
# quick_refuses.sh MODEL_EXE: `bench --inject-error` (one gradient multiplied by 1.01) must
# exit 1 without timing, after trying a second validation batch (only gradients failed), and
# --save-validation must have written the first batch's inputs, weights and both gradients.
set -u
exe=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$("$exe" bench --iters 1 --warmup 0 --batch 4 --inject-error --validate-tries 2 \
      --save-validation "$dir/v" 2>&1)
rc=$?
fail() { echo "FAIL: $*"; echo "$out"; exit 1; }
[ "$rc" -eq 1 ] || fail "exit $rc, expected 1"
case "$out" in *"validation batch 1: "*"Validating on a new batch"*) ;; *) fail "no second batch" ;; esac
case "$out" in *"on every validation batch tried; refusing to time"*) ;; *) fail "no refusal" ;; esac
case "$out" in *"img/s"*) fail "timed anyway" ;; esac
for f in weights.safetensors x.npy y.npy grads.safetensors grads_reference.safetensors; do
  [ -s "$dir/v/$f" ] || fail "--save-validation did not write $f"
done
echo "ok: refused after 2 validation batches; --save-validation wrote 5 files"
