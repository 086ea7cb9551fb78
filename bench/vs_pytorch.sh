#!/bin/sh
# bench/vs_pytorch.sh: resnetc against PyTorch on the same models, interleaved.
#
#   bench/vs_pytorch.sh [--batch B] [--threads T] [--rounds R] [--iters N] [--warmup W]
#                       [--peak GFLOPS] [--tolerance T] [--keep DIR]
#                       [--torch-alloc glibc-tuned|jemalloc|tcmalloc|auto|plain] [MODEL...]
#
# For each model (default resnet20), R rounds of: `<model> bench --json` (resnetc,
# validated against the reference executor before timing), then bench/torch_bench.py --json
# (PyTorch eager NCHW and channels_last, frozen and optimized TorchScript in both layouts;
# threads set explicitly: OMP_NUM_THREADS=MKL_NUM_THREADS=T, torch.set_num_threads(T);
# the best variant per column is PyTorch's figure, named in the table). Interleaving spreads
# the noise of a shared machine over both sides. Prints medians over the rounds (each round
# itself a median of N iterations), the speedup ours / PyTorch's best layout (throughput
# ratio; for latency PyTorch ms / ours ms, so > 1 means resnetc is faster), and the fraction
# of the measured peak (bench/peak on T threads for the ISA of the model's kernels, run once
# per round, the highest kept since noise only lowers it; or --peak). PyTorch's GFLOP/s
# use resnetc's FLOP count for the same model and batch (FLOPs = 2 x MACs, train = 3 x
# forward).
#
# --torch-alloc: PyTorch's memory allocator. PyTorch frees and reallocates every activation
# each training step; with glibc malloc's defaults those buffers go back to the kernel and
# are faulted in again, which made PyTorch's training 2-3x slower on a 2-core VM, i.e. a
# comparison without a tuned allocator flatters resnetc 2-3x. glibc-tuned: glibc malloc with
# MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736
# MALLOC_TOP_PAD_=1073741824 (freed memory stays in the process) and
# GLIBC_TUNABLES=glibc.malloc.hugetlb=1; jemalloc: LD_PRELOAD of
# /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 (Debian libjemalloc2) with
# MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 (without it jemalloc 5.3 purges resnet20's
# 8 MiB activations at once and trained slower than untuned glibc),thp:always. Both ask for
# transparent huge pages, as resnetc's arena does (runtime/src/util.c): with jemalloc's
# thp:always PyTorch's ResNet-50 trained 4-6% faster (batch 16, 2 threads, Zen 5, 3 paired
# runs), so a comparison without them would flatter resnetc. tcmalloc: LD_PRELOAD of
# libtcmalloc.so.4, else libtcmalloc_minimal.so.4, there (libgoogle-perftools4); auto (the
# default): in each model's first round, a training-only trial of PyTorch under glibc-tuned
# and each of jemalloc and tcmalloc that is installed (trials not counted), keeping the
# fastest in training for all rounds; plain: glibc untuned, for comparison only (it flatters
# resnetc). The allocator used (and auto's trial figures) is printed with the table. Nothing
# is installed here: tools/setup.sh lists libjemalloc2 and libgoogle-perftools4. resnetc's
# side runs in the caller's environment either way.
#
# --tolerance is passed to `bench` (its validation; use 1e-2 for the 224x224 models, see
# docs/benchmarks.md). Defaults: batch 128 (16 for 224x224 models), threads 2, 3 rounds of
# 10 iterations after 2 warm-up. Environment: RESNETC_BIN (model executables and peak;
# default build/bin), PYTHON (needs torch; default /usr/bin/python3). Exit 77 when PyTorch
# is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${RESNETC_BIN:-$root/build/bin}
py=${PYTHON:-/usr/bin/python3}
batch= threads=2 rounds=3 iters=10 warmup=2 peak= keep= tol= talloc=auto
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
need() { [ $# -ge 2 ] || { echo "vs_pytorch.sh: $1: expected a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --batch) need "$@"; batch=$2; shift 2 ;;
    --threads) need "$@"; threads=$2; shift 2 ;;
    --rounds) need "$@"; rounds=$2; shift 2 ;;
    --iters) need "$@"; iters=$2; shift 2 ;;
    --warmup) need "$@"; warmup=$2; shift 2 ;;
    --peak) need "$@"; peak=$2; shift 2 ;;
    --keep) need "$@"; keep=$2; shift 2 ;;
    --tolerance) need "$@"; tol=$2; shift 2 ;;
    --torch-alloc) need "$@"; talloc=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --*) echo "vs_pytorch.sh: unknown flag '$1' (try --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- resnet20
