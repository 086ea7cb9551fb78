#!/bin/sh
# micro_batch_cases.sh LUA ROOT: which parts of a schedule run in micro-batches
# (gen/microbatch.lua), and generate --micro-batch-bytes.
# - resnet50 by default: the eval forward's layer1 and layer2 parts run in micro-batches (their
#   56x56 and 28x28 maps), layer3 and layer4 do not (their weights would be read again per
#   micro-batch), and neither does the stem, the head or any training schedule; no part of
#   resnet20 does (its micro-batches would hold more than MAX_IMAGES images);
# - --micro-batch-bytes 0: no part does; the command line in the provenance header says so;
# - bad values: exit 2, the flag named, no output written.
set -u
lua=$1 root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
gen() { (cd "$root" && "$lua" gen/resnetc.lua generate "$@"); }
# the body of schedule part function $2 in file $1
part() { awk -v fn="$2" '$0 ~ "^static RN_NOINLINE void " fn "\\(" { on = 1 } on { print } on && /^}/ { exit }' "$1"; }
micro() { part "$1" "$2" | grep -q "rn_micro_batch(n, nt,"; }

gen specs/resnet50.lua --isa generic --out "$tmp/a" || no "generate resnet50"
c=$tmp/a/resnet50.c
for fn in forward_infer_layer1_0 forward_infer_layer2_0; do
  part "$c" "$fn" | grep -q . || no "no function $fn"
  micro "$c" "$fn" || no "$fn: expected micro-batches"
done
for fn in forward_infer_stem forward_infer_layer3_0 forward_infer_layer4_0 forward_infer_head \
          forward_train_layer1_0 backward_layer1_0; do
  part "$c" "$fn" | grep -q . || no "no function $fn"
  ! micro "$c" "$fn" || no "$fn: expected the whole batch"
done

gen specs/resnet20.lua --isa generic --out "$tmp/c" || no "generate resnet20"
! grep -q "rn_micro_batch(n, nt," "$tmp/c/resnet20.c" || no "resnet20: a part in micro-batches"

gen specs/resnet50.lua --isa generic --micro-batch-bytes 0 --out "$tmp/b" || no "generate --micro-batch-bytes 0"
! grep -q "rn_micro_batch(n, nt," "$tmp/b/resnet50.c" || no "--micro-batch-bytes 0: a part in micro-batches"
grep -q "Command: .* --micro-batch-bytes 0" "$tmp/b/resnet50.c" || no "--micro-batch-bytes 0: not in the command line"

for bad in -1 abc 1.5 ""; do
  out=$(gen specs/resnet20.lua --micro-batch-bytes "$bad" --out "$tmp/bad" 2>&1)
  rc=$?
  [ $rc -eq 2 ] || no "--micro-batch-bytes '$bad': exit $rc, expected 2"
  echo "$out" | grep -q -- "--micro-batch-bytes" || no "--micro-batch-bytes '$bad': message does not name the flag: $out"
  [ ! -e "$tmp/bad" ] || no "--micro-batch-bytes '$bad': output written"
done
[ $fail -eq 0 ] && echo "micro_batch_cases: ok"
exit $fail
