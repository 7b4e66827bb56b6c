#!/usr/bin/env python3
"""Reference numbers for dneck-plot's SP estimator (a reference, not part of the product), written
from the definitions with numpy and scipy, independently of the Swift code (Goldfeld et al., ICML
2019): T = h + N(0, beta^2 I), its density the mixture g(t) = (1/N) sum_j phi(t - h_j) of the
samples, and g_c the mixture of class c's samples.

Draws: numpy's legacy RandomState(seed).standard_normal((N * draws, d)), draw s of sample i in row
i * draws + s, t = h_i + beta * z (dneck-plot reproduces these draws, NumpyRandom). Over every draw,
with log phi(t - h_i) = -(d/2) ln(2 pi beta^2) - |t - h_i|^2 / (2 beta^2):
    I(X;T) = mean[log phi(t - h_i) - log g(t)]   (= h(T) - (d/2) ln(2 pi e beta^2) in expectation)
    I(Y;T) = mean[log g_c(t) - log g(t)]         (= h(T) - sum_c p_c h(T | Y = c), c the class of i)
in bits, with the standard errors of a mean stratified by class: sqrt(sum_c (K_c/K)^2 var_c / K_c), K_c the
draws of class c, var_c their terms' variance (ddof=1; 0 for one draw). The t's and distances are formed
directly (no GEMM), the mixtures by scipy's logsumexp.

Output: CSV `estimator,epoch,layer,XM,YM,XM_se,YM_se`, 17 significant digits; the estimator column
is --name (default sp). sp_expected.csv is the two runs below, header once:
    sp_reference.py harmonics_inputs.h5 --epochs 0,29 --layers 0,2,5 -o a.csv
    sp_reference.py harmonics_inputs.h5 --epochs 29 --layers 0,5 --noise-std 0.5 --mc-samples 2 --seed 7 \
        --name sp-wide -o b.csv
"""
import argparse

import h5py
import numpy as np
from scipy.special import logsumexp


def sp(h, labels, beta, draws, seed):
    h = np.asarray(h, dtype=np.float64)
    n, d = h.shape
    z = np.random.RandomState(seed).standard_normal((n * draws, d))
    log_norm = -0.5 * d * np.log(2 * np.pi * beta ** 2)
    x_terms, y_terms = [], []
    for q in range(n * draws):
        i = q // draws
        t = h[i] + beta * z[q]
        log_phi = log_norm - np.sum((t - h) ** 2, axis=1) / (2 * beta ** 2)   # log phi(t - h_j) for every j
        log_g = logsumexp(log_phi) - np.log(n)
        same = labels == labels[i]
        log_gc = logsumexp(log_phi[same]) - np.log(same.sum())
        x_terms.append(log_phi[i] - log_g)
        y_terms.append(log_gc - log_g)
    x, y = np.array(x_terms) / np.log(2), np.array(y_terms) / np.log(2)
    strata = np.repeat(labels, draws)

    def error(terms):
        total = 0.0
        for c in np.unique(strata):
            part = terms[strata == c]
            if len(part) > 1:
                total += (len(part) / len(terms)) ** 2 * part.var(ddof=1) / len(part)
        return np.sqrt(total)

    return x.mean(), y.mean(), error(x), error(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--split", default="test")
    ap.add_argument("--epochs", help="comma list (default: every logged epoch)")
    ap.add_argument("--layers", help="comma list (default: every layer)")
    ap.add_argument("--noise-std", type=float, default=0.1)
    ap.add_argument("--mc-samples", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="sp")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    rows = []
    with h5py.File(args.run, "r") as f:
        group = f[args.split]
        labels = group["labels"][()]
        epochs = [int(e) for e in args.epochs.split(",")] if args.epochs else sorted(int(k) for k in group if k.isdigit())
        for epoch in epochs:
            layers = group[f"{epoch}/activations"]
            chosen = [int(l) for l in args.layers.split(",")] if args.layers else sorted(int(l) for l in layers)
            for layer in chosen:
                values = sp(layers[str(layer)][()], labels, args.noise_std, args.mc_samples, args.seed)
                rows.append(f"{args.name},{epoch},{layer}," + ",".join(f"{v:.17g}" for v in values))
    with open(args.output, "w") as out:
        out.write("estimator,epoch,layer,XM,YM,XM_se,YM_se\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
