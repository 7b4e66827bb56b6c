"""The dneck-plot binary from the Python tests: finding it, and checking what it reads of an adapter's run."""
import csv
import os
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def required(what: str, found):
    """found, else a skip (a failure under CI=true, where every test must run)."""
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} not found (CI must run this test)")
    pytest.skip(f"{what} not found")


def dneck_plot() -> str:
    """DNECK_PLOT, else the repository's release build (setup.sh makes it), else its debug build."""
    candidates = [os.environ.get("DNECK_PLOT")] + [str(REPO / ".build" / c / "dneck-plot") for c in ("release", "debug")]
    return required("the dneck-plot binary", next((c for c in candidates if c and os.access(c, os.X_OK)), None))


def chromium() -> str:
    return required("chromium", next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None))


def kde_measures(run: Path, split: str, out: Path, epochs: str | None = None) -> list:
    """dneck-plot's KDE bounds (σ² = 0.1) of run's split: rows of floats [epoch, layer, upper X, upper Y, lower X, lower Y]."""
    args = [dneck_plot(), "measures", str(run), "--split", split, "--estimator", "kde", "--noise-variance", "0.1", "-o", str(out)]
    subprocess.run(args + (["--epochs", epochs] if epochs else []), check=True, capture_output=True)
    with open(out) as f:
        rows = list(csv.reader(f))
    numeric = [i for i, name in enumerate(rows[0]) if name != "layer_name"]
    return [[float(r[i]) for i in numeric] for r in rows[1:]]


def check_read_by_dneck_plot(tmp_path: Path, run: Path, split: str, epoch: int, direct: list, labels) -> None:
    """`dneck-plot all` reads the adapter's run, and dneck-plot's numbers of `split` at `epoch`
    equal, to 1e-5 relative, those of `direct` (the first layers' activations the test computed
    itself) written by hand into a version 1 run."""
    done = subprocess.run([dneck_plot(), "all", str(run), "-o", str(tmp_path / "all")], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr                    # 1: an artifact the run lacks data for
    assert (tmp_path / "all" / f"infoplane_{split}.png").exists() and (tmp_path / "all" / "manifest.json").exists(), done.stderr
    hand = tmp_path / "hand.h5"
    with h5py.File(hand, "w") as h:
        h.attrs["format"] = "dneck-run"
        h.attrs["format_version"] = np.int64(1)
        h[f"{split}/labels"] = np.asarray(labels, dtype=np.int64)
        for i, a in enumerate(direct):
            h[f"{split}/{epoch}/activations/{i}"] = np.asarray(a, dtype=np.float32).reshape(len(labels), -1)
    logged = kde_measures(run, split, tmp_path / "logged.csv", epochs=f"{epoch}:{epoch}")
    by_hand = kde_measures(hand, split, tmp_path / "hand.csv")
    assert len(by_hand) == len(direct)
    np.testing.assert_allclose(np.array(logged[:len(direct)]), np.array(by_hand), rtol=1e-5, atol=1e-7)
