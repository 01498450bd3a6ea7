"""Loading a ``.pth`` state dict that ``torch.save`` wrote (save_pth.py), then evaluating and
training from it."""

import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 3 * 3, 3)

    def forward(self, x):
        return self.fc(F.max_pool2d(F.relu(self.bn(self.conv(x))), 2).flatten(1))


def main(path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    print("keys:", list(state.keys()))
    print("dtypes:", sorted({str(v.dtype) for v in state.values()}))
    model = Net()
    print(model.load_state_dict(state))
    print("running mean:", model.bn.running_mean.tolist(), "batches:",
          model.bn.num_batches_tracked.item())
    x = torch.linspace(-1, 1, 2 * 64).reshape(2, 1, 8, 8)
    model.eval()
    with torch.no_grad():
        print("eval logits:", model(x).flatten().tolist())
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.cross_entropy(model(x), torch.tensor([0, 2]))
    loss.backward()
    optimizer.step()
    print("train loss:", loss.item(), "conv weight after a step:",
          model.conv.weight.sum().item())


if __name__ == "__main__":
    main(sys.argv[1])
