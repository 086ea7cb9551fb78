"""experiments/common.py: what every experiment runner shares (Python 3 standard library).

An experiment module (degradation.py, shortcuts.py, responses.py, depth.py) declares its
runs and renders its report; `main(module)` does the rest:

  1. train each run with a model executable (`<bin>/<model> train`) into
     RUNS/<model>_s<seed>_<iters>it/, a pool the experiments of one mode share (the same net
     trained with the same settings is trained once: depth.py reuses degradation.py's
     ResNet-20 and ResNet-56, shortcuts.py depth.py's option-A nets), skipping a run whose
     log is complete and resuming one that has a checkpoint;
  2. copy what the report needs (each log.csv, the module's extra files, manifest.json with
     the settings and the command) into REPORT/<experiment>/;
  3. render REPORT/<experiment>.md and its PNG plots (gnuplot) from that folder alone, so
     `--render-only` re-renders the same report from the committed files.

Modes: full (the paper's schedule: 64k iterations, lr 0.1 divided by 10 at 32k and 48k),
--budget (the same step shape over fewer iterations, sized to fit about 2 hours on 2 cores)
and --tiny (a few iterations on a few images: the CTest check that the harness works).
"""
import argparse
import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAPER_ITERS = 64000
BATCH = 128
# Measured: ResNet-20 trains at about 550 images/s on this 2-core machine when idle
# (2 threads); the CIFAR nets' cost grows about linearly with depth. Estimates only.
R20_IMAGES_PER_S = 550.0
TINY = {"iters": 4, "batch": 32, "train_limit": 64, "test_limit": 64}


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def die(msg):
    sys.exit("experiments: " + msg)


def positive(text):
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError("expected an integer >= 1, got %r" % text)
    return v


def parser(name, doc, budget_iters):
    ap = argparse.ArgumentParser(prog="experiments/%s.py" % name, description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--budget", action="store_true",
                      help="reduced run (%d iterations, lr /10 at one half and three quarters of the run)" % budget_iters)
    mode.add_argument("--tiny", action="store_true",
                      help="%d iterations on %d images (tests)" % (TINY["iters"], TINY["train_limit"]))
    ap.add_argument("--iters", type=positive, help="iterations per run (overrides the mode's)")
    ap.add_argument("--seeds", type=positive, help="seeds per configuration (1, 2, ...)")
    ap.add_argument("--bin", default=os.environ.get("RESNETC_BIN", os.path.join(ROOT, "build", "bin")),
                    help="folder of the model executables (default $RESNETC_BIN or build/bin)")
    ap.add_argument("--data", default=os.environ.get("RESNETC_CIFAR10_DIR"),
                    help="CIFAR-10 binary folder (default $RESNETC_CIFAR10_DIR)")
    ap.add_argument("--runs", help="training runs folder, shared by the experiments "
                    "(default runs/experiments/<mode>)")
    ap.add_argument("--report", default=os.path.join(ROOT, "docs", "results"),
                    help="report folder: writes <report>/%s.md and <report>/%s/ (default docs/results)"
                    % (name, name))
    ap.add_argument("--threads", type=positive, default=2, help="OpenMP threads per run (default 2)")
    ap.add_argument("--render-only", action="store_true",
                    help="re-render the report from <report>/%s/ without training" % name)
    return ap


def mode_of(args):
    return "tiny" if args.tiny else "budget" if args.budget else "full"


def runs_root(args):
    return args.runs or os.path.join(ROOT, "runs", "experiments", mode_of(args))


def run_folder(run, flags):
    """A trained net's folder name in the shared pool: what identifies its training (the
    model, the seed and the length; the other settings are the mode's and are checked
    against RUN/experiment.json)."""
    return "%s_s%d_%sit" % (run["model"], run.get("seed", 1), flag_value(flags, "--iters"))


def schedule(args, budget_iters, depth=None):
    """The training flags every run of an experiment shares (schedule, batch, limits)."""
    mode = mode_of(args)
    if mode == "full" and not args.iters:
        flags = ["--schedule", "paper", "--iters", str(PAPER_ITERS), "--batch", str(BATCH)]
        if depth is not None and depth >= 110:
            flags += ["--warmup", "400"]  # the paper: lr 0.01 until training error < 80%
        return flags
    iters = args.iters or (TINY["iters"] if mode == "tiny" else budget_iters)
    batch = TINY["batch"] if mode == "tiny" else BATCH
    flags = ["--schedule", "step", "--milestones", "0.5,0.75", "--iters", str(iters),
             "--batch", str(batch)]
    if mode == "tiny":
        flags += ["--train-limit", str(TINY["train_limit"]), "--test-limit", str(TINY["test_limit"])]
    return flags


def flag_value(flags, name, default=None):
    return flags[flags.index(name) + 1] if name in flags else default


