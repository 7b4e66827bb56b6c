#!/usr/bin/env python3
"""KDE upper and lower bounds (Kolchinsky & Tracey) of every layer at every logged epoch of one
split, the way a numpy user writes them: float64, pairwise squared distances by one GEMM per
512-row block (numpy's BLAS, on every core), `exp` of both kernels, and the class sums by a
second GEMM with the one-hot labels. Prints one CSV row per (epoch, layer):
epoch,layer,upper_MI_XM,upper_MI_YM,lower_MI_XM,lower_MI_YM (bits).

    python3 Benchmarks/kde_numpy.py run.h5 --split train --noise-variance 0.1
"""
import argparse

import h5py
import numpy as np

BLOCK = 512


def row_sums(h, onehot, variance):
    """Per row i: sum_j exp(-D_ij / (2v)) over all j and over i's class, v = variance (upper) and
    4 variance (lower)."""
    norms = np.einsum("ij,ij->i", h, h)
    sums = {v: (np.empty(len(h)), np.empty(len(h))) for v in (variance, 4 * variance)}
    for start in range(0, len(h), BLOCK):
        block = h[start:start + BLOCK]
        d = norms[start:start + BLOCK, None] + norms[None, :] - 2.0 * (block @ h.T)
        np.maximum(d, 0.0, out=d)
        own = onehot[start:start + BLOCK]
        for v, (all_rows, within) in sums.items():
            k = np.exp(d * (-1.0 / (2.0 * v)))
            all_rows[start:start + BLOCK] = k.sum(axis=1)
            within[start:start + BLOCK] = ((k @ onehot) * own).sum(axis=1)
    return sums


def bounds(h, labels, variance):
    """(upper I(X;M), upper I(Y;M), lower I(X;M), lower I(Y;M)) in bits."""
    h = h.astype(np.float64)
    h -= h.mean(axis=0)
    classes, dense, counts = np.unique(labels, return_inverse=True, return_counts=True)
    onehot = np.eye(len(classes))[dense]
    n = len(h)
    out = []
    for all_rows, within in row_sums(h, onehot, variance).values():
        ixm = np.log(n) - np.log(all_rows).mean()
        class_log = np.bincount(dense, weights=np.log(within), minlength=len(classes))
        conditional = np.sum(counts / n * (np.log(counts) - class_log / counts))
        out += [ixm / np.log(2), (ixm - conditional) / np.log(2)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run")
    ap.add_argument("--split", default="train")
    ap.add_argument("--noise-variance", type=float, default=1e-3)
    args = ap.parse_args()
    with h5py.File(args.run, "r") as f:
        split = f[args.split]
        labels = split["labels"][()]
        epochs = sorted((k for k in split if k.isdigit()), key=int)
        print("epoch,layer,upper_MI_XM,upper_MI_YM,lower_MI_XM,lower_MI_YM")
        for epoch in epochs:
            layers = split[epoch]["activations"]
            for layer in sorted(layers, key=int):
                values = bounds(layers[layer][()], labels, args.noise_variance)
                print(epoch, layer, *(f"{x:.12g}" for x in values), sep=",", flush=True)


if __name__ == "__main__":
    main()
