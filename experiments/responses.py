#!/usr/bin/env python3
"""Residual responses (He et al. 2016, section 4.2, Fig. 7): the standard deviation of every
3x3 layer's response (its BN output, before the addition and the ReLU) over the CIFAR-10
test set, for plain and residual nets of the same depths (20 and 56), by `<model> analyze`;
plotted against the layer index, in network order and sorted by magnitude.

It analyzes the nets the degradation experiment trained (same schedule, found in the shared
runs folder) and trains those that are missing.

  experiments/responses.py              paper schedule, full test set
  experiments/responses.py --budget     the --budget degradation nets, 2000 test images
  experiments/responses.py --budget --resnet110   ResNet-110 too, as in Fig. 7 (~+65 min)
  experiments/responses.py --render-only
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as c  # noqa: E402
import degradation  # noqa: E402  (the same nets and schedule)

NAME = "responses"
BUDGET_ITERS = degradation.BUDGET_ITERS
ANALYZE_LIMIT = {"budget": 2000}   # test images analyzed; full: all 10000


def add_arguments(ap):
    ap.add_argument("--resnet110", action="store_true", help="ResNet-110 too (Fig. 7 has it)")


def plan(args):
    extra = [{"name": "resnet110", "model": "resnet110", "seed": 1}] if args.resnet110 else []
    return degradation.plan(args) + extra


def after(args, runs, data_dir, manifest):
    limit = ANALYZE_LIMIT.get(c.mode_of(args))
    for r in runs:
        flags = c.schedule(args, BUDGET_ITERS)
        data = c.data_flags(args, flags)
        if limit:
            data += ["--test-limit", str(limit)]
        out = os.path.join(data_dir, r["name"] + ".responses.csv")
        cmd = [c.exe(args, r["model"]), "analyze", "--weights",
               os.path.join(r["dir"], "weights.safetensors"), "--threads", str(args.threads),
               "--output", out] + data
        c.log("%s: %s" % (r["name"], " ".join(cmd)))
        if subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode != 0:
            c.die("%s: analyze failed: %s" % (r["name"], " ".join(cmd)))
    manifest["analyzed"] = ("the first %d test images" % limit if limit
                            else c.flag_value(flags, "--test-limit", "all 10000") + " test images")


def read_responses(path):
    import csv
    with open(path, newline="") as f:
        return [dict(row, std=float(row["std"])) for row in csv.DictReader(f)]


def render(data_dir, manifest):
    series = {"original": [], "sorted": []}
    rows = []
    for r in manifest["runs"]:
        resp = read_responses(os.path.join(data_dir, r["name"] + ".responses.csv"))
        stds = [x["std"] for x in resp]
        with open(os.path.join(data_dir, r["name"] + ".sorted.csv"), "w") as f:
            f.write("rank,std\n")
            for i, v in enumerate(sorted(stds, reverse=True), 1):
                f.write("%d,%.9g\n" % (i, v))
        style = 'dt %d lw 2 lc rgb "%s" title "%s"' % (
            2 if r["model"].startswith("plain") else 1,
            degradation.COLORS.get(c.depth_of(r["model"]), "black"), degradation.label(r["model"]))
        series["original"].append('"%s.responses.csv" using (column("index")):(column("std")) '
                                  'with linespoints pt 7 ps 0.5 %s' % (r["name"], style))
        series["sorted"].append('"%s.sorted.csv" using (column("rank")):(column("std")) '
                                'with linespoints pt 7 ps 0.5 %s' % (r["name"], style))
        stds_sorted = sorted(stds)
        rows.append([degradation.label(r["model"]), len(stds), "%.3f" % (sum(stds) / len(stds)),
                     "%.3f" % stds_sorted[len(stds) // 2], "%.3f" % max(stds), "%.3f" % min(stds)])
    pngs = {}
    for kind, xlabel in (("original", "layer index (original)"),
                         ("sorted", "layer index (sorted by magnitude)")):
        pngs[kind] = c.plot(data_dir, "responses_%s.png" % kind,
                            'set xlabel "%s"\nset ylabel "std"\nplot %s'
                            % (xlabel, ", \\\n     ".join(series[kind])))
    text = c.header(manifest, "Responses of the 3x3 layers: plain against residual (Fig. 7)")
    text += ("\nResponse: the output of the BN after each 3x3 convolution, before the residual "
             "addition and the ReLU, in eval mode, over %s; `std` is the standard deviation of "
             "all its values (images, positions, channels) as `<model> analyze` reports it. "
             "The nets are the degradation experiment's.\n\n" % manifest.get("analyzed", "the test set"))
    text += c.table(["net", "3x3 layers", "mean std", "median std", "largest std", "smallest std"],
                    rows)
    text += ("\nThe paper (Fig. 7): ResNets have generally smaller responses than their plain "
             "counterparts, and the deeper ResNet has the smaller responses, supporting the view "
             "that residual functions are closer to zero than non-residual ones.\n")
    text += "\n![std by layer](%s/%s)\n\n![std sorted](%s/%s)\n" % (
        NAME, pngs["original"], NAME, pngs["sorted"])
    text += ("\nPlain nets dashed, ResNets solid; blue 20 layers, red 56, green 110. Data: "
             "`%s/<net>.responses.csv` (`analyze --output`).\n" % NAME)
    return text


if __name__ == "__main__":
    c.main(sys.modules[__name__])
