#!/usr/bin/env python3
"""The matplotlib way of making the information-plane movie, for the benchmark baseline.

Reproduces deep-bottleneck's InformationPlaneMoviePlotter: a 6 × 9 inch figure with the plane
(scatter of the current epoch's layers, "Epoch: N" text) above the accuracy curves, written
with matplotlib.animation.FFMpegWriter(fps=7) at the given dpi. The MI table comes precomputed
(as deep-bottleneck's plotter receives it), so only drawing and encoding are timed.
Needs matplotlib, h5py and an ffmpeg binary on PATH.
"""
import argparse
import csv

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FFMpegWriter  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("measures", help="CSV epoch,layer,MI_XM,MI_YM")
    ap.add_argument("--dpi", type=float, default=600)
    ap.add_argument("--split", default="train")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    rows = list(csv.DictReader(open(args.measures)))
    epochs = sorted({int(r["epoch"]) for r in rows})
    by_epoch = {e: [r for r in rows if int(r["epoch"]) == e] for e in epochs}
    num_layers = len(by_epoch[epochs[0]])
    layer_colors = np.linspace(0, 1, num_layers)
    with h5py.File(args.run, "r") as f:
        g = f[args.split]
        acc_all = [float(g[f"{e}/accuracy/training"][()]) for e in epochs]
        val_all = [float(g[f"{e}/accuracy/test"][()]) for e in epochs]

    plt.set_cmap("hsv")
    fig, (ax_plane, ax_acc) = plt.subplots(2, 1, figsize=(6, 9), gridspec_kw={"height_ratios": [2, 1]})
    ax_plane.set(xlim=[0, 12], ylim=[0, 1], xlabel="I(X;M)", ylabel="I(Y;M)")
    scatter = ax_plane.scatter([], [], s=20, edgecolor="none")
    text = ax_plane.text(0, 1.05, "", fontsize=12)
    [acc_line] = ax_acc.plot([], [], "b", label="training accuracy")
    [val_line] = ax_acc.plot([], [], "g", label="test accuracy")
    ax_acc.set_ylim(0, 1)
    total = len(epochs)
    ax_acc.set_xlim(0, total)
    if total > 20:
        ticks = range(0, total, int(total / 20))
        ax_acc.set_xticks(ticks)
        ax_acc.set_xticklabels(np.array(epochs)[list(ticks)], rotation=90)
    ax_acc.legend(loc=4)
    ax_acc.set_xlabel("Epoch")
    ax_acc.set_ylabel("Accuracy")

    writer = FFMpegWriter(fps=7)
    with writer.saving(fig, args.output, args.dpi):
        for i, e in enumerate(epochs):
            pts = np.array([[float(r["MI_XM"]), float(r["MI_YM"])] for r in by_epoch[e]])
            scatter.set_offsets(pts)
            scatter.set_array(layer_colors[: len(pts)])
            text.set_text(f"Epoch: {e}")
            xs = range(i + 1)
            acc_line.set_data(xs, acc_all[: i + 1])
            val_line.set_data(xs, val_all[: i + 1])
            writer.grab_frame()


if __name__ == "__main__":
    main()
