"""Test accuracy of the default training in minigrad and in PyTorch, side by side.

    python benchmarks/accuracy_vs_torch.py [--data DIR|sample] [--epochs 15] [--seed 0]

Trains SimpleConvNet the way ``minigrad train`` does (He initialisation, Adam lr 0.001, batch
100, random shifts of up to 2 pixels) twice from the same initial weights on the same stream of
batches: once in minigrad, once in PyTorch (CPU). Prints both test accuracies per epoch and the
final difference (issue 5's target: within 1 percentage point). With ``--data DIR`` holding the
full MNIST files, the test set is MNIST's 10,000 test digits; by default it is the offline
sample's 1,000.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minigrad as mg  # noqa: E402
from minigrad import optim  # noqa: E402
from minigrad import train as T  # noqa: E402
from minigrad.cli.registry import MODELS, build_model  # noqa: E402
from minigrad.data import DataLoader, RandomShift, load_mnist, load_mnist_sample  # noqa: E402
from minigrad.nn import functional as F  # noqa: E402


def torch_simpleconvnet(torch, model):  # noqa: ANN001, ANN201
    tnn = torch.nn

    class SimpleConvNet(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 30, 5)
            self.relu1, self.pool1, self.flatten = tnn.ReLU(), tnn.MaxPool2d(2, 2), tnn.Flatten()
            self.fc1, self.relu2, self.fc2 = tnn.Linear(4320, 100), tnn.ReLU(), tnn.Linear(100, 10)

        def forward(self, x):  # noqa: ANN001, ANN202
            x = self.pool1(self.relu1(self.conv1(x)))
            return self.fc2(self.relu2(self.fc1(self.flatten(x))))

    net = SimpleConvNet()
    net.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                         for k, v in model.state_dict().items()})
    return net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="sample", help="IDX folder or 'sample' (default)")
    parser.add_argument("--epochs", type=int, default=MODELS["simpleconvnet"].epochs)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("this comparison needs PyTorch: pip install torch") from None

    if args.data == "sample":
        train, test = load_mnist_sample("train"), load_mnist_sample("test")
    else:
        train = load_mnist(args.data, "train", download=False, fallback=False)
        test = load_mnist(args.data, "test", download=False, fallback=False)
    print(f"train: {train.source}\ntest:  {test.source}")
    mg.manual_seed(args.seed)
    model = build_model("simpleconvnet")
    net = torch_simpleconvnet(torch, model)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    topt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loader = DataLoader(RandomShift(train, MODELS["simpleconvnet"].shift), 100, shuffle=True)
    test_loader = DataLoader(test, 500)

    def torch_accuracy() -> float:
        net.eval()
        with torch.no_grad():
            pred = np.concatenate([net(torch.from_numpy(x.numpy())).argmax(1).numpy()
                                   for x, _ in test_loader])
        net.train()
        return float((pred == test.labels).mean())

    print(f"{'epoch':>5} {'minigrad':>9} {'torch':>9}")
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        for x, y in loader:  # the same batches (and shifts) for both
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tloss = torch.nn.functional.cross_entropy(net(torch.from_numpy(x.numpy())),
                                                      torch.from_numpy(y.numpy()))
            topt.zero_grad()
            tloss.backward()
            topt.step()
        mg_acc = T.evaluate(model, test_loader, F.cross_entropy, {"acc": T.accuracy})["acc"]
        print(f"{epoch:>5} {mg_acc:>9.4f} {torch_accuracy():>9.4f}", flush=True)
    mg_acc = T.evaluate(model, test_loader, F.cross_entropy, {"acc": T.accuracy})["acc"]
    t_acc = torch_accuracy()
    print(f"final: minigrad {mg_acc:.4f}, torch {t_acc:.4f}, difference "
          f"{100 * (mg_acc - t_acc):+.2f} percentage points ({time.perf_counter() - t0:.0f}s)")


if __name__ == "__main__":
    main()
