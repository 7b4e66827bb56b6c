#!/usr/bin/env python3
"""Writes a dneck run file, format_version 2 (docs/run-format-v2.md), for dneck-plot's tests,
with h5py alone (not the dneck package): seeded random activations, accuracy, loss and
gradient statistics, written as the format's commit protocol says (every per-epoch row, flush,
then the epoch into `epochs`, flush) in SWMR mode.

--v1 FILE also writes the same arrays as a version 1 file (a group per epoch), so that the
two can be compared. --live K commits the first K epochs, writes the rows of the next one
without committing it, prints "ready" and keeps the file open (SWMR writing) until stdin
closes. --nan-epoch K puts a NaN into epoch K's activations. --plain writes the whole run without SWMR, prints "ready" and keeps the file open
(libhdf5's lock held) until stdin closes.
"""
import argparse
import json
import sys

import h5py
import numpy as np


def arrays(epochs, samples, widths, seed):
    """Per epoch: activations per layer (float32 [samples, units]) and the scalars."""
    rng = np.random.default_rng(seed)
    data = []
    for k, epoch in enumerate(epochs):
        layers = [np.tanh(rng.normal(size=(samples, u)) * (1 + k)).astype(np.float32) for u in widths]
        data.append({
            "epoch": epoch, "layers": layers,
            "accuracy": {"train": 0.5 + 0.01 * k, "test": 0.4 + 0.01 * k},
            "loss": {"train": 1.0 / (k + 1), "test": 1.2 / (k + 1)},
            "gradmean": rng.uniform(0.1, 1, len(widths)), "gradstd": rng.uniform(0.1, 1, len(widths)),
            "weights_norm": rng.uniform(1, 5, len(widths)),
        })
    return data


def growing(group, name, row_shape, dtype, chunks):
    shape = (0,) + tuple(row_shape)
    return group.create_dataset(name, shape=shape, dtype=dtype, chunks=chunks, maxshape=(None,) + tuple(row_shape))


def write_row(dataset, index, row):
    if dataset.shape[0] <= index:
        dataset.resize(index + 1, axis=0)
    dataset[index] = row


def write_v2(path, data, labels, widths, inputs, swmr, names):
    f = h5py.File(path, "w", libver=("v110", "latest"))
    f.attrs["format"] = "dneck-run"
    f.attrs["format_version"] = np.int64(2)
    f.attrs["config"] = json.dumps({"architecture": widths, "activation_fn": "tanh"})
    f.create_dataset("status", data=np.array([0], dtype=np.int8), chunks=(1,), maxshape=(None,))
    if names:
        f.create_dataset("layer_names", data=np.array([f"fc{i}" for i in range(len(widths))], dtype=h5py.string_dtype()),
                         chunks=(len(widths),))
    n = len(labels)
    for split in ("train", "test"):
        g = f.create_group(split)
        g.create_dataset("labels", data=labels, chunks=(n,))
        if inputs is not None:
            g.create_dataset("inputs", data=inputs, chunks=inputs.shape)
        growing(g, "epochs", (), np.int64, (256,))
        for i, u in enumerate(widths):
            growing(g, f"activations/{i}", (n, u), np.float32, (1, n, u))
        for name in ("accuracy", "loss"):
            growing(g, name, (), np.float64, (256,))
    t = f.create_group("training")
    growing(t, "epochs", (), np.int64, (256,))
    for name in ("weights_norm", "gradmean", "gradstd"):
        growing(t, name, (len(widths),), np.float64, (256, len(widths)))
    if swmr:
        f.swmr_mode = True
    return f


def write_epoch(f, index, e, commit=True):
    for split in ("train", "test"):
        g = f[split]
        for i, a in enumerate(e["layers"]):
            write_row(g[f"activations/{i}"], index, a)
        write_row(g["accuracy"], index, e["accuracy"][split])
        write_row(g["loss"], index, e["loss"][split])
    for name in ("weights_norm", "gradmean", "gradstd"):
        write_row(f["training"][name], index, e[name])
    f.flush()
    if commit:
        for group in ("train", "test", "training"):
            write_row(f[group]["epochs"], index, e["epoch"])
        f.flush()


def write_v1(path, data, labels, inputs):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "dneck-run"
        f.attrs["format_version"] = np.int64(1)
        f.attrs["config"] = json.dumps({"architecture": [a.shape[1] for a in data[0]["layers"]], "activation_fn": "tanh"})
        for split in ("train", "test"):
            g = f.create_group(split)
            g["labels"] = labels
            if inputs is not None:
                g["inputs"] = inputs
            for e in data:
                eg = g.create_group(str(e["epoch"]))
                for i, a in enumerate(e["layers"]):
                    eg[f"activations/{i}"] = a
                eg["accuracy/training"], eg["accuracy/test"] = e["accuracy"]["train"], e["accuracy"]["test"]
                eg["loss/training"], eg["loss/test"] = e["loss"]["train"], e["loss"]["test"]
                for name in ("gradmean", "gradstd", "weights_norm"):
                    eg[name] = e[name]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("out")
    p.add_argument("--v1", help="also write the same arrays as a version 1 file here")
    p.add_argument("--epochs", default="0,1,2,3,4", help="comma-separated epoch numbers")
    p.add_argument("--samples", type=int, default=90)
    p.add_argument("--widths", default="6,4,3")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--inputs", action="store_true", help="write <split>/inputs")
    p.add_argument("--names", action="store_true", help="write layer_names")
    p.add_argument("--nan-epoch", type=int, help="index of an epoch whose first activation of layer 0 is NaN")
    p.add_argument("--live", type=int, help="commit this many epochs, write the next uncommitted, hold the file open")
    p.add_argument("--plain", action="store_true", help="write without SWMR and hold the file open")
    a = p.parse_args()
    epochs = [int(s) for s in a.epochs.split(",")]
    widths = [int(s) for s in a.widths.split(",")]
    labels = (np.arange(a.samples) % 3).astype(np.int64)
    inputs = np.random.default_rng(a.seed + 1).normal(size=(a.samples, 5)).astype(np.float32) if a.inputs else None
    data = arrays(epochs, a.samples, widths, a.seed)
    if a.nan_epoch is not None:
        data[a.nan_epoch]["layers"][0][0, 0] = np.nan
    if a.v1:
        write_v1(a.v1, data, labels, inputs)
    f = write_v2(a.out, data, labels, widths, inputs, swmr=not a.plain, names=a.names)
    committed = len(data) if a.live is None else a.live
    for k, e in enumerate(data[:committed]):
        write_epoch(f, k, e)
    if a.live is not None and committed < len(data):
        write_epoch(f, committed, data[committed], commit=False)
    if a.live is not None or a.plain:
        print("ready", flush=True)
        sys.stdin.read()
    f["status"][0] = 1
    f.close()


if __name__ == "__main__":
    main()