for v in "$threads" "$rounds" "$iters" "$warmup" ${batch:+"$batch"}; do
  case $v in ''|*[!0-9]*) echo "vs_pytorch.sh: expected a non-negative integer, got '$v'" >&2; exit 2 ;; esac
done
case $talloc in
  glibc-tuned|jemalloc|tcmalloc|auto|plain) ;;
  *) echo "vs_pytorch.sh: --torch-alloc: expected glibc-tuned, jemalloc, tcmalloc, auto or plain, got '$talloc'" >&2; exit 2 ;;
esac
# PyTorch's allocators (--torch-alloc); alloc_env NAME prints the environment assignments that
# select NAME, and fails when its library is not installed
libdir=/usr/lib/x86_64-linux-gnu
jemalloc_lib='' tcmalloc_lib=''
[ -r "$libdir/libjemalloc.so.2" ] && jemalloc_lib=$libdir/libjemalloc.so.2
for f in "$libdir/libtcmalloc.so.4" "$libdir/libtcmalloc_minimal.so.4"; do
  [ -z "$tcmalloc_lib" ] && [ -r "$f" ] && tcmalloc_lib=$f
done
alloc_env() {
  case $1 in
    glibc-tuned) echo "MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824 GLIBC_TUNABLES=${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;;
    jemalloc) [ -n "$jemalloc_lib" ] && echo "LD_PRELOAD=$jemalloc_lib${LD_PRELOAD:+:$LD_PRELOAD} MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1,thp:always${MALLOC_CONF:+,$MALLOC_CONF}" ;;
    tcmalloc) [ -n "$tcmalloc_lib" ] && echo "LD_PRELOAD=$tcmalloc_lib${LD_PRELOAD:+:$LD_PRELOAD}" ;;
    plain) echo "" ;;
  esac
}
case $talloc in
  jemalloc|tcmalloc)
    alloc_env "$talloc" >/dev/null || { echo "vs_pytorch.sh: --torch-alloc $talloc: no $talloc library in $libdir (install libjemalloc2 / libgoogle-perftools4, see tools/setup.sh)" >&2; exit 1; } ;;
  plain) echo "vs_pytorch.sh: --torch-alloc plain: PyTorch with untuned glibc malloc, for comparison only (flatters resnetc, see --help)" >&2 ;;
esac
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "vs_pytorch.sh: $py cannot import torch; install python3-torch (skipped)" >&2
  exit 77
fi
for m in "$@"; do
  [ -x "$bin/$m" ] || { echo "vs_pytorch.sh: no executable $bin/$m (build it: cmake -DRESNETC_MODELS=\"$m\"; or set RESNETC_BIN)" >&2; exit 1; }
done

