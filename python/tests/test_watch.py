"""`dneck-plot watch` beside a real PyTorch training script, seen in headless Chromium.

The trainer is examples/train_torch.py (TorchLogger). While it trains, the live report must
grow (two screenshots; the slider's range grows); when it ends, the folder must equal what
`dneck-plot all` makes of the closed run, byte for byte. A trainer killed with SIGKILL must
leave every committed epoch readable, and `watch` stopped with SIGTERM a folder of whole files.
Needs the dneck-plot binary (DNECK_PLOT, else the repository's .build/release, as setup.sh builds it, or .build/debug)
and Debian's chromium; without them the tests are skipped, except under CI=true, where they fail.
"""
import filecmp
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")

REPO = Path(__file__).resolve().parents[2]
TRAINER = REPO / "examples" / "train_torch.py"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from dneck_cli import chromium, dneck_plot  # noqa: E402


def browse(page: Path, profile: Path, *arguments: str) -> str:
    """Loads page in headless Chromium with its scripts run; returns stdout (the DOM with --dump-dom)."""
    out = subprocess.run([chromium(), "--headless=new", "--disable-gpu", "--no-sandbox", "--no-first-run",
                          f"--user-data-dir={profile}", "--virtual-time-budget=3000", *arguments, page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def slider_max(dom: str) -> int:
    match = re.search(r'<input type="range" id="epoch" min="0" max="(\d+)"', dom)
    assert match, dom[:2000]
    return int(match.group(1))


def committed(run: Path) -> list:
    """The epochs the run has committed, read as any SWMR reader would."""
    with h5py.File(run, "r", swmr=True) as f:
        return [int(e) for e in f["train/epochs"][:]]


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")


def start_trainer(run: Path, epochs: int, epoch_seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(TRAINER), str(run), "--epochs", str(epochs), "--epoch-seconds", str(epoch_seconds)],
                            env={**os.environ, "PYTHONPATH": str(REPO / "python")})


def start_watch(run: Path, folder: Path) -> subprocess.Popen:
    return subprocess.Popen([dneck_plot(), "watch", str(run), "-o", str(folder), "--interval", "0.2", "--refresh", "1"],
                            stderr=subprocess.PIPE, text=True)


def live_epochs(index: Path):
    """The last committed epoch the live report names, or None."""
    if not index.exists():
        return None
    match = re.search(r"last committed epoch (\d+)", index.read_text())
    return int(match.group(1)) if match else None


def test_watch_grows_while_torch_trains_and_ends_as_all(tmp_path):
    run, live, reference = tmp_path / "run.h5", tmp_path / "live", tmp_path / "all"
    watch = start_watch(run, live)          # before the run exists: watch waits for it
    trainer = start_trainer(run, epochs=14, epoch_seconds=1.0)
    try:
        index = live / "index.html"
        first = wait_for(lambda: [live_epochs(index)] if live_epochs(index) is not None else None, 120, "the first live report")[0]
        dom_first = browse(index, tmp_path / "profile1", "--dump-dom")
        browse(index, tmp_path / "profile1", "--window-size=1200,1600", "--hide-scrollbars", f"--screenshot={tmp_path / 'first.png'}")
        wait_for(lambda: (live_epochs(index) or -1) >= first + 2, 120, "a later epoch in the live report")
        dom_later = browse(index, tmp_path / "profile2", "--dump-dom")
        browse(index, tmp_path / "profile2", "--window-size=1200,1600", "--hide-scrollbars", f"--screenshot={tmp_path / 'later.png'}")
        assert '<meta http-equiv="refresh" content="1">' in dom_first
        assert slider_max(dom_later) > slider_max(dom_first) >= 0
        # The live page follows the last epoch: its slider shows it.
        shown = re.search(r'<output id="epoch-value">(\d+)</output>', dom_later).group(1)
        assert int(shown) == live_epochs(index) or int(shown) > first
        shots = [(tmp_path / n).read_bytes() for n in ("first.png", "later.png")]
        assert all(s.startswith(b"\x89PNG") and len(s) > 20_000 for s in shots) and shots[0] != shots[1]
        assert trainer.wait(timeout=300) == 0
        assert watch.wait(timeout=300) == 0, watch.stderr.read()
    finally:
        for p in (trainer, watch):
            if p.poll() is None:
                p.kill()
    subprocess.run([dneck_plot(), "all", str(run), "-o", str(reference)], check=True, capture_output=True)
    names = sorted(p.name for p in live.iterdir())
    assert names == sorted(p.name for p in reference.iterdir())      # no cache, no temporary files left
    match, mismatch, errors = filecmp.cmpfiles(live, reference, names, shallow=False)
    assert not mismatch and not errors and len(match) == len(names) > 15
    assert "refresh" not in (live / "index.html").read_text()
    assert committed(run) == list(range(14))


def test_adapter_numbers_equal_direct_activations(tmp_path):
    """dneck-plot measures of the TorchLogger's file equal those of the same activations written by hand."""
    run = tmp_path / "run.h5"
    subprocess.run([sys.executable, str(TRAINER), str(run), "--epochs", "3"], check=True,
                   env={**os.environ, "PYTHONPATH": str(REPO / "python")})
    hand = tmp_path / "hand.h5"
    with h5py.File(run, "r") as f, h5py.File(hand, "w") as h:      # version 1, group per epoch, by hand
        h.attrs["format"] = "dneck-run"
        h.attrs["format_version"] = np.int64(1)
        h.attrs["layer_names"] = json.dumps([n.decode() for n in f["layer_names"][:]])
        for split in ("train", "test"):
            h[f"{split}/labels"] = f[f"{split}/labels"][:]
            for row, epoch in enumerate(f[f"{split}/epochs"][:]):
                for i in range(len(f[f"{split}/activations"])):
                    h[f"{split}/{epoch}/activations/{i}"] = f[f"{split}/activations/{i}"][row]
    # The activations the logger stored are those of the model (checked in test_torch.py);
    # here, that dneck-plot's numbers from the logger's file equal those of the hand-written one.
    for split in ("train", "test"):
        outs = []
        for path in (run, hand):
            out = tmp_path / f"{path.stem}_{split}.csv"
            subprocess.run([dneck_plot(), "measures", str(path), "--split", split, "-o", str(out)], check=True, capture_output=True)
            outs.append(out.read_text().splitlines())
        assert outs[0] == outs[1] and len(outs[0]) == 1 + 3 * 4


def test_trainer_killed_leaves_committed_epochs_and_watch_stops_whole(tmp_path):
    run, live = tmp_path / "run.h5", tmp_path / "live"
    trainer = start_trainer(run, epochs=1000, epoch_seconds=0.3)
    watch = None
    try:
        wait_for(lambda: run.exists() and len(committed(run)) >= 3, 120, "three committed epochs")
        trainer.send_signal(signal.SIGKILL)
        trainer.wait(timeout=60)
        epochs = committed(run)
        csv = tmp_path / "m.csv"
        subprocess.run([dneck_plot(), "measures", str(run), "-o", str(csv)], check=True, capture_output=True)
        assert sorted({int(l.split(",")[0]) for l in csv.read_text().splitlines()[1:]}) == epochs
        watch = start_watch(run, live)   # the run stays "running": watch follows it until stopped
        # watch saves its measure cache once a rendering is complete, after the report and the
        # manifest: the report alone may be seen a few ms before it.
        cache = live / ".dneck-watch" / "measures.json"
        wait_for(lambda: live_epochs(live / "index.html") == epochs[-1] and cache.exists(), 120,
                 "the report of the last committed epoch and the measure cache")
        watch.send_signal(signal.SIGTERM)
        assert watch.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        for p in (trainer, watch):
            if p is not None and p.poll() is None:
                p.kill()
    files = [p for p in live.iterdir() if p.is_file()]
    assert not [p.name for p in files if p.name.endswith(".tmp")]
    for png in (p for p in files if p.suffix == ".png"):
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82"), png.name
    assert cache.exists()      # not removed by the signal: a restarted watch resumes from it


def test_writer_closing_after_each_epoch_is_watched_to_the_end(tmp_path):
    """swmr=False (NFS): the file is closed between commits; watch reads it then and ends as all."""
    import dneck
    run, live, reference = tmp_path / "run.h5", tmp_path / "live", tmp_path / "all"
    rng = np.random.default_rng(5)
    labels = {s: rng.integers(0, 2, n) for s, n in (("train", 40), ("test", 20))}
    watch = start_watch(run, live)
    try:
        with dneck.RunWriter(run, labels=labels, swmr=False) as w:
            for epoch in range(4):
                acts = {s: [np.tanh(rng.normal(size=(len(y), 3)) * (epoch + 1)), rng.normal(size=(len(y), 2))] for s, y in labels.items()}
                w.log_epoch(epoch, activations=acts, accuracy={"train": 0.5 + epoch / 10, "test": 0.4 + epoch / 10})
                # Closed between commits: a plain open works (once watch lets go of the file).
                f = wait_for(lambda: _open_plain(run), 60, "a plain open of the run")
                with f:
                    assert list(f["train/epochs"][:]) == list(range(epoch + 1))
                time.sleep(0.5)
        status = watch.wait(timeout=300)
    finally:
        if watch.poll() is None:
            watch.kill()
    made = subprocess.run([dneck_plot(), "all", str(run), "-o", str(reference)], capture_output=True)
    assert status == made.returncode == 1          # as all: no loss, no gradients, so no snr and accuracy charts
    names = sorted(p.name for p in live.iterdir())
    assert names == sorted(p.name for p in reference.iterdir())
    assert not filecmp.cmpfiles(live, reference, names, shallow=False)[1]


def _open_plain(run):
    try:
        return h5py.File(run, "r")
    except BlockingIOError:
        return None
