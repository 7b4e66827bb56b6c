#!/usr/bin/env python3
"""The matplotlib way of drawing the static charts, for the benchmark baseline.

Reproduces deep-bottleneck's ActivityPlotter (per-layer activation histograms against epoch),
SingleNeuronActivityPlotter (the same per neuron, 48 × 24 inch figure) and
SignalToNoiseRatioPlotter (gradient mean, std, SNR and weight norm, log–log), reading a dneck
run file with h5py and saving PNGs at the given dpi; with --measures, also its
InformationPlanePlotter from that MI table (one scatter per epoch coloured by epoch, a colorbar). Prints the seconds of each chart as timed
inside the script (imports and interpreter start-up excluded).
"""
import argparse
import csv
import time

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.gridspec as gridspec  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def load(run, split):
    f = h5py.File(run, "r")
    g = f[split]
    epochs = sorted(int(k) for k in g.keys() if k.isdigit())
    return f, g, epochs


def min_max(g, epochs, layer, neuron=None):
    lo, hi = np.inf, -np.inf
    for e in epochs:
        a = g[f"{e}/activations/{layer}"][()]
        if neuron is not None:
            a = a[:, neuron]
        lo, hi = min(lo, a.min()), max(hi, a.max())
    return lo, hi


def activations(g, epochs, out, dpi):
    layers = len(g[f"{epochs[0]}/activations"])
    fig = plt.figure()
    for layer in range(layers):
        ax = fig.add_subplot(layers, 1, layer + 1)
        lo, hi = min_max(g, epochs, layer)
        bins = np.linspace(lo, hi, 30)
        hist = np.array([np.histogram(g[f"{e}/activations/{layer}"][()], bins=bins)[0] for e in epochs])
        ax.set_ylabel("bins")
        ax.set_xlabel("epoch")
        xticks = np.arange(0, hist.shape[0], 5)
        ax.set_xticks(xticks)
        ax.set_xticklabels(np.asarray(epochs)[xticks], rotation=90)
        im = ax.imshow(hist.T, cmap="viridis", interpolation="nearest")
        fig.colorbar(im).set_label("Absolute frequency")
        ax.set_title(f"Layer {layer}")
    fig.set_figheight(12)
    fig.set_figwidth(16)
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


def single_neuron(g, epochs, out, dpi):
    layers = len(g[f"{epochs[0]}/activations"])
    first = g[f"{epochs[0]}/activations/0"].shape[1]
    fig = plt.figure()
    gs = gridspec.GridSpec(first * 2, layers)
    for layer in range(layers):
        units = g[f"{epochs[0]}/activations/{layer}"].shape[1]
        for neuron in range(units):
            lo, hi = min_max(g, epochs, layer, neuron)
            bins = np.linspace(lo, hi, 30)
            hist = np.array([np.histogram(g[f"{e}/activations/{layer}"][()][:, neuron], bins=bins)[0] for e in epochs])
            y = int((neuron + (first - units) / 2) * 2)
            ax = fig.add_subplot(gs[y:y + 2, layer])
            ax.set_ylabel("bins")
            ax.set_xlabel("epoch")
            im = ax.imshow(hist.T, cmap="viridis", interpolation="nearest")
            fig.colorbar(im).set_label("Absolute frequency")
            ax.set_title(f"Layer {layer}, Neuron {neuron}")
    fig.set_figheight(24)
    fig.set_figwidth(48)
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


def snr(g, epochs, out, dpi):
    layers = len(g[f"{epochs[0]}/weights_norm"])
    w = np.array([g[f"{e}/weights_norm"][()] for e in epochs])
    m = np.array([g[f"{e}/gradmean"][()] for e in epochs])
    s = np.array([g[f"{e}/gradstd"][()] for e in epochs])
    fig = plt.figure(figsize=(12, 5))
    for layer in range(layers):
        ax = fig.add_subplot(1, layers, layer + 1)
        ax.plot(epochs, m[:, layer], "b", label="Mean")
        ax.plot(epochs, s[:, layer], "orange", label="Std")
        ax.plot(epochs, m[:, layer] / s[:, layer], "red", label="SNR")
        ax.plot(epochs, w[:, layer], "g", label="||W||")
        ax.set_title(f"Layer {layer}")
        ax.set_xlabel("Epoch")
        ax.set_xscale("log", nonpositive="clip")
        ax.set_yscale("log", nonpositive="clip")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


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
    ap.add_argument("--split", default="train")
    ap.add_argument("--dpi", type=float, default=300)
    ap.add_argument("--out", required=True, help="folder for the PNGs")
    ap.add_argument("--only", choices=["activations", "single-neuron", "snr", "infoplane"], help="draw just this chart")
    ap.add_argument("--measures", help="CSV epoch,layer,MI_XM,MI_YM: also draw the information plane")
    args = ap.parse_args()
    f, g, epochs = load(args.run, args.split)
    plane = [("infoplane", lambda _, __, out, dpi: infoplane(args.measures, out, dpi))] if args.measures else []
    for name, chart in [("activations", activations), ("single-neuron", single_neuron), ("snr", snr)] + plane:
        if args.only and name != args.only:
            continue
        t = time.perf_counter()
        chart(g, epochs, f"{args.out}/{name}.png", args.dpi)
        print(f"{name} {time.perf_counter() - t:.3f}")
    f.close()


if __name__ == "__main__":
    main()