# the peak: --peak, else the highest per-round "best" (the sum of the threads' fastest 2 ms
# chunks: the cores' FMA ceiling; noise only lowers it)
peak_of() {
  [ -s "$1" ] || { echo 0; return; }
  "$py" -c 'import json,sys; print(max(json.loads(l)["gflops_n_best"] for l in open(sys.argv[1]) if l.strip()))' "$1"
}
# peak's --isa for a model: the ISA of its kernels (`<model> --version` ends "kernels ISA)");
# avx2 and avx512 are passed on, generic kernels leave peak's default (avx512 if the CPU has it)
isa_of() {
  case $("$1" --version 2>/dev/null | sed -n 's/.*kernels \([a-z0-9]*\)).*/\1/p') in
    avx2) echo "--isa avx2" ;;
    avx512) echo "--isa avx512" ;;
    *) echo "" ;;
  esac
}
# pick_alloc MODEL TRIAL.json...: auto's choice, the allocator whose trial (one torch_bench.py
# --json line each, file name MODEL.alloc.NAME.json) trained fastest in its best layout; a trial
# whose process did not run under NAME (a preload that did not take) is left out. Writes the
# trials, with "candidate", to MODEL.alloc.jsonl for report.py, the figures to stderr.
pick_alloc() {
  "$py" - "$@" <<'EOF'
import json, os, sys
model, files = sys.argv[1], sys.argv[2:]
rows = []
for f in files:
    cand = os.path.basename(f)[len(model) + len(".alloc."):-len(".json")]
    try:
        with open(f) as fh:
            r = json.loads(fh.read().strip().splitlines()[-1])
        v = r["best"]["train_img_per_s"]
    except (OSError, ValueError, KeyError, IndexError):
        print("vs_pytorch.sh: %s: allocator trial %s failed, left out" % (model, cand), file=sys.stderr)
        continue
    if r.get("allocator") != cand:
        print("vs_pytorch.sh: %s: allocator trial %s ran under %s, left out"
              % (model, cand, r.get("allocator")), file=sys.stderr)
        continue
    r["candidate"] = cand
    rows.append(r)
if not rows:
    sys.exit("vs_pytorch.sh: %s: every allocator trial failed" % model)
with open(os.path.join(os.path.dirname(files[0]), model + ".alloc.jsonl"), "w") as fh:
    for r in rows:
        fh.write(json.dumps(r) + "\n")
win = max(rows, key=lambda r: r["best"]["train_img_per_s"])
print("vs_pytorch.sh: %s: allocator trial (training img/s, best layout): %s; using %s"
      % (model, ", ".join("%s %.1f (%s)" % (r["candidate"], r["best"]["train_img_per_s"],
                                            r["best"]["train_layout"]) for r in rows),
         win["candidate"]), file=sys.stderr)
print(win["candidate"])
EOF
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

for m in "$@"; do
  ours="$bin/$m bench --json --threads $threads --iters $iters --warmup $warmup ${batch:+--batch $batch} ${tol:+--tolerance $tol}"
  theirs="$py $here/torch_bench.py $m --json --threads $threads --iters $iters --warmup $warmup ${batch:+--batch $batch}"
  tenv="OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads"
  alloc=$talloc
  peakisa=$(isa_of "$bin/$m")
  r=1
  while [ "$r" -le "$rounds" ]; do
    if [ -z "$peak" ] && [ -x "$bin/peak" ]; then
      # shellcheck disable=SC2086
      "$bin/peak" --threads "$threads" $peakisa --json >> "$work/$m.peak.jsonl" || true
    fi
    echo "vs_pytorch.sh: $m round $r/$rounds: resnetc" >&2
    $ours >> "$work/$m.ours.jsonl"
    if [ "$alloc" = auto ]; then
      cands=glibc-tuned
      [ -n "$jemalloc_lib" ] && cands="$cands jemalloc"
      [ -n "$tcmalloc_lib" ] && cands="$cands tcmalloc"
      if [ "$cands" = glibc-tuned ]; then
        echo "vs_pytorch.sh: $m: --torch-alloc auto: neither jemalloc nor tcmalloc installed in $libdir, using glibc-tuned" >&2
        alloc=glibc-tuned
      else
        trials=
        for c in $cands; do
          echo "vs_pytorch.sh: $m round 1: pytorch allocator trial: $c (training only, not counted)" >&2
          # shellcheck disable=SC2046,SC2086
          env $(alloc_env "$c") $tenv $theirs --mode train --layouts nchw,channels_last \
            > "$work/$m.alloc.$c.json" || true
          trials="$trials $work/$m.alloc.$c.json"
        done
        # shellcheck disable=SC2086
        alloc=$(pick_alloc "$m" $trials)
      fi
    fi
    echo "vs_pytorch.sh: $m round $r/$rounds: pytorch ($alloc)" >&2
    # shellcheck disable=SC2046,SC2086
    env $(alloc_env "$alloc") $tenv $theirs >> "$work/$m.torch.jsonl"
    r=$((r + 1))
  done
done

for m in "$@"; do
  trialf=
  [ -s "$work/$m.alloc.jsonl" ] && trialf=$work/$m.alloc.jsonl
  "$py" "$here/report.py" vs-pytorch --peak "${peak:-$(peak_of "$work/$m.peak.jsonl")}" \
    --torch-alloc "$talloc" ${trialf:+--alloc-trials "$trialf"} \
    "$work/$m.ours.jsonl" "$work/$m.torch.jsonl"
done
if [ -n "$keep" ]; then
  mkdir -p "$keep" && cp "$work"/*.json* "$keep"/
fi
