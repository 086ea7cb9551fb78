# bench/build_tree.sh: sourced by the bench scripts that build the same model several ways
# (conv_algos.sh, winograd_training.sh). Needs $root (the source tree).
#
#   build_tree SCRIPT DIR TARGET [CMAKE_ARGS...]
#
# Configures DIR (Release, plus CMAKE_ARGS) and builds TARGET in it, with the logs beside it
# (DIR.configure.log, DIR.build.log; DIR's parent is created); on failure names the log, as
# SCRIPT, and exits 1.
build_tree() {
  bt_script=$1 bt_dir=$2 bt_target=$3
  shift 3
  mkdir -p "$(dirname "$bt_dir")"
  cmake -S "$root" -B "$bt_dir" -DCMAKE_BUILD_TYPE=Release "$@" > "$bt_dir.configure.log" 2>&1 ||
    { echo "$bt_script: configuring $bt_dir failed: $bt_dir.configure.log" >&2; exit 1; }
  cmake --build "$bt_dir" -j "$(nproc)" --target "$bt_target" > "$bt_dir.build.log" 2>&1 ||
    { echo "$bt_script: building $bt_target in $bt_dir failed: $bt_dir.build.log" >&2; exit 1; }
}
