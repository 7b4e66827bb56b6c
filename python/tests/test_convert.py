"""Converters round-trip synthetic ibsgd pickles, .npz files and deep-bottleneck dumps."""
import pickle
from pathlib import Path

import h5py
import numpy as np
import pytest

from dneck.__main__ import main

UNITS = [5, 3, 2]
EPOCHS = [0, 1, 2, 10]


def activations(n, epoch, seed):
    rng = np.random.default_rng([epoch, seed])
    return [rng.standard_normal((n, u)).astype(np.float32) for u in UNITS]


def training_rows(epoch):
    return {k: list(np.arange(len(UNITS)) + epoch + j) for j, k in enumerate(("weights_norm", "gradmean", "gradstd"))}


def check_training(f):
    assert list(f["training/epochs"][:]) == EPOCHS
    for j, k in enumerate(("weights_norm", "gradmean", "gradstd")):
        np.testing.assert_array_equal(f[f"training/{k}"][:], [training_rows(e)[k] for e in EPOCHS])


def convert(*args):
    assert main(["convert", *map(str, args)]) == 0


def write_ibsgd(folder, n_rows):
    folder.mkdir()
    for e in EPOCHS:
        data = {"activity_tst": activations(n_rows, e, 0), **training_rows(e)}
        with open(folder / f"epoch{e:08d}", "wb") as f:
            pickle.dump({"ACTIVATION": "tanh", "epoch": e, "data": data, "loss": {"trn": e + 0.5, "tst": e + 0.25}},
                        f, protocol=2)


def test_ibsgd_full_mi_with_ib_data(tmp_path):
    n_train, n_test = 7, 4
    rng = np.random.default_rng(0)
    ib = tmp_path / "IB_data_x.npz"
    np.savez(ib, X_train=rng.integers(0, 2, (n_train, 12)), y_train=rng.integers(0, 2, n_train),
             X_test=rng.integers(0, 2, (n_test, 12)), y_test=rng.integers(0, 2, n_test))
    write_ibsgd(tmp_path / "rawdata", n_train + n_test)
    convert(tmp_path / "rawdata", "-o", tmp_path / "run.h5", "--ib-data", ib)
    d = np.load(ib)
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert f.attrs["format_version"] == 2 and f["status"][0] == 1
        np.testing.assert_array_equal(f["train/labels"][:], d["y_train"])
        np.testing.assert_array_equal(f["test/inputs"][:], d["X_test"])
        for split, rows in (("train", slice(0, n_train)), ("test", slice(n_train, None))):
            assert list(f[f"{split}/epochs"][:]) == EPOCHS
            for k, e in enumerate(EPOCHS):
                for i in range(len(UNITS)):
                    np.testing.assert_array_equal(f[f"{split}/activations/{i}"][k], activations(n_train + n_test, e, 0)[i][rows])
        np.testing.assert_array_equal(f["train/loss"][:], np.array(EPOCHS) + 0.5)
        np.testing.assert_array_equal(f["test/loss"][:], np.array(EPOCHS) + 0.25)
        assert np.all(np.isnan(f["test/accuracy"][:]))
        check_training(f)


def test_ibsgd_with_test_labels(tmp_path):
    write_ibsgd(tmp_path / "rawdata", 6)
    np.save(tmp_path / "y.npy", np.arange(6) % 2)
    convert(tmp_path / "rawdata", "-o", tmp_path / "run.h5", "--test-labels", tmp_path / "y.npy")
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert "train" not in f
        np.testing.assert_array_equal(f["test/activations/1"][3], activations(6, 10, 0)[1])


def test_ibsgd_without_labels_fails_with_a_message(tmp_path, capsys):
    write_ibsgd(tmp_path / "rawdata", 6)
    assert main(["convert", str(tmp_path / "rawdata"), "-o", str(tmp_path / "run.h5")]) == 1
    assert "--ib-data" in capsys.readouterr().err


def npz_epoch(e):
    d = {f"{s}_{i}": a for s, n, seed in (("train", 6, 1), ("test", 4, 2)) for i, a in enumerate(activations(n, e, seed))}
    return {**d, "train_accuracy": e / 10, "test_loss": e * 2.0, **training_rows(e)}


def check_npz_run(path):
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["train/labels"][:], np.arange(6) % 3)
        for k, e in enumerate(EPOCHS):
            np.testing.assert_array_equal(f["test/activations/2"][k], activations(4, e, 2)[2])
            np.testing.assert_array_equal(f["train/activations/0"][k], activations(6, e, 1)[0])
        np.testing.assert_array_equal(f["train/accuracy"][:], np.array(EPOCHS) / 10)
        np.testing.assert_array_equal(f["test/loss"][:], np.array(EPOCHS) * 2.0)
        assert np.all(np.isnan(f["train/loss"][:]))
        check_training(f)


