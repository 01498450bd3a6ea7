"""Training-step and inference speed of SimpleConvNet and LeNet, as ratios to PyTorch CPU.

    python benchmarks/train_step.py [--threads 2] [--repeat 20]

Times one training step (forward, cross-entropy, backward, Adam update) of SimpleConvNet and of
LeNet (sigmoid + average pooling) at batch 100, and SimpleConvNet inference in images/second at
batch 1000 (eval mode, no graph), for minigrad and, where installed, PyTorch CPU in the same
run. Thread counts are pinned before numpy is imported and torch gets the same count. Each case
runs minigrad and torch alternately and keeps the best time of each (best-of-N is the least
noisy figure on a shared machine). Targets (issue 5): SimpleConvNet step <= 1.5x PyTorch,
LeNet step <= 2x, inference >= 0.7x PyTorch's images/second.
"""

from __future__ import annotations

import os
import sys

from _harness import best_of, parse_and_pin, start_thread_pools, thread_report

ARGS = parse_and_pin(__doc__, repeat=20)


import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minigrad as mg  # noqa: E402
from minigrad import models, optim  # noqa: E402
from minigrad.nn import functional as F  # noqa: E402

torch = start_thread_pools(ARGS.threads)


# ----------------------------------------------------------------------------- torch twins

def torch_twin(name: str, mg_model: mg.nn.Module):  # noqa: ANN201
    """The same network in PyTorch, with the minigrad model's weights (same state dict keys)."""
    tnn = torch.nn
    if name == "simpleconvnet":
        class SimpleConvNet(tnn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.conv1 = tnn.Conv2d(1, 30, 5)
                self.relu1, self.pool1 = tnn.ReLU(), tnn.MaxPool2d(2, 2)
                self.flatten = tnn.Flatten()
                self.fc1, self.relu2, self.fc2 = tnn.Linear(4320, 100), tnn.ReLU(), \
                    tnn.Linear(100, 10)

            def forward(self, x):  # noqa: ANN001, ANN202
                x = self.pool1(self.relu1(self.conv1(x)))
                return self.fc2(self.relu2(self.fc1(self.flatten(x))))

        net = SimpleConvNet()
    else:
        class LeNet(tnn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.features = tnn.Sequential(
                    tnn.Conv2d(1, 6, 5, padding=2), tnn.Sigmoid(), tnn.AvgPool2d(2, 2),
                    tnn.Conv2d(6, 16, 5), tnn.Sigmoid(), tnn.AvgPool2d(2, 2))
                self.flatten = tnn.Flatten()
                self.classifier = tnn.Sequential(
                    tnn.Linear(400, 120), tnn.Sigmoid(), tnn.Linear(120, 84), tnn.Sigmoid(),
                    tnn.Linear(84, 10))

            def forward(self, x):  # noqa: ANN001, ANN202
                return self.classifier(self.flatten(self.features(x)))

        net = LeNet()
    net.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                         for k, v in mg_model.state_dict().items()})
    return net


# ----------------------------------------------------------------------------- cases

def make_models(name: str) -> tuple[mg.nn.Module, object]:
    mg.manual_seed(0)
    model = models.SimpleConvNet() if name == "simpleconvnet" else \
        models.LeNet(num_classes=10, activation="sigmoid", pool="avg")
    return model, (torch_twin(name, model) if torch is not None else None)


def step_case(name: str, batch: int = 100) -> dict[str, float]:
    rng = np.random.default_rng(0)
    x = rng.random((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    model, twin = make_models(name)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    xm, ym = mg.Tensor(x), mg.Tensor(y)

    def mg_step() -> None:
        loss = F.cross_entropy(model(xm), ym)
        opt.zero_grad()
        loss.backward()
        opt.step()

    fns = {"minigrad": mg_step}
    if twin is not None:
        topt = torch.optim.Adam(twin.parameters(), lr=1e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def torch_step() -> None:
            loss = torch.nn.functional.cross_entropy(twin(xt), yt)
            topt.zero_grad()
            loss.backward()
            topt.step()

        fns["torch"] = torch_step
    return best_of(fns, ARGS.repeat)


def inference_case(batch: int = 1000) -> dict[str, float]:
    x = np.random.default_rng(1).random((batch, 1, 28, 28), dtype=np.float32)
    model, twin = make_models("simpleconvnet")
    model.eval()
    xm = mg.Tensor(x)

    def mg_infer() -> None:
        with mg.no_grad():
            model(xm)

    fns = {"minigrad": mg_infer}
    if twin is not None:
        twin.eval()
        xt = torch.from_numpy(x)

        def torch_infer() -> None:
            with torch.no_grad():
                twin(xt)

        fns["torch"] = torch_infer
        with mg.no_grad(), torch.no_grad():  # same weights, same answer: a sanity check
            diff = np.abs(model(xm).detach().numpy() - twin(xt).numpy()).max()
        assert diff < 1e-3, f"minigrad and torch SimpleConvNet disagree by {diff}"
    times = best_of(fns, max(3, ARGS.repeat // 2))
    return {k: batch / t for k, t in times.items()}  # images per second


def main() -> None:
    print(f"minigrad {mg.__version__}, numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch is not None else ""))
    print(thread_report(ARGS.threads, torch))
    print(f"best of {ARGS.repeat} runs\n")
    print(f"{'case':<44}{'minigrad':>12}{'torch':>12}{'ratio':>9}  target")
    for name, label, target in (("simpleconvnet", "SimpleConvNet train step, batch 100", 1.5),
                                ("lenet", "LeNet (sigmoid, avg) train step, batch 100", 2.0)):
        t = step_case(name)
        tt = t.get("torch")
        ratio = f"{t['minigrad'] / tt:.2f}x" if tt else "-"
        torch_ms = f"{tt * 1e3:.2f} ms" if tt else "-"
        print(f"{label:<44}{t['minigrad'] * 1e3:>9.2f} ms{torch_ms:>12}{ratio:>9}  "
              f"<= {target}x torch time")
    ips = inference_case()
    ti = ips.get("torch")
    ratio = f"{ips['minigrad'] / ti:.2f}x" if ti else "-"
    torch_ips = f"{ti:,.0f}/s" if ti else "-"
    print(f"{'SimpleConvNet inference, batch 1000':<44}{ips['minigrad']:>10,.0f}/s{torch_ips:>12}"
          f"{ratio:>9}  >= 0.7x torch images/s")


if __name__ == "__main__":
    main()
