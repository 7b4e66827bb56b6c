"""PyTorch adapter: forward hooks on the named modules, gradient hooks on their weights."""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from .gradstats import GradientStats, gradient_row
from .writer import RunWriter


def _resolve(model: torch.nn.Module, layers: Sequence) -> tuple[list[torch.nn.Module], list[str]]:
    """Modules and their names, from modules or dotted names ("fc1", "net.3")."""
    names = {m: n for n, m in model.named_modules()}
    modules = [model.get_submodule(l) if isinstance(l, str) else l for l in layers]
    missing = [i for i, m in enumerate(modules) if m not in names]
    if missing:
        raise ValueError(f"layers {missing} are not submodules of the model")
    return modules, [names[m] or "model" for m in modules]


def _kernel_weights(model: torch.nn.Module, modules: list, kernels: Sequence | None) -> list:
    """The weight tensor of each layer's kernel module (None where there is none).

    By default a layer with a ``weight`` is its own kernel module; for one without (an
    activation module), the nearest module with a ``weight`` registered before it, as a
    Linear before its Tanh in an nn.Sequential.
    """
    if kernels is not None:
        kmods = [None if k is None else model.get_submodule(k) if isinstance(k, str) else k for k in kernels]
        return [getattr(m, "weight", None) for m in kmods]
    order = [m for _, m in model.named_modules()]
    weights = []
    for m in modules:
        before = order[:order.index(m) + 1]
        owner = next((b for b in reversed(before) if isinstance(getattr(b, "weight", None), torch.Tensor)), None)
        weights.append(None if owner is None else owner.weight)
    return weights


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


class TorchLogger(RunWriter):
    """Logs a PyTorch model's layers into a dneck run (format_version 2).

    layers: the modules (or their dotted names) whose outputs are the layers M_i, in
    forward order, e.g. each activation module after a Linear.
    kernels: optional modules (or names) whose ``weight`` is each layer's kernel, None for
    none; by default the layer itself if it has a weight, else the nearest module with one
    registered before it (the Linear before a Tanh).
    data: {split: (x, y)}: the inputs and integer labels of "train" and/or "test".
    loss_fn: optional, e.g. ``torch.nn.CrossEntropyLoss()``: each split's loss on the model's
    output at the end of an epoch. accuracy is argmax(output) == y when the output is [n, k≥2].
    gradients: hook every layer's ``weight`` to gather ibsgd's gradient statistics over
    the epoch's batches (each backward pass is one batch). Layers without a kernel get NaN.
    batch_size: samples per forward pass when computing the activations.
    Other keyword arguments go to RunWriter (config, dtype, compression, ...).
    """

    def __init__(self, path, model: torch.nn.Module, layers: Sequence, data: Mapping[str, tuple],
                 kernels: Sequence | None = None, loss_fn: Callable | None = None, gradients: bool = True, batch_size: int = 4096,
                 store_inputs: bool = True, **writer_kw):
        self.model = model
        self.modules, names = _resolve(model, layers)
        self.data = {s: (torch.as_tensor(x), torch.as_tensor(y)) for s, (x, y) in data.items()}
        self.loss_fn = loss_fn
        self.batch_size = batch_size
        self.stats = GradientStats()
        self._pending: dict[int, np.ndarray] = {}
        self._weights = _kernel_weights(model, self.modules, kernels)
        if kernels is not None and len(self._weights) != len(self.modules):
            raise ValueError(f"{len(self._weights)} kernels for {len(self.modules)} layers")
        self._hooks = []
        if gradients:
            self._hooks = [w.register_post_accumulate_grad_hook(self._grad_hook(i))
                           for i, w in enumerate(self._weights) if isinstance(w, torch.Tensor)]
        inputs = {s: _numpy(x) for s, (x, _) in self.data.items()} if store_inputs else None
        super().__init__(path, labels={s: _numpy(y).astype(np.int64) for s, (_, y) in self.data.items()},
                         inputs=inputs, layer_names=names, **writer_kw)

    def _grad_hook(self, index: int):
        """A hook recording layer index's weight gradient; a batch is complete when every
        hooked layer has reported (the backward pass reaches them in reverse order)."""
        def hook(param: torch.Tensor) -> None:
            self._pending[index] = _numpy(param.grad).reshape(-1)
            if len(self._pending) == len(self._hooks):
                self.stats.add([self._pending[i] for i in sorted(self._pending)])
                self._pending = {}
        return hook

    def activations(self, x: torch.Tensor) -> tuple[list[np.ndarray], torch.Tensor]:
        """Every layer's output for x (eval mode, no grad), and the model's output."""
        outputs: list[list[torch.Tensor]] = [[] for _ in self.modules]
        handles = [m.register_forward_hook(lambda _m, _i, out, k=k: outputs[k].append(out.detach()))
                   for k, m in enumerate(self.modules)]
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                final = torch.cat([self.model(x[i:i + self.batch_size])
                                   for i in range(0, len(x), self.batch_size)])
        finally:
            self.model.train(was_training)
            for h in handles:
                h.remove()
        return [_numpy(torch.cat(o)).reshape(len(x), -1) for o in outputs], final

    def _metrics(self, output: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """(accuracy, loss) of one split's final output; NaN where not defined."""
        accuracy = float("nan")
        if output.ndim == 2 and output.shape[1] >= 2:
            accuracy = float((output.argmax(dim=1) == y).double().mean())
        loss = float(self.loss_fn(output, y)) if self.loss_fn is not None else float("nan")
        return accuracy, loss

    def end_epoch(self, epoch: int, accuracy: Mapping[str, float] | None = None,
                  loss: Mapping[str, float] | None = None) -> None:
        """Logs epoch (Keras numbering: 0 after the first pass) and starts a new gradient epoch.

        accuracy / loss override the values computed from the model's output.
        """
        acts, acc, los = {}, {}, {}
        for split, (x, y) in self.data.items():
            acts[split], output = self.activations(x)
            acc[split], los[split] = self._metrics(output, y)
        acc.update(accuracy or {})
        los.update(loss or {})
        norms = [float(torch.linalg.norm(w.detach())) if isinstance(w, torch.Tensor) else np.nan
                 for w in self._weights]
        self.log_epoch(epoch, activations=acts, accuracy=acc, loss=los, weights_norm=norms,
                       gradients=gradient_row(self.stats, [isinstance(w, torch.Tensor) for w in self._weights]))
        self.stats.reset()
        self._pending = {}

    def close(self, finished: bool = True) -> None:
        """Removes the gradient hooks and closes the run."""
        for h in self._hooks:
            h.remove()
        self._hooks = []
        super().close(finished)
