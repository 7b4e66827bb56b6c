#!/usr/bin/env python3
"""Independent float64 reference numbers for dneck-plot's estimators (a reference, not part of
the product): Kolchinsky & Tracey's KDE upper and lower bounds, and the equal-width and adaptive
binning rules, for every epoch and layer of a dneck run file.

Written straight from the definitions, the way Saxe et al.'s code and deep-bottleneck compute
them, and deliberately unlike dneck-plot's implementation:
- KDE: one pass per bound, and for H(M|Y) a separate distance matrix per class over its own
  N_c samples; squared distances ||a||^2 + ||b||^2 - 2 a.b by numpy's matmul in float64 on the raw
  (uncentred) activations, clamped at 0, in blocks of rows; a log-sum-exp shifted by each row's maximum; natural logs,
  converted to bits at the end. sigma^2 is a variance.
- equal-width binning: min(floor((a - lo) / (hi - lo) * B), B - 1) over the layer's range at that
  epoch; one state when hi == lo.
- adaptive binning: edges = the sorted distinct values without the minimum, in the stored
  precision, taken at positions floor(k * |u| / B); a value's bin is the number of edges <= it
  (np.searchsorted, side='right'), which puts the minimum alone in bin 0.
States of M are the distinct rows of bin indices (np.unique); I(X;M) = H(M),
I(Y;M) = H(M) - sum_y p(y) H(M | Y = y).

Output: CSV `estimator,epoch,layer,MI_XM,MI_YM`, estimator one of kde-upper, kde-lower,
bins-B, adaptive-B; 17 significant digits.
"""
import argparse
import sys

import h5py
import numpy as np


def logsumexp_rows(x):
    top = x.max(axis=1)
    return top + np.log(np.exp(x - top[:, None]).sum(axis=1))


def squared_distances(a, b):
    d = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def kde_information_term(h, variance):
    """-(1/N) sum_i ln[(1/N) sum_j exp(-D_ij / (2 variance))], in nats, in blocks of rows."""
    n = h.shape[0]
    total = 0.0
    for start in range(0, n, 1024):
        d = squared_distances(h[start:start + 1024], h)
        total += logsumexp_rows(-d / (2.0 * variance)).sum()
    return np.log(n) - total / n


def kde(h, labels, variance, bound):
    """(I(X;M), I(Y;M)) in bits. The lower bound evaluates the kernel at 4 variance; the
    (d/2) ln(2 pi e variance) terms of H(M), H(M|Y) and H(M|X) cancel."""
    v = variance if bound == "upper" else 4.0 * variance
    h = h.astype(np.float64)
    ixm = kde_information_term(h, v)
    classes, counts = np.unique(labels, return_counts=True)
    conditional = sum(c / len(labels) * kde_information_term(h[labels == y], v) for y, c in zip(classes, counts))
    return ixm / np.log(2), (ixm - conditional) / np.log(2)


def entropy_of_rows(states):
    if states.shape[1] == 0:
        return 0.0
    rows = np.ascontiguousarray(states).view(np.dtype((np.void, states.dtype.itemsize * states.shape[1])))
    _, counts = np.unique(rows, return_counts=True)
    p = counts / counts.sum()
    return float(-np.sum(p * np.log2(p)))


def binned_information(states, labels):
    classes, counts = np.unique(labels, return_counts=True)
    h_m = entropy_of_rows(states)
    h_m_y = sum(c / len(labels) * entropy_of_rows(states[labels == y]) for y, c in zip(classes, counts))
    return h_m, h_m - h_m_y


def equal_width_states(a, bins):
    a = a.astype(np.float64)
    if a.size == 0 or a.max() == a.min():
        return np.zeros(a.shape, dtype=np.int64)
    lo, hi = a.min(), a.max()
    return np.minimum(np.floor((a - lo) / (hi - lo) * bins), bins - 1).astype(np.int64)


def adaptive_states(a, bins):
    u = np.unique(a)[1:]  # stored precision, sorted, without the minimum
    if u.size == 0:
        return np.zeros(a.shape, dtype=np.int64)
    edges = u[(np.arange(bins) * u.size) // bins]
    return np.searchsorted(edges, a, side="right").astype(np.int64)


def measures(a, labels, estimators, bins, variance):
    for name in estimators:
        if name == "kde-upper":
            yield name, kde(a, labels, variance, "upper")
        elif name == "kde-lower":
            yield name, kde(a, labels, variance, "lower")
        elif name == "bins":
            yield f"bins-{bins}", binned_information(equal_width_states(a, bins), labels)
        elif name == "adaptive":
            yield f"adaptive-{bins}", binned_information(adaptive_states(a, bins), labels)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--split", default="train")
    ap.add_argument("--estimators", default="kde-upper,kde-lower,bins,adaptive")
    ap.add_argument("--bins", type=int, default=30)
    ap.add_argument("--noise-variance", type=float, default=1e-3)
    ap.add_argument("--epochs", help="comma list (default: every logged epoch)")
    ap.add_argument("--layers", help="comma list (default: every layer)")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    estimators = args.estimators.split(",")
    rows = []
    with h5py.File(args.run, "r") as f:
        group = f[args.split]
        labels = group["labels"][()]
        epochs = sorted(int(k) for k in group.keys() if k.isdigit())
        if args.epochs:
            epochs = [int(e) for e in args.epochs.split(",")]
        for epoch in epochs:
            acts = group[str(epoch)]["activations"]
            layers = sorted(int(k) for k in acts.keys())
            if args.layers:
                layers = [int(layer) for layer in args.layers.split(",")]
            for layer in layers:
                a = acts[str(layer)][()]
                for name, (ixm, iym) in measures(a, labels, estimators, args.bins, args.noise_variance):
                    rows.append(f"{name},{epoch},{layer},{ixm:.17g},{iym:.17g}")
    with open(args.output, "w") as fh:
        fh.write("estimator,epoch,layer,MI_XM,MI_YM\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    sys.exit(main())
