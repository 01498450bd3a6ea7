"""Writes a state dict with ``torch.save`` (run on PyTorch only: load_pth.py reads the file)."""

import sys

import torch
from load_pth import Net

torch.manual_seed(0)
model = Net()
model(torch.randn(4, 1, 8, 8))  # moves the BatchNorm running statistics off their defaults
torch.save(model.state_dict(), sys.argv[1])
