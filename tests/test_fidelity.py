"""Issue 10's defects, one test each: minigrad agrees with PyTorch 2.x on these edge cases.

Expected values are PyTorch's, written out (the differential suite compares against torch
itself when it is installed).
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import optim
from minigrad.dtypes import get_default_dtype, result_type, set_default_dtype

nan, inf = float("nan"), float("inf")


def grads(fn, *values, dtype=np.float64):
    xs = [mg.tensor(np.array(v, dtype=dtype), requires_grad=True) for v in values]
    out = fn(*xs)
    out.sum().backward()
    return out.data, [x.grad.data for x in xs]


def same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


# 1 ------------------------------------------------------------------ indexing rule
def test_int_then_array_index_follows_pytorch_not_numpy() -> None:
    x = mg.tensor(np.arange(18.0).reshape(2, 3, 3), requires_grad=True)
    assert x[0, :, [0, 1]].shape == (3, 2)  # numpy would give (2, 3)
    assert same(x[0, :, [0, 1, 2]].data, np.arange(9.0).reshape(3, 3))  # not its transpose
    assert x[:, 0, [0, 1]].shape == (2, 2)
    g = np.arange(6.0).reshape(3, 2)
    x[0, :, [0, 1]].backward(mg.tensor(g))
    expected = np.zeros((2, 3, 3))
    expected[0][:, [0, 1]] = g
    assert same(x.grad.data, expected)


def test_setitem_uses_the_same_index_rule() -> None:
    x = mg.zeros(2, 3, 3, dtype=np.float64)
    x[0, :, [0, 1]] = mg.tensor(np.arange(6.0).reshape(3, 2))
    assert same(x.data[0][:, [0, 1]], np.arange(6.0).reshape(3, 2))


# 2 ------------------------------------------------------------------ std / var
def test_std_gradient_is_zero_at_zero_spread() -> None:
    x = mg.ones(4, requires_grad=True)
    x.std().backward()
    assert same(x.grad.data, np.zeros(4))


@pytest.mark.filterwarnings("ignore")
def test_var_std_with_correction_at_least_n_follow_pytorch_pattern() -> None:
    out, (g,) = grads(lambda x: x.var(correction=4), [1.0, 2, 3, 4])
    assert out == inf and same(g, [inf] * 4)
    out, (g,) = grads(lambda x: x.var(0, correction=4), [1.0, 2, 3, 4])
    assert same(g, [-inf, -inf, inf, inf])
    _, (g,) = grads(lambda x: x.var(0, correction=5), [1.0, 2, 3, 4])
    assert same(g, [3.0, 1.0, -1.0, -3.0])
    out, (g,) = grads(lambda x: x.var(correction=4), [1.0, 1, 1, 1])
    assert np.isnan(out) and np.isnan(g).all()
    out, (g,) = grads(lambda x: x.std(correction=4), [1.0, 2, 3, 4])
    assert out == inf and np.isnan(g).all()
    out, (g,) = grads(lambda x: x.std(1), [[1.0, 2], [3, 3]])
    assert np.allclose(g, [[-0.5**0.5, 0.5**0.5], [0, 0]])


# 3 ------------------------------------------------------------------ ties
def test_max_dim_sends_the_gradient_to_the_returned_index() -> None:
    _, (g,) = grads(lambda x: x.max(0).values, [3.0, 1.0, 3.0])
    assert same(g, [1.0, 0.0, 0.0])
    r = mg.tensor([1.0, 3.0, 1.0]).min(0)
    assert r.indices.item() == 0
    _, (g,) = grads(lambda x: x.max(), [3.0, 1.0, 3.0])  # full reduction: shared evenly
    assert same(g, [0.5, 0.0, 0.5])
    _, (g,) = grads(lambda x: x.amax(0), [3.0, 1.0, 3.0])
    assert same(g, [0.5, 0.0, 0.5])


# 4 ------------------------------------------------------------------ version counter
def test_load_state_dict_after_forward_is_caught_in_backward() -> None:
    lin = nn.Linear(2, 1)
    x = mg.ones(1, 2, requires_grad=True)
    y = lin(x).sum()
    lin.load_state_dict({k: mg.zeros(*v.shape) for k, v in lin.state_dict().items()})
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*shape \(2, 1\).*"
                                           r"version 1; expected version 0"):
        y.backward()


def test_optimizer_step_bumps_the_version() -> None:
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    y = (w * w).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="MulBackward|Mul"):
        y.backward()


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
    z = x * 1
    with pytest.raises(RuntimeError, match="view"):
        z[0].add_(1)


# 5 ------------------------------------------------------------------ sigmoid
def test_sigmoid_keeps_its_negative_tail_and_logsigmoid_is_stable() -> None:
    assert np.isclose(mg.tensor([-20.0]).sigmoid().item(), 2.0611537e-09, rtol=1e-6)
    assert np.isclose(mg.tensor([-100.0], dtype=np.float64).sigmoid().item(), 3.7200759760e-44)
    x = mg.tensor([-200.0, 0.0, 50.0], dtype=np.float64, requires_grad=True)
    y = F.logsigmoid(x)
    assert np.allclose(y.data, [-200.0, -np.log(2.0), -np.exp(-50.0)])
    y.sum().backward()
    assert np.allclose(x.grad.data, [1.0, 0.5, np.exp(-50.0)])
    for dtype in (np.float32, np.float64):
        info = np.finfo(dtype)
        xs = np.linspace(-np.log(info.max) * 0.99, np.log(info.max) * 0.99, 2001).astype(dtype)
        got = mg.tensor(xs).sigmoid()._data.astype(np.float64)
        exact = 1 / (1 + np.exp(-xs.astype(np.longdouble)))
        rel = np.abs(got - exact) / exact
        assert rel.max() < 4 * info.eps


# 6 ------------------------------------------------------------------ promotion
def test_one_promotion_rule_as_pytorch() -> None:
    f32 = mg.ones(3)
    assert (f32 * np.sqrt(2.0)).dtype == np.float32
    assert (f32 + mg.tensor(np.float64(2.0))).dtype == np.float32  # 0-d does not upcast
    assert (f32 + mg.ones(3, dtype=np.float64)).dtype == np.float64
    i64 = mg.arange(3)
    assert (i64 * 2.5).dtype == np.float32
    assert (i64 / i64).dtype == np.float32
    assert (i64 + mg.tensor(np.float64(1.0))).dtype == np.float64  # higher category wins
    assert (i64 + f32).dtype == np.float32  # not numpy's float64
    assert (2.0 ** i64).dtype == np.float32
    assert result_type(np.zeros(2, np.int32), 5) == np.int32
    assert get_default_dtype() == np.float32
    set_default_dtype(np.float64)
    try:
        assert (i64 * 2.5).dtype == np.float64 and mg.tensor([1.0]).dtype == np.float64
    finally:
        set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="set_default_dtype"):
        set_default_dtype(np.int64)


def test_mixed_precision_pow_gradient_is_computed_in_the_wider_dtype() -> None:
    b = mg.tensor([3.0], dtype=np.float64, requires_grad=True)
    e = mg.tensor([1.1], requires_grad=True)  # float32
    (b**e).sum().backward()
    assert b.grad.dtype == np.float64 and e.grad.dtype == np.float32
    expected = 3.0 ** np.float64(np.float32(1.1)) * np.log(3.0)
    assert abs(e.grad.item() - expected) / expected < 1e-7


# 7 ------------------------------------------------------------------ NaN vs 0
def test_zero_gradients_where_pytorch_gives_zero() -> None:
    _, (g,) = grads(lambda x: x**0, [0.0, 2.0])
    assert same(g, [0.0, 0.0])
    _, (gb, gw) = grads(lambda b, w: b**w, [0.0, 0.0, 0.0], [2.0, 0.0, -1.0])
    assert same(gb, [0.0, 0.0, -inf]) and same(gw, [0.0, 0.0, -inf])


# 8 ------------------------------------------------------------------ 0-d with dims
def test_zero_dim_tensors_accept_dim_0_and_minus_1() -> None:
    x = mg.tensor(2.0, requires_grad=True)
    x.softmax(0).backward()
    assert x.grad.item() == 0.0
    assert x.sum(0).item() == 2.0 and x.mean(-1).item() == 2.0
    assert x.max(0).values.item() == 2.0 and x.max(0).indices.item() == 0
    assert x.argmax(0).item() == 0 and x.amax(0).item() == 2.0
    assert np.isnan(x.var(0).item())
    assert x.transpose(0, -1).item() == 2.0 and x.logsumexp(0).item() == 2.0
    assert x.log_softmax(-1).item() == 0.0


# 9 ------------------------------------------------------------------ zero-size
def test_zero_size_inputs() -> None:
    assert mg.zeros(3, 0).softmax(-1).shape == (3, 0)
    assert same(mg.zeros(2, 0).logsumexp(1).data, [-inf, -inf])
    r = mg.zeros(0, 3).max(1)
    assert r.values.shape == (0,) and r.indices.shape == (0,) and r.indices.dtype == np.int64
    assert mg.zeros(0, 3).argmax(1).shape == (0,)
    assert mg.zeros(0).sum().item() == 0 and np.isnan(mg.zeros(0).mean().item())


# 10 ----------------------------------------------------------------- hooks
def test_hook_on_a_leaf_used_twice_is_called_once_with_the_sum() -> None:
    x = mg.tensor([3.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    (x * x).sum().backward()
    assert seen == [6.0]


# 11 ----------------------------------------------------------------- NaN inputs
def test_gradients_at_nan_inputs_follow_pytorch() -> None:
    _, (g,) = grads(lambda x: x.relu(), [nan, 0.0, 1.0])
    assert same(g, [1.0, 0.0, 1.0])
    _, (g,) = grads(lambda x: x.abs(), [nan, 0.0, -1.0])
    assert same(g, [0.0, 0.0, -1.0])
    _, (ga, gb) = grads(lambda a, b: a.maximum(b), [nan, 1.0, 2.0, 1.0], [0.0, nan, 2.0, nan])
    assert same(ga, [1, 1, 0.5, 1]) and same(gb, [1, 1, 0.5, 1])
    _, (g,) = grads(lambda x: x.max(), [1.0, nan, 3.0, nan])
    assert same(g, [0.0, 0.5, 0.0, 0.5])
    r = mg.tensor([1.0, nan, 3.0, nan]).max(0)
    assert np.isnan(r.values.item()) and r.indices.item() == 1


# 12 ----------------------------------------------------------------- graph-building cost
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


def test_losses_with_every_target_ignored_have_zero_gradients() -> None:
    x = mg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    target = mg.tensor([-100, -100, -100])
    for loss in (F.cross_entropy, F.nll_loss):
        x.grad = None
        out = loss(x, target)
        out.backward()
        assert np.isnan(out.item())  # PyTorch: the mean over no targets is NaN
        assert same(np.abs(x.grad.data), np.zeros((3, 4)))  # ... but the gradient is 0


def test_function_subclass_without_backward_names_the_class() -> None:
    class Doubler(mg.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x.data * 2

    y = Doubler.apply(mg.ones(2, requires_grad=True)).sum()
    with pytest.raises(NotImplementedError, match="Doubler"):
        y.backward()


def test_bad_dims_and_indices_raise_pytorchs_types() -> None:
    x = mg.ones(2, 3)
    with pytest.raises(RuntimeError, match="sum: dim \\(0, 0\\) names a dimension twice"):
        x.sum((0, 0))
    with pytest.raises(TypeError, match="string"):
        x["a"]
    with pytest.raises(IndexError, match=r"max: dimension out of range.*\[-2, 1\], but got 5"):
        x.max(5)
