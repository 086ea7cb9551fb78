#!/bin/sh
# bench/conv_algos.sh: every conv layer of a model under each convolution algorithm of the
# generator (--conv direct, f2, f4: gen/winograd.lua), per direction, in GFLOP/s of the
# direct FLOP count (so Winograd's figures may exceed the machine's peak).
#
#   bench/conv_algos.sh [--model M] [--batch B] [--threads T] [--iters N] [--rounds R]
#                       [--clock wall|cpu] [--build-root DIR] [--tuning FILE]
#
# Configures one build per algorithm (DIR/conv-<algo>, default DIR build/conv-algos;
# -DRESNETC_CONV=<algo>, only the model and its conv_layers_<model> built), then runs R
# rounds of conv_layers_<model> for each algorithm in turn (interleaved, so a shared machine's
# noise spreads over all of them). Each run validates every kernel against the generic ones
# before timing (bench/conv_layers.c); a failed validation stops this script. Prints, per
# kernel and direction, the median over the rounds for each algorithm and the fastest, and
# what the default (auto) build picks. Defaults: resnet20, batch 32, threads 2, 5 iterations,
# 3 rounds, wall clock (use --threads 1 --clock cpu on a loaded machine).
# --tuning FILE (tools/tune.sh): a fifth build, "tuned" (auto with the tuning file:
# -DRESNETC_TUNING_DIR), and a last column tuned/auto, the tuned kernel's speed over the
# untuned one's (1.00 where both chose the same algorithm, up to the noise).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/build_tree.sh"
model=resnet20 batch=32 threads=2 iters=5 rounds=3 clock=wall broot=$root/build/conv-algos tuning=""
need() { [ $# -ge 2 ] || { echo "conv_algos.sh: $1: expected a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --model) need "$@"; model=$2; shift 2 ;;
    --batch) need "$@"; batch=$2; shift 2 ;;
    --threads) need "$@"; threads=$2; shift 2 ;;
    --iters) need "$@"; iters=$2; shift 2 ;;
    --rounds) need "$@"; rounds=$2; shift 2 ;;
    --clock) need "$@"; clock=$2; shift 2 ;;
    --build-root) need "$@"; broot=$2; shift 2 ;;
    --tuning) need "$@"; tuning=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "conv_algos.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done
algos="direct f2 f4 auto"
mkdir -p "$broot"
if [ -n "$tuning" ]; then
  [ -f "$tuning" ] || { echo "conv_algos.sh: --tuning: no file $tuning" >&2; exit 2; }
  algos="$algos tuned"
  mkdir -p "$broot/tuning"
  cp "$tuning" "$broot/tuning/$model.tune"
fi
for a in $algos; do
  b=$broot/conv-$a
  if [ "$a" = tuned ]; then set -- -DRESNETC_CONV=auto -DRESNETC_TUNING_DIR="$broot/tuning"
  else set -- -DRESNETC_CONV=$a -DRESNETC_TUNING_DIR=; fi
  build_tree conv_algos.sh "$b" "conv_layers_$model" -DRESNETC_BUILD_TESTS=ON -DRESNETC_MODELS="$model" \
    -DRESNETC_TEST_ISAS= "$@"
done
out=$broot/runs
rm -rf "$out"
mkdir -p "$out"
r=1
while [ $r -le "$rounds" ]; do
  for a in $algos; do
    echo "conv_algos.sh: round $r/$rounds: $a" >&2
    "$broot/conv-$a/bin/conv_layers_$model" --batch "$batch" --threads "$threads" --iters "$iters" \
        --clock "$clock" > "$out/$a.$r" 2>&1 ||
      { cat "$out/$a.$r" >&2; echo "conv_algos.sh: conv_layers_$model ($a) failed" >&2; exit 1; }
  done
  r=$((r + 1))
done
# Per-layer lines of conv_layers: "name [+n] MMAC | fwd generic ratio | bwd-data ... | bwd-wts ...".
awk -v algos="$algos" -v rounds="$rounds" -v dir="$out" -v model="$model" -v batch="$batch" \
    -v threads="$threads" -v clock="$clock" '
function median(list,    n, v, i, j, t) {
  n = split(list, v, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
  return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
BEGIN {
  na = split(algos, A, " ")
  split("forward backward-data backward-weights", D, " ")
  for (a = 1; a <= na; a++)
    for (r = 1; r <= rounds; r++) {
      f = dir "/" A[a] "." r
      while ((getline line < f) > 0) {
        if (split(line, part, "|") != 4 || line ~ /^kernel/) continue
        name = part[1]; sub(/ +[0-9.]+ *$/, "", name)
        if (!(name in seen)) { seen[name] = 1; order[++nl] = name }
        for (d = 1; d <= 3; d++) { split(part[d + 1], x, " "); g[name, d, A[a]] = g[name, d, A[a]] " " x[1] }
      }
      close(f)
    }
  printf "%s: conv layers by algorithm, batch %s, %s threads, %s clock; GFLOP/s of the direct FLOP count, medians of %s rounds\n", model, batch, threads, clock, rounds
  for (d = 1; d <= 3; d++) {
    printf "\n%s\n%-28s", D[d], "kernel (layers)"
    for (a = 1; a <= na; a++) printf " %9s", A[a]
    printf "   fastest%s\n", (na > 4 ? "   tuned/auto" : "")
    for (l = 1; l <= nl; l++) {
      name = order[l]; best = ""; bv = -1
      printf "%-28s", name
      for (a = 1; a <= na; a++) {
        v = median(g[name, d, A[a]]); printf " %9.2f", v
        if (A[a] != "auto" && A[a] != "tuned" && v > bv) { bv = v; best = A[a] }
        med[A[a]] = v
      }
      printf "   %-7s", best
      if (na > 4) printf "   %5.2f", med["tuned"] / med["auto"]
      printf "\n"
    }
  }
}'
