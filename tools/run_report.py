#!/usr/bin/env python3
"""Render the report of one `train` run from its log: docs/results/NAME.md, with the log
copied beside it (NAME.csv) and a plot of test and training accuracy against wall-clock
hours (NAME.png, gnuplot), the final epoch's figures, the first epoch reaching each
accuracy threshold and the time it took. Python 3 standard library and gnuplot only.

  tools/run_report.py --log runs/r20/log.csv --name resnet20_cifar10_paper \\
      --title "ResNet-20 on CIFAR-10, the paper's schedule" \\
      --command "build/bin/resnet20 train --data DIR --schedule paper --threads 2 --seed 1 --out runs/r20" \\
      --paper-error 8.75

The report is rendered from the copied log and NAME.json (title, command, paper's error,
notes) alone, so `--render-only --name NAME` redraws it from the committed files; never
edit the .md by hand.
"""
import argparse
import csv
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "experiments"))
import common as experiments  # noqa: E402  (the gnuplot helper of the experiment reports)
THRESHOLDS = (80.0, 85.0, 90.0, 91.0, 91.25, 92.0)


def die(msg):
    sys.exit("run_report: " + msg)


def read_log(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    need = ("epoch", "step", "lr", "train_err", "test_err", "images_per_s", "elapsed_s")
    if not rows or any(k not in rows[0] for k in need):
        die("%s: not a train log.csv (needs the columns %s)" % (path, ", ".join(need)))
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            out.append({k: float(r[k]) for k in need})
        except (TypeError, ValueError):
            die("%s:%d: a value is missing or not a number" % (path, i))
    return out


def hours(seconds):
    return "%.2f h" % (seconds / 3600.0)


def plot(folder, name, paper_error):
    """NAME.png from NAME.csv, through the experiments' gnuplot helper (same terminal and
    style as their reports)."""
    target = ""
    if paper_error is not None:
        target = (', %.4f with lines dt 2 lc rgb "gray40" title "paper: %.2f%% error"'
                  % (100.0 - paper_error, paper_error))
    experiments.plot(folder, name + ".png",
                     'set xlabel "wall-clock hours"\nset ylabel "accuracy (%%)"\n'
                     'set yrange [40:100]\nset key bottom right\n'
                     'plot "%s.csv" using (column("elapsed_s")/3600):(100*(1-column("test_err"))) '
                     'with lines lw 2 lc rgb "#d62728" title "test", \\\n'
                     '     "%s.csv" using (column("elapsed_s")/3600):(100*(1-column("train_err"))) '
                     'with lines lw 2 lc rgb "#1f77b4" title "training (augmented batches)"%s'
                     % (name, name, target))


def render(folder, name):
    try:
        with open(os.path.join(folder, name + ".json")) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        die("%s.json in %s: %s (run without --render-only first)" % (name, folder, e))
    title, command = meta["title"], meta["command"]
    paper_error, notes = meta.get("paper_error"), meta.get("notes", "")
    rows = read_log(os.path.join(folder, name + ".csv"))
    plot(folder, name, paper_error)
    last = rows[-1]
    acc = lambda r: 100.0 * (1.0 - r["test_err"])  # noqa: E731
    lines = ["# %s" % title, "",
             "Rendered by `tools/run_report.py` from `%s.csv`, the run's own log (do not edit "
             "by hand)." % name, "",
             "- command: `%s`" % command,
             "- epochs logged: %d (%d iterations)" % (len(rows), last["step"]),
             "- final epoch: test error **%.2f%%** (accuracy %.2f%%), training error %.2f%%, "
             "%s of training in all" % (100 * last["test_err"], acc(last),
                                        100 * last["train_err"], hours(last["elapsed_s"]))]
    if paper_error is not None:
        lines.append("- the paper: %.2f%% test error (accuracy %.2f%%); this run is %s it"
                     % (paper_error, 100 - paper_error,
                        "at or below" if 100 * last["test_err"] <= paper_error else "above"))
    speeds = sorted(r["images_per_s"] for r in rows)
    lines.append("- training speed per epoch: median %.0f images/s (min %.0f, max %.0f)"
                 % (speeds[len(speeds) // 2], speeds[0], speeds[-1]))
    lines += ["", "![test and training accuracy against wall-clock hours](%s.png)" % name, "",
              "| test accuracy reached | first epoch | iteration | wall-clock |",
              "|---:|---:|---:|---:|"]
    for t in THRESHOLDS:
        hit = next((r for r in rows if acc(r) >= t - 1e-9), None)
        if hit is None:
            lines.append("| %.2f%% | not reached | | |" % t)
        else:
            lines.append("| %.2f%% | %d | %d | %s |" % (t, hit["epoch"], hit["step"],
                                                      hours(hit["elapsed_s"])))
    lines += ["", "| epoch | iteration | lr | training error | test error | images/s | "
              "wall-clock |", "|---:|---:|---:|---:|---:|---:|---:|"]
    shown = {1, len(rows)} | {r["epoch"] for r in rows if r["epoch"] % 10 == 0}
    for a, b in zip(rows, rows[1:]):  # both sides of a step of the schedule (lr / 5 or more)
        if b["lr"] > 0 and a["lr"] / b["lr"] >= 5 and b["lr"] * 1e6 > rows[0]["lr"]:
            shown |= {a["epoch"], b["epoch"]}
    for r in rows:
        if r["epoch"] in shown:
            lines.append("| %d | %d | %g | %.2f%% | %.2f%% | %.0f | %s |"
                         % (r["epoch"], r["step"], r["lr"], 100 * r["train_err"],
                            100 * r["test_err"], r["images_per_s"], hours(r["elapsed_s"])))
    if notes:
        lines += ["", notes]
    with open(os.path.join(folder, name + ".md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("run_report: %s" % os.path.join(folder, name + ".md"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log", help="the run's log.csv (omit with --render-only)")
    ap.add_argument("--name", required=True, help="report name: writes NAME.md, .csv, .png")
    ap.add_argument("--title", default="A training run")
    ap.add_argument("--command", default="(not given)", help="the command that made the run")
    ap.add_argument("--paper-error", type=float, help="the paper's test error in percent")
    ap.add_argument("--notes", default="", help="a closing paragraph (conditions, caveats)")
    ap.add_argument("--folder", default=os.path.join(ROOT, "docs", "results"))
    ap.add_argument("--render-only", action="store_true",
                    help="redraw from FOLDER/NAME.csv without copying a log")
    args = ap.parse_args()
    if not args.render_only:
        if not args.log:
            die("--log is required (or --render-only)")
        read_log(args.log)  # refuse a bad log before anything is written
        os.makedirs(args.folder, exist_ok=True)
        shutil.copy(args.log, os.path.join(args.folder, args.name + ".csv"))
        with open(os.path.join(args.folder, args.name + ".json"), "w") as f:
            json.dump({"title": args.title, "command": args.command,
                       "paper_error": args.paper_error, "notes": args.notes}, f, indent=1)
            f.write("\n")
    render(args.folder, args.name)


if __name__ == "__main__":
    main()
