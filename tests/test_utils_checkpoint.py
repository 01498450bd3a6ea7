"""``minigrad.utils.checkpoint``: the same values and gradients as the plain call (and as
PyTorch's), with the activations freed after forward and recomputed in backward."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.utils.checkpoint import checkpoint, checkpoint_sequential


def _model(seed: int = 0, dropout: float = 0.0) -> nn.Sequential:
    mg.manual_seed(seed)
    layers: list = []
    for _ in range(4):
        layers += [nn.Linear(64, 64), nn.Tanh(), nn.Dropout(dropout)]
    return nn.Sequential(*layers).to(mg.float64)


def _grads(model: nn.Module) -> list[np.ndarray]:
    return [p.grad.numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("input_requires_grad", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_gradients_equal_the_plain_call(input_requires_grad: bool, dropout: float) -> None:
    x0 = np.random.default_rng(1).standard_normal((8, 64))
    results = []
    for use in (False, True):
        model = _model(dropout=dropout)
        x = mg.tensor(x0, requires_grad=input_requires_grad)
        mg.manual_seed(5)  # the same dropout masks in both runs
        y = checkpoint(model, x, use_reentrant=False) if use else model(x)
        (y * y).sum().backward()
        results.append((y.detach().numpy(), _grads(model),
                        x.grad.numpy() if input_requires_grad else None))
    (y0, g0, gx0), (y1, g1, gx1) = results
    np.testing.assert_array_equal(y0, y1)
    for a, b in zip(g0, g1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    if input_requires_grad:
        np.testing.assert_allclose(gx0, gx1, rtol=1e-12)


def test_the_activations_are_freed_after_forward() -> None:
    model = _model()
    x = mg.tensor(np.ones((4096, 64)), requires_grad=True)
    held = []
    for use in (False, True):
        tracemalloc.start()
        y = checkpoint(model, x) if use else model(x)
        held.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        y.sum().backward()
        del y
    plain, checkpointed = held
    # plain keeps ~12 activations of 2 MiB each; checkpointed keeps the output only
    assert checkpointed < plain / 4, (plain, checkpointed)


def test_checkpoint_sequential_and_a_non_leaf_input_and_second_derivatives() -> None:
    model = _model()
    w = mg.tensor(np.random.default_rng(2).standard_normal((8, 64)), requires_grad=True)
    x = w * 2  # a non-leaf input: the gradient must flow on to w
    y = checkpoint_sequential(model, 3, x)
    y.sum().backward()
    gw, gp = w.grad.numpy().copy(), _grads(model)
    model.zero_grad()
    w.grad = None
    model(w * 2).sum().backward()
    np.testing.assert_allclose(gw, w.grad.numpy(), rtol=1e-12)
    for a, b in zip(gp, _grads(model)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    # second derivatives flow through the recomputation
    z = mg.tensor([0.3, -0.7], dtype=mg.float64, requires_grad=True)
    (g,) = mg.grad(checkpoint(lambda t: (t ** 3).exp(), z).sum(), z, create_graph=True)
    (gg,) = mg.grad(g.sum(), z)
    zz = z.detach().numpy()
    want = (6 * zz + 9 * zz ** 4) * np.exp(zz ** 3)
    np.testing.assert_allclose(gg.numpy(), want, rtol=1e-12)


def test_bad_returns_and_segments_raise_clearly() -> None:
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="checkpoint: the function .* must return a Tensor"):
        checkpoint(lambda t: 3, x)
    with pytest.raises(ValueError, match="segments must be a positive int, got 0"):
        checkpoint_sequential(_model(), 0, x)


def test_matches_pytorch_checkpoint() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.checkpoint import checkpoint as t_checkpoint

    model = _model()
    t_model = torch.nn.Sequential(*[m for _ in range(4) for m in (
        torch.nn.Linear(64, 64), torch.nn.Tanh())]).double()
    t_linears = [m for m in t_model if isinstance(m, torch.nn.Linear)]
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for t, m in zip(t_linears, linears):
            t.weight.copy_(torch.from_numpy(m.weight.detach().numpy()))
            t.bias.copy_(torch.from_numpy(m.bias.detach().numpy()))
    x0 = np.random.default_rng(3).standard_normal((5, 64))
    y = checkpoint(model, mg.tensor(x0))
    (y * y).sum().backward()
    ty = t_checkpoint(t_model, torch.tensor(x0), use_reentrant=False)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    for m, t in zip(linears, t_linears):
        np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-10)
