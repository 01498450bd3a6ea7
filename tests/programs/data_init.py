"""Initialising weights by writing to ``.data`` in place (as DCGAN's weights_init does), then
training from those weights."""

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
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        return self.fc(F.relu(self.bn(self.conv(x))).flatten(1))


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)


torch.manual_seed(0)
model = Net()
model.apply(weights_init)
w, g = model.conv.weight, model.bn.weight
print("conv weight ~ N(0, 0.02):", abs(w.mean().item()) < 0.02, abs(w.std().item() - 0.02) < 0.01)
print("bn weight ~ N(1, 0.02):", abs(g.mean().item() - 1) < 0.03, model.bn.bias.abs().sum().item())
print("still leaves that require grad:", w.is_leaf, w.requires_grad, w.grad_fn is None)

# the same weights in both libraries from here on
model.conv.weight.data.copy_(pattern(model.conv.weight.shape, 0.0))
model.conv.bias.data.zero_()
model.fc.weight.data.copy_(pattern(model.fc.weight.shape, 1.0))
model.fc.weight.data.mul_(0.5)
model.fc.bias.data.fill_(0.1)
model.fc.bias.data += 0.05
model.bn.weight.data.fill_(1.0)
print("bias:", model.fc.bias.tolist())

x = pattern((5, 1, 6, 6), 2.0)
y = torch.tensor([0, 1, 2, 1, 0])
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for step in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    print("step", step, "loss", loss.item())

# the by-hand update of the tutorials: p.data.add_(p.grad, alpha=-lr)
loss = F.cross_entropy(model(x), y)
model.zero_grad()
loss.backward()
for p in model.parameters():
    p.data.add_(p.grad, alpha=-0.1)
print("after a by-hand step, loss", F.cross_entropy(model(x), y).item())
print("running mean:", model.bn.running_mean.tolist())
