"""The lines at the top of GPU programs: cudnn flags, a device chosen by availability."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
torch.set_default_dtype(torch.float64)


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([0.5 * math.sin(1.7 * i + phase) for i in range(n)]).reshape(shape)


print("benchmark:", torch.backends.cudnn.benchmark,
      "deterministic:", torch.backends.cudnn.deterministic,
      "enabled:", torch.backends.cudnn.enabled)
print("cuda:", torch.cuda.is_available(), "mps:", torch.backends.mps.is_available(),
      "cudnn:", torch.backends.cudnn.is_available())
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("device:", device, device.type)

model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
for i, p in enumerate(model.parameters()):
    p.data.copy_(pattern(p.shape, i))
model = model.to(device)
x = pattern((4, 1, 6, 6), 5.0).to(device)
y = torch.tensor([0, 1, 2, 0]).to(device)
print("on:", x.device.type, next(model.parameters()).device.type, x.is_cuda)
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
for step in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    print("step", step, "loss", loss.item())
torch.backends.cudnn.benchmark = False
print("benchmark:", torch.backends.cudnn.benchmark)
