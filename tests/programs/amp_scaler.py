"""PyTorch's "Automatic Mixed Precision" recipe's training loop with a ``GradScaler`` on the
CPU: ``scaler.scale(loss).backward()``, ``scaler.unscale_(opt)`` then
``clip_grad_norm_`` on the true gradients, ``scaler.step(opt)``, ``scaler.update()``. One
step's gradient is made infinite: the step is skipped and the scale backs off; a short
growth interval shows it growing again. Then the checkpoint round trip of the scaler's
state, a NaN step under a fresh scaler, the recipe's "multiple models, losses and
optimizers" and gradient accumulation sections."""

import math

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


def pattern(shape, phase, scale=0.5):
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(1.3 * i + phase) for i in range(n)]).reshape(shape)


def make_model(in_size, out_size, num_layers):
    layers = []
    for _ in range(num_layers - 1):
        layers.append(nn.Linear(in_size, in_size))
        layers.append(nn.ReLU())
    layers.append(nn.Linear(in_size, out_size))
    return nn.Sequential(*layers)


in_size, out_size, num_layers = 6, 3, 3
net = make_model(in_size, out_size, num_layers)
for i, p in enumerate(net.parameters()):
    p.data.copy_(pattern(p.shape, i))
data = [pattern((8, in_size), 1.0 + k, 2.0) for k in range(3)]
targets = [pattern((8, out_size), 5.0 + k, 1.0) for k in range(3)]
loss_fn = torch.nn.MSELoss()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.5)

# autocast on the CPU would run bfloat16 (which minigrad lacks): the recipe's use_amp flag off
use_amp = False
scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=2)
print("enabled", scaler.is_enabled(), "scale", scaler.get_scale())
for epoch in range(3):
    for step, (input, target) in enumerate(zip(data, targets)):
        with torch.autocast(device_type="cpu", enabled=use_amp):
            output = net(input)
            loss = loss_fn(output, target)
        scaled = scaler.scale(loss)
        scaled.backward()
        if epoch == 1 and step == 1:  # an overflow in the backward pass
            net[0].weight.grad[2, 3] = float("inf")
        before = [p.detach().clone() for p in net.parameters()]
        # Unscales the gradients of optimizer's assigned params in-place
        scaler.unscale_(opt)
        # Since the gradients of optimizer's assigned params are now unscaled, clips as usual.
        norm = torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=0.5)
        scaler.step(opt)
        scaler.update()
        moved = any(not torch.equal(a, p) for a, p in zip(before, net.parameters()))
        opt.zero_grad(set_to_none=True)
        print("epoch", epoch, "step", step, "loss", loss.item(), "scaled", scaled.item(),
              "norm", norm.item(), "moved", moved, "scale", scaler.get_scale())

print("params", [round(p.sum().item(), 10) for p in net.parameters()])
checkpoint = {"model": net.state_dict(), "optimizer": opt.state_dict(),
              "scaler": scaler.state_dict()}
print("scaler state", sorted(checkpoint["scaler"].items()))
scaler2 = torch.amp.GradScaler("cpu")
scaler2.load_state_dict(checkpoint["scaler"])
print("restored", scaler2.get_scale(), scaler2.get_growth_interval(),
      scaler2.get_backoff_factor())

# a NaN loss: everything skipped, the scale halved, the momentum buffers untouched
# (read through state_dict(): minigrad's opt.state[p] holds numpy arrays, not Tensors)
buf = opt.state_dict()["state"][0]["momentum_buffer"].clone()
loss = loss_fn(net(data[0]), targets[0]) * float("nan")
scaler2.scale(loss).backward()
scaler2.step(opt)
scaler2.update()
print("nan step", scaler2.get_scale(),
      torch.equal(buf, opt.state_dict()["state"][0]["momentum_buffer"]))
# growth_factor and backoff_factor setters
scaler2.set_backoff_factor(0.25)
scaler2.update(new_scale=3.0)
print("set", scaler2.get_scale(), scaler2.get_backoff_factor(),
      scaler2.scale(torch.tensor(2.0)).item(), scaler2.scale(torch.tensor(2.0)).dtype)

# the recipe's "multiple models, losses and optimizers": one scaler, each optimizer stepped
# by it, one update per iteration; and gradient accumulation over two micro-batches
model0, model1 = make_model(in_size, out_size, 2), make_model(in_size, out_size, 2)
for k, model in enumerate((model0, model1)):
    for i, p in enumerate(model.parameters()):
        p.data.copy_(pattern(p.shape, i + 3 * k))
optimizer0 = torch.optim.SGD(model0.parameters(), lr=0.01)
optimizer1 = torch.optim.Adam(model1.parameters(), lr=0.01)
scaler = torch.amp.GradScaler("cpu", init_scale=256.0, growth_interval=1)
for it in range(3):
    optimizer0.zero_grad()
    optimizer1.zero_grad()
    output0 = model0(data[it])
    output1 = model1(data[it])
    loss0 = loss_fn(2 * output0 + 3 * output1, targets[it])
    loss1 = loss_fn(3 * output0 - 5 * output1, targets[it])
    scaler.scale(loss0).backward(retain_graph=True)
    scaler.scale(loss1).backward()
    if it == 1:
        model1[0].bias.grad[0] = float("nan")  # only optimizer1's gradients overflow
    scaler.unscale_(optimizer0)
    scaler.step(optimizer0)
    scaler.step(optimizer1)
    scaler.update()
    print("multi", it, loss0.item(), loss1.item(), "scale", scaler.get_scale(),
          [round(p.sum().item(), 10) for p in model0.parameters()][:2],
          [round(p.sum().item(), 10) for p in model1.parameters()][:2])
scaled = scaler.scale([loss0.detach(), (loss1.detach(), loss1.detach())])
print("scaled list", type(scaled).__name__, type(scaled[1]).__name__, scaled[0].item())

iters_to_accumulate = 2
scaler = torch.amp.GradScaler("cpu", init_scale=64.0)
opt = torch.optim.SGD(net.parameters(), lr=0.05)
opt.zero_grad()  # the NaN step above left its gradients
for i, (input, target) in enumerate(zip(data * 2, targets * 2)):
    loss = loss_fn(net(input), target) / iters_to_accumulate
    scaler.scale(loss).backward()
    if (i + 1) % iters_to_accumulate == 0:
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        print("accumulated", i, [round(p.sum().item(), 10) for p in net.parameters()][:3])
off = torch.amp.GradScaler("cpu", enabled=False)
print("disabled", off.is_enabled(), off.scale(torch.tensor(3.0)).item(), off.get_scale())
