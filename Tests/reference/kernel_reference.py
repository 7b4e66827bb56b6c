#!/usr/bin/env python3
"""Independent float64 reference numbers for dneck-plot's kernel estimators (a reference, not
part of the product): HSIC and the matrix-based Renyi alpha-entropy, for every epoch and layer of a
dneck run file with inputs (<split>/inputs).

Written straight from the definitions, with full N x N matrices, and deliberately unlike
dneck-plot's tiled implementation:
- Gaussian kernel exp(-||a - b||^2 / (2 sigma^2)) on the raw (uncentred) values, squared distances
  by scipy.spatial.distance.cdist (no GEMM); one-hot labels as a [N, classes] matrix.
- HSIC(A, B) = trace(K_A H K_B H) / (m - 1)^2 with H = I - 11^T / m formed explicitly.
- Renyi: A = K / trace K, eigenvalues by numpy.linalg.eigvalsh clipped at 0,
  S = log2(sum lambda^alpha) / (1 - alpha), (alpha = 1: -sum lambda log2 lambda); joint entropy of the
  Hadamard product renormalised by its trace; I(M;X) = S(M) + S(X) - S(M,X).
- sigma 'median': numpy.median of the distances over the pairs i < j (upper triangle) of at most
  2000 rows; 1 when that median is 0.
- subsets (--samples, Renyi's cap): row i gets the i-th SplitMix64 output of seed 0x5AB5E7, the rows
  with the smallest outputs are kept, in row order.

Output: CSV `estimator,epoch,layer,XM,YM`, estimator `hsic` or `renyi`; 17 significant digits.
With --bench, also prints seconds (HSIC on every row, Renyi, and eigvalsh alone), and HSIC takes
the O(N^2) form sum((K - row means - column means + mean) * L) instead of forming H (O(N^3)).
"""
import argparse
import sys
import time

import h5py
import numpy as np
from scipy.spatial.distance import cdist

MASK = (1 << 64) - 1


def splitmix64(seed, n):
    out, state = [], seed
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


def subset(n, keep):
    if keep is None or keep >= n:
        return np.arange(n)
    keys = splitmix64(0x5AB5E7, n)
    order = sorted(range(n), key=lambda i: (keys[i], i))
    return np.array(sorted(order[:keep]))


def median_sigma(v):
    v = v[subset(len(v), 2000)]
    d = cdist(v, v)
    med = np.median(d[np.triu_indices(len(v), 1)])
    return med if med > 0 else 1.0


def gram(v, sigma):
    s = median_sigma(v) if sigma == "median" else float(sigma)
    return np.exp(-cdist(v, v, "sqeuclidean") / (2.0 * s * s))


def one_hot(labels):
    classes = np.unique(labels)
    return (labels[:, None] == classes[None, :]).astype(np.float64)


def hsic(k, l):
    m = k.shape[0]
    h = np.eye(m) - np.ones((m, m)) / m
    return np.trace(k @ h @ l @ h) / (m - 1) ** 2


def hsic_centred(k, l):
    """The same value without H: sum of the doubly centred K times L (O(N^2), for --bench)."""
    m = k.shape[0]
    r = k.mean(axis=1)
    kc = k - r[:, None] - r[None, :] + r.mean()
    return np.sum(kc * l) / (m - 1) ** 2


def renyi_entropy(k, alpha):
    a = k / np.trace(k)
    lam = np.clip(np.linalg.eigvalsh(a), 0, None)
    if alpha == 1:
        lam = lam[lam > 0]
        return -np.sum(lam * np.log2(lam))
    return np.log2(np.sum(lam ** alpha)) / (1 - alpha)


def renyi_information(km, kx, alpha):
    return renyi_entropy(km, alpha) + renyi_entropy(kx, alpha) - renyi_entropy(km * kx, alpha)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--split", default="test")
    ap.add_argument("--estimators", default="hsic,renyi")
    ap.add_argument("--sigma", default=None, help="number or 'median' (default 5 for HSIC, 1 for Renyi)")
    ap.add_argument("--alpha", type=float, default=1.01)
    ap.add_argument("--samples", type=int, help="HSIC subset (default every row)")
    ap.add_argument("--renyi-samples", type=int, default=1000)
    ap.add_argument("--epochs", help="comma list (default: every logged epoch)")
    ap.add_argument("--layers", help="comma list (default: every layer)")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    rows = []
    with h5py.File(args.run, "r") as f:
        group = f[args.split]
        labels = group["labels"][()]
        inputs = group["inputs"][()].astype(np.float64)
        epochs = sorted(int(k) for k in group.keys() if k.isdigit())
        if args.epochs:
            epochs = [int(e) for e in args.epochs.split(",")]
        for epoch in epochs:
            acts = group[str(epoch)]["activations"]
            layers = sorted(int(k) for k in acts.keys())
            if args.layers:
                layers = [int(layer) for layer in args.layers.split(",")]
            for layer in layers:
                a = acts[str(layer)][()].astype(np.float64)
                for name in args.estimators.split(","):
                    if name == "hsic":
                        sigma = args.sigma or 5.0
                        idx = subset(len(a), args.samples)
                        start = time.perf_counter()
                        km = gram(a[idx], sigma)
                        trace = hsic_centred if args.bench else hsic
                        xm = trace(km, gram(inputs[idx], sigma))
                        ym = trace(km, gram(one_hot(labels[idx]), sigma))
                        if args.bench:
                            print(f"numpy hsic rows={len(idx)} seconds={time.perf_counter() - start:.3f}")
                    else:
                        sigma = args.sigma or 1.0
                        idx = subset(len(a), args.renyi_samples)
                        start = time.perf_counter()
                        km, kx, ky = gram(a[idx], sigma), gram(inputs[idx], sigma), gram(one_hot(labels[idx]), sigma)
                        xm = renyi_information(km, kx, args.alpha)
                        ym = renyi_information(km, ky, args.alpha)
                        if args.bench:
                            total = time.perf_counter() - start
                            start = time.perf_counter()
                            for k in (km, kx, ky, km * kx, km * ky):
                                np.linalg.eigvalsh(k / np.trace(k))
                            print(f"numpy renyi rows={len(idx)} seconds={total:.3f} eigvalsh-only={time.perf_counter() - start:.3f}")
                    rows.append(f"{name},{epoch},{layer},{xm:.17g},{ym:.17g}")
    if args.output:
        with open(args.output, "w") as fh:
            fh.write("estimator,epoch,layer,XM,YM\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    sys.exit(main())
