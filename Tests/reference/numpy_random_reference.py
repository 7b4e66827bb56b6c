#!/usr/bin/env python3
"""Draws from numpy's legacy generator (np.random.seed(int), the global RandomState) that
dneck-plot's NumpyRandom reproduces for EDGE (a reference, not part of the product):
for each seed, 8 raw 32-bit outputs (randint over [0, 2^32) with dtype uint32 takes exactly one each),
10 random_sample doubles, a 7 x 3 np.random.normal(mu, sigma) with per-column scales (odd count:
the cached second Gaussian is left over), then 600 np.random.choice indices from 819 and 5 from 2^31 + 5
(64-bit masked rejection path is not used below 2^32: these take the 32-bit masked path).

Output: CSV `seed,kind,index,value`, 17 significant digits.
"""
import sys

import numpy as np


def main(path):
    rows = []
    for seed in (3334, 0, 4294967295):
        np.random.seed(seed)
        for i, v in enumerate(np.random.randint(0, 2**32, size=8, dtype=np.uint64)):
            rows.append(f"{seed},uint32,{i},{int(v)}")
        for i, v in enumerate(np.random.random_sample(10)):
            rows.append(f"{seed},double,{i},{v:.17g}")
        mu = np.zeros((7, 3))
        sigma = np.tile(np.array([[1.0, 0.5, 2.0]]), (7, 1))
        for i, v in enumerate(np.random.normal(mu, sigma, (7, 3)).reshape(-1)):
            rows.append(f"{seed},normal,{i},{v:.17g}")
        for i, v in enumerate(np.random.choice(np.arange(819), size=600)):
            rows.append(f"{seed},choice819,{i},{int(v)}")
        for i, v in enumerate(np.random.choice(2**31 + 5, size=5)):
            rows.append(f"{seed},choiceLarge,{i},{int(v)}")
    with open(path, "w") as fh:
        fh.write("seed,kind,index,value\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
