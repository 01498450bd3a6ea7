"""The engine's semantics, checked against what PyTorch does, and its fast paths."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch, optional_torch, same

import minigrad as mg
from minigrad import autograd
from minigrad.autograd import Function


def leaf(*values: float) -> mg.Tensor:
    return mg.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_gradients_accumulate_into_leaves_across_backward_calls() -> None:
    x = leaf(1.0, 2.0)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3 + 2, 3 + 4])


def test_intermediate_tensors_get_grad_only_with_retain_grad() -> None:
    x = leaf(1.0, 2.0)
    y = x * 2
    z = x * 3
    z.retain_grad()
    (y * z).sum().backward()
    assert y.grad is None
    np.testing.assert_allclose(z.grad.data, y.data)
    assert z.retains_grad and not y.retains_grad


def test_second_backward_without_retain_graph_raises_clearly() -> None:
    x = leaf(1.0, 2.0)
    y = (x.exp() + x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward() -> None:
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 8.0])


def test_backward_on_non_scalar_needs_a_gradient() -> None:
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\)"):
        (x * 2).backward()
    (x * 2).backward(mg.tensor([1.0, 10.0], dtype=np.float64))
    np.testing.assert_allclose(x.grad.data, [2.0, 20.0])


def test_backward_on_a_tensor_without_graph_says_why() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


@pytest.mark.slow
def test_a_chain_of_100000_ops_backpropagates_and_frees_without_recursion() -> None:
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    y2 = x
    for _ in range(100_000):
        y2 = y2 + 0.0
    del y2  # deleting a deep graph must not overflow the C stack either
    gc.collect()


def test_no_reference_cycles_graph_is_freed_by_refcount() -> None:
    gc.disable()
    try:
        x = leaf(1.0, 2.0)
        y = (x.exp() * x).tanh().sum()  # exp and tanh save their outputs
        node = weakref.ref(y.grad_fn)
        out = weakref.ref(y)
        y.backward()
        del y
        assert out() is None and node() is None
    finally:
        gc.enable()


@pytest.mark.slow
def test_memory_stays_flat_over_many_training_like_steps() -> None:
    w = mg.tensor(np.random.default_rng(0).normal(size=(20, 10)), requires_grad=True)
    x = mg.tensor(np.random.default_rng(1).normal(size=(8, 20)))

    def step() -> None:
        loss = ((x @ w).tanh().exp() * 0.5).log_softmax(1).mean()
        loss.backward()
        with mg.no_grad():
            w.data -= 0.01 * w.grad.data
        w.grad = None

    for _ in range(200):
        step()
    gc.disable()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(10_000):
            step()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
        gc.enable()
    assert grown < 200_000, f"memory grew by {grown} bytes over 10,000 steps"


def test_no_grad_enable_grad_and_set_grad_enabled() -> None:
    x = leaf(1.0)
    with mg.no_grad():
        y = x * 2
        with mg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)
    assert not mg.is_grad_enabled()
    mg.set_grad_enabled(True)


def test_grad_modes_work_as_decorators() -> None:
    x = leaf(1.0)

    @mg.no_grad()
    def frozen(t: mg.Tensor) -> mg.Tensor:
        return t * 2

    @mg.set_grad_enabled(False)
    def frozen2(t: mg.Tensor) -> mg.Tensor:
        return t * 2

    @mg.no_grad
    def frozen3(t: mg.Tensor) -> mg.Tensor:
        return t * 2

    assert mg.is_grad_enabled()
    assert not frozen(x).requires_grad and not frozen2(x).requires_grad
    assert not frozen3(x).requires_grad
    assert (x * 2).requires_grad


def test_hooks_change_gradients_and_can_be_removed() -> None:
    x = leaf(1.0, 2.0)
    handle = x.register_hook(lambda g: g * 10)
    mid = x * 2
    seen = []
    mid.register_hook(lambda g: seen.append(g._data.copy()))
    mid.sum().backward()
    np.testing.assert_allclose(x.grad.data, [20.0, 20.0])
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])


def test_detach_cuts_the_graph() -> None:
    x = leaf(1.0, 2.0)
    y = (x.detach() * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 2.0])
    assert x.detach().is_leaf and not x.detach().requires_grad


def test_grad_returns_gradients_without_touching_dot_grad() -> None:
    x = leaf(1.0, 2.0)
    y = leaf(3.0)
    out = (x * y).sum()
    gx, gy = mg.grad(out, [x, y])
    np.testing.assert_allclose(gx.data, [3.0, 3.0])
    np.testing.assert_allclose(gy.data, [3.0])
    assert x.grad is None and y.grad is None


def test_grad_of_an_intermediate_tensor() -> None:
    x = leaf(1.0, 2.0)
    mid = x * x
    (g,) = mg.grad((mid * 3).sum(), mid)
    np.testing.assert_allclose(g.data, [3.0, 3.0])


def test_grad_reports_unused_inputs_unless_allowed() -> None:
    x, unused = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match="not used"):
        mg.grad((x * 2).sum(), [x, unused], retain_graph=True)
    gx, gu = mg.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_create_graph_gives_higher_order_derivatives() -> None:
    x = leaf(0.7)
    y = x**3
    (g,) = mg.grad(y, x, create_graph=True)  # 3x^2
    (gg,) = mg.grad(g, x, create_graph=True)  # 6x
    (ggg,) = mg.grad(gg, x)  # 6
    np.testing.assert_allclose([g.item(), gg.item(), ggg.item()], [3 * 0.49, 6 * 0.7, 6.0])


def test_backward_create_graph_then_backward_again() -> None:
    x = leaf(2.0)
    y = x * x * x
    y.backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.backward()
    np.testing.assert_allclose(x.grad.data, [12.0])


def test_hessian_vector_product_of_a_tanh_network() -> None:
    rng = np.random.default_rng(3)
    w = mg.tensor(rng.normal(size=(3, 3)), requires_grad=True)
    x = mg.tensor(rng.normal(size=(2, 3)))
    v = mg.tensor(rng.normal(size=(3, 3)))

    def hvp(w_: mg.Tensor) -> mg.Tensor:
        (g,) = mg.grad((x @ w_).tanh().sum(), w_, create_graph=True)
        return (g * v).sum()

    assert mg.gradcheck(hvp, (w,))


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.data**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


def test_user_defined_function_is_gradchecked_twice() -> None:
    x = leaf(0.5, -1.5)
    assert mg.gradcheck(Cube.apply, (x,))
    assert mg.gradgradcheck(Cube.apply, (x,))


class SquareAndDouble(Function):
    """Two outputs; the engine passes zeros for an output that got no gradient."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.data**2, x.data * 2

    @staticmethod
    def backward(ctx, g_square, g_double):
        (x,) = ctx.saved_tensors
        return 2 * x * g_square + 2 * g_double


