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
import os
import shutil
import sys
import time

import matplotlib

matplotlib.use("Agg")

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
            ("infoplane", lambda: charts_matplotlib.infoplane(measures, f"{args.out}/infoplane_{split}.png", args.dpi)),
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
