#!/usr/bin/env python3
"""The dneck package's RunWriter against the hand-written h5py snippet a researcher writes today
(a group per epoch, one dataset per layer, as deep-bottleneck's and dneck's version 1 layouts),
writing the same data: every logged epoch of a version 1 run, activations of both splits,
accuracy, loss, and once per epoch (as the package does) weight norms and gradient statistics,
all already in the types both store (activations float32, the rest float64: converted before
timing), and the run's config. Both flush after each epoch. Both uncompressed, then both gzip 4.
Each side runs `--repeats` times, alternating; prints the best and the range of each.

    PYTHONPATH=python python3 Benchmarks/logging_overhead.py run_v1.h5
"""
import argparse
import json
import os
import tempfile
import time

import h5py
import numpy as np

from dneck import RunWriter, convert

parser = argparse.ArgumentParser()
parser.add_argument("source")
parser.add_argument("--repeats", type=int, default=5)
args = parser.parse_args()

src = convert.read_dneck_v1(args.source)
epochs = list(src.epochs)                    # in memory: only the writing is timed
for e in epochs:                             # the types both sides store
    e.activations = {s: [a.astype(np.float32) for a in layers] for s, layers in e.activations.items()}
    e.weights_norm = np.asarray(e.weights_norm, dtype=np.float64)
    e.gradients = tuple(np.asarray(g, dtype=np.float64) for g in e.gradients)


def by_package(path, gzip):
    with RunWriter(path, labels=src.labels, config=src.config, compression=gzip) as w:
        for e in epochs:
            w.log_epoch(e.epoch, activations=e.activations, accuracy=e.accuracy, loss=e.loss,
                        weights_norm=e.weights_norm, gradients=e.gradients)


def by_hand(path, gzip):
    with h5py.File(path, "w") as f:
        f.attrs["config"] = json.dumps(src.config, sort_keys=True, default=str)
        for split, y in src.labels.items():
            f[f"{split}/labels"] = y
        for e in epochs:
            for k, (split, layers) in enumerate(e.activations.items()):
                g = f.create_group(f"{split}/{e.epoch}")
                for i, a in enumerate(layers):
                    g.create_dataset(f"activations/{i}", data=a, compression="gzip" if gzip else None,
                                     compression_opts=gzip)
                g["accuracy"] = e.accuracy.get(split, np.nan)
                g["loss"] = e.loss.get(split, np.nan)
                if k == 0:
                    g["weights_norm"] = e.weights_norm
                    g["gradmean"], g["gradstd"] = e.gradients
            f.flush()


with tempfile.TemporaryDirectory() as scratch:
    for gzip in (None, 4):
        times = {"package": [], "hand": []}
        for r in range(args.repeats):
            for name, write in (("package", by_package), ("hand", by_hand)):
                path = os.path.join(scratch, f"{name}.h5")
                start = time.perf_counter()
                write(path, gzip)
                times[name].append(time.perf_counter() - start)
                os.remove(path)
        label = "gzip 4" if gzip else "uncompressed"
        for name in ("package", "hand"):
            t = times[name]
            print(f"{name} {label} best {min(t):.3f} min {min(t):.3f} max {max(t):.3f}")
        print(f"ratio {label} {min(times['package']) / min(times['hand']):.3f}")