def test_function_with_several_outputs() -> None:
    x = leaf(3.0)
    sq, db = SquareAndDouble.apply(x)
    sq.sum().backward()
    np.testing.assert_allclose(x.grad.data, [6.0])
    assert mg.gradcheck(lambda a: SquareAndDouble.apply(a), (x,))


def test_needs_input_grad_tells_which_inputs_want_a_gradient() -> None:
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            seen["needs"] = ctx.needs_input_grad
            return a.data * b.data * scale

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    Probe.apply(leaf(1.0), mg.tensor([2.0]), 3.0)
    assert seen["needs"] == (True, False, False)


def test_backward_returning_wrong_shape_is_named() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a.data * 1

        @staticmethod
        def backward(ctx, g):
            return mg.ones(5, dtype=np.float64)

    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(5,\)"):
        Bad.apply(leaf(1.0, 2.0)).sum().backward()


def test_broadcast_gradient_is_summed_back_by_the_engine() -> None:
    class Expand(Function):
        @staticmethod
        def forward(ctx, a):
            return np.broadcast_to(a.data, (4, 3))

        @staticmethod
        def backward(ctx, g):
            return g  # shape (4, 3): the engine reduces it to (3,)

    x = leaf(1.0, 2.0, 3.0)
    Expand.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 4.0, 4.0])


