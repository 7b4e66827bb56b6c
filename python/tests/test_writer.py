"""RunWriter: the version 2 layout, dtypes, validation, status and staging."""
import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

import dneck

N = {"train": 10, "test": 4}


def labels():
    return {s: np.arange(n) % 3 for s, n in N.items()}


def acts(split, epoch, dtype=np.float32):
    rng = np.random.default_rng([epoch + 10, N[split]])
    return [rng.standard_normal((N[split], 4)).astype(dtype), rng.standard_normal((N[split], 2, 3, 3)).astype(dtype),
            np.zeros((N[split], 0), dtype=dtype)]


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def test_layout(tmp_path):
    path = tmp_path / "run.h5"
    x = {"train": np.ones((10, 2, 2), dtype=np.float64)}
    with dneck.RunWriter(path, labels(), config={"architecture": [4, 18, 0]}, inputs=x,
                         layer_names=["a", "conv", "empty"]) as w:
        w.log_epoch(-1, activations={"train": acts("train", -1)}, weights_norm=[1, 2, 3])
        for e in range(3):
            w.log_epoch(e, activations={s: acts(s, e) for s in N}, accuracy={"train": e / 4, "test": e / 5},
                        loss={"test": e}, weights_norm=[e, e, e], gradients=([1, 2, 3], [4, 5, 6]))
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "dneck-run" and f.attrs["format_version"] == 2
        assert json.loads(f.attrs["config"]) == {"architecture": [4, 18, 0]}
        assert f["status"].dtype == np.int8 and f["status"][0] == dneck.STATUS["finished"]
        assert [s.decode() for s in f["layer_names"][:]] == ["a", "conv", "empty"]
        assert all(d.chunks is not None for d in datasets(f).values()), "every dataset is chunked"
        assert list(f["train/epochs"][:]) == [-1, 0, 1, 2] and list(f["test/epochs"][:]) == [0, 1, 2]
        assert f["train/labels"].dtype == np.int64
        assert f["train/inputs"].shape == (10, 4) and f["train/inputs"].dtype == np.float64
        assert f["train/activations/1"].shape == (4, 10, 18)
        assert f["train/activations/1"].chunks == (1, 10, 18)
        assert f["test/activations/2"].shape == (3, 4, 0)
        np.testing.assert_array_equal(f["train/activations/1"][2], acts("train", 1)[1].reshape(10, -1))
        np.testing.assert_array_equal(f["train/accuracy"][:], [np.nan, 0, 0.25, 0.5])
        np.testing.assert_array_equal(f["test/loss"][:], [0, 1, 2])
        assert list(f["training/epochs"][:]) == [-1, 0, 1, 2]
        np.testing.assert_array_equal(f["training/gradmean"][0], [np.nan] * 3)
        np.testing.assert_array_equal(f["training/gradstd"][3], [4, 5, 6])


@pytest.mark.parametrize("dtype,stored", [(None, np.float32), ("float16", np.float16), ("float64", np.float64)])
def test_storage_dtypes(tmp_path, dtype, stored):
    kw = {} if dtype is None else {"dtype": dtype}
    with dneck.RunWriter(tmp_path / "run.h5", labels(), **kw) as w:
        w.log_epoch(0, activations={"test": acts("test", 0, np.float64)})
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert f["test/activations/0"].dtype == stored
        np.testing.assert_array_equal(f["test/activations/0"][0], acts("test", 0, np.float64)[0].astype(stored))


def test_staged_epoch_commits_once(tmp_path):
    with dneck.RunWriter(tmp_path / "run.h5", labels()) as w:
        w.log_epoch(0, activations={"train": acts("train", 0)}, commit=False)
        w.log_epoch(0, activations={"test": acts("test", 0)}, accuracy={"test": 0.5}, commit=False)
        with pytest.raises(ValueError, match="commit"):
            w.log_epoch(1, activations={"test": acts("test", 1)})
        w.commit()
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert list(f["train/epochs"][:]) == [0] and list(f["test/epochs"][:]) == [0]
        assert "epochs" in f["training"] and len(f["training/epochs"]) == 0


@pytest.mark.parametrize("call,message", [
    (lambda w: w.log_epoch(0, activations={"test": acts("test", 0)[:2]}), "layer widths"),
    (lambda w: w.log_epoch(0, activations={"test": [np.zeros((3, 4))] * 3}), "expected 4 rows"),
    (lambda w: w.log_epoch(0, activations={"valid": acts("test", 0)}), "no labels"),
    (lambda w: w.log_epoch(0, accuracy={"test": 1.0}, activations={"train": acts("train", 0)}), "without its activations"),
    (lambda w: w.log_epoch(0, activations={"test": acts("test", 0)}, weights_norm=[1, 2]), "expected 3 values"),
    (lambda w: w.log_epoch(-5, activations={"test": acts("test", 0)}), "epochs must increase"),
])
def test_invalid_epochs_are_refused(tmp_path, call, message):
    with dneck.RunWriter(tmp_path / "run.h5", labels()) as w:
        w.log_epoch(0, activations={"test": acts("test", 0)})
        with pytest.raises(ValueError, match=message):
            call(w)


