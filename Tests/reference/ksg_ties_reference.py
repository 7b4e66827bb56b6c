#!/usr/bin/env python3
"""Independent numbers for the share of tied points of dneck-plot's KSG estimator (a reference,
not part of the product), by brute force over every pair with numpy, on the very points
ksg_reference.py readies (its `readied`: scaled, jittered 1e-10 * max(1, mean|z_c|) per column, the
default seed 0, no noise, no PCA).

The definition of docs/estimators.md: the tie band of a variable is 100 times its largest jitter
scale. I(X;M), k = 3, variant 1: r_i is the max-norm distance from point i to its k-th nearest other
point in the joint space (X, M); point i is tied when, besides the neighbour that sets r_i, another
point j != i lies within the band (the larger of X's and M's) of r_i, |d(i, j) - r_i| <= band, in X
or in M (counted over both). I(Y;M), Ross: over the points of classes of more than one sample,
r_i is the distance to the min(k, N_c - 1)-th nearest other point of its own class in M, and point
i is tied when more than one kept point j != i lies within M's band of r_i in M. An estimate's share
is the larger of the two.

Writes ksg_ties_expected.csv: `epoch,layer,tied_fraction` for the test split of
harmonics_inputs.h5, epochs 0 and 29, every layer.
"""
import argparse
import os
import sys

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from ksg_reference import column_mean, readied, scaled  # noqa: E402


def band(z):
    """100 times the largest jitter scale of the readied variable (from its values before jitter)."""
    return 100 * (1e-10 * np.maximum(1.0, column_mean(np.abs(z)))).max()


def distances(a):
    return np.abs(a[:, None, :] - a[None, :, :]).max(axis=2)


def tied_xm(x, m, b, k=3):
    dx, dm = distances(x), distances(m)
    joint = np.maximum(dx, dm)
    np.fill_diagonal(joint, np.inf)
    r = np.sort(joint, axis=1)[:, k - 1]
    others = ~np.eye(len(x), dtype=bool)
    near = ((np.abs(dx - r[:, None]) <= b) & others).sum(axis=1) + ((np.abs(dm - r[:, None]) <= b) & others).sum(axis=1)
    return np.mean(near > 1)


def tied_ym(m, labels, b, k=3):
    counts = np.array([np.sum(labels == c) for c in labels])
    keep = counts > 1
    m, labels = m[keep], labels[keep]
    d = distances(m)
    np.fill_diagonal(d, np.inf)
    r = np.empty(len(m))
    for c in np.unique(labels):
        own = np.flatnonzero(labels == c)
        kc = min(k, len(own) - 1)
        r[own] = np.sort(d[np.ix_(own, own)], axis=1)[:, kc - 1]
    near = (np.abs(d - r[:, None]) <= b).sum(axis=1)   # the diagonal is inf: never near
    return np.mean(near > 1)


def main():
    args = argparse.Namespace(pca=None, whiten=False)
    rows = []
    with h5py.File(os.path.join(here, "harmonics_inputs.h5"), "r") as f:
        group = f["test"]
        labels, inputs = group["labels"][()], group["inputs"][()]
        for epoch in (0, 29):
            layers = group[f"{epoch}/activations"]
            for layer in sorted(int(l) for l in layers):
                rng = np.random.RandomState(0)
                raw_x, raw_m = np.asarray(inputs, dtype=np.float64), np.asarray(layers[str(layer)][()], dtype=np.float64)
                x, m = readied(raw_x, rng, args), readied(raw_m, rng, args)
                bx, bm = band(scaled(raw_x)), band(scaled(raw_m))
                tied = max(tied_xm(x, m, max(bx, bm)), tied_ym(m, labels, bm))
                rows.append(f"{epoch},{layer},{tied:.17g}")
    with open(os.path.join(here, "ksg_ties_expected.csv"), "w") as out:
        out.write("epoch,layer,tied_fraction\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
