#!/usr/bin/env python3
"""Goldfeld et al.'s SP estimate of every layer at one epoch of one split, the way a numpy user
writes it: float64, the draws t = h_i + beta z (numpy's legacy RandomState(seed), draw s of
sample i in row i * draws + s, the draws made block by block), squared distances ||t - h_j||^2
by one GEMM per 512-draw block (numpy's BLAS, on every core), scipy's logsumexp over all samples
and over each class's. Per draw the I(X;T) term is log phi(t - h_i) - log g(t) and the I(Y;T)
term log g_c(t) - log g(t), as Tests/reference/sp_reference.py defines them. Prints one CSV row
per layer: epoch,layer,XM,YM (bits).

    python3 Benchmarks/sp_numpy.py run.h5 --split train --epoch 19 --noise-std 0.1 --mc-samples 4
"""
import argparse

import h5py
import numpy as np
from scipy.special import logsumexp

BLOCK = 512


def sp(h, labels, beta, draws, seed):
    h = h.astype(np.float64)
    h -= h.mean(axis=0)
    n, d = h.shape
    classes, dense, counts = np.unique(labels, return_inverse=True, return_counts=True)
    members = [np.flatnonzero(dense == c) for c in range(len(classes))]
    norms = np.einsum("ij,ij->i", h, h)
    rng = np.random.RandomState(seed)
    x_terms, y_terms = np.empty(n * draws), np.empty(n * draws)
    for start in range(0, n * draws, BLOCK):
        rows = min(BLOCK, n * draws - start)
        z = rng.standard_normal((rows, d))
        centre = np.arange(start, start + rows) // draws
        t = h[centre] + beta * z
        dist = np.einsum("ij,ij->i", t, t)[:, None] + norms[None, :] - 2.0 * (t @ h.T)
        log_k = dist * (-1.0 / (2 * beta * beta))
        log_g = logsumexp(log_k, axis=1) - np.log(n)
        log_own = -0.5 * np.einsum("ij,ij->i", z, z)
        log_gc = np.empty(rows)
        for c, m in enumerate(members):
            mine = dense[centre] == c
            log_gc[mine] = logsumexp(log_k[np.ix_(mine, m)], axis=1) - np.log(counts[c])
        x_terms[start:start + rows] = log_own - log_g
        y_terms[start:start + rows] = log_gc - log_g
    return x_terms.mean() / np.log(2), y_terms.mean() / np.log(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run")
    ap.add_argument("--split", default="train")
    ap.add_argument("--epoch", type=int, required=True)
    ap.add_argument("--noise-std", type=float, default=0.1)
    ap.add_argument("--mc-samples", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with h5py.File(args.run, "r") as f:
        split = f[args.split]
        labels = split["labels"][()]
        layers = split[f"{args.epoch}/activations"]
        print("epoch,layer,XM,YM")
        for layer in sorted(layers, key=int):
            xm, ym = sp(layers[layer][()], labels, args.noise_std, args.mc_samples, args.seed)
            print(f"{args.epoch},{layer},{xm:.17g},{ym:.17g}")


if __name__ == "__main__":
    main()