def test_detect_anomaly_names_the_op_and_the_user_line_in_forward() -> None:
    x = leaf(-1.0, 1.0)
    with mg.detect_anomaly(), pytest.raises(RuntimeError, match=r"Log produced NaN") as info:
        x.log()
    assert "test_autograd.py" in str(info.value)


def test_detect_anomaly_catches_nan_made_in_backward() -> None:
    x = leaf(0.0, 1.0)
    with mg.detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(RuntimeError, match=r"Sqrt produced Inf in its backward"):
            y.backward()


def test_float32_leaves_get_float32_gradients_even_from_float64_constants() -> None:
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * mg.tensor(np.array([1.0, 1.0]))).sum().backward()
    assert w.grad.dtype == np.float32


def test_inference_mode_records_nothing_and_says_so_unlike_no_grad() -> None:
    x = mg.ones(2, requires_grad=True)
    with mg.inference_mode():
        assert mg.is_inference_mode_enabled() and not mg.is_grad_enabled()
        assert (x * 2).grad_fn is None
    with mg.no_grad():
        assert not mg.is_inference_mode_enabled()
    with mg.inference_mode(False):
        assert not mg.is_inference_mode_enabled() and (x * 2).grad_fn is not None
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()

    @mg.inference_mode()
    def called() -> bool:
        return (x * 2).requires_grad

    @mg.inference_mode
    def bare() -> bool:
        return mg.is_inference_mode_enabled()

    assert called() is False and bare() is True and mg.is_grad_enabled()


# ---------------------------------------------------------------- in place, versions, hooks


def test_in_place_rules() -> None:
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w -= 1
    (w * w).sum().backward()
    with mg.no_grad():  # the d2l loop
        w -= 0.1 * w.grad
        w.grad.zero_()
    assert same(w.data, np.float32([0.8, 1.6])) and same(w.grad.data, [0.0, 0.0])
    assert w._version == 1 and w.grad._version == 1
    t = mg.arange(6).reshape(2, 3).float()
    t[t > 2] = 0
    t[0, 1] = 7
    t.mul_(2).add_(1, alpha=2).clamp_(max=10)
    assert same(t.data, [[2, 10, 6], [2, 2, 2]])
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired "
                                           "output type int64"):
        mg.ones(2, dtype=np.int64).add_(0.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        mg.ones(2).add_(mg.ones(3, 2))
    with pytest.raises(RuntimeError, match="read-only"):
        mg.ones(1).expand(3).add_(1)


def test_in_place_on_a_non_leaf_rebases_history_as_pytorch_does() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y += x * x  # y = 3x + x^2
    y.mul_(2)  # y = 6x + 2x^2
    y.sum().backward()
    assert same(x.grad.data, np.float32([10.0, 14.0]))  # 6 + 4x


# Each program changes a view of a tensor in the graph in place and returns what it reads
# afterwards; run on minigrad and on PyTorch, the values, the versions and every gradient agree
def _view_of_a_clone(lib, w):  # noqa: ANN001, ANN202  (Swin V2's qkv_bias)
    b = w.clone()
    b[1:3].zero_()
    return b * b.exp(), b._version


def _a_view_changed_twice_then_read(lib, w):  # noqa: ANN001, ANN202
    y = w * 2
    v = y[1:3]
    v.mul_(3)
    v.add_(w[:2] * w[2:4])
    return lib.cat([y * y, v.exp()]), y._version + 10 * v._version


def _a_view_of_a_view(lib, w):  # noqa: ANN001, ANN202  (permute, then select: a column)
    y = (w * 1).reshape(2, 3)
    c = y.t()
    c[1].mul_(w[0])
    c[2][0] = w[5] * 7  # a view of a view of a view, by assignment
    return (y * w.reshape(2, 3)).flatten(), y._version


def _views_of_a_temporary_and_of_a_changed_base(lib, w):  # noqa: ANN001, ANN202
    a = (w * 1).reshape(3, 2)[1]  # its base is gone at once
    a.mul_(w[0])
    y = w * 3
    v, u = y[:3], y[3:]
    v.mul_(2)  # y changes: u was taken before
    u.add_(v)
    y.mul_(w)  # and again
    v.sub_(w[3:])
    return lib.cat([a, y, v]), y._version + 10 * v._version + 100 * u._version


def _an_advanced_index_copies(lib, w):  # noqa: ANN001, ANN202  (no view: y stays as it is)
    y = w * 1
    c = y[[0, 2]]
    c.mul_(w[1])
    return lib.cat([y, c]), y._version + 10 * c._version


@pytest.mark.parametrize("program", [_view_of_a_clone, _a_view_changed_twice_then_read,
                                     _a_view_of_a_view,
                                     _views_of_a_temporary_and_of_a_changed_base,
                                     _an_advanced_index_copies])
def test_in_place_change_of_a_view_rewrites_its_base_history_as_pytorch_does(program) -> None:  # noqa: ANN001, E501
    torch = optional_torch()
    w = np.random.default_rng(0).normal(size=6)
    ours, theirs = mg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    (out, version), (ref, ref_version) = program(mg, ours), program(torch, theirs)
    assert version == ref_version
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-15)
    g = np.random.default_rng(1).normal(size=out.shape)
    (out * mg.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-14)
    assert_gradchecks(lambda x: program(mg, x)[0], [w])


