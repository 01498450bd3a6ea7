"""Stochastic Weight Averaging as the PyTorch recipe writes it, on a small regressor whose
hidden layer is weight-normalised and whose output layer is spectrally normalised with
``nn.utils.parametrizations``, with a ``BatchNorm1d`` in between: SGD with ``SWALR`` after
``swa_start``, ``AveragedModel.update_parameters`` each epoch, ``update_bn`` over the
DataLoader at the end; plus EMA models from ``get_ema_multi_avg_fn`` (of the buffers too).
The loader does not shuffle, so the numbers compare. Then an ``orthogonal`` layer, the older
``nn.utils.weight_norm``/``spectral_norm`` hooks and ``ASGD``, and the "Parametrizations"
tutorial (Symmetric, Skew + Cayley map, ``right_inverse``, ``parametrize.cached()``)."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrizations, parametrize
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)


def pattern(shape, phase, scale=0.5):
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(1.3 * i + phase) for i in range(n)]).reshape(shape)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = parametrizations.weight_norm(nn.Linear(4, 10))
        self.bn = nn.BatchNorm1d(10)
        self.fc2 = parametrizations.spectral_norm(nn.Linear(10, 10))
        self.out = nn.Linear(10, 1)

    def forward(self, x):
        x = F.relu(self.bn(self.fc1(x)))
        x = torch.tanh(self.fc2(x))
        return self.out(x)


def top_singular_value(w):
    return torch.linalg.matrix_norm(w, ord=2).item()


model = Net()
with torch.no_grad():  # weights from a formula, through the parametrizations' inverses
    for i, (name, p) in enumerate(model.named_parameters()):
        if "parametrizations" not in name:
            p.copy_(pattern(p.shape, i))
    model.fc1.weight = pattern((10, 4), 11.0)
    model.fc2.parametrizations.weight.original.copy_(pattern((10, 10), 12.0))
    model.fc2.parametrizations.weight[0]._u.copy_(F.normalize(pattern((10,), 13.0), dim=0))
    model.fc2.parametrizations.weight[0]._v.copy_(F.normalize(pattern((10,), 14.0), dim=0))
print("parametrized", parametrize.is_parametrized(model.fc1), type(model.fc1).__name__)
print("keys", sorted(model.state_dict()))
print("g", model.fc1.parametrizations.weight.original0.flatten()[:3].tolist())
print("fc1 row norms", model.fc1.weight.norm(dim=1)[:3].tolist())

x = pattern((32, 4), 1.0, 2.0)
y = (x[:, :1] * x[:, 1:2]).sin() + 0.3 * x[:, 2:3]
loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=False)

optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
# an EMA of the buffers too (the batch norm's running statistics and its step counter)
ema_buffers = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.8), use_buffers=True)
swa_start = 3
swa_scheduler = SWALR(optimizer, swa_lr=0.02, anneal_epochs=2, anneal_strategy="cos")
loss_fn = nn.MSELoss()
for epoch in range(6):
    total = 0.0
    for input, target in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(input), target)
        loss.backward()
        optimizer.step()
        ema_model.update_parameters(model)
        ema_buffers.update_parameters(model)
        total += loss.item()
    if epoch > swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    else:
        scheduler.step()
    print("epoch", epoch, "loss", total, "lr", optimizer.param_groups[0]["lr"],
          "sigma", top_singular_value(model.fc2.weight))

print("n_averaged", swa_model.n_averaged.item(), ema_model.n_averaged.item())
bn = ema_buffers.module.bn
print("ema buffers", bn.running_mean[:3].tolist(), bn.running_var[:3].tolist(),
      bn.num_batches_tracked.item(), model.bn.num_batches_tracked.item())
print("fc1 row norms", model.fc1.weight.norm(dim=1)[:3].tolist())
print("param norms", [round(p.norm().item(), 10) for p in model.parameters()])
print("swa param norms", [round(p.norm().item(), 10) for p in swa_model.parameters()])
print("bn before", swa_model.module.bn.running_mean[:3].tolist())
update_bn(loader, swa_model)
print("bn after", swa_model.module.bn.running_mean[:3].tolist(),
      swa_model.module.bn.running_var[:3].tolist(),
      swa_model.module.bn.num_batches_tracked.item())
swa_model.eval()
ema_model.eval()
model.eval()
with torch.no_grad():
    test = pattern((5, 4), 7.0, 2.0)
    print("swa output", swa_model(test).flatten().tolist())
    print("ema output", ema_model(test).flatten().tolist())
    ema_buffers.eval()
    print("ema buffers output", ema_buffers(test).flatten().tolist())
    print("model output", model(test).flatten().tolist())
    print("eval sigma", top_singular_value(swa_model.module.fc2.weight))
# removing the parametrizations leaves plain weights with the same values
w = model.fc1.weight.detach().clone()
parametrize.remove_parametrizations(model.fc1, "weight")
print("removed", type(model.fc1).__name__, torch.allclose(model.fc1.weight, w))

# an orthogonal recurrent-style weight, kept orthogonal through training; the older
# torch.nn.utils.weight_norm / spectral_norm hooks; ASGD, which averages iterates itself
rot = parametrizations.orthogonal(nn.Linear(5, 5, bias=False))
old_wn = nn.utils.weight_norm(nn.Linear(5, 3), name="weight")
old_sn = nn.utils.spectral_norm(nn.Linear(3, 2))
with torch.no_grad():
    rot.weight = torch.linalg.qr(pattern((5, 5), 20.0) + torch.eye(5))[0]
    old_wn.weight_g.copy_(pattern((3, 1), 21.0).abs() + 0.5)
    old_wn.weight_v.copy_(pattern((3, 5), 22.0))
    old_wn.bias.copy_(pattern((3,), 23.0))
    old_sn.weight_orig.copy_(pattern((2, 3), 24.0))
    old_sn.bias.copy_(pattern((2,), 25.0))
    old_sn.weight_u.copy_(F.normalize(pattern((2,), 26.0), dim=0))
    old_sn.weight_v.copy_(F.normalize(pattern((3,), 27.0), dim=0))
print("old keys", sorted(old_wn.state_dict()), sorted(old_sn.state_dict()))
small = nn.Sequential(rot, nn.Tanh(), old_wn, nn.Tanh(), old_sn)
asgd = torch.optim.ASGD(small.parameters(), lr=0.05, t0=2, lambd=1e-3)
inputs = pattern((16, 5), 30.0, 2.0)
goal = pattern((16, 2), 31.0)
for step in range(5):
    asgd.zero_grad()
    loss = F.mse_loss(small(inputs), goal)
    loss.backward()
    asgd.step()
    print("asgd", step, loss.item(),
          "orthogonal", torch.allclose(rot.weight @ rot.weight.T, torch.eye(5)))
# (through state_dict(): minigrad's optimizer.state[p] holds numpy arrays, not Tensors)
state = asgd.state_dict()["state"][3]
print("asgd state", sorted(state), [round(float(v), 10) for v in (state["eta"], state["mu"])],
      state["ax"].norm().item())
print("old sigma", top_singular_value(old_sn.weight), "old g", old_wn.weight_g.flatten().tolist())
small.eval()
with parametrize.cached():
    print("eval", small(inputs[:3]).flatten().tolist())
nn.utils.remove_weight_norm(old_wn)
nn.utils.remove_spectral_norm(old_sn)
print("plain", sorted(old_wn.state_dict()), sorted(old_sn.state_dict()))
print("after removal", small(inputs[:3]).flatten().tolist())


# the "Parametrizations" tutorial: Symmetric and Skew, a right_inverse, chained
# parametrizations, parametrize.cached()
class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Skew(nn.Module):
    def forward(self, X):
        A = X.triu(1)
        return A - A.transpose(-1, -2)


class MatrixExponential(nn.Module):
    def forward(self, X):
        return torch.matrix_exp(X)

    def right_inverse(self, A):
        return torch.linalg.solve(A, A)  # any X with matrix_exp(X) = A would do; the tutorial's


class CayleyMap(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("Id", torch.eye(n))

    def forward(self, X):
        # (I + X)(I - X)^{-1}
        return torch.linalg.solve(self.Id - X, self.Id + X)


layer = nn.Linear(3, 3)
with torch.no_grad():
    layer.weight.copy_(pattern((3, 3), 40.0))
    layer.bias.copy_(pattern((3,), 41.0))
parametrize.register_parametrization(layer, "weight", Symmetric())
A = layer.weight
print("symmetric", torch.allclose(A, A.T), A.diagonal().tolist(),
      type(layer.parametrizations.weight[0]).__name__)
layer2 = nn.Linear(3, 3)
with torch.no_grad():
    layer2.weight.copy_(pattern((3, 3), 42.0))
    layer2.bias.copy_(pattern((3,), 44.0))
parametrize.register_parametrization(layer2, "weight", Skew())
parametrize.register_parametrization(layer2, "weight", CayleyMap(3))
X = layer2.weight
print("cayley orthogonal", torch.allclose(X.T @ X, torch.eye(3)), X.det().item(),
      len(layer2.parametrizations.weight))
opt = torch.optim.SGD(list(layer.parameters()) + list(layer2.parameters()), lr=0.1)
for step in range(3):
    opt.zero_grad()
    with parametrize.cached():
        out = layer2(layer(inputs[:, :3]))
        loss = (out - goal[:, :1]).pow(2).mean()
    loss.backward()
    opt.step()
    print("tutorial step", step, loss.item(),
          torch.allclose(layer2.weight.T @ layer2.weight, torch.eye(3)))
S = pattern((3, 3), 43.0) + pattern((3, 3), 43.0).T
try:
    layer.weight = S
except RuntimeError as e:
    print("refused:", type(e).__name__, "right_inverse" in str(e))


class SymmetricWithInverse(Symmetric):
    def right_inverse(self, A):
        return A.triu()


layer3 = nn.Linear(3, 3)
parametrize.register_parametrization(layer3, "weight", SymmetricWithInverse())
layer3.weight = S
print("assigned", layer3.parametrizations.weight.original.sum().item(),
      torch.allclose(layer3.weight, S))
layer4 = nn.Linear(3, 3, bias=False)
with torch.no_grad():
    layer4.weight.copy_(torch.eye(3) * 2.0)
parametrize.register_parametrization(layer4, "weight", MatrixExponential())
print("matrix_exp", layer4.weight.diagonal().tolist(),
      layer4.parametrizations.weight.original.diagonal().tolist())
parametrize.remove_parametrizations(layer2, "weight", leave_parametrized=False)
print("unparametrized", type(layer2).__name__, layer2.weight.sum().item())
