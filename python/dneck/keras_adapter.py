"""Keras 3 adapter: a callback logging the layers with a kernel, as ibsgd's LoggingReporter."""
from __future__ import annotations

from typing import Mapping, Sequence

import keras
import numpy as np

from .gradstats import GradientStats, gradient_row
from .writer import RunWriter


def _class_indices(y) -> np.ndarray:
    """Integer labels from class indices or one-hot rows."""
    y = np.asarray(y)
    return (y.argmax(axis=1) if y.ndim == 2 else y.reshape(-1)).astype(np.int64)


def _kernel_gradients(model, kernels, loss_fn, x, y) -> list[np.ndarray]:
    """Gradients of loss_fn(y, model(x, training=True)) with respect to the kernels,
    with the backend's own autodiff (jax, torch or tensorflow)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        index = [next(k for k, v in enumerate(model.trainable_variables) if v is kernel) for kernel in kernels]

        def loss(values):
            y_pred, _ = model.stateless_call(values, non_trainable, x, training=True)
            return keras.ops.mean(loss_fn(y, y_pred))
        grads = jax.grad(loss)(trainable)
        return [np.asarray(grads[k]) for k in index]
    if backend == "torch":
        import torch
        loss = keras.ops.mean(loss_fn(keras.ops.convert_to_tensor(y), model(x, training=True)))
        grads = torch.autograd.grad(loss, [k.value for k in kernels])
        return [g.detach().cpu().numpy() for g in grads]
    if backend == "tensorflow":
        import tensorflow as tf
        with tf.GradientTape() as tape:
            loss = keras.ops.mean(loss_fn(y, model(x, training=True)))
        return [g.numpy() for g in tape.gradient(loss, [k.value for k in kernels])]
    raise NotImplementedError(f"gradient statistics need the jax, torch or tensorflow backend, not {backend}")


class KerasLogger(keras.callbacks.Callback):
    """A Keras 3 callback writing a dneck run (format_version 2); the run (a RunWriter,
    ``.run``) is opened when training begins and closed as "finished" when it ends.

    data: {split: (x, y)} with integer or one-hot labels, "train" and/or "test".
    layers: the layers (or their names) to log; by default every layer with a ``kernel``
    (Dense, Conv, ...), as ibsgd does.
    batch_size: as given to fit; the gradient statistics follow ibsgd: before each training
    batch the callback draws its own batch of that size from a shuffled pass over
    data["train"] and takes the kernel gradients of the compiled loss (regularisation terms
    left out) with the current weights. gradients=False skips them.
    Epochs are Keras' on_epoch_end numbers (0 after the first pass). A split's accuracy is
    argmax(model output) == label; its loss is model.evaluate's on the whole split.
    Other keyword arguments go to RunWriter.
    """

    def __init__(self, path, data: Mapping[str, tuple], layers: Sequence | None = None,
                 batch_size: int = 32, gradients: bool = True, store_inputs: bool = True,
                 seed: int = 0, **writer_kw):
        super().__init__()
        self.run: RunWriter | None = None
        self.data = {s: (np.asarray(x), np.asarray(y)) for s, (x, y) in data.items()}
        self.layer_spec = layers
        self.batch_size = batch_size
        self.gradients = gradients
        self.rng = np.random.default_rng(seed)
        self.stats = GradientStats()
        self._todo = np.zeros(0, dtype=np.int64)
        inputs = {s: x for s, (x, _) in self.data.items()} if store_inputs else None
        self._writer_kw = dict(path=path, labels={s: _class_indices(y) for s, (_, y) in self.data.items()},
                               inputs=inputs, **writer_kw)

    def on_train_begin(self, logs=None) -> None:
        """Chooses the layers, builds the probe model and opens the run."""
        model = self.model
        if self.layer_spec is None:
            self.layers = [l for l in model.layers if hasattr(l, "kernel")]
        else:
            self.layers = [model.get_layer(l) if isinstance(l, str) else l for l in self.layer_spec]
        self.probe = keras.Model(inputs=model.inputs, outputs=[l.output for l in self.layers] + [model.outputs[0]])
        self.kernels = [l.kernel if hasattr(l, "kernel") else None for l in self.layers]
        self.loss_fn = keras.losses.get(model.loss) if isinstance(model.loss, str) else model.loss
        self.run = RunWriter(layer_names=[l.name for l in self.layers], **self._writer_kw)

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self.stats.reset()
        self._todo = np.zeros(0, dtype=np.int64)

    def on_train_batch_begin(self, batch, logs=None) -> None:
        """Adds the kernel gradients of the callback's own next batch (ibsgd's scheme)."""
        if not self.gradients:
            return
        x, y = self.data["train"]
        if len(self._todo) == 0:
            self._todo = self.rng.permutation(len(x))
        ixs, self._todo = self._todo[:self.batch_size], self._todo[self.batch_size:]
        kernels = [k for k in self.kernels if k is not None]
        self.stats.add(_kernel_gradients(self.model, kernels, self.loss_fn, x[ixs], y[ixs]))

    def on_epoch_end(self, epoch, logs=None) -> None:
        """Logs the activations, accuracy, loss, kernel norms and gradient statistics."""
        acts, acc, loss = {}, {}, {}
        for split, (x, y) in self.data.items():
            *layers, output = self.probe.predict(x, batch_size=4096, verbose=0)
            acts[split] = layers
            acc[split] = float(np.mean(output.argmax(axis=1) == _class_indices(y))) if output.ndim == 2 else np.nan
            loss[split] = float(self.model.evaluate(x, y, batch_size=4096, verbose=0, return_dict=True)["loss"])
        norms = [float(np.linalg.norm(keras.ops.convert_to_numpy(k))) if k is not None else np.nan
                 for k in self.kernels]
        self.run.log_epoch(epoch, activations=acts, accuracy=acc, loss=loss, weights_norm=norms,
                           gradients=gradient_row(self.stats, [k is not None for k in self.kernels]))

    def on_train_end(self, logs=None) -> None:
        """Closes the run with status "finished"."""
        self.run.close(finished=True)
