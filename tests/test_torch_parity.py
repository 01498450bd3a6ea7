"""Values and gradients match PyTorch on the same inputs (only where torch is installed)."""

from __future__ import annotations

import types

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

MG = types.SimpleNamespace(where=mg.where, cat=mg.cat, stack=mg.stack, pad=mg.pad,
                           idx=lambda a: a)
TORCH = types.SimpleNamespace(where=torch.where, cat=torch.cat, stack=torch.stack,
                              pad=torch.nn.functional.pad, idx=torch.as_tensor)

# name -> (fn(lib, *inputs), input shapes); both libraries spell these ops the same way
PARITY = {
    "arith": (lambda L, a, b: (a * b + a / (b * b + 1) - 2.0) ** 2, [(2, 3), (3,)]),
    "unary": (lambda L, a: a.exp() + a.tanh() + a.sigmoid() + a.abs().sqrt() + a.relu(),
              [(3, 4)]),
    "log": (lambda L, a: (a * a + 1).log(), [(3, 4)]),
    "clamp_max_min": (lambda L, a, b: a.clamp(-0.5, 0.5) + a.maximum(b) + a.minimum(b),
                      [(3, 4), (4,)]),
    "where": (lambda L, a, b: L.where(a > 0, a, b * 2), [(3, 4), (3, 4)]),
    "matmul_batched": (lambda L, a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "matmul_vec": (lambda L, a, b: a @ b, [(4,), (2, 4, 3)]),
    "reductions": (lambda L, a: a.sum(1) + a.mean(1) + a.var(1) + a.amax(1) + a.logsumexp(1),
                   [(3, 5)]),
    "reductions_keepdim_neg": (lambda L, a: a.sum((-1, 0), keepdim=True) * a.mean(-2, keepdim=True),
                               [(2, 3, 4)]),
    "softmaxes": (lambda L, a: a.softmax(1) * 3 + a.log_softmax(0), [(3, 4)]),
    "shape_ops": (lambda L, a: a.reshape(3, 8).transpose(0, 1).permute(1, 0).flatten()
                  .unsqueeze(0).squeeze(0), [(2, 3, 4)]),
    "expand": (lambda L, a: a.expand(3, 2, 4) * 2, [(2, 1)]),
    "pad": (lambda L, a: L.pad(a, (1, 2, 2, 0)), [(2, 3, 3)]),
    "cat_stack": (lambda L, a, b: L.cat([a, b], 0).sum(0) + L.stack([a, a], 0).sum((0, 1)),
                  [(2, 3), (2, 3)]),
    "indexing": (lambda L, a: a[L.idx(np.array([0, 2, 0]))][:, 1:] * a[..., None, 0].sum(),
                 [(3, 4)]),
    "bool_mask": (lambda L, a: a[a > 0], [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(PARITY))
def test_values_and_grads_match_pytorch(name: str) -> None:
    fn, shapes = PARITY[name]
    rng = np.random.default_rng(7)
    arrays = [rng.normal(size=s) for s in shapes]
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(MG, *ours), fn(TORCH, *theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-5, atol=1e-8)
    seed = rng.normal(size=ref.shape)
    out.backward(mg.tensor(seed))
    ref.backward(torch.tensor(seed))
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.data, other.grad.numpy(), rtol=1e-5, atol=1e-8)


def test_second_derivatives_match_pytorch() -> None:
    data = np.random.default_rng(1).normal(size=(3, 4))
    x = mg.tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    (g,) = mg.grad((x.tanh() * x.softmax(1)).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad((xt.tanh() * xt.softmax(1)).sum(), xt, create_graph=True)
    (g * g).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-5, atol=1e-8)
