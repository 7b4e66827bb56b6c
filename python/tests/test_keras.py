"""KerasLogger on a tiny Dense network: logged activations equal the layers' outputs."""
import os

import h5py
import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
import dneck  # noqa: E402
from dneck_cli import check_read_by_dneck_plot  # noqa: E402


def test_keras_logger_matches_direct_activations(tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(2)
    data = {s: (rng.normal(size=(n, 6)).astype(np.float32), rng.integers(0, 3, n)) for s, n in (("train", 64), ("test", 24))}
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="tanh"),
                              keras.layers.Dense(4, activation="relu"), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    path = tmp_path / "keras.h5"
    log = dneck.KerasLogger(path, data=data, batch_size=16)
    model.fit(*data["train"], epochs=3, batch_size=16, shuffle=True, verbose=0, callbacks=[log])
    x, y = data["test"]
    direct = [keras.ops.convert_to_numpy(a) for a in keras.Model(model.inputs, [l.output for l in model.layers])(x)]
    with h5py.File(path, "r") as f:
        assert f["status"][0] == dneck.STATUS["finished"]
        assert list(f["train/epochs"][:]) == [0, 1, 2]
        assert len(f["layer_names"]) == 3
        for i in range(3):
            np.testing.assert_allclose(f[f"test/activations/{i}"][2], direct[i], rtol=1e-5, atol=1e-6)
        assert f["test/accuracy"][2] == pytest.approx(np.mean(direct[2].argmax(1) == y))
        ce = -np.mean(np.log(direct[2][np.arange(len(y)), y]))
        assert f["test/loss"][2] == pytest.approx(ce, rel=1e-4)
        kernel = keras.ops.convert_to_numpy(model.layers[0].kernel)
        assert f["training/weights_norm"][2, 0] == pytest.approx(np.linalg.norm(kernel), rel=1e-6)
        assert np.all(f["training/gradmean"][:] > 0) and np.all(f["training/gradstd"][:] > 0)
    check_read_by_dneck_plot(tmp_path, path, "test", 2, direct, y)


def test_kernel_gradients_match_the_analytic_softmax_gradient():
    """The backend gradient of the output kernel is h^T (p − onehot(y)) / B."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(10, 4)).astype(np.float32), rng.integers(0, 3, 10)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="tanh"),
                              keras.layers.Dense(3, activation="softmax")])
    loss_fn = keras.losses.get("sparse_categorical_crossentropy")
    [grad] = dneck.keras_adapter._kernel_gradients(model, [model.layers[1].kernel], loss_fn, x, y)
    h, p = [keras.ops.convert_to_numpy(a) for a in keras.Model(model.inputs, [l.output for l in model.layers])(x)]
    np.testing.assert_allclose(grad, h.T @ (p - np.eye(3)[y]) / len(y), rtol=1e-4, atol=1e-6)
