#!/usr/bin/env python3
"""Independent numbers for dneck-plot's IB curve (a reference, not part of the product): the
information-bottleneck curve of small asymmetric joints p(x, y) = p(x) p(y|x), by the iterative IB
algorithm of Tishby, Pereira & Bialek (1999), written from the paper with numpy and scipy,
independently of the Swift code.

At each beta, from an encoder p(t|x):
    p(t) = sum_x p(x) p(t|x)
    p(y|t) = sum_x p(x) p(t|x) p(y|x) / p(t)
    p(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x, beta)       (scipy's softmax over t)
repeated for each start until none of its p(t|x) moves by more than 1e-12 (or 20,000 updates):
40 random encoders (numpy's default_rng, Dirichlet rows of concentration 0.2, 1 and 5 in turn) and
the best encoder of the previous beta on the way up and on the way down the grid (deterministic
annealing both ways), with |T| = |X| + 1 clusters. The lowest L = I(X;T) - beta I(T;Y) wins.
beta: 300 values geometric from 1 to 10^4, and the checks' beta below.

Between consecutive grid beta, 12 more (geometric) are solved from the two ends' best encoders
alone (the lower one's followed up), so that the envelope's chords are short: every converged
encoder's point is achievable.

The curve from below: the upper concave envelope of all these points with (0, 0) and
(H(X), I(X;Y)) (time sharing makes the achievable region convex), up to its highest I(T;Y), in bits.
From above: each beta's lowest cost L, in bits, is a tangent, I(T;Y) <= (I(X;T) - L) / beta for
every encoder, so no achievable point lies above any of them.

Also, for checking the update equations themselves: at a few beta whose optimum is unique (every
start within 1e-9 nats of the lowest cost reaches the same point within 1e-9 bits), beta and that
optimum's I(X;T), I(T;Y) in bits.

Writes ib_curve_expected.json: per problem its name, counts (p(x) = count / total), rows (p(y|x)),
I(X;Y) and H(X) in bits, the envelope's vertices [I(X;T), I(T;Y)], the tangents [beta, L] and the beta checks
[beta, I(X;T), I(T;Y)]; floats as repr (17 significant digits).
"""
import json
import os

import numpy as np
from scipy.special import softmax, xlogy

PROBLEMS = [
    ("five", [1, 2, 3, 4, 6], [
        [0.7, 0.2, 0.1],
        [0.1, 0.6, 0.3],
        [0.25, 0.25, 0.5],
        [0.05, 0.15, 0.8],
        [0.5, 0.45, 0.05],
    ]),
    ("six-with-zeros", [3, 1, 4, 1, 5, 2], [
        [1.0, 0.0, 0.0],
        [0.0, 0.3, 0.7],
        [0.6, 0.4, 0.0],
        [0.2, 0.2, 0.6],
        [0.35, 0.5, 0.15],
        [0.0, 0.9, 0.1],
    ]),
    ("eight", [2, 7, 1, 8, 2, 8, 1, 8], [
        [0.9, 0.05, 0.05],
        [0.4, 0.35, 0.25],
        [0.1, 0.1, 0.8],
        [0.3, 0.6, 0.1],
        [0.55, 0.05, 0.4],
        [0.15, 0.45, 0.4],
        [0.02, 0.93, 0.05],
        [0.45, 0.3, 0.25],
    ]),
]
BETAS = np.geomspace(1, 1e4, 300)
CHECK_BETAS = [1.5, 2.5, 4, 7, 12, 30, 100]
RESTARTS = 40
DENSE = 12
TOLERANCE, MAX_UPDATES = 1e-12, 20000


def joint(counts, rows):
    px = np.asarray(counts, dtype=np.float64)
    px /= px.sum()
    q = np.asarray(rows, dtype=np.float64)
    q /= q.sum(axis=1, keepdims=True)
    return px, q


def information(px, q):
    """I(X;Y) and H(X) in nats."""
    py = px @ q
    return np.sum(px[:, None] * xlogy(q, q / py)), -np.sum(xlogy(px, px))