def describe_schedule(flags):
    iters, batch = int(flag_value(flags, "--iters")), int(flag_value(flags, "--batch"))
    if flag_value(flags, "--schedule") == "paper":
        text = ("the paper's schedule: %d iterations of batch %d, lr 0.1, divided by 10 at "
                "32k and 48k" % (iters, batch))
        if "--warmup" in flags:
            text += " (ResNet-110: lr 0.01 for the first 400 iterations)"
        return text
    images = int(flag_value(flags, "--train-limit", 50000))
    text = ("a SHORTER schedule than the paper's: %d iterations of batch %d (%.1f epochs), lr 0.1 "
            "divided by 10 at 50%% and 75%% of the run (the paper: 64000 iterations, 32k/48k)"
            % (iters, batch, iters * batch / float(images)))
    if "--train-limit" in flags:
        text += "; only %s training and %s test images (a harness check, not a result)" % (
            flag_value(flags, "--train-limit"), flag_value(flags, "--test-limit"))
    return text


def depth_of(model):
    digits = "".join(c for c in model.split("_")[0] if c.isdigit())
    return int(digits) if digits else 20


def estimate_seconds(runs, flags):
    """Training and per-epoch evaluation time at the measured ResNet-20 speed, scaled by
    depth (inference taken as 3x faster than training, as bench measures). An estimate."""
    iters, batch = int(flag_value(flags, "--iters")), int(flag_value(flags, "--batch"))
    train_images = int(flag_value(flags, "--train-limit", 50000))
    test_images = int(flag_value(flags, "--test-limit", 10000))
    evals = -(-iters * batch // train_images) * test_images / 3.0
    return sum((iters * batch + evals) / (R20_IMAGES_PER_S * 20.0 / depth_of(r["model"]))
               for r in runs)


def exe(args, model):
    path = os.path.join(args.bin, model)
    if not os.access(path, os.X_OK):
        die("no executable %s: build it (cmake -DRESNETC_MODELS=\"...;%s\", then cmake --build) "
            "or point --bin at its folder" % (path, model))
    return path


def params_of(args, model):
    """Trainable parameters (weights and biases, not BN running statistics): the generator's
    exact total, as `summary` prints it."""
    out = subprocess.run([exe(args, model), "summary"], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        if line.startswith("total parameters:"):
            return int(line.split(":")[1].replace(",", ""))
    die("%s summary: no 'total parameters:' line" % model)


def read_log(path):
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)}
                for row in csv.DictReader(f)]


def log_complete(path, iters):
    if not os.path.exists(path):
        return False
    rows = read_log(path)
    return bool(rows) and int(rows[-1]["step"]) >= iters


def data_flags(args, flags):
    """The flags `analyze` needs to normalize the test set as the training run did."""
    out = ["--dataset", "cifar10", "--data", args.data, "--norm", "pixel"]
    for f in ("--train-limit", "--test-limit"):
        if f in flags:
            out += [f, flag_value(flags, f)]
    return out


