"""Tensor construction, dtypes and promotion, properties, factories, indexing, 0-d and
zero-size tensors, and clear errors on bad input."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import grads, inf, nan, same

import minigrad as mg
from minigrad.dtypes import get_default_dtype, result_type, set_default_dtype


def test_python_floats_default_to_float32_and_float64_arrays_are_kept() -> None:
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor(np.array([1.0])).dtype == np.float64
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([True]).dtype == np.bool_
    assert mg.tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_float32_mixed_with_python_scalars_stays_float32() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for y in (x * 2.5, 2.5 * x, x + 1, x / 3, 1 - x, x**2, 2**x, x.clamp(0.5, 1.5)):
        assert y.dtype == np.float32
    assert (mg.tensor([1, 2]) * 3).dtype == np.int64


def test_tensor_copies_its_data() -> None:
    a = np.zeros(3)
    t = mg.tensor(a)
    a[0] = 1
    assert t.data[0] == 0


def test_integer_tensors_cannot_require_grad() -> None:
    with pytest.raises(TypeError, match="only floating point tensors can require gradients"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        mg.arange(3).requires_grad_()


def test_properties() -> None:
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.numel() == 6
    assert x.size() == (2, 3) and x.size(1) == 3
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert x.T.shape == (3, 2) and len(x) == 2
    assert [row.tolist() for row in x] == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert isinstance(x.detach().numpy(), np.ndarray)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None
    assert x.sum().item() == 21.0


def test_repr_looks_like_pytorch() -> None:
    assert repr(mg.tensor([[1.0, 2.0]], requires_grad=True)) == (
        "tensor([[1., 2.]], requires_grad=True)"
    )
    assert repr(mg.tensor([1.5, 2.25])) == "tensor([1.5000, 2.2500])"
    assert repr(mg.arange(3)) == "tensor([0, 1, 2])"
    assert repr(mg.tensor(np.array([1.0]))) == "tensor([1.], dtype=float64)"
    assert repr(mg.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"


def test_item_of_a_multi_element_tensor_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"one-element tensor.*\(2,\)"):
        mg.tensor([1.0, 2.0]).item()


def test_requires_grad_only_changes_on_leaves() -> None:
    x = mg.tensor([1.0]).requires_grad_()
    assert x.requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)


def test_factories() -> None:
    assert mg.zeros(2, 3).shape == (2, 3) and mg.zeros((2, 3)).dtype == np.float32
    assert mg.ones(2).tolist() == [1.0, 1.0]
    assert mg.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert mg.full((1,), 3).dtype == np.int64
    x = mg.randn(3, 4, dtype=np.float64)
    assert mg.zeros_like(x).dtype == np.float64 and mg.ones_like(x).shape == (3, 4)
    assert mg.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert mg.arange(0, 1, 0.5).dtype == np.float32
    assert mg.eye(3).tolist()[1] == [0.0, 1.0, 0.0]
    r = mg.randint(0, 10, (100,))
    assert r.dtype == np.int64 and 0 <= r._data.min() and r._data.max() < 10
    assert mg.rand(2, 2, requires_grad=True).requires_grad


def test_manual_seed_makes_random_draws_reproducible() -> None:
    mg.manual_seed(123)
    a = (mg.randn(4), mg.rand(2), mg.randint(0, 5, (3,)))
    mg.manual_seed(123)
    b = (mg.randn(4), mg.rand(2), mg.randint(0, 5, (3,)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.data, y.data)


def test_comparisons_give_bool_tensors_outside_the_graph() -> None:
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for m in (x > 1, x >= 2, x < 2, x <= 2, x == 2, x != 2):
        assert m.dtype == np.bool_ and not m.requires_grad
    assert (x > 1).tolist() == [False, True, True]
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]


def test_max_with_dim_returns_values_and_indices_like_pytorch() -> None:
    x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert x.max().item() == 7.0 and x.min().item() == 0.0
    assert x.argmax().item() == 3 and x.argmin(dim=0).tolist() == [0, 1, 0]
    assert x.argmax(dim=1, keepdim=True).shape == (2, 1)


def test_max_ties_share_the_gradient() -> None:
    x = mg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]


def test_indexing_backward_adds_up_repeated_indices() -> None:
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[mg.tensor([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_sigmoid_is_stable_for_huge_inputs() -> None:
    x = mg.tensor([-1e4, 0.0, 1e4], requires_grad=True)
    y = x.sigmoid()
    assert y.tolist() == [0.0, 0.5, 1.0]
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.data))


def test_softmax_and_logsumexp_are_stable_for_huge_logits() -> None:
    x = mg.tensor([[1e4, 0.0, -1e4]], dtype=np.float64, requires_grad=True)
    assert np.allclose(x.softmax(1).data, [[1.0, 0.0, 0.0]])
    assert np.allclose(x.logsumexp(1).data, [1e4])
    assert np.allclose(x.log_softmax(1).data, [[0.0, -1e4, -2e4]])


def test_var_matches_numpy_with_correction() -> None:
    data = np.random.default_rng(0).normal(size=(4, 5))
    x = mg.tensor(data)
    np.testing.assert_allclose(x.var().item(), data.var(ddof=1))
    np.testing.assert_allclose(x.var(1, correction=0).data, data.var(1))
    np.testing.assert_allclose(x.var(0, unbiased=False).data, data.var(0))


# ------------------------------------------------- indexing, promotion, 0-d and zero-size
# PyTorch's rules where numpy's differ


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


@pytest.mark.filterwarnings("error")  # 0 * inf in the rules is masked, not warned about
def test_pow_gradients_at_a_zero_base_and_a_zero_exponent_follow_pytorch() -> None:
    a = mg.tensor([[0.0, 1.0, 2.0]], requires_grad=True)
    b = mg.tensor([[2.0], [0.0], [-1.0]], requires_grad=True)
    (a**b).sum().backward()  # PyTorch's figures (torch 2.x, the same call)
    np.testing.assert_allclose(a.grad.numpy(), [[-np.inf, 1.0, 3.75]])
    np.testing.assert_allclose(b.grad.numpy(), [[2 * np.log(4.0)], [np.log(2.0)], [-np.inf]])
    x = mg.tensor([0.0, 3.0], requires_grad=True)
    (x**2).sum().backward()  # no zero exponent: the rule takes no mask
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 6.0])


@pytest.mark.filterwarnings("error")  # PyTorch makes the NaN without a word
@pytest.mark.parametrize("reduce", [lambda x: x.sum(), lambda x: x.mean(), lambda x: x.cumsum(0),
                                    lambda x: x.softmax(0), lambda x: x.sum(0, keepdim=True)])
def test_reductions_of_opposite_infinities_give_nan_silently(reduce) -> None:
    x = mg.tensor([np.inf, -np.inf, 1.0], requires_grad=True)
    out = reduce(x)
    assert np.isnan(out.detach().numpy()).any()
    out.sum().backward()


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


def test_zero_size_inputs() -> None:
    assert mg.zeros(3, 0).softmax(-1).shape == (3, 0)
    assert same(mg.zeros(2, 0).logsumexp(1).data, [-inf, -inf])
    r = mg.zeros(0, 3).max(1)
    assert r.values.shape == (0,) and r.indices.shape == (0,) and r.indices.dtype == np.int64
    assert mg.zeros(0, 3).argmax(1).shape == (0,)
    assert mg.zeros(0).sum().item() == 0 and np.isnan(mg.zeros(0).mean().item())


# ------------------------------------------------------------------------- bad input


class NoBackward(mg.Function):
    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        return x.data * 2


@pytest.mark.parametrize(
    ("make", "error", "pattern"),
    [
        (lambda: mg.ones(2, 3) @ mg.ones(4, 5), RuntimeError,
         r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied \(3 != 4\)"),
        (lambda: mg.ones(2, 3) + mg.ones(4), RuntimeError,
         r"add: the size of tensor a \(3\) must match the size of tensor b \(4\) at "
         r"non-singleton dimension 1"),
        (lambda: mg.ones(2, 3) * mg.ones(2, 2), RuntimeError, r"mul: .*\(2, 3\) and \(2, 2\)"),
        (lambda: mg.cat([mg.ones(2, 3), mg.ones(2, 4)], dim=0), RuntimeError,
         r"cat: tensors must have the same shape except in dim 0, got \(2, 3\) and \(2, 4\)"),
        (lambda: mg.cat([mg.tensor(1.0), mg.tensor(2.0)]), RuntimeError,
         r"cat: zero-dimensional tensor \(at position 0\) cannot be concatenated"),
        (lambda: mg.stack([mg.ones(2), mg.ones(3)]), RuntimeError, "stack: all tensors"),
        (lambda: mg.ones(2, 3).sum(2), IndexError, r"sum: dimension out of range.*got 2"),
        (lambda: mg.ones(2, 3).mean(-3), IndexError,
         r"^mean: dimension out of range \(expected to be in range of \[-2, 1\], but got -3\)"),
        (lambda: mg.ones(2, 3).softmax(-3), IndexError, r"softmax: dimension out of range"),
        (lambda: mg.tensor(2.0).sum(1), IndexError, r"range of \[-1, 0\], but got 1"),
        (lambda: mg.ones(2, 3).reshape(4, 2), RuntimeError,
         r"reshape: shape \[4, 2\] is invalid for input of shape \(2, 3\)"),
        (lambda: mg.ones(2, 3).permute(0, 0), RuntimeError, "permute"),
        (lambda: mg.ones(2, 3).expand(4, 3, 2), RuntimeError, r"expand: cannot broadcast"),
        (lambda: mg.ones(2, 3)[5], IndexError, r"index: .* \(tensor of shape \(2, 3\)\)"),
        (lambda: mg.ones(2).clamp(), RuntimeError, "clamp: at least one of 'min' or 'max'"),
        (lambda: mg.tensor(["a"]), TypeError, "cannot make a tensor"),
        (lambda: mg.ones(2, requires_grad=True).sum().backward("x"), TypeError,
         "backward: gradients can be either Tensors or None, but got str"),
        (lambda: mg.pad(mg.ones(2), (1.5, 1)), TypeError,
         r"pad: argument 'pad' must be a tuple of ints, but found element of type float at pos 0"),
        (lambda: mg.pad(mg.ones(2), "ab"), TypeError, "pad: argument .pad. must be a tuple"),
        (lambda: mg.set_grad_enabled("no"), TypeError,
         "set_grad_enabled: argument 'mode' must be bool, not str"),
        (lambda: mg.zeros(0, 3).max(), RuntimeError, r"max: Expected reduction dim to be"),
        (lambda: mg.zeros(3, 0).max(1), IndexError, r"max: Expected reduction dim 1 to have"),
        (lambda: mg.zeros(3, 0).argmax(1), IndexError, r"argmax: Expected reduction dim 1"),
        (lambda: NoBackward.apply(mg.ones(2, requires_grad=True)).sum().backward(),
         NotImplementedError, "NoBackward .*does not define backward"),
    ],
)
def test_bad_input_raises_a_clear_error(make, error, pattern) -> None:
    """PyTorch's exception type, and a message naming the op and the values."""
    with pytest.raises(error, match=pattern):
        make()


