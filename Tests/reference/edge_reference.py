#!/usr/bin/env python3
"""Reference numbers from deep-bottleneck's own EDGE (a reference, not part of the product): runs
`deep_bottleneck/mi_estimator/edge.py` of neuroinfo-os/deep-bottleneck, unchanged, the way its
`EDGE.compute_mi` calls it, on epochs and layers of a dneck run file with inputs:
    layer = np.asarray(activations, dtype=np.float32)
    MI_YM = EDGE._compute_mi_per_epoch_and_layer(layer, labels[:, np.newaxis], U=1)
    MI_XM = EDGE._compute_mi_per_epoch_and_layer(layer, inputs, U=12)
with the inputs in their stored precision. Only the environment is patched, not edge.py's logic:
numpy >= 1.23 has no np.asscalar (edge.py's H1 calls it; put back as `a.item()`), and pandas,
which edge.py imports for its DataFrame bookkeeping only, is stubbed when it is not installed.
Needs numpy, scipy and scikit-learn (PyPI). Get edge.py with
    git show HEAD:deep_bottleneck/mi_estimator/edge.py   (in a clone of neuroinfo-os/deep-bottleneck)

Output: CSV `estimator,epoch,layer,XM,YM` (estimator `edge`), 17 significant digits.
"""
import argparse
import importlib.util
import sys
import types

import h5py
import numpy as np


def load_edge(path):
    if not hasattr(np, "asscalar"):
        np.asscalar = lambda a: a.item()
    import sklearn.neighbors  # noqa: F401  (imported before the stub, which it must not see)
    stubbed = importlib.util.find_spec("pandas") is None
    if stubbed:
        stub = types.ModuleType("pandas")
        stub.DataFrame = object  # only named in an annotation
        sys.modules["pandas"] = stub
    spec = importlib.util.spec_from_file_location("deep_bottleneck_edge", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if stubbed:
        del sys.modules["pandas"]
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--edge", required=True, help="path to deep-bottleneck's edge.py")
    ap.add_argument("--split", default="test")
    ap.add_argument("--epochs", help="comma list (default: every logged epoch)")
    ap.add_argument("--layers", help="comma list (default: every layer)")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    edge = load_edge(args.edge)
    rows = []
    with h5py.File(args.run, "r") as f:
        group = f[args.split]
        labels = group["labels"][()]
        inputs = group["inputs"][()]
        epochs = sorted(int(k) for k in group.keys() if k.isdigit())
        if args.epochs:
            epochs = [int(e) for e in args.epochs.split(",")]
        for epoch in epochs:
            acts = group[str(epoch)]["activations"]
            layers = sorted(int(k) for k in acts.keys())
            if args.layers:
                layers = [int(layer) for layer in args.layers.split(",")]
            estimator = edge.EDGE(n_classes=len(np.unique(labels)), architecture=layers[:-1])
            for layer in layers:
                a = np.asarray(acts[str(layer)][()], dtype=np.float32)
                ym = estimator._compute_mi_per_epoch_and_layer(a, labels[:, np.newaxis], U=1)
                xm = estimator._compute_mi_per_epoch_and_layer(a, inputs, U=12)
                rows.append(f"edge,{epoch},{layer},{xm:.17g},{ym:.17g}")
                print(rows[-1], file=sys.stderr)
    with open(args.output, "w") as fh:
        fh.write("estimator,epoch,layer,XM,YM\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    sys.exit(main())
