"""A writer killed with SIGKILL at random instants leaves a run readable up to its last commit."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import dneck

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import kill_writer  # noqa: E402

KILLS = int(os.environ.get("DNECK_KILLS", "30"))


def start_writer(path: Path) -> subprocess.Popen:
    """Starts kill_writer.py and waits for its "ready" line."""
    proc = subprocess.Popen([sys.executable, str(HERE / "kill_writer.py"), str(path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def kill(proc: subprocess.Popen) -> int:
    """SIGKILLs the writer; returns how many epochs it reported committed."""
    proc.send_signal(signal.SIGKILL)
    out = proc.communicate()[0]
    return sum(1 for line in out.splitlines() if line.startswith("committed"))


def check_run(f: h5py.File, at_least: int) -> int:
    """Checks every committed row against what the writer logged; returns the epoch count."""
    assert f.attrs["format_version"] == 2
    counts = set()
    for split in kill_writer.N:
        g = f[split]
        epochs = g["epochs"][:]
        counts.add(len(epochs))
        assert list(epochs) == list(range(len(epochs)))
        for i in range(len(kill_writer.UNITS)):
            data = g[f"activations/{i}"]
            assert data.shape[0] >= len(epochs)
            for e in epochs:
                np.testing.assert_array_equal(data[e], kill_writer.activation(split, int(e), i))
        assert np.array_equal(g["accuracy"][:len(epochs)], epochs / 10)
    t = f["training"]
    e_train = len(t["epochs"])
    np.testing.assert_allclose(t["gradmean"][:e_train, 0], np.arange(e_train) * np.sqrt(kill_writer.UNITS[0]))
    assert np.all(np.isin(list(counts) + [e_train], [min(counts), min(counts) + 1]))
    assert min(counts) >= at_least
    return min(counts)


def test_sigkill_at_random_instants(tmp_path):
    """KILLS runs, each killed at a random instant; read back with SWMR-read, then normally."""
    rng = random.Random(1234)
    seen = []
    for k in range(KILLS):
        path = tmp_path / f"run{k}.h5"
        proc = start_writer(path)
        time.sleep(rng.uniform(0.0, 0.8))
        committed = kill(proc)
        seen.append(committed)
        if not path.exists():        # killed before the first commit renamed run.h5.partial
            assert committed == 0
            continue
        with h5py.File(path, "r", swmr=True) as f:
            assert f["status"][0] == dneck.STATUS["running"]
            swmr_count = check_run(f, committed)
        repaired = tmp_path / f"run{k}.repaired.h5"
        shutil.copy(path, repaired)
        dneck.clear_status_flags(str(repaired))
        with h5py.File(repaired, "r") as f:
            assert check_run(f, committed) == swmr_count
    assert max(seen) > 0, "no kill landed after a commit: the writer is too slow to start"


def refresh_all(f: h5py.File) -> None:
    """Makes an SWMR reader see the datasets' current extents."""
    f.visititems(lambda _, obj: obj.refresh() if isinstance(obj, h5py.Dataset) else None)


def test_reader_follows_a_live_writer(tmp_path):
    """An SWMR reader opened while the writer runs sees a growing, consistent prefix."""
    path = tmp_path / "live.h5"
    proc = start_writer(path)
    try:
        while not proc.stdout.readline().startswith("committed"):
            pass
        counts = []
        with h5py.File(path, "r", swmr=True) as f:
            for _ in range(5):
                refresh_all(f)
                counts.append(check_run(f, 1))
                time.sleep(0.2)
        assert counts == sorted(counts) and counts[-1] > counts[0]
    finally:
        kill(proc)
