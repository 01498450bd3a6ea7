"""Move SimpleConvNet's weights from minigrad to an equivalent PyTorch module and back.

    python examples/port_to_torch.py

The state dicts have the same keys and layouts (``conv1.weight`` is (out, in, kh, kw),
``fc1.weight`` is (out, in)), so porting is one dict comprehension each way: ``.numpy()`` /
``torch.from_numpy`` going over, ``.detach().numpy()`` coming back. The script shows the
outputs and gradients of the two frameworks agree. PyTorch is optional: without it the script
says so and exits 0. docs/porting.md explains each step.
"""

from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.models import SimpleConvNet

try:
    import torch
except ImportError:
    torch = None


def torch_simpleconvnet():  # noqa: ANN201  (torch is optional, so no annotation)
    """SimpleConvNet written in PyTorch, with minigrad's attribute (= state dict) names."""
    tnn = torch.nn

    class TorchSimpleConvNet(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 30, kernel_size=5)
            self.relu1 = tnn.ReLU()
            self.pool1 = tnn.MaxPool2d(2, 2)
            self.flatten = tnn.Flatten()
            self.fc1 = tnn.Linear(30 * 12 * 12, 100)
            self.relu2 = tnn.ReLU()
            self.fc2 = tnn.Linear(100, 10)

        def forward(self, x):  # noqa: ANN001, ANN202
            x = self.pool1(self.relu1(self.conv1(x)))
            return self.fc2(self.relu2(self.fc1(self.flatten(x))))

    return TorchSimpleConvNet()


def main() -> int:
    if torch is None:
        print("PyTorch is not installed, so there is nothing to port to: "
              "pip install torch==2.13.0 (the version the README pins) "
              "(docs/porting.md shows the same steps)")
        return 0

    mg.manual_seed(0)
    ours = SimpleConvNet(weight_init_std="he")
    theirs = torch_simpleconvnet()

    # minigrad -> PyTorch: one array per state dict entry (copied: no shared memory)
    result = theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                                     for k, v in ours.state_dict().items()})
    print(f"minigrad -> PyTorch: {len(ours.state_dict())} arrays, {result}")

    rng = np.random.default_rng(0)
    images = rng.random((16, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, size=16)
    loss = F.cross_entropy(ours(mg.tensor(images)), mg.tensor(labels))
    loss.backward()
    torch_loss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(images)),
                                                   torch.from_numpy(labels))
    torch_loss.backward()
    print(f"loss on a random batch: minigrad {loss.item():.6f}, PyTorch {torch_loss.item():.6f}")
    torch_params = dict(theirs.named_parameters())
    worst = 0.0
    for name, p in ours.named_parameters():
        theirs_grad = torch_params[name].grad.numpy()
        worst = max(worst, np.abs(p.grad.numpy() - theirs_grad).max() / np.abs(theirs_grad).max())
    print(f"gradients of all {len(torch_params)} parameters agree to {worst:.1e} (relative)")

    # train the PyTorch copy a little, then bring its weights back
    sgd = torch.optim.SGD(theirs.parameters(), lr=0.01)
    sgd.step()
    back = SimpleConvNet()
    back.load_state_dict({k: v.detach().cpu().numpy() for k, v in theirs.state_dict().items()})
    with mg.no_grad(), torch.no_grad():
        out_back = back(mg.tensor(images)).numpy()
        out_theirs = theirs(torch.from_numpy(images)).numpy()
        out_before = ours(mg.tensor(images)).numpy()
    difference = np.abs(out_back - out_theirs).max()
    moved = np.abs(out_back - out_before).max()
    print(f"PyTorch -> minigrad after one SGD step in PyTorch: outputs differ by {difference:.1e} "
          f"(the step itself moved them by {moved:.2f})")

    ok = np.isclose(loss.item(), torch_loss.item(), rtol=1e-5) and worst < 1e-4 \
        and difference < 1e-4 < moved
    print("round trip OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
