"""dneck: log training runs as dneck run files (format_version 2) for dneck-plot.

The framework adapters are imported on first use, so this package needs only numpy and h5py:
``dneck.TorchLogger`` (PyTorch), ``dneck.KerasLogger`` (Keras 3), ``dneck.FlaxLogger`` (JAX/Flax).
"""
from importlib import import_module

from .gradstats import GradientStats
from .superblock import clear_status_flags
from .writer import FORMAT, FORMAT_VERSION, STATUS, RunWriter

__all__ = ["RunWriter", "GradientStats", "clear_status_flags", "FORMAT", "FORMAT_VERSION", "STATUS",
           "TorchLogger", "KerasLogger", "FlaxLogger"]

_ADAPTERS = {"TorchLogger": ".torch_adapter", "KerasLogger": ".keras_adapter", "FlaxLogger": ".flax_adapter"}


def __getattr__(name):
    """Imports an adapter (and so its framework) only when it is asked for."""
    if name in _ADAPTERS:
        return getattr(import_module(_ADAPTERS[name], __name__), name)
    raise AttributeError(f"module 'dneck' has no attribute {name!r}")
