#!/usr/bin/env python3
"""Reference numbers for dneck-plot's KSG estimator (a reference, not part of the product), written
from the definitions with numpy and scipy's cKDTree (max-norm, p = inf), independently of the Swift
code: Kraskov, Stogbauer & Grassberger (2004) eqs. 8 and 9 for I(X;M), Ross (2014) as
scikit-learn's `_compute_mi_cd` for I(Y;M), digamma from scipy.special.

The data are readied as docs/estimators.md says, with numpy's legacy RandomState(seed), whose
standard normal draws dneck-plot reproduces (NumpyRandom), taken row-major in this order: noise on
M (--noise-std S > 0 only), the jitter of X, the jitter of M. So both sides see the same points:
  1. M + S * N(0, 1);
  2. each column / its population std (not centred; a std below 10 eps counts as 1), sums row by
     row (np.cumsum, so the rounding is the Swift loop's);
  3. --pca D, for a variable of more than D columns: centred, projected onto the eigenvectors of
     its covariance A^T A / N with the D largest eigenvalues above 1e-12 of the largest (eigh),
     each signed so its entry of largest magnitude is positive; --whiten divides by sqrt(lambda);
  4. every column c + 1e-10 * max(1, mean|z_c|) * N(0, 1).

Output: CSV `estimator,epoch,layer,XM,YM` in bits, 17 significant digits; the estimator column is
--name (default ksg). ksg_expected.csv is the three runs below, header once:
    ksg_reference.py harmonics_inputs.h5 --epochs 0,29 --layers 0,2,5 -o a.csv
    ksg_reference.py harmonics_inputs.h5 --epochs 29 --layers 0,5 --variant 2 --k 5 --name ksg-v2-k5 -o b.csv
    ksg_reference.py harmonics_inputs.h5 --epochs 29 --layers 0,5 --noise-std 0.1 --pca 4 --whiten --seed 7 \
        --name ksg-noise-pca -o c.csv
"""
import argparse

import h5py
import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma


def column_mean(a):
    return np.cumsum(a, axis=0)[-1] / a.shape[0]


def scaled(a):
    std = np.sqrt(column_mean((a - column_mean(a)) ** 2))
    std[std < 10 * np.finfo(np.float64).eps] = 1.0
    return a / std


def projected(a, dims, whiten):
    n, d = a.shape
    centred = a - column_mean(a)
    lam, vec = np.linalg.eigh(centred.T @ centred / n)
    kept = [e for e in range(d - 1, -1, -1)[:dims] if lam[e] > 1e-12 * lam[-1]]
    w = np.empty((d, len(kept)))
    for j, e in enumerate(kept):
        v = vec[:, e]
        sign = -1.0 if v[np.argmax(np.abs(v))] < 0 else 1.0
        w[:, j] = v * (sign / (np.sqrt(lam[e]) if whiten else 1.0))
    return centred @ w


def readied(a, rng, args):
    z = scaled(a)
    if args.pca and z.shape[1] > args.pca:
        z = projected(z, args.pca, args.whiten)
    scale = 1e-10 * np.maximum(1.0, column_mean(np.abs(z)))
    return z + scale * rng.standard_normal(z.shape)


def count_within(points, radius):
    """Points within radius (inclusive) of each point, itself included."""
    return cKDTree(points).query_ball_point(points, radius, p=np.inf, return_length=True)


def ksg(x, m, k, variant):
    n = len(x)
    joint = np.hstack([x, m])
    dist, idx = cKDTree(joint).query(joint, k=list(range(1, k + 2)), p=np.inf)
    if variant == 1:
        radius = np.nextafter(dist[:, k], 0)
        nx, nm = count_within(x, radius) - 1, count_within(m, radius) - 1
        return digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(nm + 1))
    neighbours = idx[:, 1:]
    ex = np.abs(x[:, None, :] - x[neighbours]).max(axis=(1, 2))
    em = np.abs(m[:, None, :] - m[neighbours]).max(axis=(1, 2))
    nx, nm = count_within(x, ex) - 1, count_within(m, em) - 1
    return digamma(k) - 1.0 / k + digamma(n) - np.mean(digamma(nx) + digamma(nm))


def ross(m, labels, k):
    radius = np.empty(len(m))
    k_all = np.empty(len(m))
    counts = np.empty(len(m))
    for label in np.unique(labels):
        mask = labels == label
        count = mask.sum()
        if count > 1:
            kc = min(k, count - 1)
            d, _ = cKDTree(m[mask]).query(m[mask], k=[kc + 1], p=np.inf)
            radius[mask] = np.nextafter(d[:, 0], 0)
            k_all[mask] = kc
        counts[mask] = count
    keep = counts > 1
    n = keep.sum()
    if n == 0:
        return 0.0
    m_all = count_within(m[keep], radius[keep])
    mi = digamma(n) + np.mean(digamma(k_all[keep])) - np.mean(digamma(counts[keep])) - np.mean(digamma(m_all))
    return max(0.0, mi)


def estimate(activations, inputs, labels, args):
    rng = np.random.RandomState(args.seed)
    m = np.asarray(activations, dtype=np.float64)
    if args.noise_std > 0:
        m = m + args.noise_std * rng.standard_normal(m.shape)
    x = readied(np.asarray(inputs, dtype=np.float64), rng, args)
    m = readied(m, rng, args)
    return ksg(x, m, args.k, args.variant) / np.log(2), ross(m, labels, args.k) / np.log(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--split", default="test")
    ap.add_argument("--epochs", help="comma list (default: every logged epoch)")
    ap.add_argument("--layers", help="comma list (default: every layer)")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--variant", type=int, choices=[1, 2], default=1)
    ap.add_argument("--noise-std", type=float, default=0.0)
    ap.add_argument("--pca", type=int)
    ap.add_argument("--whiten", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="ksg")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    rows = []
    with h5py.File(args.run, "r") as f:
        group = f[args.split]
        labels, inputs = group["labels"][()], group["inputs"][()]
        epochs = [int(e) for e in args.epochs.split(",")] if args.epochs else sorted(int(k) for k in group if k.isdigit())
        for epoch in epochs:
            layers = group[f"{epoch}/activations"]
            chosen = [int(l) for l in args.layers.split(",")] if args.layers else sorted(int(l) for l in layers)
            for layer in chosen:
                xm, ym = estimate(layers[str(layer)][()], inputs, labels, args)
                rows.append(f"{args.name},{epoch},{layer},{xm:.17g},{ym:.17g}")
    with open(args.output, "w") as out:
        out.write("estimator,epoch,layer,XM,YM\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