def test_npz_folder_of_epochs(tmp_path):
    folder = tmp_path / "acts"
    folder.mkdir()
    for e in EPOCHS:
        np.savez(folder / f"epoch_{e}.npz", **npz_epoch(e))
    np.savez(folder / "labels.npz", train_labels=np.arange(6) % 3, test_labels=np.arange(4) % 2)
    convert(folder, "-o", tmp_path / "run.h5")
    check_npz_run(tmp_path / "run.h5")


def test_npz_single_file_with_all_epochs(tmp_path):
    per = [npz_epoch(e) for e in EPOCHS]
    stacked = {k: np.stack([np.asarray(p[k]) for p in per]) for k in per[0]}
    np.savez(tmp_path / "all.npz", epochs=EPOCHS, **stacked, train_labels=np.arange(6) % 3)
    np.save(tmp_path / "test_y.npy", np.arange(4) % 2)
    convert(tmp_path / "all.npz", "-o", tmp_path / "run.h5", "--test-labels", tmp_path / "test_y.npy")
    check_npz_run(tmp_path / "run.h5")


def write_dump(path, n, seed):
    """A deep-bottleneck per-split dump (version 1 epoch groups at the root)."""
    with h5py.File(path, "w") as f:
        for e in EPOCHS:
            g = f.create_group(str(e))
            for i, a in enumerate(activations(n, e, seed)):
                g[f"activations/{i}"] = a
            for k, v in training_rows(e).items():
                g[k] = np.asarray(v, dtype=np.float32)
            g["accuracy/training"], g["accuracy/test"] = e / 100, e / 200
            g["loss/training"], g["loss/test"] = e + 1.0, e + 2.0


@pytest.mark.parametrize("given", ["exp_run_0_train.h5", "exp_run_0_test.h5", "exp_run_0"])
def test_deep_bottleneck_dumps(tmp_path, given):
    write_dump(tmp_path / "exp_run_0_train.h5", 6, 3)
    write_dump(tmp_path / "exp_run_0_test.h5", 4, 4)
    np.save(tmp_path / "exp_run_0_train_labels.npy", np.arange(6) % 2)
    np.save(tmp_path / "exp_run_0_test_labels.npy", np.eye(2)[np.arange(4) % 2])  # one-hot works too
    convert(tmp_path / given, "-o", tmp_path / "run.h5")
    with h5py.File(tmp_path / "run.h5", "r") as f:
        np.testing.assert_array_equal(f["test/labels"][:], np.arange(4) % 2)
        assert f.attrs["format_version"] == 2
        for k, e in enumerate(EPOCHS):
            np.testing.assert_array_equal(f["train/activations/1"][k], activations(6, e, 3)[1])
            np.testing.assert_array_equal(f["test/activations/2"][k], activations(4, e, 4)[2])
        np.testing.assert_allclose(f["train/accuracy"][:], np.array(EPOCHS) / 100)
        np.testing.assert_allclose(f["test/loss"][:], np.array(EPOCHS) + 2.0)
        check_training(f)


def test_version_1_run(tmp_path):
    """The bundled example (version 1, a group per epoch) into version 2: every committed row as stored."""
    src = Path(__file__).resolve().parents[2] / "examples" / "harmonics_tanh_small.h5"
    convert(src, "-o", tmp_path / "run.h5")
    with h5py.File(src, "r") as v1, h5py.File(tmp_path / "run.h5", "r") as f:
        assert f.attrs["format_version"] == 2 and f["status"][0] == 1
        for split in ("train", "test"):
            epochs = sorted(int(k) for k in v1[split] if k.isdigit())
            assert list(f[f"{split}/epochs"][:]) == epochs
            np.testing.assert_array_equal(f[f"{split}/labels"][:], v1[f"{split}/labels"][:])
            for k, e in enumerate(epochs):
                for i in range(6):
                    np.testing.assert_array_equal(f[f"{split}/activations/{i}"][k], v1[f"{split}/{e}/activations/{i}"][:])
            assert f[f"{split}/accuracy"][-1] == v1[f"{split}/{epochs[-1]}/accuracy/{'training' if split == 'train' else 'test'}"][()]
        np.testing.assert_array_equal(f["training/gradmean"][3], v1[f"train/{epochs[3]}/gradmean"][:])
