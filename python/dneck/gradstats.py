"""Per-layer gradient statistics over an epoch's batches (ibsgd's gradmean / gradstd)."""
from __future__ import annotations

import numpy as np


class GradientStats:
    """Running Welford sums of each layer's flattened kernel gradient.

    Call :meth:`add` once per batch with one gradient array per layer (any shape; it is
    flattened). :meth:`result` gives, per layer, ibsgd's two numbers: the Euclidean norm
    of the element-wise mean over the batches, and the norm of the element-wise standard
    deviation (ddof 0). Memory is two float64 vectors per layer, whatever the batch count.
    """

    def __init__(self) -> None:
        self.count = 0
        self._mean: list[np.ndarray] = []
        self._m2: list[np.ndarray] = []

    def add(self, gradients) -> None:
        """Adds one batch: a sequence of per-layer gradient arrays, always in the same order."""
        flat = [np.asarray(g, dtype=np.float64).reshape(-1) for g in gradients]
        if self.count == 0:
            self._mean = [np.zeros_like(g) for g in flat]
            self._m2 = [np.zeros_like(g) for g in flat]
        elif len(flat) != len(self._mean):
            raise ValueError(f"expected {len(self._mean)} layer gradients, got {len(flat)}")
        self.count += 1
        for g, mean, m2 in zip(flat, self._mean, self._m2):
            if g.shape != mean.shape:
                raise ValueError(f"gradient size changed from {mean.size} to {g.size}")
            delta = g - mean
            mean += delta / self.count
            m2 += delta * (g - mean)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """Returns (gradmean, gradstd), float64 [layers]; ValueError if no batch was added."""
        if self.count == 0:
            raise ValueError("no batch gradients were added")
        gradmean = np.array([np.linalg.norm(m) for m in self._mean])
        gradstd = np.array([np.linalg.norm(np.sqrt(m2 / self.count)) for m2 in self._m2])
        return gradmean, gradstd

    def reset(self) -> None:
        """Forgets every batch (call at the start of each epoch)."""
        self.__init__()


def gradient_row(stats: GradientStats, present: list[bool]):
    """(gradmean, gradstd) over all layers from stats over the layers marked present
    (those with a kernel), NaN for the others; None if stats saw no batch."""
    if stats.count == 0:
        return None
    mean, std = stats.result()
    full_mean, full_std = np.full(len(present), np.nan), np.full(len(present), np.nan)
    full_mean[present], full_std[present] = mean, std
    return full_mean, full_std