def train(args, run, flags, root):
    """Train one run, or reuse it (complete log) or resume it (checkpoint) when its folder
    was started with the same model, seed and flags (RUN/experiment.json); returns the folder."""
    out = os.path.join(root, run_folder(run, flags))
    settings = {"model": run["model"], "seed": run.get("seed", 1), "flags": flags}
    stamp = os.path.join(out, "experiment.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) != settings:
                die("%s was trained with other settings than %s (see its experiment.json): "
                    "remove it or choose another --runs folder" % (out, " ".join(flags)))
    iters = int(flag_value(flags, "--iters"))
    if log_complete(os.path.join(out, "log.csv"), iters) and os.path.exists(stamp):
        log("%s: complete, reusing %s" % (run["name"], out))
        return out
    if os.path.exists(os.path.join(out, "checkpoint.safetensors")) and os.path.exists(stamp):
        cmd = [exe(args, run["model"]), "train", "--resume", out, "--data", args.data,
               "--threads", str(args.threads), "--no-progress"]
    else:
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        with open(stamp, "w") as f:
            json.dump(settings, f)
        cmd = ([exe(args, run["model"]), "train", "--dataset", "cifar10", "--data", args.data,
                "--norm", "pixel", "--lr", "0.1", "--momentum", "0.9", "--weight-decay", "1e-4",
                "--seed", str(settings["seed"]), "--threads", str(args.threads),
                "--no-progress", "--out", out] + flags)
    log("%s: %s" % (run["name"], " ".join(shlex.quote(c) for c in cmd)))
    t0 = time.time()
    res = subprocess.run(cmd)
    if res.returncode != 0:
        again = ("; the same command resumes it from its checkpoint"
                 if os.path.exists(os.path.join(out, "checkpoint.safetensors")) else "")
        die("%s: training failed (exit %d): %s%s" % (run["name"], res.returncode, " ".join(cmd),
                                                    again))
    rows = read_log(os.path.join(out, "log.csv"))
    log("%s: done in %.0f s, final test error %.2f%%" % (run["name"], time.time() - t0,
                                                         100 * rows[-1]["test_err"]))
    return out


def main(module, argv=None):
    ap = parser(module.NAME, module.__doc__, module.BUDGET_ITERS)
    if hasattr(module, "add_arguments"):
        module.add_arguments(ap)
    args = ap.parse_args(argv)
    data_dir = os.path.join(args.report, module.NAME)
    if not args.render_only:
        if not args.data:
            die("no CIFAR-10 data: give --data DIR or set RESNETC_CIFAR10_DIR")
        mode = mode_of(args)
        runs = module.plan(args)
        flags_of = {r["name"]: schedule(args, module.BUDGET_ITERS, depth_of(r["model"]))
                    for r in runs}
        base = schedule(args, module.BUDGET_ITERS)
        banner = "%s (%s mode): %d training run(s), %s" % (module.NAME, mode, len(runs), describe_schedule(base))
        if mode != "full":
            banner += ". NOT the paper's full schedule: numbers are not comparable to the paper's"
        log(banner)
        log("estimated time: %.0f min at %.0f images/s for ResNet-20 (2 threads, idle machine), "
            "scaled by depth, evaluation included; a loaded machine is slower"
            % (sum(estimate_seconds([r], flags_of[r["name"]]) for r in runs) / 60, R20_IMAGES_PER_S))
        for r in runs:
            exe(args, r["model"])  # every executable present before anything trains
        root = runs_root(args)
        t0 = time.time()
        for r in runs:
            r["dir"] = train(args, r, flags_of[r["name"]], root)
        shutil.rmtree(data_dir, ignore_errors=True)
        os.makedirs(data_dir)
        manifest = {
            "experiment": module.NAME, "mode": mode,
            "command": "experiments/%s.py %s" % (module.NAME, " ".join(
                shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))),
            "schedule": describe_schedule(base), "train_flags": base, "threads": args.threads,
            "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "wall_s": None, "runs": []}
        for r in runs:
            shutil.copy(os.path.join(r["dir"], "log.csv"), os.path.join(data_dir, r["name"] + ".csv"))
            entry = {k: v for k, v in r.items() if k != "dir"}
            entry["params"] = params_of(args, r["model"])
            entry["train_flags"] = flags_of[r["name"]]
            manifest["runs"].append(entry)
        if hasattr(module, "after"):
            module.after(args, runs, data_dir, manifest)
        manifest["wall_s"] = round(time.time() - t0)
        with open(os.path.join(data_dir, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
    manifest_path = os.path.join(data_dir, "manifest.json")
    if not os.path.exists(manifest_path):
        die("no %s: run the experiment first (without --render-only)" % manifest_path)
    with open(manifest_path) as f:
        manifest = json.load(f)
    text = module.render(data_dir, manifest)
    path = os.path.join(args.report, module.NAME + ".md")
    with open(path, "w") as f:
        f.write(text)
    log("report: %s" % path)


# ---- rendering helpers -----------------------------------------------------------------

def header(manifest, title):
    """The report's first lines: what ran, how, and whether it is the paper's schedule."""
    m = manifest
    lines = ["# %s" % title, "",
             "Rendered by `experiments/%s.py --render-only` from the logs in `%s/` "
             "(do not edit by hand)." % (m["experiment"], m["experiment"]), "",
             "- command: `%s`" % m["command"],
             "- mode: **%s**; schedule: %s" % (m["mode"], m["schedule"]),
             "- %d training run(s), %d threads each, finished %s, %s s of wall time in all"
             % (len(m["runs"]), m["threads"], m["finished"], m["wall_s"]),
             "- data: CIFAR-10 (%s training images, per-pixel mean subtracted, 4-pixel padding, "
             "random crops and flips; errors on %s test images, final epoch unless said)"
             % (flag_value(m["train_flags"], "--train-limit", "50000"),
                flag_value(m["train_flags"], "--test-limit", "the 10000"))]
    if m["mode"] != "full":
        lines.append("- **not the paper's full schedule: the numbers are not comparable with "
                     "the paper's, only the comparisons between the runs here are**")
    return "\n".join(lines) + "\n"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def pct(v):
    return "%.2f" % (100.0 * v)


def plot(data_dir, png, script):
    """Run gnuplot with `script` (paths relative to data_dir) writing data_dir/png."""
    if shutil.which("gnuplot") is None:
        die("gnuplot not found: install gnuplot-nox (tools/setup.sh)")
    full = ('set terminal pngcairo size 900,560 font "DejaVu Sans,11"\n'
            'set output "%s"\nset datafile separator ","\nset key autotitle columnhead\n'
            'set grid\n%s\n' % (png, script))
    res = subprocess.run(["gnuplot"], input=full, text=True, cwd=data_dir, capture_output=True)
    if res.returncode != 0:
        die("gnuplot failed for %s: %s" % (png, res.stderr.strip()))
    return png


def mean_std(values):
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, None
    return mean, (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5
