#!/bin/sh
# train_crash.sh MODEL_EXE: crash safety of `train` (Fashion-MNIST subset, 3 epochs).
#   A: uninterrupted run.
#   B: SIGKILL in epoch 2 (after the epoch-1 checkpoint), then --resume: the final weights
#      must be bit-identical to A's. C: the same with SIGTERM.
#   D: resume with a 64 KB file size limit (a full disk: the checkpoint is ~600 KB): exit
#      non-zero with a message naming the checkpoint, and the previous checkpoint left
#      byte-identical (then resuming without the limit still ends bit-identical to A).
#   E: a fresh run whose --out lies under a regular file: clear error, nothing created.
#   F: SIGINT in epoch 2 saves a checkpoint at that step and exits 130; --resume ends
#      bit-identical to A.
#   G: a checkpoint with one data byte flipped: --resume refuses it (checksum mismatch)
#      and changes nothing.
#   H: a NaN loss in epoch 2 (fault injection: RESNETC_FAULT_NAN_AT_STEP): exit non-zero
#      with a message, no final weights, and the epoch-1 checkpoint kept: resuming from it
#      (checksum verified) ends bit-identical to A.
# Each kill must land while the process is still training (checked), or the case fails.
set -u
exe=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/resnetc_crash_XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
set -- --dataset fashion-mnist --epochs 3 --lr 0.05 --batch 50 --train-limit 1000 \
       --test-limit 100 --threads 1 --seed 11 --no-progress

"$exe" train "$@" --out "$work/A" >/dev/null 2>"$work/A.err" || { cat "$work/A.err"; echo "FAIL: run A"; exit 1; }
[ -f "$work/A/weights.safetensors" ] || { echo "FAIL: run A wrote no weights"; exit 1; }

# kill_in_epoch2 DIR SIGNAL FLAGS...: start a run, wait for its first checkpoint, send
# SIGNAL while it is in epoch 2.
kill_in_epoch2() {
  kdir=$1 ksig=$2
  shift 2
  "$exe" train "$@" --out "$kdir" >/dev/null 2>&1 &
  pid=$!
  while [ ! -f "$kdir/checkpoint.safetensors" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  if kill -s "$ksig" "$pid" 2>/dev/null; then
    wait "$pid"
    echo "killed with SIG$ksig (exit $?) after epoch 1"
  else
    wait "$pid"
    fail "$ksig: the run ended before it could be killed"
  fi
  [ -f "$kdir/checkpoint.safetensors" ] || fail "$ksig: no checkpoint after epoch 1"
  [ ! -e "$kdir/weights.safetensors" ] || fail "$ksig: final weights exist after the kill"
}
for sig in KILL TERM; do
  dir=$work/B_$sig
  kill_in_epoch2 "$dir" "$sig" "$@"
  out=$("$exe" train --resume "$dir" --no-progress 2>&1) || fail "$sig: resume failed: $out"
  cmp -s "$work/A/weights.safetensors" "$dir/weights.safetensors" &&
    echo "ok: SIG$sig in epoch 2, then --resume: weights bit-identical to the uninterrupted run" ||
    fail "$sig: resumed weights differ from the uninterrupted run"
  left=$(find "$dir" -name '*.tmp.*')
  [ -z "$left" ] || echo "note: temporaries left by the killed run: $left"
done

# F: SIGINT saves a checkpoint at the step reached (mid-epoch) and exits 130; resuming ends
# bit-identical
dir=$work/F
"$exe" train "$@" --out "$dir" >"$work/F.out" 2>&1 &
pid=$!
while [ ! -f "$dir/checkpoint.safetensors" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
kill -s INT "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ "$rc" -eq 130 ] && grep -q "checkpoint saved" "$work/F.out"; then
  echo "ok: SIGINT: exit 130, $(grep 'stopped by signal' "$work/F.out")"
else
  fail "SIGINT: exit $rc, expected 130 with a saved checkpoint: $(cat "$work/F.out")"
fi
"$exe" train --resume "$dir" --no-progress >/dev/null 2>&1 || fail "SIGINT: resume failed"
cmp -s "$work/A/weights.safetensors" "$dir/weights.safetensors" &&
  echo "ok: SIGINT mid-epoch, then --resume: weights bit-identical to the uninterrupted run" ||
  fail "SIGINT: resumed weights differ from the uninterrupted run"

# D: full disk on resume
dir=$work/D
kill_in_epoch2 "$dir" KILL "$@"
cp "$dir/checkpoint.safetensors" "$work/D.before"
out=$( (trap '' XFSZ; ulimit -f 64; "$exe" train --resume "$dir" --no-progress) 2>&1)
rc=$?
[ "$rc" -ne 0 ] || fail "full disk: exit 0"
case "$out" in *checkpoint*) ;; *) fail "full disk: message does not name the checkpoint: $out" ;; esac
cmp -s "$dir/checkpoint.safetensors" "$work/D.before" ||
  fail "full disk: the previous checkpoint was changed"
