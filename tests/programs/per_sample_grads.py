"""PyTorch's tutorial "Per-sample-gradients" (torch.func): the gradient of each sample's
loss, first by a loop of ordinary ``backward()`` calls, then by ``vmap(grad(...))`` over
``functional_call`` with the parameters detached into a dict; the two must agree. Then a
Hessian-vector product of the batch loss with ``torch.autograd.functional.hvp`` against
``torch.func``'s forward-over-reverse ``jvp(grad(...))``, and ``jacrev``; the "Model
ensembling" tutorial (vmap over stacked weights) and the "Neural Tangent Kernels" one
(``vmap(jacrev(...))`` and einsum), ``grad_and_value(has_aux=True)``, ``out_dims``."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, jacrev, jvp, vmap

torch.set_default_dtype(torch.float64)


def pattern(shape, phase, scale=0.5):
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(1.7 * i + phase) for i in range(n)]).reshape(shape)


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 6, 3, 1)
        self.fc1 = nn.Linear(6 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


batch_size = 6
data = pattern((batch_size, 1, 8, 8), 0.3, 2.0)
targets = torch.tensor([(3 * i + 1) % 5 for i in range(batch_size)])
model = SimpleCNN()
for i, p in enumerate(model.parameters()):
    p.data.copy_(pattern(p.shape, i))


def compute_grad(sample, target):
    sample = sample.unsqueeze(0)  # prepend batch dimension for processing
    target = target.unsqueeze(0)
    prediction = model(sample)
    loss = loss_fn(prediction, target)
    return torch.autograd.grad(loss, list(model.parameters()))


def compute_sample_grads(data, targets):
    """manually process each sample with per sample gradient"""
    sample_grads = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
    sample_grads = zip(*sample_grads)
    sample_grads = [torch.stack(shards) for shards in sample_grads]
    return sample_grads


per_sample_grads = compute_sample_grads(data, targets)
print("shapes", [tuple(g.shape) for g in per_sample_grads[:2]])

params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}


def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    targets = target.unsqueeze(0)
    predictions = functional_call(model, (params, buffers), (batch,))
    loss = loss_fn(predictions, targets)
    return loss


ft_compute_grad = grad(compute_loss)
ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)
for per_sample_grad, (name, ft_per_sample_grad) in zip(per_sample_grads,
                                                        ft_per_sample_grads.items()):
    print(name, tuple(ft_per_sample_grad.shape),
          torch.allclose(per_sample_grad, ft_per_sample_grad, atol=1e-10, rtol=1e-8),
          ft_per_sample_grad.flatten(1).norm(dim=1).tolist()[:3])
# the batch gradient is the mean of the per-sample ones
model.zero_grad()
loss_fn(model(data), targets).backward()
print("mean agrees", all(torch.allclose(p.grad, ft_per_sample_grads[n].mean(0))
                         for n, p in model.named_parameters()))
print("params untouched", all(p.grad is None for p in params.values()))

# Hessian-vector products of the batch loss in the last layer's weight
w = model.fc2.weight.detach()
v = pattern(w.shape, 4.0)


def loss_of_fc2(weight):
    return loss_fn(functional_call(model, {"fc2.weight": weight}, (data,)), targets)


loss, hv = torch.autograd.functional.hvp(loss_of_fc2, w, v)
print("hvp loss", loss.item(), "hv", hv.norm().item(), hv[0, :3].tolist())
_, hv_fwd = jvp(grad(loss_of_fc2), (w,), (v,))
print("jvp(grad) agrees", torch.allclose(hv, hv_fwd))
_, vh = torch.autograd.functional.vhp(loss_of_fc2, w, v)
print("vhp agrees", torch.allclose(hv, vh))
H = torch.autograd.functional.hessian(loss_of_fc2, w)
print("hessian", tuple(H.shape), torch.allclose(H.reshape(w.numel(), -1) @ v.reshape(-1),
                                                 hv.reshape(-1)))
J = jacrev(lambda x: functional_call(model, params, (x,)).exp())(data[:1])
print("jacrev", tuple(J.shape), J.abs().sum().item())

# the "Model ensembling" tutorial: several models' weights stacked, one vmap over them.
# (the tutorial stacks with torch.func.stack_module_state, which minigrad does not have yet:
# the same dicts built with torch.stack)
models = [SimpleCNN() for _ in range(3)]
for m, model_i in enumerate(models):
    for i, p in enumerate(model_i.parameters()):
        p.data.copy_(pattern(p.shape, i + 0.5 * m))
params = {k: torch.stack([dict(m.named_parameters())[k].detach() for m in models])
          for k, _ in models[0].named_parameters()}
buffers = {}
base_model = models[0]


def fmodel(params, buffers, x):
    return functional_call(base_model, (params, buffers), (x,))


predictions_diff_minibatch = vmap(fmodel)(params, buffers, data.expand(3, *data.shape))
predictions_same_minibatch = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, data)
loop = torch.stack([m(data) for m in models])
print("ensemble", tuple(predictions_same_minibatch.shape),
      torch.allclose(predictions_same_minibatch, loop),
      torch.allclose(predictions_diff_minibatch, loop), loop.exp().max().item())

# the "Neural Tangent Kernels" tutorial: per-sample Jacobians by vmap(jacrev(...)), then
# the empirical NTK by einsum; and its vjp/jvp formulation's trace
net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
for i, p in enumerate(net.parameters()):
    p.data.copy_(pattern(p.shape, i + 10))
params = {k: v.detach() for k, v in net.named_parameters()}


def fnet_single(params, x):
    return functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)


def empirical_ntk_jacobian_contraction(fnet_single, params, x1, x2):
    # Compute J(x1)
    jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
    jac1 = jac1.values()
    jac1 = [j.flatten(2) for j in jac1]

    # Compute J(x2)
    jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
    jac2 = jac2.values()
    jac2 = [j.flatten(2) for j in jac2]

    # Compute J(x1) @ J(x2).T
    result = torch.stack([torch.einsum("Naf,Mbf->NMab", j1, j2) for j1, j2 in zip(jac1, jac2)])
    result = result.sum(0)
    return result


x_train = pattern((5, 4), 1.0, 1.0)
x_test = pattern((2, 4), 2.0, 1.0)
ntk = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test)
print("ntk", tuple(ntk.shape), ntk[0, 1].diagonal().tolist(), ntk.sum().item())
trace = torch.einsum("NMKK->NM", ntk)
print("trace", trace.flatten().tolist()[:4])


def loss_with_aux(params, x, y):
    out = functional_call(net, params, (x,))
    loss = F.mse_loss(out, y)
    return loss, out.detach()


(grads, (loss, out)) = torch.func.grad_and_value(loss_with_aux, has_aux=True)(
    params, x_train, pattern((5, 3), 4.0))
print("grad_and_value", loss.item(), tuple(out.shape), sorted(grads),
      grads["2.weight"].norm().item())
batched = vmap(lambda x: (x.sin().sum(), x * 2), out_dims=(0, 1))(x_train)
print("out_dims", tuple(batched[0].shape), tuple(batched[1].shape), batched[0].sum().item())
H = torch.func.hessian(lambda x: (x.sin() * x).sum())(x_test[0])
print("func.hessian", tuple(H.shape), H.diagonal().tolist())
