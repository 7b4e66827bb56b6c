"""RunWriter: writes a dneck run file, format_version 2 (see docs/run-format-v2.md)."""
from __future__ import annotations

import json
import math
import os
import time
from typing import Mapping, Sequence

import h5py
import numpy as np
from h5py import h5d, h5p, h5s

from .gradstats import GradientStats

FORMAT = "dneck-run"
FORMAT_VERSION = 2
STATUS = {"running": 0, "finished": 1, "stopped": 2}
STORAGE_DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
VECTOR_CHUNK = 256          # rows per chunk of the 1-D and [E, layers] datasets
MAX_CHUNK_BYTES = 16 << 20  # an activation chunk holds one epoch, at most this many bytes
REOPEN_SECONDS = 600        # swmr=False: how long a commit waits for readers to let go of the file


def _maxshape(shape: Sequence[int], growing: int | None = None) -> tuple:
    """Fixed dimensions, except the growing one and the empty ones (a chunk dimension
    must be at least 1 and, for a fixed dimension, at most its size)."""
    return tuple(None if (i == growing or d == 0) else d for i, d in enumerate(shape))


def _create_static(group: h5py.Group, name: str, data: np.ndarray, chunk_rows: int = 1 << 16):
    """A chunked dataset holding data as is (contiguous ones break under SWMR in libhdf5 ≥ 1.14.4)."""
    chunks = (max(1, min(data.shape[0], chunk_rows)),) + tuple(max(1, d) for d in data.shape[1:])
    group.create_dataset(name, data=data, chunks=chunks, maxshape=_maxshape(data.shape))


class _Rows:
    """A per-epoch dataset, kept open for the whole run and written one row at a time through
    h5py's low-level API. Looking a dataset up by name, opening and closing it (a close
    writes its chunk cache out) and h5py's high-level indexing cost more per epoch than
    writing the activations themselves.

    cached: whether the dataset keeps a chunk cache. Datasets of one row per chunk (the
    activations) do not: each row write fills its chunks, never read back, while an open
    dataset's cache would hold up to 8 MiB of them (HDF5 2.0; 1 MiB before).
    """

    def __init__(self, group: h5py.Group, name: str, cached: bool):
        self.name, self.cached = name, cached
        access = None
        if not cached:
            access = h5p.create(h5p.DATASET_ACCESS)
            access.set_chunk_cache(0, 0, 1.0)
        self.id = h5d.open(group.id, name.encode(), access)
        self.dtype = self.id.dtype
        self.row_shape = self.id.shape[1:]
        self._memory = None if 0 in self.row_shape else h5s.create_simple((1,) + self.row_shape)

    def reopened(self, group: h5py.Group) -> "_Rows":
        """The same dataset in the file opened again (swmr=False closes it after each commit)."""
        return _Rows(group, self.name, self.cached)

    def __len__(self) -> int:
        return self.id.shape[0]

    def write(self, index: int, row) -> None:
        """Writes row index (the group's committed epoch count), growing the dataset if needed;
        a row left by an interrupted commit is overwritten, never shifted."""
        if len(self) <= index:
            self.id.set_extent((index + 1,) + self.row_shape)
        if self._memory is None:
            return
        data = np.ascontiguousarray(row, dtype=self.dtype).reshape(self.row_shape)
        space = self.id.get_space()
        space.select_hyperslab((index,) + (0,) * len(self.row_shape), (1,) + self.row_shape)
        self.id.write(self._memory, space, data)


def _create_growing(group: h5py.Group, name: str, row_shape: tuple, dtype,
                    chunks: tuple, compression: int | None = None) -> _Rows:
    """An empty [0, *row_shape] dataset that grows by one row per epoch, open for writing rows."""
    shape = (0,) + tuple(row_shape)
    kw = {"compression": "gzip", "compression_opts": compression} if compression else {}
    group.create_dataset(name, shape=shape, dtype=dtype, chunks=chunks,
                         maxshape=_maxshape(shape, growing=0), **kw)   # closed again: _Rows opens it
    return _Rows(group, name, cached=chunks[0] > 1)