def update(px, q, enc, beta):
    """One IB update of encoders enc [starts, x, t]; also I(X;T), I(T;Y) of enc in nats."""
    pt = np.einsum("x,sxt->st", px, enc)
    pty = np.einsum("x,sxt,xy->sty", px, enc, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        pyt = np.where(pt[..., None] > 0, pty / pt[..., None], 0)
        log_pyt = np.where(pyt > 0, np.log(pyt), -np.inf)
        # KL[p(y|x) || p(y|t)] = sum_y q log q - sum_y q log p(y|t), terms with q = 0 left out.
        cross = np.zeros(enc.shape)
        for y in range(q.shape[1]):
            present = q[:, y] > 0
            cross[:, present, :] += q[present, y][None, :, None] * log_pyt[:, None, :, y]
        kl = np.sum(xlogy(q, q), axis=1)[None, :, None] - cross
        logits = np.log(pt)[:, None, :] - beta * kl
        ixt = np.sum(px[None, :, None] * xlogy(enc, np.where(enc > 0, enc / pt[:, None, :], 1)), axis=(1, 2))
        py = px @ q
        ity = np.sum(xlogy(pty, pyt / py[None, None, :]), axis=(1, 2))
    return softmax(logits, axis=2), ixt, ity


def solve(px, q, beta, starts):
    """The converged encoders of every start and their I(X;T), I(T;Y), costs, in nats."""
    enc, active = starts.copy(), np.arange(len(starts))
    for _ in range(MAX_UPDATES):
        new, _, _ = update(px, q, enc[active], beta)
        moving = np.max(np.abs(new - enc[active]), axis=(1, 2)) > TOLERANCE
        enc[active] = new
        active = active[moving]
        if len(active) == 0:
            break
    _, ixt, ity = update(px, q, enc, beta)
    return enc, ixt, ity, ixt - beta * ity


def random_starts(rng, m, k):
    alphas = [0.2, 1.0, 5.0]
    return np.stack([rng.dirichlet(np.full(k, alphas[r % 3]), size=m) for r in range(RESTARTS)])


def envelope(points):
    """Upper concave envelope of (I_X, I_Y) points, up to its highest I_Y: I_X below 0 (rounding)
    is 0, of I_X within 1e-12 the highest point counts, and vertices within rounding of a chord go."""
    hull = []
    for p in sorted((max(x, 0.0), max(y, 0.0)) for x, y in points):
        if hull and p[0] - hull[-1][0] < 1e-12:
            p = max(p, hull.pop(), key=lambda v: v[1])
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= -1e-15:
                hull.pop()
            else:
                break
        hull.append(p)
    top = max(p[1] for p in hull)
    return hull[: next(i for i, p in enumerate(hull) if p[1] >= top - 1e-12) + 1]


def curve(name, counts, rows, seed):
    px, q = joint(counts, rows)
    m, k = len(px), len(px) + 1
    rng = np.random.default_rng(seed)
    mi, hx = information(px, q)
    betas = sorted(set(BETAS.tolist()) | set(CHECK_BETAS))
    best = {}

    def consider(beta, enc, ixt, ity, cost):
        i = int(np.argmin(cost))
        if beta not in best or cost[i] < best[beta][3]:
            best[beta] = (enc[i], ixt[i], ity[i], cost[i])

    checks = {beta: [] for beta in CHECK_BETAS}
    for sweep in (betas, betas[::-1]):
        previous = None
        for beta in sweep:
            starts = random_starts(rng, m, k)
            if previous is not None:
                starts = np.concatenate([starts, previous[None]])
            enc, ixt, ity, cost = solve(px, q, beta, starts)
            consider(beta, enc, ixt, ity, cost)
            if beta in checks:
                checks[beta].append((ixt, ity, cost))
            previous = best[beta][0]
    unique = []
    for beta, found in checks.items():
        ixt, ity, cost = (np.concatenate(v) for v in zip(*found))
        low = best[beta][3]
        near = cost <= low + 1e-9
        if near.any() and np.ptp(ixt[near]) < 1e-9 * np.log(2) and np.ptp(ity[near]) < 1e-9 * np.log(2) \
                and abs(ixt[near][0] - best[beta][1]) < 1e-9 and abs(ity[near][0] - best[beta][2]) < 1e-9:
            unique.append([beta, best[beta][1] / np.log(2), best[beta][2] / np.log(2)])
    points = [(v[1] / np.log(2), v[2] / np.log(2)) for v in best.values()]
    grid = sorted(best)
    for lo, hi in zip(grid, grid[1:]):
        starts = np.stack([best[lo][0], best[hi][0]])
        for beta in np.geomspace(lo, hi, DENSE + 2)[1:-1]:
            enc, ixt, ity, cost = solve(px, q, beta, starts)
            points += [(x / np.log(2), y / np.log(2)) for x, y in zip(ixt, ity)]
            starts = np.stack([enc[int(np.argmin(cost))], best[hi][0]])
    points += [(0.0, 0.0), (hx / np.log(2), mi / np.log(2))]
    assert np.all(np.isfinite(points))
    return {
        "name": name, "counts": counts, "rows": rows,
        "mutual_information": mi / np.log(2), "input_entropy": hx / np.log(2),
        "envelope": [[float(x), float(y)] for x, y in envelope(points)],
        "tangents": [[float(beta), float(v[3] / np.log(2))] for beta, v in sorted(best.items())],
        "beta_checks": [[float(v) for v in c] for c in unique],
    }


def main():
    problems = [curve(name, counts, rows, seed) for seed, (name, counts, rows) in enumerate(PROBLEMS)]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ib_curve_expected.json")
    with open(out, "w") as f:
        json.dump({"problems": problems}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