def test_first_commit_needs_activations(tmp_path):
    w = dneck.RunWriter(tmp_path / "run.h5", labels())
    with pytest.raises(ValueError, match="first committed epoch"):
        w.log_epoch(0, weights_norm=[1])
    w.close()


def test_exception_closes_as_stopped_and_unlogged_run_has_header_only(tmp_path):
    path = tmp_path / "run.h5"
    with pytest.raises(RuntimeError):
        with dneck.RunWriter(path, labels()):
            assert not path.exists() and (tmp_path / "run.h5.partial").exists()
            raise RuntimeError("training failed")
    with h5py.File(path, "r") as f:
        assert f["status"][0] == dneck.STATUS["stopped"] and "training" not in f
    assert not (tmp_path / "run.h5.partial").exists()


def test_clean_files_open_in_swmr_read_and_need_no_repair(tmp_path):
    path = tmp_path / "run.h5"
    with dneck.RunWriter(path, labels()) as w:
        w.log_epoch(0, activations={"test": acts("test", 0)})
    assert dneck.clear_status_flags(str(path)) is False
    with h5py.File(path, "r", swmr=True) as f:
        assert len(f["test/epochs"]) == 1


def test_package_imports_without_any_framework():
    code = "import sys, dneck; bad = {'torch', 'keras', 'jax', 'flax'} & set(sys.modules); assert not bad, bad"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lookup3_known_value():
    """Bob Jenkins' published test vector for hashlittle."""
    from dneck.superblock import lookup3
    assert lookup3(b"Four score and seven years ago") == 0x17770551


def test_rows_of_an_interrupted_commit_are_overwritten(tmp_path):
    """Row k always belongs to epochs[k], even after a commit failed half-way."""
    with dneck.RunWriter(tmp_path / "run.h5", labels()) as w:
        w.log_epoch(0, activations={"test": acts("test", 0)})
        stray = w.file["test/activations/0"]
        stray.resize(2, axis=0)
        stray[1] = 99.0                        # as if epoch 1's commit died after this row
        w.log_epoch(2, activations={"test": acts("test", 2)})
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert list(f["test/epochs"][:]) == [0, 2]
        np.testing.assert_array_equal(f["test/activations/0"][1], acts("test", 2)[0])


def test_without_swmr_the_file_is_closed_between_commits_and_reopened(tmp_path):
    """swmr=False (NFS): each commit closes the file; the next reopens it and its datasets."""
    path = tmp_path / "run.h5"
    with dneck.RunWriter(path, labels(), swmr=False) as w:
        for e in range(3):
            w.log_epoch(e, activations={"test": acts("test", e)}, accuracy={"test": e / 5}, weights_norm=[e, e, e])
            assert not w.file.id.valid
            with h5py.File(path, "r") as f:
                assert len(f["test/epochs"]) == e + 1
    with h5py.File(path, "r") as f:
        assert list(f["test/epochs"][:]) == [0, 1, 2] and f["status"][0] == dneck.STATUS["finished"]
        np.testing.assert_array_equal(f["test/activations/1"][2], acts("test", 2)[1].reshape(4, -1))
        np.testing.assert_array_equal(f["test/accuracy"][:], [0, 0.2, 0.4])
        np.testing.assert_array_equal(f["training/weights_norm"][:, 0], [0, 1, 2])


def test_activation_datasets_keep_no_chunk_cache(tmp_path):
    """Open for the whole run, an activation dataset would keep its written chunks in libhdf5's
    chunk cache (8 MiB per dataset in HDF5 2.0); the 1-D datasets, 256 rows per chunk, keep theirs."""
    with dneck.RunWriter(tmp_path / "run.h5", labels()) as w:
        w.log_epoch(0, activations={"test": acts("test", 0)}, accuracy={"test": 0.5})
        cache_bytes = {name: w.file[f"test/{name}"].id.get_access_plist().get_chunk_cache()[1]
                       for name in ("activations/0", "activations/1", "accuracy", "epochs")}
    assert cache_bytes["activations/0"] == cache_bytes["activations/1"] == 0
    assert cache_bytes["accuracy"] > 0 and cache_bytes["epochs"] > 0
