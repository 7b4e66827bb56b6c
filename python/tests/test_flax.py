"""FlaxLogger on a tiny linen MLP trained with jax.grad: logged values equal direct ones."""
import h5py
import numpy as np
import pytest

jax = pytest.importorskip("jax")
nn = pytest.importorskip("flax.linen")
import jax.numpy as jnp  # noqa: E402

import dneck  # noqa: E402
from dneck_cli import check_read_by_dneck_plot  # noqa: E402


class MLP(nn.Module):
    @nn.compact
    def __call__(self, x):
        h = jnp.tanh(nn.Dense(5, name="hidden")(x))
        self.sow("intermediates", "h0", h)
        out = nn.Dense(3, name="out")(h)
        self.sow("intermediates", "h1", out)
        return out


def test_flax_logger_matches_direct_activations(tmp_path):
    rng = np.random.default_rng(1)
    data = {s: (rng.normal(size=(n, 6)).astype(np.float32), rng.integers(0, 3, n)) for s, n in (("train", 48), ("test", 16))}
    model = MLP()
    params = model.init(jax.random.PRNGKey(0), data["train"][0])

    def loss(p, x, y):
        logits = model.apply(p, x)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))
    grad_fn = jax.jit(jax.grad(loss))
    path = tmp_path / "flax.h5"
    x, y = data["train"]
    grads_seen = []
    with dneck.FlaxLogger(path, labels={s: d[1] for s, d in data.items()}, layers=["h0", "h1"],
                          kernels=["hidden", "out"]) as log:
        for epoch in range(3):
            for i in range(0, 48, 16):
                g = grad_fn(params, x[i:i + 16], y[i:i + 16])
                log.add_gradients(g)
                grads_seen.append(np.asarray(g["params"]["hidden"]["kernel"]).ravel())
                params = jax.tree_util.tree_map(lambda p, d: p - 0.1 * d, params, g)
            inter = {s: model.apply(params, d[0], mutable=["intermediates"])[1] for s, d in data.items()}
            log.end_epoch(epoch, inter, params=params)
    h = np.tanh(data["test"][0] @ np.asarray(params["params"]["hidden"]["kernel"]) + np.asarray(params["params"]["hidden"]["bias"]))
    with h5py.File(path, "r") as f:
        np.testing.assert_allclose(f["test/activations/0"][2], h, rtol=1e-5, atol=1e-6)
        stacked = np.stack(grads_seen[-3:], axis=1)
        assert f["training/gradmean"][2, 0] == pytest.approx(np.linalg.norm(stacked.mean(axis=1)))
        assert f["training/gradstd"][2, 0] == pytest.approx(np.linalg.norm(stacked.std(axis=1)))
        assert f["training/weights_norm"][2, 1] == pytest.approx(np.linalg.norm(params["params"]["out"]["kernel"]), rel=1e-6)
        assert f["status"][0] == dneck.STATUS["finished"]
    check_read_by_dneck_plot(tmp_path, path, "test", 2, [h], data["test"][1])


def test_capture_intermediates_paths():
    """Module names work with capture_intermediates (output under "__call__")."""
    x = np.ones((4, 6), dtype=np.float32)
    model = MLP()
    params = model.init(jax.random.PRNGKey(0), x)
    _, state = model.apply(params, x, capture_intermediates=True, mutable=["intermediates"])
    out = dneck.flax_adapter.layer_output(state, "out")
    np.testing.assert_allclose(out, model.apply(params, x), rtol=1e-6)
