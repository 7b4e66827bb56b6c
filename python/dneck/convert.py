"""Converters into format_version 2: ibsgd pickles, .npz files, deep-bottleneck dumps, version 1 runs.

Each reader yields Epoch records in increasing epoch order; :func:`write_run` writes them.
Epoch numbers are copied unchanged (all three sources number them the Keras way).
"""
from __future__ import annotations

import json
import pickle
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from .writer import RunWriter

SPLITS = ("train", "test")


@dataclass
class Epoch:
    """One epoch of a source: activations per split, per-split metrics, training rows."""
    epoch: int
    activations: dict = field(default_factory=dict)
    accuracy: dict = field(default_factory=dict)
    loss: dict = field(default_factory=dict)
    weights_norm: np.ndarray | None = None
    gradients: tuple | None = None


@dataclass
class Source:
    """A whole run read from a source: header data and its epochs."""
    labels: dict
    epochs: list
    inputs: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    layer_names: list | None = None


def write_run(source: Source, out, dtype: str = "float32", pace: float = 0.0, on_commit=None) -> None:
    """Writes source as a version 2 run at out, status "finished".

    pace: seconds to wait after each committed epoch, to replay a run as if it were training
    (to try `dneck-plot watch`); on_commit(epoch) is called right after each commit.
    """
    with RunWriter(out, labels=source.labels, config=source.config, inputs=source.inputs or None,
                   layer_names=source.layer_names, dtype=dtype) as w:
        for e in source.epochs:
            w.log_epoch(e.epoch, activations=e.activations, accuracy=e.accuracy, loss=e.loss,
                        weights_norm=e.weights_norm, gradients=e.gradients)
            if on_commit is not None:
                on_commit(e.epoch)
            if pace > 0:
                time.sleep(pace)


def _load_labels(path) -> np.ndarray:
    y = np.load(path)
    return (y.argmax(axis=1) if y.ndim == 2 else y.reshape(-1)).astype(np.int64)


def _training_rows(d: dict) -> tuple:
    """(weights_norm, (gradmean, gradstd)) from a dict with those keys (None if absent)."""
    wn = np.asarray(d["weights_norm"], dtype=np.float64) if "weights_norm" in d else None
    grads = None
    if "gradmean" in d and "gradstd" in d:
        grads = (np.asarray(d["gradmean"], dtype=np.float64), np.asarray(d["gradstd"], dtype=np.float64))
    return wn, grads


# -- ibsgd ----------------------------------------------------------------------------------

def read_ibsgd(folder, labels=None, ib_data=None) -> Source:
    """ibsgd's LoggingReporter output: a folder of pickles named epoch%08d.

    Each holds {'ACTIVATION', 'epoch', 'data': {'activity_tst': [per layer], optional
    'activity_trn', 'weights_norm', 'gradmean', 'gradstd'}, 'loss': {'trn', 'tst'}}.
    Labels: ib_data, ibsgd's IB_data_<id>.npz (X_train, y_train, X_test, y_test), which also
    gives the inputs and splits a FULL_MI run's activity (train rows, then test rows) into
    both splits; or labels, a .npy of the labels of activity_tst's rows (stored as "test").
    """
    files = sorted(p for p in Path(folder).iterdir() if re.fullmatch(r"epoch\d{8}", p.name))
    if not files:
        raise ValueError(f"{folder}: no epoch%08d files")
    dicts = []
    for p in files:
        with open(p, "rb") as f:
            dicts.append(pickle.load(f, encoding="latin1"))  # ibsgd pickled under Python 2
    rows_tst = len(dicts[0]["data"]["activity_tst"][0])
    split_of, src_labels, inputs, full = _ibsgd_splits(rows_tst, labels, ib_data)
    epochs = [_ibsgd_epoch(d, split_of, full) for d in dicts]
    epochs.sort(key=lambda e: e.epoch)
    config = {"source": "ibsgd", "activation": dicts[0].get("ACTIVATION"), "full_mi": full}
    return Source(labels=src_labels, epochs=epochs, inputs=inputs, config=config)


def _ibsgd_splits(rows_tst: int, labels, ib_data):
    """How activity_tst's rows map to splits: (split_of, labels, inputs, full_mi)."""
    if ib_data is not None:
        d = np.load(ib_data)
        ys = {"train": d["y_train"].astype(np.int64), "test": d["y_test"].astype(np.int64)}
        xs = {"train": d["X_train"], "test": d["X_test"]}
        n_train, n_test = len(ys["train"]), len(ys["test"])
        if rows_tst == n_train + n_test:
            return {"train": slice(0, n_train), "test": slice(n_train, None)}, ys, xs, True
        if rows_tst == n_test:
            return {"test": slice(None)}, ys, xs, False
        raise ValueError(f"activity_tst has {rows_tst} rows; {ib_data} has {n_train} train and {n_test} test samples")
    if labels is None:
        raise ValueError("ibsgd pickles hold no labels: give --ib-data IB_data_<id>.npz or --labels test_labels.npy")
    y = _load_labels(labels)
    if len(y) != rows_tst:
        raise ValueError(f"{labels}: {len(y)} labels for {rows_tst} activation rows")
    return {"test": slice(None)}, {"test": y}, {}, False


