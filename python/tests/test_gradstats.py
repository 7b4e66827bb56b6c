"""GradientStats' Welford sums equal numpy over the stacked batch gradients (ibsgd's formula)."""
import numpy as np
import pytest

from dneck import GradientStats
from dneck.gradstats import gradient_row


def test_welford_matches_stacked_numpy():
    rng = np.random.default_rng(5)
    shapes = [(12, 10), (10, 7), (3, 3, 4, 8), (0,)]
    batches = [[rng.normal(loc=3.0, scale=s + 0.1, size=shape).astype(np.float32)
                for s, shape in enumerate(shapes)] for _ in range(37)]
    stats = GradientStats()
    for b in batches:
        stats.add(b)
    mean, std = stats.result()
    for layer in range(len(shapes)):
        stacked = np.stack([np.reshape(b[layer], -1).astype(np.float64) for b in batches], axis=1)
        assert mean[layer] == pytest.approx(np.linalg.norm(stacked.mean(axis=1)), rel=1e-12)
        assert std[layer] == pytest.approx(np.linalg.norm(stacked.std(axis=1)), rel=1e-10)


def test_one_batch_has_zero_std_and_reset_forgets():
    stats = GradientStats()
    stats.add([np.array([3.0, 4.0])])
    assert stats.result()[0][0] == 5.0 and stats.result()[1][0] == 0.0
    stats.reset()
    with pytest.raises(ValueError):
        stats.result()


def test_mismatched_batches_are_refused():
    stats = GradientStats()
    stats.add([np.zeros(3), np.zeros(2)])
    with pytest.raises(ValueError):
        stats.add([np.zeros(3)])
    with pytest.raises(ValueError):
        stats.add([np.zeros(3), np.zeros(4)])


def test_gradient_row_puts_nan_on_layers_without_kernel():
    stats = GradientStats()
    stats.add([np.array([1.0]), np.array([2.0])])
    mean, std = gradient_row(stats, [True, False, True])
    np.testing.assert_array_equal(mean, [1.0, np.nan, 2.0])
    assert gradient_row(GradientStats(), [True]) is None
