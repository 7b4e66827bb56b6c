"""A small PyTorch network on Tishby's harmonics task, logged live for `dneck-plot watch`.

    python examples/train_torch.py run.h5 &
    dneck-plot watch run.h5 -o live        # open live/index.html in a browser

The two dneck lines are marked; everything else is ordinary PyTorch.
"""
import argparse
import time

import numpy as np
import torch

import dneck

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--epochs", type=int, default=200)
parser.add_argument("--epoch-seconds", type=float, default=0.0, help="make each epoch last at least this long")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

torch.manual_seed(args.seed)
rng = np.random.default_rng(args.seed)
x = torch.tensor(((np.arange(4096)[:, None] >> np.arange(12)) & 1), dtype=torch.float32)   # all 12-bit patterns
w = rng.normal(size=12)
y = torch.tensor((np.sin(x.numpy() @ w) > 0).astype(np.int64))                              # a fixed nonlinear rule
order = torch.tensor(rng.permutation(4096))
data = {"train": (x[order[:3277]], y[order[:3277]]), "test": (x[order[3277:]], y[order[3277:]])}

model = torch.nn.Sequential(torch.nn.Linear(12, 10), torch.nn.Tanh(), torch.nn.Linear(10, 7), torch.nn.Tanh(),
                            torch.nn.Linear(7, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=0.004)
loss_fn = torch.nn.CrossEntropyLoss()

with dneck.TorchLogger(args.out, model, layers=["1", "3", "5", "6"], data=data, loss_fn=loss_fn,     # dneck 1/2
                       config={"dataset": "harmonics-like", "architecture": [10, 7, 5]}) as log:
    xt, yt = data["train"]
    for epoch in range(args.epochs):
        start = time.monotonic()
        for batch in torch.randperm(len(xt)).split(256):
            optimizer.zero_grad()
            loss_fn(model(xt[batch]), yt[batch]).backward()
            optimizer.step()
        log.end_epoch(epoch)                                                                        # dneck 2/2
        time.sleep(max(0.0, args.epoch_seconds - (time.monotonic() - start)))
