#!/usr/bin/env python3
"""Depth (He et al. 2016, Table 6): CIFAR-10 ResNets of 20, 32, 44, 56 and 110 layers (and,
with --plain, the plain nets of 20-56 layers) over one or more seeds; a Markdown table of the
final-epoch test error, mean and sample standard deviation over the seeds, beside the
paper's numbers, and a plot of test error against depth.

  experiments/depth.py                         paper schedule, depths 20-110, 1 seed (~58 h here)
  experiments/depth.py --budget                3000 iterations, depths 20-56, 1 seed (~1.6 h;
                                               ~45 min after degradation.py --budget, whose
                                               ResNet-20 and ResNet-56 it reuses)
  experiments/depth.py --budget --seeds 3 --depths 20 32
  experiments/depth.py --render-only
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

NAME = "depth"
BUDGET_ITERS = 3000
DEPTHS = {"full": [20, 32, 44, 56, 110], "budget": [20, 32, 44, 56], "tiny": [20, 32]}
PLAIN_DEPTHS = [20, 32, 44, 56]
# Table 6: test error % (ResNet-110: best of 5 runs, mean 6.61 +- 0.16) and parameters.
PAPER = {20: ("8.75", "0.27M"), 32: ("7.51", "0.46M"), 44: ("7.17", "0.66M"),
         56: ("6.97", "0.85M"), 110: ("6.43 (best of 5; 6.61 ± 0.16)", "1.7M")}


def add_arguments(ap):
    ap.add_argument("--depths", type=int, nargs="+", help="depths (default: the mode's)")
    ap.add_argument("--plain", action="store_true", help="the plain nets too (depths up to 56)")


def plan(args):
    depths = args.depths or DEPTHS[c.mode_of(args)]
    seeds = args.seeds or 1
    runs = []
    for kind in ["resnet"] + (["plain"] if args.plain else []):
        for d in depths:
            if kind == "plain" and d not in PLAIN_DEPTHS:
                continue
            runs += [{"name": "%s%d_s%d" % (kind, d, s), "model": "%s%d" % (kind, d), "kind": kind,
                      "depth": d, "seed": s} for s in range(1, seeds + 1)]
    return runs


def render(data_dir, manifest):
    groups = {}
    for r in manifest["runs"]:
        groups.setdefault((r["kind"], r["depth"]), []).append(r)
    rows, points = [], {"resnet": [], "plain": []}
    for (kind, depth), runs in sorted(groups.items(), key=lambda kv: (kv[0][0] != "resnet", kv[0][1])):
        logs = [c.read_log(os.path.join(data_dir, r["name"] + ".csv")) for r in runs]
        m, s = c.mean_std([lg[-1]["test_err"] for lg in logs])
        paper_err, paper_params = PAPER.get(depth, ("", "")) if kind == "resnet" else \
            ("not stated (Fig. 6 curves only)", "")
        name = "ResNet-%d" % depth if kind == "resnet" else "plain-%d" % depth
        rows.append([name, runs[0]["params"], paper_params or "-", len(runs),
                     c.pct(m), c.pct(s) if s is not None else "n/a (1 seed)",
                     " ".join(c.pct(lg[-1]["test_err"]) for lg in logs), paper_err])
        points[kind].append((depth, 100 * m, 100 * (s or 0.0)))
    series = []
    for kind, color in (("resnet", "#d62728"), ("plain", "#1f77b4")):
        if points[kind]:
            with open(os.path.join(data_dir, "depth_%s.csv" % kind), "w") as f:
                f.write("depth,mean,std\n")
                for p in points[kind]:
                    f.write("%d,%.4f,%.4f\n" % p)
            series.append('"depth_%s.csv" using 1:2:3 with yerrorlines lw 2 pt 7 lc rgb "%s" '
                          'title "%s (here)"' % (kind, color, "ResNet" if kind == "resnet" else "plain"))
    with open(os.path.join(data_dir, "depth_paper.csv"), "w") as f:
        f.write("depth,test_err\n")
        for d in sorted(PAPER):
            f.write("%d,%s\n" % (d, PAPER[d][0].split()[0]))
    series.append('"depth_paper.csv" using 1:2 with linespoints dt 2 lw 2 pt 6 lc rgb "black" '
                  'title "ResNet (paper, Table 6)"')
    png = c.plot(data_dir, "depth_test.png",
                 'set xlabel "depth (layers)"\nset ylabel "test error (%%)"\nset xtics (20,32,44,56,110)\n'
                 'set logscale x\nset xrange [16:140]\nset key top right\nplot %s' % ", \\\n     ".join(series))
    text = c.header(manifest, "Test error against depth on CIFAR-10 (Table 6)")
    text += ("\nFinal-epoch test error over the seeds: mean and sample standard deviation (n-1), "
             "and each seed's value. The paper's column is Table 6 (its own schedule: 64k "
             "iterations, batch 128).\n\n")
    text += c.table(["net", "parameters", "paper parameters", "seeds", "test error % (mean)",
                     "std", "per seed", "paper test error %"], rows)
    text += "\n![test error against depth](%s/%s)\n" % (NAME, png)
    text += ("\nError bars: one standard deviation over the seeds (none with one seed). Logs: "
             "`%s/<net>_s<seed>.csv`.\n" % NAME)
    return text


if __name__ == "__main__":
    c.main(sys.modules[__name__])
