"""``nn.DataParallel`` on a machine without GPUs: it calls the module; keys start ``module.``."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([0.5 * math.sin(1.7 * i + phase) for i in range(n)]).reshape(shape)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.fc = nn.Linear(3 * 4 * 4, 4)

    def forward(self, x):
        return self.fc(F.max_pool2d(F.relu(self.conv(x)), 2).flatten(1))


net = Net()
for i, p in enumerate(net.parameters()):
    p.data.copy_(pattern(p.shape, i))
model = nn.DataParallel(net)
print("wraps:", type(model.module).__name__, model.module is net)
print("keys:", list(model.state_dict().keys()))

x, y = pattern((6, 2, 8, 8), 3.0), torch.tensor([0, 1, 2, 3, 0, 1])
print("same as the module:", torch.equal(model(x), net(x)))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    print("step", step, "loss", loss.item())

state = model.module.state_dict()
print("module keys:", list(state.keys()), "weight sum:", state["conv.weight"].sum().item())
