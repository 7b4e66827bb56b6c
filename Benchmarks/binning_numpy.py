#!/usr/bin/env python3
"""The deep-bottleneck way of computing the binning estimator, for the benchmark baseline.

numpy `floor` of activations / bin size, `np.unique` over row views to count the states of M,
the same per class for H(M|Y); reads a dneck run file with h5py. Prints nothing but the CSV when
asked (`-o`), so its numbers can be compared with dneck-plot's.
"""
import argparse
import sys

import h5py
import numpy as np


def entropy_of_rows(binned):
    rows = np.ascontiguousarray(binned).view(np.dtype((np.void, binned.dtype.itemsize * binned.shape[1])))
    _, counts = np.unique(rows, return_counts=True)
    p = counts / counts.sum()
    return -np.sum(p * np.log2(p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--split", default="train")
    ap.add_argument("--bin-size", type=float, default=0.07)
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    out = []
    with h5py.File(args.run, "r") as f:
        group = f[args.split]
        labels = group["labels"][()]
        classes, class_counts = np.unique(labels, return_counts=True)
        p_y = class_counts / class_counts.sum()
        epochs = sorted(int(k) for k in group.keys() if k.isdigit())
        for epoch in epochs:
            acts = group[str(epoch)]["activations"]
            for layer in sorted(int(k) for k in acts.keys()):
                a = acts[str(layer)][()].astype(np.float64)
                binned = np.floor(a / args.bin_size)
                if binned.shape[1] == 0:
                    h_m, h_m_given_y = 0.0, 0.0
                else:
                    h_m = entropy_of_rows(binned)
                    h_m_given_y = sum(p * entropy_of_rows(binned[labels == c]) for c, p in zip(classes, p_y))
                out.append(f"{epoch},{layer},{h_m:.17g},{h_m - h_m_given_y:.17g}")
    if args.output:
        with open(args.output, "w") as fh:
            fh.write("epoch,layer,MI_XM,MI_YM\n" + "\n".join(out) + "\n")


if __name__ == "__main__":
    sys.exit(main())
