#!/usr/bin/env python3
"""Independent numbers for dneck-plot's entropy-bias analysis (a reference, not part of the
product): uniform samples on [-1, 1] from SplitMix64 (re-implemented here with Python integers:
x = -1 + 2 * (next() >> 11) * 2**-53), through each activation function in numpy float64, a
np.histogram of each output over its own range, and the entropy of its counts in bits.

Writes entropy_bias_expected.csv: `samples,bins,seed,function,entropy,counts` (counts joined
by spaces); `input` is the uniform input's own histogram.
"""
import os

import numpy as np

MASK = (1 << 64) - 1


def splitmix64(seed, n):
    state, out = seed, []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
FUNCTIONS = {
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "relu6": lambda x: np.clip(x, 0, 6),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "linear": lambda x: x,
}


def rows(samples, bins, seed):
    u = np.array([(v >> 11) * 2.0**-53 for v in splitmix64(seed, samples)])
    x = -1 + 2 * u
    for name, f in [("input", lambda v: v)] + list(FUNCTIONS.items()):
        counts, _ = np.histogram(f(x), bins=bins)
        p = counts[counts > 0] / samples
        yield f"{samples},{bins},{seed},{name},{-np.sum(p * np.log2(p)):.17g}," + " ".join(map(str, counts))


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "entropy_bias_expected.csv"), "w") as f:
    f.write("samples,bins,seed,function,entropy,counts\n")
    for setting in ((4096, 50, 0), (1000, 30, 7)):
        f.write("\n".join(rows(*setting)) + "\n")