def test_in_place_change_of_a_view_refuses_a_view_of_a_leaf_and_of_a_lost_base() -> None:
    assert_raises_as_torch(lambda lib: lib.ones(3, requires_grad=True)[:2].zero_(),
                           RuntimeError, "^fill_: a view of a leaf Variable that requires "
                           "grad is being used in an in-place operation")
    # PyTorch would rewrite y's history here; minigrad has lost it (docs/faq.md)
    x = mg.ones(4, requires_grad=True)
    y = x * 2
    v = y[:2]
    y.mul_(3)
    del y
    with pytest.raises(RuntimeError, match="^add_: in-place change of a view .made by "
                                           "GetItem. whose base has been changed in place and "
                                           "is gone since"):
        v.add_(1)
    with mg.no_grad():  # outside the graph there is no history to rewrite
        v.add_(1)
    assert same(v.data, np.float32([7, 7]))


def test_in_place_change_of_a_saved_output_or_a_view_is_caught() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = y * 2
    with mg.no_grad():
        y.view(2).mul_(3)  # a view shares its base's counter
    assert y._version == 1
    with pytest.raises(RuntimeError, match=r"saved by Mul is at version 1"):
        z.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match=r"saved by Exp is at version 1"):
        y.sum().backward()


def test_hook_on_a_leaf_used_twice_is_called_once_with_the_sum() -> None:
    x = mg.tensor([3.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    (x * x).sum().backward()
    assert seen == [6.0]


def test_function_subclass_without_backward_names_the_class() -> None:
    class Doubler(mg.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x.data * 2

    y = Doubler.apply(mg.ones(2, requires_grad=True)).sum()
    with pytest.raises(NotImplementedError, match="Doubler"):
        y.backward()


# ---------------------------------------------------------------- engine fast paths
# The shortcuts give what the general path gives: 0-d results, saved outputs without
# cycles, version checks, leaf sums, gradient memory, the shared small tuples and the
# collector freeze. No timings here: benchmarks/overhead.py measures the speed.


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

@pytest.mark.parametrize("graph", ["leaf", "add", "sum over nothing", "reshape"])
def test_grad_never_shares_memory_with_the_gradient_passed_in(graph) -> None:
    """As in PyTorch, ``backward(gradient=t)`` leaves ``t`` alone: ``.grad`` is a copy, so an
    in-place change of it (``zero_grad(set_to_none=False)``, ``grad.add_``) does not reach
    the caller's tensor."""
    x = mg.zeros(3, requires_grad=True)
    y = {"leaf": lambda: x, "add": lambda: x + 0, "sum over nothing": lambda: x.sum(()),
         "reshape": lambda: x.reshape(3, 1).reshape(3)}[graph]()
    t = mg.ones(3)
    y.backward(t)
    assert not np.shares_memory(x.grad._data, t._data)
    x.grad.zero_()
    np.testing.assert_array_equal(t.numpy(), np.ones(3))



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


@pytest.mark.slow
def test_graph_building_does_not_leave_the_collector_frozen_or_disabled() -> None:
    """The gc trick is scoped: after backward nothing stays frozen; gc stays enabled."""
    x = mg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    assert gc.isenabled()
    y.sum().backward()
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert x.grad.item() == 1.0


def test_observing_records_reports_each_recorded_call_with_its_arguments():
    from minigrad.grad_mode import observing_records

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    with observing_records(lambda ctx, args, kwargs: seen.append((ctx.name, args, kwargs))):
        y = (x * 2).sum(dim=0)
        with mg.no_grad():
            x * 3  # not recorded: not reported
        with pytest.raises(RuntimeError, match="another observer is active"):
            with observing_records(lambda *a: None):
                pass
    assert [name for name, _, _ in seen] == ["Mul", "Sum"]
    assert seen[0][1][0] is x and float(seen[0][1][1]) == 2.0  # the constant, held here
    assert seen[1][2] == {"dim": 0, "keepdim": False}
    assert y.grad_fn is not None
    x * 4  # outside the block: nobody is told
    assert len(seen) == 2


def test_backward_accumulates_into_the_grad_tensor_in_place() -> None:
    x = leaf(1.0, 2.0)
    (x * x).sum().backward()
    held = x.grad  # an optimizer or a user may hold it: PyTorch adds into it
    (x * 3).sum().backward()
    assert x.grad is held
    np.testing.assert_allclose(held.numpy(), [5.0, 7.0])


def test_backward_inputs_fills_only_those_tensors_grads() -> None:
    x, w = leaf(1.0, 2.0), leaf(3.0, 4.0)
    z = x * w
    (z * z).sum().backward(inputs=[z, x])
    np.testing.assert_allclose(z.grad.numpy(), [6.0, 16.0])
    np.testing.assert_allclose(x.grad.numpy(), [18.0, 64.0])
    assert w.grad is None


@pytest.mark.parametrize("inputs, kind, match", [
    ([], RuntimeError, r"`inputs` argument to `backward\(\)` cannot be empty"),
    ([mg.tensor([1.0])], RuntimeError, r"inputs\[0\] \(shape \(1,\)\) does not require grad"),
    (["x"], TypeError, r"inputs\[0\] must be a Tensor, got str"),
])
def test_backward_inputs_refuses_what_cannot_take_a_gradient(inputs, kind, match) -> None:
    with pytest.raises(kind, match=match):
        (leaf(1.0) * 2).sum().backward(inputs=inputs)


def test_autograd_backward_takes_the_deprecated_grad_variables() -> None:
    x = leaf(1.0, 2.0)
    with pytest.warns(FutureWarning, match="grad_variables"):
        autograd.backward(x * 2, grad_variables=mg.tensor([1.0, 3.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 6.0])
    with pytest.raises(RuntimeError, match="both passed"), pytest.warns(FutureWarning):
        autograd.backward(x * 2, mg.tensor([1.0, 1.0]), grad_variables=mg.tensor([1.0, 1.0]))


def test_grad_materializes_unused_inputs_as_zeros() -> None:
    x, unused = leaf(1.0), leaf(2.0, 3.0)
    gx, gu = mg.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    assert gx.item() == 2.0
    assert gu.shape == (2,) and gu.dtype == unused.dtype and not gu.numpy().any()
    with pytest.raises(ValueError, match="allow_unused to be True or not passed"):
        mg.grad((x * 2).sum(), [x, unused], materialize_grads=True, allow_unused=False)


def test_grad_refuses_batched_grads_and_warns_of_only_inputs() -> None:
    x = leaf(1.0)
    with pytest.raises(NotImplementedError, match="is_grads_batched=True"):
        mg.grad((x * 2).sum(), x, is_grads_batched=True)
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
        (g,) = mg.grad((x * 2).sum(), x, only_inputs=False)
    assert g.item() == 2.0
