#!/bin/sh
# compare_tensors_test.sh COMPARE_TENSORS CASE_DIR: the comparator on one case's fixtures.
# Identical files match; a different tensor, a missing or extra tensor, a shape mismatch, a
# non-finite value and mixed file kinds are all caught with the right exit code.
set -u
cmp=$1 d=$2
tmp=${TMPDIR:-/tmp}/compare_tensors_test.$$
mkdir -p "$tmp" && trap 'rm -rf "$tmp"' EXIT
fails=0
expect() { # exit-code pattern command...
    want=$1 pat=$2
    shift 2
    "$@" >"$tmp/out" 2>&1
    got=$?
    if [ "$got" -ne "$want" ] || ! grep -q -- "$pat" "$tmp/out"; then
        echo "FAIL: $* exited $got (expected $want) or lacks '$pat':"
        cat "$tmp/out"
        fails=$((fails + 1))
    else
        echo "ok: exit $got, '$pat': $*"
    fi
}
expect 0 "0 failures" "$cmp" "$d/weights.safetensors" "$d/weights.safetensors"
expect 0 "0 failures" "$cmp" "$d/grads.safetensors" "$d/grads.safetensors" --default-tol 0
expect 0 "0 failures" "$cmp" "$d/logits_eval.npy" "$d/logits_eval.npy" --default-tol 0
expect 0 "0 failures" "$cmp" "$d/labels.npy" "$d/labels.npy" --default-tol 0
expect 1 "FAIL" "$cmp" "$d/logits_eval.npy" "$d/logits_train.npy"
expect 0 "0 failures" "$cmp" "$d/logits_eval.npy" "$d/logits_train.npy" --tol "logits_*=1e9"
expect 1 "actual shape" "$cmp" "$d/x.npy" "$d/logits_eval.npy"
expect 1 "missing from actual" "$cmp" "$d/weights.safetensors" "$d/running_after.safetensors"
expect 1 "extra: not in expected" "$cmp" "$d/running_after.safetensors" "$d/weights.safetensors"
expect 0 "0 failures" "$cmp" "$d/running_after.safetensors" "$d/weights.safetensors" \
    --ignore "*.weight" --ignore "*.bias" --ignore "*.num_batches_tracked" --default-tol 0.5
expect 1 "running_var .*FAIL" "$cmp" "$d/weights.safetensors" "$d/grads.safetensors" \
    --default-tol 1e9
expect 2 "is .npy but" "$cmp" "$d/x.npy" "$d/weights.safetensors"
expect 2 "usage" "$cmp" "$d/x.npy"
expect 2 "--tol expects" "$cmp" "$d/x.npy" "$d/x.npy" --tol loss
# A NaN in actual fails even with an infinite-looking tolerance.
cp "$d/logits_eval.npy" "$tmp/nan.npy"
sz=$(wc -c <"$tmp/nan.npy")
printf '\000\000\300\177' | dd of="$tmp/nan.npy" bs=1 seek=$((sz - 4)) conv=notrunc 2>/dev/null
expect 1 "non-finite" "$cmp" "$d/logits_eval.npy" "$tmp/nan.npy" --default-tol 1e30
echo "compare_tensors_test: $fails failure(s)"
[ "$fails" -eq 0 ]