[ -z "$(find "$dir" -name '*.tmp.*')" ] || fail "full disk: temporary file left"
echo "full disk: exit $rc: $(echo "$out" | grep resnetc: | head -n 1)"
"$exe" train --resume "$dir" --no-progress >/dev/null 2>&1 || fail "full disk: resume after it failed"
cmp -s "$work/A/weights.safetensors" "$dir/weights.safetensors" &&
  echo "ok: full disk keeps the checkpoint; resuming later ends bit-identical" ||
  fail "full disk: the later resume differs from the uninterrupted run"

# G: a damaged checkpoint (one data byte flipped, near the end of the file)
dir=$work/G
kill_in_epoch2 "$dir" KILL "$@"
ck=$dir/checkpoint.safetensors
size=$(wc -c <"$ck")
byte=$(od -An -tu1 -j $((size - 5)) -N1 "$ck" | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
  dd of="$ck" bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
cp "$ck" "$work/G.before"
out=$("$exe" train --resume "$dir" --no-progress 2>&1)
rc=$?
[ "$rc" -ne 0 ] || fail "damaged checkpoint: resume exit 0"
case "$out" in *"checksum mismatch"*) echo "ok: damaged checkpoint refused: exit $rc: $(echo "$out" | head -n 1)" ;;
  *) fail "damaged checkpoint: no checksum error: $out" ;; esac
cmp -s "$ck" "$work/G.before" || fail "damaged checkpoint: the file was changed"
[ ! -e "$dir/weights.safetensors" ] || fail "damaged checkpoint: weights written"

# H: NaN loss at step 30 (epoch 2 of 20-step epochs)
dir=$work/H
out=$(RESNETC_FAULT_NAN_AT_STEP=30 "$exe" train "$@" --out "$dir" 2>&1)
rc=$?
[ "$rc" -ne 0 ] || fail "NaN loss: exit 0"
case "$out" in *"loss became NaN"*) echo "ok: NaN loss stops training: exit $rc: $(echo "$out" | grep 'loss became')" ;;
  *) fail "NaN loss: no message: $out" ;; esac
[ ! -e "$dir/weights.safetensors" ] || fail "NaN loss: final weights written"
[ -f "$dir/checkpoint.safetensors" ] || fail "NaN loss: the epoch-1 checkpoint is gone"
[ -z "$(find "$dir" -name '*.tmp.*')" ] || fail "NaN loss: temporary file left"
"$exe" train --resume "$dir" --no-progress >/dev/null 2>&1 || fail "NaN loss: resume failed"
cmp -s "$work/A/weights.safetensors" "$dir/weights.safetensors" &&
  echo "ok: NaN loss, then --resume: weights bit-identical to the uninterrupted run" ||
  fail "NaN loss: resumed weights differ from the uninterrupted run"

# E: an output directory that cannot be created
touch "$work/file"
out=$("$exe" train "$@" --out "$work/file/run" 2>&1)
rc=$?
[ "$rc" -ne 0 ] || fail "--out under a file: exit 0"
case "$out" in *"$work/file/run"*) echo "ok: --out under a file: exit $rc: $(echo "$out" | head -n 1)" ;;
  *) fail "--out under a file: message does not name it: $out" ;; esac

echo "train_crash: $fails failed"
[ "$fails" -eq 0 ]