def _activation_chunks(n: int, units: int, itemsize: int) -> tuple:
    """One epoch per chunk, cut along the samples when it would exceed MAX_CHUNK_BYTES."""
    rows = max(1, min(n, MAX_CHUNK_BYTES // max(1, units * itemsize)))
    return (1, rows, max(1, units))


def _flatten_samples(array, n: int, what: str) -> np.ndarray:
    """[n, ...] → [n, units] (conv feature maps are flattened per sample)."""
    a = np.asarray(array)
    if a.ndim == 0 or a.shape[0] != n:
        raise ValueError(f"{what}: expected {n} rows, got shape {a.shape}")
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise ValueError(f"{what}: expected a numeric array, got {a.dtype}")
    return a.reshape(n, -1)


class RunWriter:
    """Writes one training run, epoch by epoch, readable while it is written (SWMR).

    Parameters
    ----------
    path: the run file to create (overwritten).
    labels: {split: integer class index per sample}, splits "train" and/or "test".
    config: JSON-serialisable description of the run (stored as the root attribute ``config``).
    inputs: optional {split: [n, ...] network inputs X} (flattened per sample).
    layer_names: optional names of the logged layers, in order.
    dtype: storage type of the activations: "float32" (default), "float16" or "float64".
    compression: gzip level of the activation datasets (None, the default: uncompressed). Float
    activations shrink by about a tenth under gzip, while every read of them (each rendering of
    `dneck-plot watch`) pays for decompressing them: on a 3000-epoch harmonics run, reading the
    activations took about twice as long at level 4.

    The file is written as ``<path>.partial`` until the first commit, which creates the
    per-epoch datasets (the number of layers and their widths are known then), switches the
    file to SWMR mode and renames it to ``path``; from there on it only grows existing
    datasets. So ``path`` never holds a file that a crash could leave unreadable. Use as a context manager to close with status "finished", or
    "stopped" if an exception escapes.

    swmr: False for a file system without SWMR (NFS): the file is then closed after each commit
    and reopened for the next (waiting while a reader holds it), so that readers
    (``dneck-plot watch`` retries while it is locked) read it between commits. A writer killed in the middle of a commit may then leave
    the file unreadable, which SWMR mode rules out.
    """

    def __init__(self, path, labels: Mapping[str, Sequence[int]], config: Mapping | None = None,
                 inputs: Mapping[str, np.ndarray] | None = None,
                 layer_names: Sequence[str] | None = None, dtype: str = "float32",
                 compression: int | None = None, swmr: bool = True):
        if not labels or set(labels) - {"train", "test"}:
            raise ValueError(f"labels must be given for 'train' and/or 'test', got {sorted(labels)}")
        if str(np.dtype(dtype)) not in STORAGE_DTYPES:
            raise ValueError(f"dtype must be one of {sorted(STORAGE_DTYPES)}, got {dtype}")
        if inputs and set(inputs) - set(labels):
            raise ValueError(f"inputs given for splits without labels: {sorted(set(inputs) - set(labels))}")
        self.dtype = STORAGE_DTYPES[str(np.dtype(dtype))]
        self.compression = compression
        self.swmr = swmr
        self._closed = False
        self.layer_names = None if layer_names is None else [str(s) for s in layer_names]
        self.units: list[int] | None = None
        self._rows: dict[str, dict[str, _Rows]] = {}
        self._staged: dict | None = None
        self._last_epoch: dict[str, int] = {}
        self.path = os.fspath(path)
        self._partial = self.path + ".partial"
        self.file = h5py.File(self._partial, "w", libver=("v110", "latest"))
        self._write_header(config or {})
        self.n = {}
        for split in ("train", "test"):
            if split in labels:
                self.n[split] = self._write_split_header(split, labels[split], (inputs or {}).get(split))

    # -- header, written before SWMR starts -------------------------------------------

    def _write_header(self, config: Mapping) -> None:
        f = self.file
        f.attrs["format"] = FORMAT
        f.attrs["format_version"] = np.int64(FORMAT_VERSION)
        f.attrs["config"] = json.dumps(config, sort_keys=True, default=str)
        _create_static(f, "status", np.array([STATUS["running"]], dtype=np.int8))
        if self.layer_names is not None:
            _create_static(f, "layer_names", np.array(self.layer_names, dtype=h5py.string_dtype()))

    def _write_split_header(self, split: str, labels, inputs) -> int:
        y = np.asarray(labels)
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{split} labels: expected a 1-D integer array, got {y.dtype} {y.shape}")
        g = self.file.create_group(split)
        _create_static(g, "labels", y.astype(np.int64))
        if inputs is not None:
            x = _flatten_samples(inputs, len(y), f"{split} inputs")
            x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
            _create_static(g, "inputs", x, chunk_rows=max(1, MAX_CHUNK_BYTES // max(1, x[:1].nbytes)))
        return len(y)

    # -- per-epoch datasets, created at the first commit ---------------------------------

    def _create_epoch_datasets(self, units: list[int]) -> None:
        if self.layer_names is not None and len(self.layer_names) != len(units):
            raise ValueError(f"{len(self.layer_names)} layer names for {len(units)} layers")
        self.units = units
        itemsize = np.dtype(self.dtype).itemsize
        for split, n in self.n.items():
            g = self.file[split]
            rows = {"epochs": _create_growing(g, "epochs", (), np.int64, (VECTOR_CHUNK,))}
            for i, u in enumerate(units):
                rows[f"activations/{i}"] = _create_growing(g, f"activations/{i}", (n, u), self.dtype,
                                                           _activation_chunks(n, u, itemsize), self.compression)
            for name in ("accuracy", "loss"):
                rows[name] = _create_growing(g, name, (), np.float64, (VECTOR_CHUNK,))
            self._rows[split] = rows
        t = self.file.create_group("training")
        rows = {"epochs": _create_growing(t, "epochs", (), np.int64, (VECTOR_CHUNK,))}
        for name in ("weights_norm", "gradmean", "gradstd"):
            rows[name] = _create_growing(t, name, (len(units),), np.float64, (VECTOR_CHUNK, max(1, len(units))))
        self._rows["training"] = rows
        if self.swmr:
            self.file.swmr_mode = True
        os.replace(self._partial, self.path)

    # -- logging -------------------------------------------------------------------------

    def log_epoch(self, epoch: int, activations: Mapping[str, Sequence[np.ndarray]] | None = None,
                  accuracy: Mapping[str, float] | None = None, loss: Mapping[str, float] | None = None,
                  weights_norm: Sequence[float] | None = None,
                  gradients: GradientStats | tuple | None = None, commit: bool = True) -> None:
        """Stages one epoch and, unless commit=False, commits it.

        activations: {split: [array [n, ...] per layer]}; a split is logged in this epoch
        iff its activations are given. accuracy / loss: {split: value} for logged splits
        (missing ones are stored as NaN). weights_norm: one value per layer. gradients: a
        GradientStats over the epoch's batches, or a (gradmean, gradstd) pair.
        Several calls for the same epoch with commit=False add to the staged epoch.
        """
        epoch = int(epoch)
        staged = self._staged or {"epoch": epoch, "splits": {}, "training": {}}
        if staged["epoch"] != epoch:
            raise ValueError(f"epoch {staged['epoch']} is staged: commit() it before logging epoch {epoch}")
        for split, layers in (activations or {}).items():
            self._stage_split(staged, split, layers)
        for name, values in (("accuracy", accuracy), ("loss", loss)):
            for split, value in (values or {}).items():
                if split not in staged["splits"]:
                    raise ValueError(f"{name} of {split!r} given without its activations")
                staged["splits"][split][name] = float(value)
        if weights_norm is not None:
            staged["training"]["weights_norm"] = np.asarray(weights_norm, dtype=np.float64).reshape(-1)
        if gradients is not None:
            mean, std = gradients.result() if isinstance(gradients, GradientStats) else gradients
            staged["training"]["gradmean"] = np.asarray(mean, dtype=np.float64).reshape(-1)
            staged["training"]["gradstd"] = np.asarray(std, dtype=np.float64).reshape(-1)
        self._staged = staged
        if commit:
            self.commit()

    def _stage_split(self, staged: dict, split: str, layers: Sequence[np.ndarray]) -> None:
        if split not in self.n:
            raise ValueError(f"split {split!r} has no labels in this run")
        if split in staged["splits"]:
            raise ValueError(f"activations of {split!r} already staged for epoch {staged['epoch']}")
        flat = [_flatten_samples(a, self.n[split], f"{split} layer {i}") for i, a in enumerate(layers)]
        if not flat:
            raise ValueError(f"{split}: no layer activations given")
        staged["splits"][split] = {"activations": flat}

    def commit(self) -> None:
        """Writes the staged epoch: every per-epoch row, flush, then the `epochs` markers, flush.

        A reader (or a crash) sees the epoch either completely or not at all.
        """
        staged, self._staged = self._staged, None
        if staged is None:
            return
        self._reopen()
        self._check_staged(staged)
        epoch = staged["epoch"]
        groups = list(staged["splits"]) + (["training"] if staged["training"] else [])
        index = {g: len(self._rows[g]["epochs"]) for g in groups}
        for split, rows in staged["splits"].items():
            datasets = self._rows[split]
            for i, a in enumerate(rows["activations"]):
                datasets[f"activations/{i}"].write(index[split], a)
            for name in ("accuracy", "loss"):
                datasets[name].write(index[split], rows.get(name, math.nan))
        if staged["training"]:
            nan_row = np.full(len(self.units), np.nan)
            for name in ("weights_norm", "gradmean", "gradstd"):
                self._rows["training"][name].write(index["training"], staged["training"].get(name, nan_row))
        self.file.flush()
        for g in groups:
            self._rows[g]["epochs"].write(index[g], epoch)
            self._last_epoch[g] = epoch
        self.file.flush()
        if not self.swmr:
            self.file.close()

    def _reopen(self) -> None:
        """Opens the run again if it was closed after a commit (swmr=False), waiting while a
        reader holds it (libhdf5's file lock; a `dneck-plot watch` rendering holds it for
        seconds), up to REOPEN_SECONDS, and opens its per-epoch datasets again."""
        deadline = time.monotonic() + REOPEN_SECONDS
        while not self.file.id.valid:
            try:
                self.file = h5py.File(self.path, "a", libver=("v110", "latest"))
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            else:
                self._rows = {g: {name: r.reopened(self.file[g]) for name, r in rows.items()}
                              for g, rows in self._rows.items()}

    def _check_staged(self, staged: dict) -> None:
        """Validates a staged epoch against the schema (creating it on the first commit)."""
        epoch = staged["epoch"]
        if self.units is None:
            if not staged["splits"]:
                raise ValueError("the first committed epoch must carry activations")
            first = next(iter(staged["splits"].values()))["activations"]
            self._create_epoch_datasets([a.shape[1] for a in first])
        for split, rows in staged["splits"].items():
            units = [a.shape[1] for a in rows["activations"]]
            if units != self.units:
                raise ValueError(f"{split} epoch {epoch}: layer widths {units}, the run has {self.units}")
        for name, row in staged["training"].items():
            if row.shape != (len(self.units),):
                raise ValueError(f"{name}: expected {len(self.units)} values, got {row.shape[0]}")
        for group in list(staged["splits"]) + (["training"] if staged["training"] else []):
            last = self._last_epoch.get(group)
            if last is not None and epoch <= last:
                raise ValueError(f"{group}: epoch {epoch} after epoch {last} (epochs must increase)")

    # -- closing -------------------------------------------------------------------------

    def close(self, finished: bool = True) -> None:
        """Commits any staged epoch, sets status to finished (or stopped) and closes the file.

        A run closed before its first commit is renamed to ``path`` here: it holds the header only.
        """
        if self._closed:
            return
        if self._staged is not None:
            self.commit()
        self._reopen()
        self.file["status"][0] = STATUS["finished" if finished else "stopped"]
        self.file.close()
        self._closed = True
        if self.units is None:
            os.replace(self._partial, self.path)

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(finished=exc_type is None)
