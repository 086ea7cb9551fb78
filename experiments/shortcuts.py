#!/usr/bin/env python3
"""Shortcut options (He et al. 2016, section 3.3 and Table 3): ResNet-20 and ResNet-32 on
CIFAR-10 with option A (zero-padded identity where the shape changes), B (1x1 projections
where the shape changes, identity elsewhere) and C (1x1 projections on every shortcut);
a table of test error and parameter counts, and the test error curves. With --resnet34,
also ResNet-34 (the network of the paper's Table 3, ImageNet stem) at CIFAR-10's 32x32.

  experiments/shortcuts.py              the paper's schedule (64k iterations; ~34 h here)
  experiments/shortcuts.py --budget     3000 iterations each (~1.6 h here; ~1.1 h after
                                        depth.py --budget, whose option-A nets it reuses)
  experiments/shortcuts.py --seeds 3    three seeds per configuration (mean and std)
  experiments/shortcuts.py --budget --resnet34   also ResNet-34 A/B/C at 32x32 (~+50 min)
  experiments/shortcuts.py --render-only
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

NAME = "shortcuts"
BUDGET_ITERS = 3000  # as degradation.py and depth.py: the runs are shared
CONFIGS = [("resnet20", "A"), ("resnet20_b", "B"), ("resnet20_c", "C"),
           ("resnet32", "A"), ("resnet32_b", "B"), ("resnet32_c", "C")]
CONFIGS34 = [("resnet34_32_a", "A"), ("resnet34_32", "B"), ("resnet34_32_c", "C")]
COLORS = {20: "#1f77b4", 32: "#d62728", 34: "#2ca02c"}
DASH = {"A": 1, "B": 2, "C": 3}
# Table 3 of the paper is ResNet-34 on ImageNet (top-1 error %, 10-crop): no CIFAR numbers.
PAPER_IMAGENET = {"A": 25.03, "B": 24.52, "C": 24.19}


def add_arguments(ap):
    ap.add_argument("--resnet34", action="store_true",
                    help="also ResNet-34 with options A, B, C at 32x32 (specs/resnet34_32*.lua)")


def plan(args):
    seeds = args.seeds or 1
    configs = CONFIGS + (CONFIGS34 if args.resnet34 else [])
    return [{"name": "%s_s%d" % (m, s), "model": m, "option": o, "seed": s}
            for m, o in configs for s in range(1, seeds + 1)]


def label(model):
    return "ResNet-%d%s" % (c.depth_of(model), " (32x32, ImageNet stem)" if "34" in model else "")


def render(data_dir, manifest):
    series, groups = [], {}
    for r in manifest["runs"]:
        groups.setdefault(r["model"], []).append(r)
        if r["seed"] == 1:
            series.append('"%s.csv" using (column("step")):(100*column("test_err")) with lines '
                          'dt %d lw 2 lc rgb "%s" title "ResNet-%d %s"'
                          % (r["name"], DASH[r["option"]], COLORS.get(c.depth_of(r["model"]), "black"),
                             c.depth_of(r["model"]), r["option"]))
    png = c.plot(data_dir, "shortcuts_test.png",
                 'set xlabel "iterations"\nset ylabel "test error (%%)"\nplot %s'
                 % ", \\\n     ".join(series))
    rows = []
    for model, runs in groups.items():
        logs = [c.read_log(os.path.join(data_dir, r["name"] + ".csv")) for r in runs]
        test_m, test_s = c.mean_std([lg[-1]["test_err"] for lg in logs])
        train_m, _ = c.mean_std([lg[-1]["train_err"] for lg in logs])
        opt = runs[0]["option"]
        rows.append([label(model), opt, "`%s`" % model, runs[0]["params"],
                     len(runs), c.pct(test_m) + (" ± " + c.pct(test_s) if test_s is not None else ""),
                     c.pct(train_m), "%.2f" % PAPER_IMAGENET[opt]])
    text = c.header(manifest, "Shortcut options A, B and C on CIFAR-10 (section 3.3, Table 3)")
    text += ("\nOption A: identity shortcuts, zero-padded channels and stride-2 subsampling where "
             "the shape changes (no parameters); B: 1x1 projection (and BN) only where the shape "
             "changes; C: a projection on every shortcut. Test error at the final epoch, mean ± "
             "sample std over the seeds when there are several.\n\n")
    text += c.table(["net", "option", "spec", "parameters", "seeds", "final test error %",
                     "final training error %", "paper: ResNet-34 ImageNet top-1 %"], rows)
    text += ("\nThe paper compares the options on ImageNet with ResNet-34 (Table 3, 10-crop top-1 "
             "error; the last column): B is slightly better than A and C slightly better than B, "
             "\"marginal differences\" that show projections are not essential for the "
             "degradation problem. It gives no CIFAR numbers for B and C.\n")
    text += "\n![test error](%s/%s)\n\nA solid, B dashed, C dotted; blue ResNet-20, red ResNet-32, " \
            "green ResNet-34 (seed 1). Logs: `%s/<spec>_s<seed>.csv`.\n" % (NAME, png, NAME)
    return text


if __name__ == "__main__":
    c.main(sys.modules[__name__])
