#!/usr/bin/env python3
"""Degradation (He et al. 2016, Fig. 6): plain-20 and plain-56 against ResNet-20 and
ResNet-56 on CIFAR-10, one schedule for all four; training and test error against
iterations (plain nets dashed, ResNets solid) and the final errors.

  experiments/degradation.py            the paper's schedule (64k iterations; ~34 h here)
  experiments/degradation.py --budget   3000 iterations each (~1.6 h here)
  experiments/degradation.py --render-only   re-render docs/results/degradation.md
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402

NAME = "degradation"
BUDGET_ITERS = 3000
MODELS = ["plain20", "plain56", "resnet20", "resnet56"]
PAPER = {"resnet20": 8.75, "resnet56": 6.97}  # Table 6, test error %
COLORS = {20: "#1f77b4", 56: "#d62728", 110: "#2ca02c"}


def label(model):
    kind = "plain" if model.startswith("plain") else "ResNet"
    return "%s-%d" % (kind, c.depth_of(model))


def plan(args):
    if args.seeds not in (None, 1):
        c.die("one seed per net here (as the paper's Fig. 6); --seeds is for shortcuts.py and depth.py")
    return [{"name": m, "model": m, "seed": 1} for m in MODELS]


def curves(data_dir, manifest, column, ylabel, png):
    series = []
    for r in manifest["runs"]:
        dash = 2 if r["model"].startswith("plain") else 1
        series.append('"%s.csv" using (column("step")):(100*column("%s")) with lines dt %d lw 2 '
                      'lc rgb "%s" title "%s"' % (r["name"], column, dash,
                                                  COLORS.get(c.depth_of(r["model"]), "black"),
                                                  label(r["model"])))
    return c.plot(data_dir, png, 'set xlabel "iterations"\nset ylabel "%s (%%)"\n'
                  'set key top right\nplot %s' % (ylabel, ", \\\n     ".join(series)))


def render(data_dir, manifest):
    train_png = curves(data_dir, manifest, "train_err", "training error", "degradation_train.png")
    test_png = curves(data_dir, manifest, "test_err", "test error", "degradation_test.png")
    rows, final = [], {}
    for r in manifest["runs"]:
        log = c.read_log(os.path.join(data_dir, r["name"] + ".csv"))
        final[r["model"]] = log[-1]
        paper = PAPER.get(r["model"])
        rows.append([label(r["model"]), c.depth_of(r["model"]), r["params"], int(log[-1]["step"]),
                     c.pct(log[-1]["train_err"]), c.pct(log[-1]["test_err"]),
                     c.pct(min(x["test_err"] for x in log)),
                     "%.2f" % paper if paper else "not stated (Fig. 6 only)"])
    text = c.header(manifest, "Degradation: plain and residual nets of 20 and 56 layers (Fig. 6)")
    text += ("\nTraining error is the running error over each epoch's augmented training "
             "batches (training-mode BN); test error is evaluated at the end of every epoch.\n\n")
    text += c.table(["net", "depth", "parameters", "iterations", "final training error %",
                     "final test error %", "lowest test error %", "paper test error %"], rows)
    for kind in ("plain", "resnet"):
        a, b = final.get(kind + "20"), final.get(kind + "56")
        if a and b:
            verdict = "higher" if b["train_err"] > a["train_err"] else "lower"
            text += ("\n%s-56 ends with %s training error than %s-20 (%s%% against %s%%)."
                     % (label(kind + "56").split("-")[0], verdict,
                        label(kind + "20").split("-")[0], c.pct(b["train_err"]),
                        c.pct(a["train_err"])))
    text += ("\nThe paper (Fig. 6): plain-56 has higher training and test error than plain-20 "
             "throughout training (degradation), while ResNet-56 is below ResNet-20.\n")
    text += "\n![training error](%s/%s)\n\n![test error](%s/%s)\n" % (
        NAME, train_png, NAME, test_png)
    text += ("\nPlain nets dashed, ResNets solid; blue 20 layers, red 56. "
             "Logs: `%s/<net>.csv` (`train`'s log.csv).\n" % NAME)
    return text


if __name__ == "__main__":
    c.main(sys.modules[__name__])
