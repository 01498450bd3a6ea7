"""Gradient clipping on ``model.parameters()`` (a generator): by norm and by value."""

import math

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([0.5 * math.sin(1.7 * i + phase) for i in range(n)]).reshape(shape)


def grad_norm(model):
    return math.sqrt(sum((p.grad ** 2).sum().item() for p in model.parameters()))


model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))
for i, p in enumerate(model.parameters()):
    p.data.copy_(pattern(p.shape, i))
x, target = pattern((16, 5), 7.0) * 4, pattern((16, 2), 9.0) * 10

loss = ((model(x) - target) ** 2).mean()
loss.backward()
print("norm before:", grad_norm(model))
total = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
print("returned:", total.item(), "norm after:", grad_norm(model))

total = nn.utils.clip_grad_norm_(model.parameters(), 0.5, norm_type=float("inf"))
print("inf norm returned:", total.item(),
      "largest after:", max(p.grad.abs().max().item() for p in model.parameters()))

nn.utils.clip_grad_value_(model.parameters(), 0.05)
print("largest after clip_grad_value_:",
      max(p.grad.abs().max().item() for p in model.parameters()))
print("sums:", [p.grad.sum().item() for p in model.parameters()])

optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for step in range(4):
    optimizer.zero_grad()
    loss = ((model(x) - target) ** 2).mean()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0)
    optimizer.step()
    print("step", step, "loss", loss.item(), "norm", norm.item())