def _ibsgd_epoch(d: dict, split_of: dict, full: bool) -> Epoch:
    data = d["data"]
    acts = {s: [np.asarray(a)[rows] for a in data["activity_tst"]] for s, rows in split_of.items()}
    if "activity_trn" in data and not full:
        acts["train"] = [np.asarray(a) for a in data["activity_trn"]]
    loss = {s: float(d["loss"][k]) for s, k in (("train", "trn"), ("test", "tst"))
            if s in acts and k in d.get("loss", {})}
    wn, grads = _training_rows(data)
    return Epoch(int(d["epoch"]), activations=acts, loss=loss, weights_norm=wn, gradients=grads)


# -- .npz -----------------------------------------------------------------------------------

def read_npz(src, labels=None) -> Source:
    """.npz activations: a folder of per-epoch files, one per-epoch file, or one all-epoch file.

    Per-epoch file keys: `epoch` (int; else the last number in the file name),
    `<split>_<i>` [n, ...] activations of layer i (split "train"/"test", i = 0, 1, ...),
    optional `<split>_accuracy`, `<split>_loss`, `weights_norm`, `gradmean`, `gradstd` [layers],
    and, in any one file, `<split>_labels` [n] and `<split>_inputs` [n, ...] (a file without
    activation keys holds only these).
    An all-epoch file has `epochs` [E] and the same keys with a leading epoch axis
    (`<split>_<i>` [E, n, ...], `<split>_accuracy` [E], `weights_norm` [E, layers], ...).
    labels: {split: .npy path} for splits whose labels the files lack.
    """
    src = Path(src)
    files = sorted(src.glob("*.npz")) if src.is_dir() else [src]
    if not files:
        raise ValueError(f"{src}: no .npz files")
    loaded = [dict(np.load(p)) for p in files]
    per_epoch = []
    for p, d in zip(files, loaded):
        per_epoch += _npz_epochs(p, d)
    per_epoch.sort(key=lambda e: e.epoch)
    merged = {k: v for d in loaded for k, v in d.items()}
    ys = {s: merged[f"{s}_labels"].astype(np.int64) for s in SPLITS if f"{s}_labels" in merged}
    ys.update({s: _load_labels(p) for s, p in (labels or {}).items()})
    missing = {s for e in per_epoch for s in e.activations} - set(ys)
    if missing:
        raise ValueError(f"no labels for {sorted(missing)}: add <split>_labels to a file or pass --labels")
    inputs = {s: merged[f"{s}_inputs"] for s in SPLITS if f"{s}_inputs" in merged}
    return Source(labels=ys, epochs=per_epoch, inputs=inputs, config={"source": "npz"})


def _npz_layers(d: dict, split: str) -> list:
    """The arrays `<split>_0`, `<split>_1`, ... in layer order."""
    keys = sorted((int(k[len(split) + 1:]), k) for k in d if re.fullmatch(rf"{split}_\d+", k))
    if [i for i, _ in keys] != list(range(len(keys))):
        raise ValueError(f"{split} layers must be numbered 0, 1, ... without gaps, got {[i for i, _ in keys]}")
    return [d[k] for _, k in keys]


def _npz_epochs(path: Path, d: dict) -> list:
    """The epochs of one .npz file: one, all of them if it has `epochs`, or none if it
    holds no activations (a file of labels and inputs only)."""
    if not any(re.fullmatch(r"(train|test)_\d+", k) for k in d):
        return []
    if "epochs" in d:
        return [_npz_epoch(int(e), {k: v[j] for k, v in d.items() if k not in _HEADER_KEYS and k != "epochs"})
                for j, e in enumerate(d["epochs"])]
    if "epoch" in d:
        epoch = int(d["epoch"])
    else:
        numbers = re.findall(r"\d+", path.stem)
        if not numbers:
            raise ValueError(f"{path}: no `epoch` key and no number in the file name")
        epoch = int(numbers[-1])
    return [_npz_epoch(epoch, d)]


_HEADER_KEYS = {f"{s}_{k}" for s in SPLITS for k in ("labels", "inputs")}


def _npz_epoch(epoch: int, d: dict) -> Epoch:
    e = Epoch(epoch)
    for s in SPLITS:
        layers = _npz_layers(d, s)
        if layers:
            e.activations[s] = layers
            e.accuracy.update({s: float(d[f"{s}_accuracy"])} if f"{s}_accuracy" in d else {})
            e.loss.update({s: float(d[f"{s}_loss"])} if f"{s}_loss" in d else {})
    e.weights_norm, e.gradients = _training_rows(d)
    return e


