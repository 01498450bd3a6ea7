"""The engine's fast paths (issue 13, framework overhead) give what the general path gives.

No timings here: benchmarks/overhead.py measures the speed. These pin the behaviour the
shortcuts must keep: 0-d results, saved outputs without cycles, version checks, leaf sums,
gradient memory, the shared small tuples, and the collector freeze.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import autograd


def test_a_0d_op_gives_a_0d_array_tensor_not_a_numpy_scalar() -> None:
    x = mg.tensor(0.5, requires_grad=True)
    for y in (x * 2.0, x.tanh(), (x * 2.0).sum(), mg.tensor(0.5) * 2.0):
        assert type(y._data) is np.ndarray and y.shape == ()


def test_a_0d_chain_is_freed_by_reference_counting_alone() -> None:
    """tanh saves its output: on a 0-d input numpy returns a scalar, which must still be
    recognised as the output (kept as its array, not as a Tensor pointing at its node)."""
    gc.disable()
    try:
        x = mg.tensor(0.3, requires_grad=True)
        y = (x * 2.0 + 1.0).tanh().exp()
        node = weakref.ref(y.grad_fn.edges[0][0])  # the tanh node
        assert node().name == "Tanh"
        del y
        assert node() is None
    finally:
        gc.enable()


def test_a_0d_saved_output_changed_in_place_is_caught() -> None:
    x = mg.tensor(0.3, requires_grad=True)
    y = x.tanh()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="Tanh.*modified by an inplace operation"):
        y.backward()


def test_a_saved_input_changed_in_place_is_caught() -> None:
    x = mg.tensor([0.3, 0.4], requires_grad=True)
    h = x * 1.0
    y = (h * h).sum()
    h.mul_(2.0)
    with pytest.raises(RuntimeError, match="Mul.*version 1; expected version 0"):
        y.backward()


def test_a_leaf_used_twice_gets_the_sum_once_through_its_hook() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g._data.copy()))
    (x * x + x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [5.0, 7.0])
    assert len(seen) == 1 and np.allclose(seen[0], [5.0, 7.0])


def test_a_leaf_used_twice_stays_differentiable_under_create_graph() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mg.grad((x * x * x).sum(), x, create_graph=True)  # 3x^2, from three uses of x
    assert g.requires_grad
    (gg,) = mg.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, [6.0, 12.0])


@pytest.mark.parametrize("shape, dim", [((1,), None), ((1, 1), None), ((3, 1), 1), ((3, 1), None)])
def test_sum_gradient_over_size_1_dims_is_ones_in_memory_of_its_own(shape, dim) -> None:
    x = mg.tensor(np.full(shape, 2.0), requires_grad=True)
    x.sum(dim).sum().backward()
    g = x.grad._data
    assert g.shape == shape and g.flags.writeable and g.base is None
    np.testing.assert_array_equal(g, np.ones(shape))
    g += 1  # the .grad owns its memory: nothing else changes
    x.grad = None
    x.sum(dim).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(shape))


def test_needs_input_grad_is_a_tuple_of_bools_even_from_an_int_requires_grad() -> None:
    class Spy(autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            Spy.needs = ctx.needs_input_grad
            return a.data * (b.data if isinstance(b, mg.Tensor) else b)

        @staticmethod
        def backward(ctx, g):
            return g, g

    a = mg.tensor([1.0]).requires_grad_(1)
    Spy.apply(a, mg.tensor([2.0]))
    assert Spy.needs == (True, False) and all(type(n) is bool for n in Spy.needs)
    Spy.apply(a, 3.0)
    assert Spy.needs == (True, False)


def test_saved_versions_are_the_tensors_versions_not_bools() -> None:
    x = mg.tensor([1.0], requires_grad=True)
    c = mg.tensor([2.0])
    with mg.no_grad():
        c.add_(1.0)  # version 1
    y = x * c
    assert y.grad_fn._versions == (0, 1)
    assert all(type(v) is int for v in y.grad_fn._versions)


def test_a_graph_past_the_freeze_threshold_is_frozen_then_released_by_backward() -> None:
    if gc.get_freeze_count():
        pytest.skip("something else froze the collector")
    x = mg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(autograd._GraphGC.START - 10):
        y = y * 1.0
    assert gc.get_freeze_count() == 0  # a small graph is left alone
    for _ in range(50):
        y = y * 1.0
    assert gc.get_freeze_count() > 0
    y.sum().backward()
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert x.grad.item() == 1.0
