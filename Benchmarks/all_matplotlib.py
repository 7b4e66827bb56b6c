#!/usr/bin/env python3
"""deep-bottleneck's way of making every artifact of a run, for `dneck-bench all`.

For each split, one after another in one process: the binning estimator in numpy
(binning_numpy.py, writing information_measures_<split>.csv), the information plane
(deep-bottleneck's InformationPlanePlotter: one scatter per epoch coloured by epoch, a
colorbar), the activation, single-neuron and SNR plotters (charts_matplotlib.py) and the
information-plane movie (movie_matplotlib.py, needs an ffmpeg binary). Prints the seconds of
each step and the total, timed inside the script (imports and interpreter start-up excluded).
"""
import argparse
import csv
import os
import shutil
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import binning_numpy  # noqa: E402
import charts_matplotlib  # noqa: E402
import movie_matplotlib  # noqa: E402


def run_main(module, argv):
    saved = sys.argv
    sys.argv = [module.__name__] + argv
    try:
        module.main()
    finally:
        sys.argv = saved


def infoplane(measures, out, dpi):
    rows = list(csv.DictReader(open(measures)))
    epochs = sorted({int(r["epoch"]) for r in rows})
    cmap = plt.get_cmap("gnuplot")
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for e in epochs:
        pts = [r for r in rows if int(r["epoch"]) == e]
        xs, ys = [float(r["MI_XM"]) for r in pts], [float(r["MI_YM"]) for r in pts]
        c = cmap(e / max(epochs[-1], 1))
        ax.plot(xs, ys, c=c, alpha=0.1, zorder=1)
        ax.scatter(xs, ys, s=20, facecolor=c, edgecolor="none", zorder=2)
    ax.set(xlabel="I(X;M)", ylabel="I(Y;M)")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(vmin=0, vmax=epochs[-1]))
    sm.set_array([])
    fig.colorbar(sm, ax=ax, label="Epoch")
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--dpi", type=float, default=150)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    total = 0.0
    movie = shutil.which("ffmpeg") is not None
    for split in ["train", "test"]:
        measures = f"{args.out}/information_measures_{split}.csv"
        steps = [
            ("binning", lambda: run_main(binning_numpy, [args.run, "--split", split, "-o", measures])),
            ("infoplane", lambda: infoplane(measures, f"{args.out}/infoplane_{split}.png", args.dpi)),
            ("charts", lambda: run_main(charts_matplotlib, [args.run, "--split", split, "--dpi", str(args.dpi), "--out", args.out])),
        ]
        if movie:
            steps.append(("movie", lambda: run_main(movie_matplotlib, [args.run, measures, "--split", split, "--dpi", str(args.dpi),
                                                                       "-o", f"{args.out}/infoplane_movie_{split}.mp4"])))
        for name, step in steps:
            t = time.perf_counter()
            step()
            seconds = time.perf_counter() - t
            total += seconds
            print(f"step {split} {name} {seconds:.3f}")
    print(f"movie {'yes' if movie else 'no'}")
    print(f"total {total:.3f}")


if __name__ == "__main__":
    main()
