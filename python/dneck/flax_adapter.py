"""JAX/Flax adapter: layers from the intermediates collection, gradients from the grads pytree.

Works on plain nested dicts (Flax linen's ``capture_intermediates=True`` / ``self.sow``
collections, ``jax.grad`` outputs), so it imports neither jax nor flax itself.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .gradstats import GradientStats, gradient_row
from .writer import RunWriter


def _lookup(tree: Mapping, path: str):
    """tree["a"]["b"] for path "a/b"."""
    node = tree
    for key in path.split("/"):
        if not isinstance(node, Mapping) or key not in node:
            raise KeyError(f"{path!r} not found (at {key!r}); keys there: {sorted(node) if isinstance(node, Mapping) else node}")
        node = node[key]
    return node


def layer_output(intermediates: Mapping, path: str) -> np.ndarray:
    """A layer's output from an intermediates collection.

    path names a module (capture_intermediates stores its output under "__call__") or a
    value stored with ``self.sow("intermediates", name, value)``; either is a 1-tuple.
    """
    if "intermediates" in intermediates:
        intermediates = intermediates["intermediates"]
    node = _lookup(intermediates, path)
    if isinstance(node, Mapping):
        node = _lookup(node, "__call__")
    if not isinstance(node, (tuple, list)) or len(node) != 1:
        raise ValueError(f"{path!r}: expected one stored value, got {type(node).__name__} "
                         f"of length {len(node) if isinstance(node, (tuple, list)) else '-'}")
    return np.asarray(node[0])


def _kernel(tree: Mapping, path: str):
    """The kernel of module path in a params (or grads) pytree, with or without "params"."""
    if "params" in tree:
        tree = tree["params"]
    return np.asarray(_lookup(tree, f"{path}/kernel"))


class FlaxLogger(RunWriter):
    """Logs a JAX/Flax model into a dneck run (format_version 2).

    labels: {split: integer labels}, "train" and/or "test" (inputs=… as in RunWriter).
    layers: paths in the intermediates collection, in forward order, e.g. the module names
    ["Dense_0", "Dense_1"] with capture_intermediates, or your sow names.
    kernels: module paths whose ``kernel`` gives each layer's weights and gradients
    (default: layers; None entries for layers without one).
    """

    def __init__(self, path, labels: Mapping[str, Sequence[int]], layers: Sequence[str],
                 kernels: Sequence[str | None] | None = None, **writer_kw):
        self.layers = list(layers)
        self.kernels = list(kernels) if kernels is not None else list(layers)
        if len(self.kernels) != len(self.layers):
            raise ValueError(f"{len(self.kernels)} kernels for {len(self.layers)} layers")
        self.stats = GradientStats()
        super().__init__(path, labels=labels, layer_names=self.layers, **writer_kw)

    def add_gradients(self, grads: Mapping) -> None:
        """Adds one batch's gradient pytree (as jax.grad of the loss returns it)."""
        self.stats.add([_kernel(grads, k) for k in self.kernels if k is not None])

    def end_epoch(self, epoch: int, intermediates: Mapping[str, Mapping], params: Mapping | None = None,
                  accuracy: Mapping[str, float] | None = None, loss: Mapping[str, float] | None = None) -> None:
        """Logs epoch (Keras numbering: 0 after the first pass).

        intermediates: {split: the intermediates collection of apply on that split's inputs}.
        params: the current parameters, for the kernels' Frobenius norms (optional).
        The gradient statistics of the batches added since the last call are logged too.
        """
        acts = {s: [layer_output(tree, p) for p in self.layers] for s, tree in intermediates.items()}
        norms = None
        if params is not None:
            norms = [np.linalg.norm(_kernel(params, k)) if k is not None else np.nan for k in self.kernels]
        self.log_epoch(epoch, activations=acts, accuracy=accuracy, loss=loss, weights_norm=norms,
                       gradients=gradient_row(self.stats, [k is not None for k in self.kernels]))
        self.stats.reset()