# -- deep-bottleneck --------------------------------------------------------------------------

def read_deep_bottleneck(src, labels=None) -> Source:
    """deep-bottleneck's per-split dumps `<stem>_train.h5` / `<stem>_test.h5`.

    Epoch groups at the root hold activations/<i>, weights_norm, gradmean, gradstd,
    accuracy/{training,test}, loss/{training,test}. src is either dump or the stem; labels
    come from `<dump stem>_labels.npy` beside each dump unless given as {split: path}.
    The training rows (weights, gradients) come from the train dump, else the test dump.
    """
    stem = re.sub(r"_(train|test)(\.h5)?$", "", str(src))
    dumps = {s: Path(f"{stem}_{s}.h5") for s in SPLITS if Path(f"{stem}_{s}.h5").exists()}
    if not dumps:
        raise ValueError(f"no {stem}_train.h5 or {stem}_test.h5")
    paths = {s: Path((labels or {}).get(s, f"{stem}_{s}_labels.npy")) for s in dumps}
    epochs: dict[int, Epoch] = {}
    for split, dump in dumps.items():
        with h5py.File(dump, "r") as f:
            for name in sorted((k for k in f if k.lstrip("-").isdigit()), key=int):
                _read_dump_epoch(f[name], split, epochs.setdefault(int(name), Epoch(int(name))),
                                 training=split == "train" or "train" not in dumps)
    return Source(labels={s: _load_labels(p) for s, p in paths.items()},
                  epochs=[epochs[k] for k in sorted(epochs)], config={"source": "deep-bottleneck", "dump": stem})


def _read_dump_epoch(g: h5py.Group, split: str, e: Epoch, training: bool) -> None:
    acts = g["activations"]
    e.activations[split] = [acts[str(i)][()] for i in range(len(acts))]
    key = "training" if split == "train" else "test"
    if f"accuracy/{key}" in g:
        e.accuracy[split] = float(g[f"accuracy/{key}"][()])
    if f"loss/{key}" in g:
        e.loss[split] = float(g[f"loss/{key}"][()])
    if training:
        e.weights_norm, e.gradients = _training_rows({k: g[k][()] for k in ("weights_norm", "gradmean", "gradstd") if k in g})


# -- dneck version 1 ---------------------------------------------------------------------------

class _V1Epochs:
    """The epochs of a version 1 run, each read from the file when iterated (one in memory)."""

    def __init__(self, path: Path, epochs: list):
        self.path, self.numbers = path, epochs

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self):
        with h5py.File(self.path, "r") as f:
            splits = [s for s in SPLITS if s in f]
            for n in self.numbers:
                e = Epoch(n)
                for split in splits:
                    if str(n) in f[split]:
                        _read_dump_epoch(f[split][str(n)], split, e, training=split == splits[0])
                yield e


def read_dneck_v1(src) -> Source:
    """A dneck run file of format_version 1 (a group per epoch under /train and /test)."""
    path = Path(src)
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != "dneck-run" or int(f.attrs.get("format_version", 0)) != 1:
            raise ValueError(f"{src}: not a dneck run file of format_version 1")
        splits = [s for s in SPLITS if s in f]
        labels = {s: f[s]["labels"][()].astype(np.int64) for s in splits}
        inputs = {s: f[s]["inputs"][()] for s in splits if "inputs" in f[s]}
        numbers = sorted({int(k) for s in splits for k in f[s] if k.lstrip("-").isdigit()})
        config = json.loads(f.attrs["config"]) if "config" in f.attrs else {}
        names = json.loads(f.attrs["layer_names"]) if "layer_names" in f.attrs else None
    return Source(labels=labels, epochs=_V1Epochs(path, numbers), inputs=inputs, config=config, layer_names=names)


# -- format detection -----------------------------------------------------------------------

def detect(src) -> str:
    """"ibsgd", "npz", "dneck-v1" or "deep-bottleneck", from what src is."""
    p = Path(src)
    if p.is_file() and h5py.is_hdf5(p):
        with h5py.File(p, "r") as f:
            if f.attrs.get("format") == "dneck-run":
                return "dneck-v1"
    if p.is_dir():
        names = [c.name for c in p.iterdir()]
        if any(re.fullmatch(r"epoch\d{8}", n) for n in names):
            return "ibsgd"
        if any(n.endswith(".npz") for n in names):
            return "npz"
    elif p.suffix == ".npz":
        return "npz"
    elif re.search(r"_(train|test)(\.h5)?$", p.name) or Path(f"{p}_train.h5").exists() or Path(f"{p}_test.h5").exists():
        return "deep-bottleneck"
    raise ValueError(f"{src}: not an ibsgd folder (epoch%08d files), .npz file or folder, a version 1 dneck run, nor a deep-bottleneck dump")
