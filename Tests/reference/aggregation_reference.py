#!/usr/bin/env python3
"""Independent numbers for dneck-plot's aggregation of several runs (a reference, not part of
the product). Makes five runs' measure tables from a seeded numpy generator (run 3 lacks epoch 5,
run 4 logs an extra epoch 20; the values are uniform draws, some repeated to exercise ties) and
aggregates them per (epoch, layer) over the epochs every run logged with numpy: np.mean,
np.median, np.percentile(25 / 75) with numpy's default linear method, np.min, np.max.

Writes aggregation_runs.csv (`run,epoch,layer,MI_XM,MI_YM`) and aggregation_expected.csv
(`runs,statistic,epoch,layer,MI_XM,MI_YM,X_q1,X_q3,X_min,X_max,Y_q1,Y_q3,Y_min,Y_max`) for all
five runs and for the first four (an even count, where the median is a mean of two).
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261201)
epochs = [0, 1, 2, 5, 10]
layers = 3
runs = []
for r in range(5):
    logged = [e for e in epochs if not (r == 3 and e == 5)] + ([20] if r == 4 else [])
    table = {}
    for e in logged:
        for layer in range(layers):
            x, y = rng.uniform(0, 12), rng.uniform(0, 1)
            if r == 2 and layer == 1:  # a tie with run 0
                x = runs[0][(e, layer)][0]
            table[(e, layer)] = (x, y)
    runs.append(table)

with open(os.path.join(here, "aggregation_runs.csv"), "w") as f:
    f.write("run,epoch,layer,MI_XM,MI_YM\n")
    for r, table in enumerate(runs):
        for (e, layer), (x, y) in sorted(table.items()):
            f.write(f"{r},{e},{layer},{x:.17g},{y:.17g}\n")

with open(os.path.join(here, "aggregation_expected.csv"), "w") as f:
    f.write("runs,statistic,epoch,layer,MI_XM,MI_YM,X_q1,X_q3,X_min,X_max,Y_q1,Y_q3,Y_min,Y_max\n")
    for count in (5, 4):
        chosen = runs[:count]
        shared = sorted(set.intersection(*(set(e for e, _ in t) for t in chosen)))
        for name, statistic in (("mean", np.mean), ("median", np.median)):
            for e in shared:
                for layer in range(layers):
                    v = np.array([t[(e, layer)] for t in chosen])
                    cells = [statistic(v[:, 0]), statistic(v[:, 1])]
                    for c in (0, 1):
                        cells += [np.percentile(v[:, c], 25), np.percentile(v[:, c], 75), v[:, c].min(), v[:, c].max()]
                    f.write(f"{count},{name},{e},{layer}," + ",".join(f"{c:.17g}" for c in cells) + "\n")