def test_bad_dims_and_indices_raise_pytorchs_types() -> None:
    x = mg.ones(2, 3)
    with pytest.raises(RuntimeError, match="sum: dim \\(0, 0\\) names a dimension twice"):
        x.sum((0, 0))
    with pytest.raises(TypeError, match="string"):
        x["a"]
    with pytest.raises(IndexError, match=r"max: dimension out of range.*\[-2, 1\], but got 5"):
        x.max(5)


# ------------------------------------------------------------------- gradients at edge cases
# zero spread, correction >= n, ties, 0 ** 0, NaN inputs: PyTorch's values, written out (so
# they run without torch too)

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


def test_max_dim_sends_the_gradient_to_the_returned_index() -> None:
    _, (g,) = grads(lambda x: x.max(0).values, [3.0, 1.0, 3.0])
    assert same(g, [1.0, 0.0, 0.0])
    r = mg.tensor([1.0, 3.0, 1.0]).min(0)
    assert r.indices.item() == 0
    _, (g,) = grads(lambda x: x.max(), [3.0, 1.0, 3.0])  # full reduction: shared evenly
    assert same(g, [0.5, 0.0, 0.5])
    _, (g,) = grads(lambda x: x.amax(0), [3.0, 1.0, 3.0])
    assert same(g, [0.5, 0.0, 0.5])


def test_zero_gradients_where_pytorch_gives_zero() -> None:
    _, (g,) = grads(lambda x: x**0, [0.0, 2.0])
    assert same(g, [0.0, 0.0])
    _, (gb, gw) = grads(lambda b, w: b**w, [0.0, 0.0, 0.0], [2.0, 0.0, -1.0])
    assert same(gb, [0.0, 0.0, -inf]) and same(gw, [0.0, 0.0, -inf])


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
