"""TorchLogger on a tiny MLP: logged activations and gradient statistics equal direct ones."""
import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import dneck  # noqa: E402
from dneck_cli import check_read_by_dneck_plot  # noqa: E402


def test_torch_logger_matches_direct_activations(tmp_path):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    data = {s: (torch.tensor(rng.normal(size=(n, 6)), dtype=torch.float32), torch.tensor(rng.integers(0, 3, n)))
            for s, n in (("train", 64), ("test", 24))}
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.ReLU(),
                                torch.nn.Linear(4, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = data["train"]
    path = tmp_path / "torch.h5"
    direct, grads = [], []
    with dneck.TorchLogger(path, model, layers=["1", "3", "4"], data=data, loss_fn=loss_fn) as log:
        for epoch in range(3):
            batch_grads = []
            for i in range(0, 64, 16):
                opt.zero_grad()
                loss_fn(model(x[i:i + 16]), y[i:i + 16]).backward()
                batch_grads.append([model[k].weight.grad.numpy().ravel().copy() for k in (0, 2, 4)])
                opt.step()
            log.end_epoch(epoch)
            grads.append(batch_grads)
            with torch.no_grad():
                xt = data["test"][0]
                h1 = model[1](model[0](xt))
                h2 = model[3](model[2](h1))
                direct.append([h1.numpy(), h2.numpy(), model[4](h2).numpy()])
    with h5py.File(path, "r", swmr=True) as f:
        assert f["status"][0] == dneck.STATUS["finished"]
        assert list(f["test/epochs"][:]) == [0, 1, 2]
        assert [s.decode() for s in f["layer_names"][:]] == ["1", "3", "4"]
        for e in range(3):
            for i in range(3):
                np.testing.assert_allclose(f[f"test/activations/{i}"][e], direct[e][i], rtol=1e-6, atol=1e-7)
            for layer in range(3):
                stacked = np.stack([b[layer] for b in grads[e]], axis=1)
                assert f["training/gradmean"][e, layer] == pytest.approx(np.linalg.norm(stacked.mean(axis=1)))
                assert f["training/gradstd"][e, layer] == pytest.approx(np.linalg.norm(stacked.std(axis=1)))
        out = torch.tensor(direct[2][2])
        assert f["test/loss"][2] == pytest.approx(float(loss_fn(out, data["test"][1])), rel=1e-6)
        assert f["test/accuracy"][2] == pytest.approx(float((out.argmax(1) == data["test"][1]).double().mean()))
        assert f["training/weights_norm"][2, 0] == pytest.approx(float(torch.linalg.norm(model[0].weight.detach())), rel=1e-6)
        np.testing.assert_array_equal(f["train/inputs"][:], data["train"][0].numpy())
    check_read_by_dneck_plot(tmp_path, path, "test", 2, direct[2], data["test"][1].numpy())
