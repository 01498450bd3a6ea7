"""Activation checkpointing: ``torch.utils.checkpoint`` recomputes a block in the backward
pass; values and gradients are those of the plain model."""

import math

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.set_default_dtype(torch.float64)


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([0.5 * math.sin(1.7 * i + phase) for i in range(n)]).reshape(shape)


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(width, 2 * width), nn.Linear(2 * width, width)

    def forward(self, x):
        return x + self.fc2(torch.tanh(self.fc1(x)))


class Net(nn.Module):
    def __init__(self, use_checkpoint):
        super().__init__()
        self.blocks = nn.ModuleList([Block(6) for _ in range(3)])
        self.head = nn.Linear(6, 2)
        self.use_checkpoint = use_checkpoint

    def forward(self, x):
        for block in self.blocks:
            x = checkpoint(block, x, use_reentrant=False) if self.use_checkpoint else block(x)
        return self.head(x)


x, y = pattern((10, 6), 1.0), torch.tensor([0, 1] * 5)
results = []
for use_checkpoint in (False, True):
    model = Net(use_checkpoint)
    for i, p in enumerate(model.parameters()):
        p.data.copy_(pattern(p.shape, i))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.5)
    for step in range(3):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        print("checkpoint", use_checkpoint, "step", step, "loss", loss.item())
    results.append([p.detach().clone() for p in model.parameters()])
print("same weights with and without:", all(torch.allclose(a, b, rtol=1e-12, atol=0)
                                            for a, b in zip(*results)))

seq = nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 1))
for i, p in enumerate(seq.parameters()):
    p.data.copy_(pattern(p.shape, i))
inp = x.clone().requires_grad_()
out = checkpoint_sequential(seq, 2, inp, use_reentrant=False)
out.sum().backward()
print("sequential:", out.sum().item(), inp.grad.sum().item(), seq[0].weight.grad.sum().item())
