#!/bin/sh
# tools/tune.sh: measure every 3x3 stride-1 conv layer of a model under each algorithm that
# fits it (direct, Winograd F(2x2, 3x3), F(4x4, 3x3)), per direction, on this machine, and
# write the tuning file that `gen/resnetc.lua generate --tuning FILE` and
# `resnetc_add_model(... TUNING FILE)` read (gen/tuning.lua; docs/design.md, "Tuning").
#
#   tools/tune.sh MODEL [--out FILE] [--isa ISA] [--batch B] [--threads T] [--iters N]
#                       [--rounds R] [--clock wall|cpu] [--build DIR] [--program PATH]
#
# Builds (in DIR, default build/tune: -DRESNETC_MODELS=MODEL, no tests) the one program
# conv_layers_MODEL_candidates: the model generated with --entries all, so every candidate of
# every layer is compiled once, into one binary. Then runs it R times (rounds); each run
# validates every kernel against the generic ones (relative L2 at most 1e-4: a failure stops
# this script, nothing is written) and times each kernel N times after a warm-up call, the
# candidates of a layer one after the other. The time of a candidate is the median over the
# rounds of its per-run medians; the choice is the fastest. --program PATH: an already built
# conv_layers_MODEL_candidates (the tune_MODEL target of CMake), no build. Defaults: batch 32,
# threads 0 (OpenMP's default: the machine's), 9 iterations, 5 rounds, wall clock; on a
# loaded machine --threads 1 --clock cpu. Output: DIR/MODEL.tune (with --program, required
# to be given). One line per layer signature and direction with a choice to make:
#   conv3x3_s1_c16k16_h32w32 fwd f4  direct=21.437ms f2=18.012ms f4=13.771ms
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ $# -ge 1 ] || { echo "usage: tools/tune.sh MODEL [--out FILE] ... (--help)" >&2; exit 2; }
case $1 in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac
model=$1; shift
out="" isa="" batch=32 threads=0 iters=9 rounds=5 clock=wall build=$root/build/tune program=""
cmdline="tools/tune.sh $model"
need() { [ $# -ge 2 ] || { echo "tune.sh: $1: expected a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --out) need "$@"; out=$2 ;;
    --isa) need "$@"; isa=$2 ;;
    --batch) need "$@"; batch=$2 ;;
    --threads) need "$@"; threads=$2 ;;
    --iters) need "$@"; iters=$2 ;;
    --rounds) need "$@"; rounds=$2 ;;
    --clock) need "$@"; clock=$2 ;;
    --build) need "$@"; build=$2 ;;
    --program) need "$@"; program=$2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "tune.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
  case $1 in --out|--build|--program) ;; *) cmdline="$cmdline $1 $2" ;; esac
  shift 2
done
case $clock in wall|cpu) ;; *) echo "tune.sh: --clock: expected wall or cpu, got '$clock'" >&2; exit 2 ;; esac
[ -f "$root/specs/$model.lua" ] || [ -n "$program" ] ||
  { echo "tune.sh: no spec $root/specs/$model.lua" >&2; exit 2; }
start=$(date +%s)
if [ -z "$program" ]; then
  mkdir -p "$build"
  set -- -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=OFF -DRESNETC_MODELS="$model"
  [ -z "$isa" ] || set -- "$@" -DRESNETC_ISA="$isa"
  cmake -S "$root" -B "$build" "$@" > "$build/configure.log" 2>&1 ||
    { echo "tune.sh: configuring $build failed: $build/configure.log" >&2; exit 1; }
  cmake --build "$build" -j "$(nproc)" --target "conv_layers_${model}_candidates" > "$build/build.log" 2>&1 ||
    { echo "tune.sh: building conv_layers_${model}_candidates failed: $build/build.log" >&2; exit 1; }
  program=$build/bin/conv_layers_${model}_candidates
  [ -n "$out" ] || out=$build/$model.tune
  echo "tune.sh: built $program in $(($(date +%s) - start)) s" >&2
elif [ -z "$out" ]; then
  echo "tune.sh: --program needs --out FILE" >&2; exit 2
fi
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
built=$(date +%s)
r=1
while [ "$r" -le "$rounds" ]; do
  "$program" --tune --batch "$batch" --threads "$threads" --iters "$iters" --clock "$clock" > "$runs/$r" 2>&1 ||
    { cat "$runs/$r" >&2; echo "tune.sh: $program failed (round $r): nothing written" >&2; exit 1; }
  r=$((r + 1))
done
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
mkdir -p "$(dirname "$out")"
tmp=$out.tmp.$$
awk -v rounds="$rounds" -v dir="$runs" -v model="$model" -v cpu="$cpu" -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -v batch="$batch" -v threads="$threads" -v iters="$iters" -v clock="$clock" -v cmd="$cmdline" '
function median(list,    n, v, i, j, t) {
  n = split(list, v, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
  return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
BEGIN {
  split("direct f2 f4", A, " ")
  for (r = 1; r <= rounds; r++) {
    f = dir "/" r
    while ((getline line < f) > 0) {
      n = split(line, x, " ")
      if (x[1] == "tune" && n >= 6) {
        key = x[2] " " x[3]
        if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
        if (!((key, x[4]) in t)) cnt[key]++
        t[key, x[4]] = t[key, x[4]] " " x[5]
      } else if (line ~ /ISA [a-z0-9]+;/ && isa == "") {
        isa = line; sub(/.*ISA /, "", isa); sub(/;.*/, "", isa)
        th = line; sub(/.*batch [0-9]+, /, "", th); sub(/ threads.*/, "", th)
      }
    }
    close(f)
  }
  if (isa == "") { print "tune.sh: no ISA in the output of the tuning program" > "/dev/stderr"; exit 1 }
  print "# resnetc tuning 1"
  printf "# model: %s\n# isa: %s\n# cpu: %s\n# date: %s\n", model, isa, cpu, date
  printf "# batch: %s\n# threads: %s\n# clock: %s\n", batch, th, clock
  printf "# timing: median of %s rounds of the median of %s calls (conv_layers --tune)\n", rounds, iters
  printf "# command: %s\n", cmd
  print "# SIGNATURE DIRECTION CHOICE  median ms per call of the batch, per candidate"
  for (k = 1; k <= nk; k++) {
    key = order[k]
    if (cnt[key] < 2) continue   # one algorithm fits: nothing to choose
    best = ""; bv = 0; times = ""
    for (a = 1; a <= 3; a++) {
      if (!((key, A[a]) in t)) continue
      v = median(t[key, A[a]])
      times = times sprintf(" %s=%.3fms", A[a], v)
      if (best == "" || v < bv) { best = A[a]; bv = v }
    }
    printf "%-36s %-6s%s\n", key, best, times
  }
}' > "$tmp" || { rm -f "$tmp"; exit 1; }
mv "$tmp" "$out"
end=$(date +%s)
echo "tune.sh: wrote $out ($(grep -vc '^#' "$out") choices; measuring $((end - built)) s, in all $((end - start)) s)" >&2
