"""``Tensor.data`` as in PyTorch: the same storage as a Tensor with no history; writing
through it changes the tensor without recording a graph. The array is ``numpy()``."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def test_data_is_a_tensor_sharing_storage_without_history() -> None:
    w = mg.randn(3, 2, requires_grad=True)
    y = w * 2
    for t in (w, y):
        d = t.data
        assert isinstance(d, mg.Tensor) and not isinstance(d, nn.Parameter)
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        assert np.shares_memory(d.numpy(), t.detach().numpy())
        assert d.shape == t.shape and d.dtype == t.dtype


def test_writing_through_data_changes_the_tensor_and_records_nothing() -> None:
    p = mg.ones(3, requires_grad=True)
    p.grad = mg.tensor([1.0, 2.0, 3.0])
    p.data.add_(-0.5 * p.grad)
    p.data -= 0.5 * p.grad
    p.data[0] = 7.0
    p.data.mul_(2)
    assert p.tolist() == [14.0, -2.0, -4.0]
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_numpy_is_the_array_and_refuses_a_tensor_that_requires_grad() -> None:
    w = mg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        w.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(w)
    a = w.detach().numpy()
    a[1] = 5.0  # the same memory, as in PyTorch
    assert w.tolist() == [0.0, 5.0]
    assert np.asarray(w.data).tolist() == [0.0, 5.0]


def test_assigning_data_takes_a_tensor_and_refuses_an_array() -> None:
    w = mg.zeros(2, 2, requires_grad=True)
    w.data = mg.ones(3)
    assert w.shape == (3,) and w.requires_grad and w.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="Tensor.data: assigned data must be a Tensor, got "
                                        "ndarray"):
        w.data = np.zeros(3)


def test_initialisation_through_data_in_a_module() -> None:
    mg.manual_seed(0)
    m = nn.Linear(4, 3)
    m.weight.data.normal_(0, 0.02)
    m.bias.data.fill_(0.01)
    assert m.bias.tolist() == pytest.approx([0.01] * 3)
    assert abs(float(m.weight.std())) < 0.1
    other = nn.Linear(4, 3)
    other.weight.data.copy_(m.weight.data)
    np.testing.assert_array_equal(other.weight.detach().numpy(), m.weight.detach().numpy())
    # the optimizer and the module still hold the same Parameter objects
    assert list(m.parameters())[0] is m.weight


def test_a_change_through_data_is_not_seen_by_the_version_check_but_detach_is() -> None:
    """PyTorch's documented difference between ``.data`` and ``.detach()``."""
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()  # fine either way: the graph is gone after backward
    y = (w * w).sum()
    w.data.mul_(10)  # not tracked: backward uses the new values silently, as in PyTorch
    y.backward()
    w.grad = None
    y = (w * w).sum()
    w.detach().mul_(10)  # tracked: the saved w is stale
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_numpy_operators_stay_in_the_graph_and_ufuncs_give_arrays() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x + np.float32(1)
    assert isinstance(y, mg.Tensor) and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]
    finite = np.isfinite(x.grad)
    assert isinstance(finite, np.ndarray) and finite.all()
    assert float(np.sum(x.grad)) == 7.0
    with pytest.raises(RuntimeError, match="requires grad"):
        np.exp(x)


def test_sgd_written_by_hand_with_data_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0, xs = rng.standard_normal((3, 2)), rng.standard_normal((5, 3))
    w, tw = mg.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    for _ in range(3):
        for lib, p in ((mg, w), (torch, tw)):
            loss = (lib.tensor(xs) @ p).tanh().sum()
            loss.backward()
            p.data -= 0.1 * p.grad
            p.data.add_(p.grad, alpha=-0.05)
            p.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12)
