#!/bin/sh
# mpi_train.sh MPIEXEC MODEL_EXE COMPARE_EXE: data-parallel training (docs/distributed.md)
# with 2 processes on loopback, Fashion-MNIST, a few iterations:
#   1. synchronized BN: 2 processes x 16 images = 1 process x 32 images, weights within
#      1e-5 (relative L2, per tensor: compare_tensors) after a few iterations;
#   2. per-process BN (the default): deterministic (two runs bit-identical), and not the
#      single-process result (each process normalizes by its own 16 images);
#   3. under mpirun with 1 process: bit-identical to the plain run;
#   4. process 0 alone writes: one set of log rows and one "done" line;
#   5. resume with another process count: a 2-process run stopped after one epoch resumes
#      under 2 processes bit-identical to the uninterrupted one, and under 1 process runs
#      to the end;
#   6. errors: a batch that does not divide among the processes, and an epoch whose last
#      batch leaves a process's shard empty, stop with a message naming the problem.
set -eu
mpiexec=${1:?usage: mpi_train.sh MPIEXEC MODEL_EXE COMPARE_EXE}
exe=${2:?}
compare=${3:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/resnetc_mpi_XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Open MPI on one machine in a container: no rsh/ssh (isolated launcher), no ptrace-based
# single copy, root allowed, more processes than cores allowed.
export OMPI_MCA_plm=isolated OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
mpi() { # mpi NP ARGS...: the model under mpirun with NP processes
  np=$1
  shift
  "$mpiexec" --oversubscribe --bind-to none -np "$np" "$exe" "$@"
}
fail() { echo "FAIL: $*"; exit 1; }

set -- --dataset fashion-mnist --schedule constant --lr 0.02 --batch 32 --train-limit 192 \
       --test-limit 100 --seed 2 --no-progress
# 1. synchronized BN equals one process with the whole batch
"$exe" train "$@" --iters 4 --out "$work/one" > /dev/null
mpi 2 train "$@" --iters 4 --sync-bn --out "$work/sync" > "$work/sync.out"
"$compare" "$work/one/weights.safetensors" "$work/sync/weights.safetensors" \
  --default-tol 1e-5 > "$work/sync.cmp" || { cat "$work/sync.cmp"; fail "sync BN differs"; }
tail -n 1 "$work/sync.cmp"
grep -q "2 processes (16 images each, synchronized BN)" "$work/sync.out" \
  || { cat "$work/sync.out"; fail "the banner does not show the 2 processes"; }

# 2. per-process BN: deterministic, and different from one process
mpi 2 train "$@" --iters 4 --out "$work/ddp" > /dev/null
mpi 2 train "$@" --iters 4 --out "$work/ddp2" > /dev/null
cmp "$work/ddp/weights.safetensors" "$work/ddp2/weights.safetensors" \
  || fail "per-process BN runs with the same settings differ"
if "$compare" "$work/one/weights.safetensors" "$work/ddp/weights.safetensors" \
     --default-tol 1e-4 > "$work/ddp.cmp"; then
  cat "$work/ddp.cmp"
  fail "per-process BN gave the single-process weights: BN is not per process"
fi

# 3. one process under mpirun is the plain run
mpi 1 train "$@" --iters 4 --out "$work/mpi1" > /dev/null
cmp "$work/one/weights.safetensors" "$work/mpi1/weights.safetensors" \
  || fail "mpirun -np 1 differs from the plain run"

# 4. process 0 alone writes and prints
[ "$(grep -c '^done:' "$work/sync.out")" -eq 1 ] || { cat "$work/sync.out"; fail "not one 'done' line"; }
[ "$(wc -l < "$work/sync/log.csv")" -eq 2 ] || { cat "$work/sync/log.csv"; fail "log rows"; }

# 5. resume: 3 epochs of 6 batches; stopped after 1 epoch, continued
mpi 2 train "$@" --epochs 3 --out "$work/full" > /dev/null
mpi 2 train "$@" --epochs 3 --out "$work/part" --stop-after 1 > /dev/null
[ ! -e "$work/part/weights.safetensors" ] || fail "a stopped run wrote final weights"
mpi 2 train --resume "$work/part" --no-progress > /dev/null
cmp "$work/full/weights.safetensors" "$work/part/weights.safetensors" \
  || fail "2 processes resumed under 2 differ from the uninterrupted run"
cut -d, -f1-9 "$work/full/log.csv" > "$work/a.csv"
cut -d, -f1-9 "$work/part/log.csv" > "$work/b.csv"
cmp "$work/a.csv" "$work/b.csv" || { diff "$work/a.csv" "$work/b.csv"; fail "logs differ"; }
mpi 2 train "$@" --epochs 3 --out "$work/other" --stop-after 1 > /dev/null
"$exe" train --resume "$work/other" --no-progress > "$work/other.out"
grep -q "^done: 18 iterations" "$work/other.out" || { cat "$work/other.out"; fail "resume under 1 process"; }
[ "$(wc -l < "$work/other/log.csv")" -eq 4 ] || fail "resumed log rows"

# 6. errors
set -- --dataset fashion-mnist --schedule constant --lr 0.02 --test-limit 100 --seed 2 \
       --no-progress --iters 2
rc=0
mpi 2 train "$@" --batch 33 --train-limit 192 --out "$work/e1" > /dev/null 2> "$work/e1.txt" || rc=$?
[ "$rc" -ne 0 ] && grep -q "batch of 33 images does not divide among 2 processes" "$work/e1.txt" \
  || { cat "$work/e1.txt"; fail "an indivisible batch was accepted (rc $rc)"; }
rc=0
mpi 2 train "$@" --batch 32 --train-limit 193 --out "$work/e2" > /dev/null 2> "$work/e2.txt" || rc=$?
[ "$rc" -ne 0 ] && grep -q "shard of it would be empty" "$work/e2.txt" \
  || { cat "$work/e2.txt"; fail "an empty shard was accepted (rc $rc)"; }
mpi 2 train "$@" --batch 32 --train-limit 193 --drop-last --out "$work/e3" > /dev/null \
  || fail "--drop-last does not remove the short last batch"
echo "mpi_train: ok"
