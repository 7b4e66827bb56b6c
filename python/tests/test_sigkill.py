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
    """Makes an SWMR reader see the datasets' current extents: the `epochs` commit markers
    first, then the rest, the reverse of the writer's order (rows, then markers). Refreshed in
    any other order, a commit landing between two refreshes shows a marker whose rows the
    reader has not refreshed yet."""
    datasets = []
    f.visititems(lambda name, obj: datasets.append((not name.endswith("epochs"), name, obj))
                 if isinstance(obj, h5py.Dataset) else None)
    for _, _, dataset in sorted(datasets, key=lambda d: d[:2]):
        dataset.refresh()


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


SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_READ = """
import sys, h5py
path, swmr = sys.argv[1], sys.argv[2] == "swmr"
with h5py.File(path, "r", swmr=swmr) as f:
    e = len(f["test/epochs"])
    assert f["test/activations/0"][:e].shape[0] == e and len(f["training/epochs"]) >= e - 1
    print(h5py.version.hdf5_version, e)
"""


def system_h5py() -> bool:
    """Whether the system Python (whose libhdf5 the Swift reader links on Debian) has h5py."""
    return os.path.exists(SYSTEM_PYTHON) and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import h5py"], capture_output=True).returncode == 0


@pytest.mark.skipif(not system_h5py(), reason="no h5py in /usr/bin/python3 (Debian's python3-h5py)")
def test_system_libhdf5_reads_a_killed_run(tmp_path):
    """Debian's libhdf5 (1.10 here) reads a killed run in SWMR mode, and normally once repaired."""
    path = tmp_path / "run.h5"
    proc = start_writer(path)
    for _ in range(3):
        proc.stdout.readline()
    committed = kill(proc)
    for mode in ("swmr", "repaired"):
        if mode == "repaired":
            dneck.clear_status_flags(str(path))
        out = subprocess.run([SYSTEM_PYTHON, "-c", SYSTEM_READ, str(path), mode], capture_output=True,
                             text=True, env={"PATH": os.environ.get("PATH", "")})
        assert out.returncode == 0, out.stderr
        assert int(out.stdout.split()[1]) >= committed + 3
