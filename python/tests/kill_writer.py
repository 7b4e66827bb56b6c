"""Child process of test_sigkill: logs deterministic epochs until it is killed.

Usage: python kill_writer.py PATH. Prints "ready" once the run file exists and
"committed E" after each commit() returned.
"""
import sys

import numpy as np

from dneck import GradientStats, RunWriter

N = {"train": 1500, "test": 500}
UNITS = [48, 24, 12, 2]


def activation(split: str, epoch: int, layer: int) -> np.ndarray:
    """The activations the writer logs for (split, epoch, layer); the test recomputes them."""
    rng = np.random.default_rng([epoch, layer, len(split)])
    return rng.standard_normal((N[split], UNITS[layer]), dtype=np.float32)


def labels(split: str) -> np.ndarray:
    return np.arange(N[split]) % 2


def main(path: str) -> None:
    writer = RunWriter(path, labels={s: labels(s) for s in N}, config={"test": "sigkill"})
    print("ready", flush=True)
    for epoch in range(100000):
        stats = GradientStats()
        stats.add([np.full(u, epoch, dtype=np.float64) for u in UNITS])
        writer.log_epoch(epoch, activations={s: [activation(s, epoch, i) for i in range(len(UNITS))] for s in N},
                         accuracy={s: epoch / 10 for s in N}, loss={"test": -epoch},
                         weights_norm=[epoch] * len(UNITS), gradients=stats)
        print("committed", epoch, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
