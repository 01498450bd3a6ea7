"""PyTorch's everyday Tensor API and top-level namespace, idiom by idiom, against PyTorch.

Each case runs the same source text with ``lib`` bound to ``minigrad`` and to ``torch`` and
compares shapes, dtypes, values and (for differentiable ones) every input's gradient.
Gradients at edge cases (ties, zero spread, NaN inputs) are checked against PyTorch's
values, written out.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import needs_torch, optional_torch

import minigrad as mg
import minigrad.nn.functional as F

torch = optional_torch()  # torch-free tests run without it

DTYPES = {  # minigrad's dtype -> torch's, by name
    "float32": torch.float32, "float64": torch.float64, "int64": torch.int64,
    "int32": torch.int32, "bool": torch.bool, "float16": torch.float16,
}


def _np(x):  # noqa: ANN001, ANN202
    if isinstance(x, mg.Tensor):
        return x.detach().numpy()
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_same(ours, theirs, rtol: float = 1e-6, atol: float = 1e-7) -> None:  # noqa: ANN001
    """Same kind of result: tensors (shape, dtype, values), tuples of them, or numbers."""
    if isinstance(theirs, (tuple, list)) and not isinstance(theirs, torch.Size):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t, rtol, atol)
        return
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mg.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype,
                                                                           theirs.dtype)
        np.testing.assert_allclose(_np(ours).astype(float), _np(theirs).astype(float),
                                   rtol=rtol, atol=atol, equal_nan=True)
        return
    assert ours == theirs and type(ours) is type(theirs), (ours, theirs)


def both(data, dtype: str = "float32", requires_grad: bool = False):  # noqa: ANN001, ANN202
    arr = np.asarray(data, dtype=dtype)
    return (mg.tensor(arr, requires_grad=requires_grad),
            torch.tensor(arr, requires_grad=requires_grad))


rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4)).astype(np.float32)
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [np.nan, 1.0, 5.0, -1.0]],
                np.float32)

# name -> (function of (lib, x), input data); x requires grad when the input is float.
DIFFERENTIABLE = {
    "size_and_view_as": (lambda lib, x: x.view(x.size(0), -1).view_as(x) * 2, X),
    "reshape_as": (lambda lib, x: x.reshape(2, 6).reshape_as(x).exp(), X),
    "expand_as": (lambda lib, x: x[:, :1].expand_as(x) * x, X),
    "contiguous_of_transpose": (lambda lib, x: x.t().contiguous().sum(0), X),
    "clone": (lambda lib, x: x.clone() * 3, X),
    "add_alpha": (lambda lib, x: x.add(x.exp(), alpha=2.5), X),
    "sub_alpha": (lambda lib, x: x.sub(1.0, alpha=2), X),
    "mul_div_neg_pow": (lambda lib, x: x.mul(2).div(3.0).neg().pow(2), X),
    "matmul_mm": (lambda lib, x: x.matmul(x.t()) + x.mm(x.T), X),
    "bmm": (lambda lib, x: x.reshape(2, 2, 3).bmm(x.reshape(2, 3, 2)), X[:, :4]),
    "t_abs_exp_log_sqrt": (lambda lib, x: x.t().abs().add(0.5).log().exp().sqrt(), X),
    "clamp_method": (lambda lib, x: x.clamp(-0.5, 0.5) + x.clamp(min=0.1), X),
    "to_double": (lambda lib, x: x.to(lib.float64) * 2, X),
    "double_float": (lambda lib, x: x.double().float() * 2, X),
    "type_as": (lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.float64)), X),
    "masked_fill": (lambda lib, x: x.masked_fill(x > 0, -1.0), X),
    "masked_fill_broadcast_mask": (
        lambda lib, x: x.masked_fill(lib.tensor([True, False, True, False]), 7.0), X),
    "gather": (lambda lib, x: x.gather(1, lib.tensor([[0, 0], [3, 1], [2, 2]])), X),
    "gather_negative_dim": (lambda lib, x: x.gather(-2, lib.tensor([[2, 0, 1, 1]])), X),
    "gather_function": (lambda lib, x: lib.gather(x, 0, lib.tensor([[1], [1]])), X),
    "topk": (lambda lib, x: x.topk(2).values, X),
    "topk_smallest_dim0": (lambda lib, x: x.topk(2, dim=0, largest=False)[0], X),
    "sort": (lambda lib, x: x.sort(dim=1)[0], X),
    "sort_descending_stable_ties": (lambda lib, x: x.sort(dim=1, descending=True, stable=True),
                                    TIES),
    "sort_stable_ties_nan": (lambda lib, x: x.sort(dim=1, stable=True), TIES),
    "cumsum": (lambda lib, x: x.cumsum(1), X),
    "cumsum_negative_dim": (lambda lib, x: lib.cumsum(x, dim=-2), X),
    "max_dim": (lambda lib, x: x.max(1), X),
    "max_dim_keepdim_values": (lambda lib, x: x.max(dim=0, keepdim=True).values, X),
    "min_dim": (lambda lib, x: lib.min(x, 1)[0], X),
    "max_of_two": (lambda lib, x: lib.max(x, x * 0.5 - 0.1), X),
    "min_method_of_two": (lambda lib, x: x.min(x * 0.5), X),
    "maximum_minimum": (lambda lib, x: lib.maximum(x, x * 0.3) + lib.minimum(x, x * 0.3), X),
    "axis_alias_sum": (lambda lib, x: x.sum(axis=1), X),
    "axis_alias_mean": (lambda lib, x: x.mean(axis=0, keepdim=True), X),
    "std_var": (lambda lib, x: lib.std(x, 1) + lib.var(x, 0).sum(), X),
    "softmax_fns": (lambda lib, x: lib.softmax(x, 1) + lib.log_softmax(x, dim=0), X),
    "where_fn": (lambda lib, x: lib.where(x > 0, x, x * 0.1), X),
    "clamp_fn": (lambda lib, x: lib.clamp(x, min=-0.2, max=0.2), X),
    "namespace_unaries": (lambda lib, x: lib.relu(x) + lib.sigmoid(x) + lib.tanh(x)
                          + lib.abs(x), X),
    "namespace_shape": (lambda lib, x: lib.flatten(lib.unsqueeze(lib.squeeze(
        lib.reshape(x, (1, 3, 4))), 0), 1), X),
    "transpose_permute": (lambda lib, x: lib.permute(lib.transpose(x, 0, 1), (1, 0)), X),
    "cat_stack": (lambda lib, x: lib.cat([x, x], 0).sum() + lib.stack([x, x], 1).sum(), X),
    "mm_matmul_fns": (lambda lib, x: lib.mm(x, x.t()) + lib.matmul(x, x.t()), X),
    "sum_mean_fns": (lambda lib, x: lib.sum(x, 1) + lib.mean(x, dim=1), X),
    "exp_log_sqrt_fns": (lambda lib, x: lib.sqrt(lib.exp(lib.log(lib.abs(x) + 1))), X),
    "zero_d_cumsum_gather_sort": (lambda lib, x: x[0, 0].cumsum(0) + x[0, 0].sort()[0]
                                  + x[1, 1].gather(0, lib.tensor(0)) + x[2, 2].topk(1)[0], X),
    "zero_size_sort_gather": (lambda lib, x: (x[:, :0].sort(1)[0],
                                              x[:0].gather(0, lib.zeros(0, 4,
                                                                        dtype=lib.int64))), X),
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_differentiable_idiom_matches_pytorch(name: str) -> None:
    fn, data = DIFFERENTIABLE[name]
    x, tx = both(data, requires_grad=True)
    ours, theirs = fn(mg, x), fn(torch, tx)
    assert_same(ours, theirs, rtol=1e-5, atol=1e-6)
    outs = [o for o in (ours if isinstance(ours, tuple) else (ours,))
            if isinstance(o, mg.Tensor) and o.requires_grad]
    touts = [o for o in (theirs if isinstance(theirs, tuple) else (theirs,))
             if isinstance(o, torch.Tensor) and o.requires_grad]
    assert len(outs) == len(touts)
    if not outs:
        return
    g = [rng.standard_normal(o.shape).astype(np.float32) for o in outs]
    total = sum(((o * mg.tensor(gi).to(o.dtype)).sum() for o, gi in zip(outs, g)),
                mg.zeros(()))
    ttotal = sum((o * torch.tensor(gi).to(o.dtype)).sum() for o, gi in zip(touts, g))
    total.backward()
    ttotal.backward()
    tgrad = tx.grad if tx.grad is not None else torch.zeros_like(tx)
    ograd = x.grad if x.grad is not None else mg.zeros_like(x)
    np.testing.assert_allclose(ograd.numpy(), tgrad.numpy(), rtol=1e-5, atol=1e-6,
                               equal_nan=True)


# name -> function of lib: no gradient, compare value and dtype (and the result's type)
VALUES = {
    "size_method": lambda lib: lib.zeros(2, 3, 4).size(),
    "size_dim": lambda lib: lib.zeros(2, 3, 4).size(-1),
    "size_dim_0d": lambda lib: len(lib.zeros(()).size()),
    "shape_numel_dim": lambda lib: (lib.ones(2, 5).numel(), lib.ones(2, 5).dim()),
    "numel_fn": lambda lib: lib.numel(lib.ones(3, 2)),
    "is_tensor": lambda lib: (lib.is_tensor(lib.ones(1)), lib.is_tensor(np.ones(1))),
    "item": lambda lib: lib.tensor([2.5]).item(),
    "tolist": lambda lib: lib.tensor([[1, 2], [3, 4]]).tolist(),
    "format": lambda lib: f"{lib.tensor(0.123456):.4f} {lib.tensor(2.5):.2e} {lib.tensor(3):d}",
    "eq_view_as_sum": lambda lib: lib.tensor([1, 2, 3]).eq(
        lib.tensor([[1], [0], [3]]).view_as(lib.tensor([1, 2, 3]))).sum(),
    "eq_sum_item": lambda lib: lib.tensor([1, 2, 3]).eq(lib.tensor([1, 0, 3])).sum().item(),
    "comparisons": lambda lib: tuple(
        getattr(lib.tensor([1.0, 2.0, 3.0]), op)(2.0) for op in ("eq", "ne", "lt", "le",
                                                                  "gt", "ge")),
    "comparison_operators": lambda lib: (lib.arange(4) > 1, lib.arange(4) <= 2,
                                         lib.arange(4) == 3, lib.arange(4) != 3),
    "bool_sum_is_int64": lambda lib: (lib.arange(5) > 1).sum(),
    "bool_float_mean": lambda lib: (lib.arange(5) > 1).float().mean(),
    "bool_sum_dim": lambda lib: (lib.ones(2, 3) > 0).sum(1),
    "float_double_long_int_bool": lambda lib: tuple(
        getattr(lib.tensor([1.5, -2.0, 0.0]), m)() for m in ("float", "double", "long",
                                                             "int", "bool")),
    "to_dtype_copy": lambda lib: lib.tensor([1, 2]).to(lib.float32),
    "to_other": lambda lib: lib.tensor([1.5]).to(lib.zeros(1, dtype=lib.int64)),
    "to_device_dtype": lambda lib: lib.tensor([1.5]).to("cpu", lib.float64),
    "type_string": lambda lib: tuple(lib.zeros(1, dtype=d).type() for d in (
        lib.float32, lib.float64, lib.int64, lib.int32, lib.bool)),
    "type_cast": lambda lib: lib.zeros(2).type(lib.int64),
    "dtype_aliases": lambda lib: tuple(str(d).replace("torch.", "") for d in (
        lib.float, lib.double, lib.long, lib.int, lib.float32, lib.float64, lib.int64,
        lib.int32)) if lib is torch else tuple(np.dtype(d).name for d in (
            lib.float, lib.double, lib.long, lib.int, lib.float32, lib.float64, lib.int64,
            lib.int32)),
    "argmax_dim_keepdim": lambda lib: (lib.tensor(TIES[:2]).argmax(1),
                                       lib.tensor(TIES[:2]).argmin(dim=0, keepdim=True)),
    "argmax_fn": lambda lib: lib.argmax(lib.tensor(X), dim=1),
    "argsort": lambda lib: lib.tensor(TIES).argsort(dim=1, stable=True),
    "argsort_descending_fn": lambda lib: lib.argsort(lib.tensor(TIES), dim=0, descending=True,
                                                     stable=True),
    "sort_ints": lambda lib: lib.tensor([[3, 1, 2, 1]]).sort(descending=True, stable=True),
    "cumsum_int_and_bool_to_int64": lambda lib: (lib.tensor([1, 2, 3], dtype=lib.int32)
                                                 .cumsum(0), lib.tensor([True, True]).cumsum(0)),
    "cumsum_dtype": lambda lib: lib.tensor([1, 2]).cumsum(0, dtype=lib.float64),
    "topk_ints": lambda lib: lib.tensor([5, 1, 4, 2]).topk(3),
    "max_unpack_pred": lambda lib: lib.max(lib.tensor(X), 1)[1],
    "masked_fill_int": lambda lib: lib.arange(4).masked_fill(lib.arange(4) > 1, 0),
    "masked_fill_tensor_value": lambda lib: lib.ones(3).masked_fill(
        lib.tensor([True, False, True]), lib.tensor(5.0)),
    "div_rounding": lambda lib: (lib.tensor([7, -7]).div(2, rounding_mode="floor"),
                                 lib.tensor([7, -7]).div(2, rounding_mode="trunc"),
                                 lib.tensor([7.5, -7.5]).div(2, rounding_mode="floor"),
                                 lib.tensor([7.5, -7.5]).div(2, rounding_mode="trunc"),
                                 lib.tensor([7, -7]).div(2), lib.tensor([7, -7]).div(2.0)),
    "t_of_vector": lambda lib: lib.arange(3).t(),
    "detach": lambda lib: lib.ones(2, requires_grad=True).detach().requires_grad,
    "requires_grad_": lambda lib: lib.ones(2).requires_grad_().requires_grad,
    "new_zeros_ones_full": lambda lib: (lib.ones(2, dtype=lib.float64).new_zeros(3),
                                        lib.ones(2, dtype=lib.int64).new_ones((2, 1)),
                                        lib.ones(1).new_full((2,), 4.0),
                                        lib.ones(1).new_tensor([1, 2])),
    "is_floating_point": lambda lib: (lib.ones(1).is_floating_point(),
                                      lib.arange(2).is_floating_point()),
    "device_eq": lambda lib: (str(lib.ones(1).device), lib.ones(1).device == lib.device("cpu"),
                              lib.device("cpu") == "cpu", lib.device("cpu") == lib.device("cpu")),
    "cpu_is_self": lambda lib: (lambda t: t.cpu() is t)(lib.ones(1)),
    "to_same_is_self": lambda lib: (lambda t: (t.to(lib.float32) is t, t.to("cpu") is t,
                                               t.to(lib.float32, copy=True) is t))(lib.ones(1)),
    "cuda_unavailable": lambda lib: (lib.cuda.is_available(), lib.accelerator.is_available()),
    "default_dtype": lambda lib: str(lib.get_default_dtype()).replace("torch.", ""),
    # creation
    "zeros_ones_int_tuple": lambda lib: (lib.zeros(2, 3), lib.ones((2, 3)), lib.zeros([2])),
    "zeros_dtype_requires_grad": lambda lib: (lib.zeros(2, dtype=lib.float64,
                                                        requires_grad=True).requires_grad,
                                              lib.ones(2, dtype=lib.int64)),
    "zeros_device_kw": lambda lib: lib.zeros(2, device="cpu"),
    "empty_shape": lambda lib: lib.empty(2, 3).shape,
    "full": lambda lib: (lib.full((2, 2), 1.5), lib.full((2,), 3), lib.full((1,), True),
                         lib.full((2,), 7, dtype=lib.float32)),
    "arange": lambda lib: (lib.arange(5), lib.arange(1, 4), lib.arange(0, 1, 0.25),
                           lib.arange(5.0), lib.arange(0, 10, 3), lib.arange(3, dtype=lib.float64),
                           lib.arange(5, 0, -2), lib.arange(0.5, 2.5)),
    "linspace": lambda lib: (lib.linspace(0, 1, 5), lib.linspace(-1, 1, 1),
                             lib.linspace(0, 10, 0), lib.linspace(0, 1, 4, dtype=lib.float64)),
    "eye": lambda lib: (lib.eye(3), lib.eye(2, 3), lib.eye(0), lib.eye(2, dtype=lib.int64)),
    "like": lambda lib: (lambda t: (lib.zeros_like(t), lib.ones_like(t), lib.full_like(t, 2),
                                    lib.empty_like(t).shape, lib.zeros_like(t, dtype=lib.int64),
                                    lib.rand_like(t).shape, lib.randn_like(t).dtype,
                                    lib.randint_like(t, 5).dtype,
                                    lib.randint_like(t, 2, 5).shape))(
        lib.tensor([[1.0, 2.0]], dtype=lib.float64)),
    "random_shapes_dtypes": lambda lib: (
        lib.rand(2, 3).shape, lib.randn((2, 3)).dtype, lib.rand(2, dtype=lib.float64).dtype,
        lib.randint(10, (3,)).dtype, lib.randint(2, 5, (2, 2)).shape,
        lib.randint(0, 5, size=(4,)).shape, lib.randperm(6).dtype, lib.randperm(6).shape,
        lib.normal(0.0, 1.0, size=(3,)).dtype, lib.normal(lib.zeros(2, 2), 1.0).shape,
        lib.normal(lib.zeros(3), lib.ones(3)).shape),
    "tensor_dtypes": lambda lib: (lib.tensor([1.0]), lib.tensor([1]), lib.tensor([True]),
                                  lib.tensor(np.array([1.0])), lib.tensor([1], dtype=lib.float32),
                                  lib.tensor(3.0)),
    "as_tensor_dtypes": lambda lib: (lib.as_tensor([1.0, 2.0]), lib.as_tensor(np.arange(3)),
                                     lib.as_tensor(np.ones(2), dtype=lib.float32),
                                     lib.as_tensor(lib.ones(2), dtype=lib.float64)),
    "from_numpy_dtype": lambda lib: (lib.from_numpy(np.ones(2)), lib.from_numpy(
        np.arange(3, dtype=np.int32)), lib.from_numpy(np.zeros((2, 0), np.float32))),
}


@pytest.mark.parametrize("name", sorted(VALUES))
@needs_torch
def test_value_idiom_matches_pytorch(name: str) -> None:
    ours, theirs = VALUES[name](mg), VALUES[name](torch)
    theirs = _torch_to_plain(theirs)
    ours = _mg_to_plain(ours)
    assert_same(ours, theirs)


def _torch_to_plain(v):  # noqa: ANN001, ANN202
    """Map torch-only value types (Size, dtype) onto what minigrad returns for them."""
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, torch.dtype):
        return str(v).replace("torch.", "")
    if isinstance(v, tuple) and not hasattr(v, "_fields"):
        return tuple(_torch_to_plain(x) for x in v)
    if hasattr(v, "_fields"):
        return tuple(v)
    return v


def _mg_to_plain(v):  # noqa: ANN001, ANN202
    if isinstance(v, mg.Size):
        return tuple(v)
    if isinstance(v, (np.dtype, type)) and v is not bool and not isinstance(v, tuple):
        return np.dtype(v).name
    if isinstance(v, tuple):
        return tuple(_mg_to_plain(x) for x in v)
    return v


# ---------------------------------------------------------------- shared memory, copies, refusals

def test_from_numpy_and_as_tensor_share_memory_tensor_copies() -> None:
    a = np.zeros(3, np.float32)
    shared, as_t, copied = mg.from_numpy(a), mg.as_tensor(a), mg.tensor(a)
    a[0] = 5
    assert shared[0].item() == 5 and as_t[0].item() == 5 and copied[0].item() == 0
    t = mg.ones(2, requires_grad=True)
    assert mg.as_tensor(t) is t  # no copy, graph kept, as torch.as_tensor
    assert mg.as_tensor(a, dtype=mg.float64).numpy() is not a


def test_to_dtype_is_differentiable_and_copies_when_it_changes() -> None:
    x = mg.ones(2, requires_grad=True)
    y = x.to(mg.float64)
    assert y.dtype == mg.float64 and y is not x
    (y * 3).sum().backward()
    assert x.grad.dtype == mg.float32 and x.grad.tolist() == [3.0, 3.0]


def test_numpy_refuses_a_tensor_that_requires_grad_as_pytorch() -> None:
    x, tx = mg.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as theirs:
        tx.numpy()
    with pytest.raises(RuntimeError) as ours:
        x.numpy()
    assert str(ours.value) == str(theirs.value)
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_size_is_a_tuple_subclass_with_numel() -> None:
    s = mg.zeros(2, 3).size()
    assert isinstance(s, tuple) and s == (2, 3) and s.numel() == 6 and repr(s) == "Size([2, 3])"
    assert mg.zeros(2, 3).size(1) == 3 and mg.zeros(()).size() == ()


def test_max_with_dim_unpacks_as_pytorch_classification_idiom() -> None:
    out = mg.tensor([[0.1, 0.9], [0.8, 0.2]])
    _, pred = mg.max(out, 1)
    correct = pred.eq(mg.tensor([1, 1]).view_as(pred)).sum().item()
    assert correct == 1 and isinstance(correct, int)
    assert mg.max(out, dim=1).indices.tolist() == [1, 0]


def test_generator_streams_repeat_and_stay_apart_from_the_global_one() -> None:
    g1, g2 = mg.Generator().manual_seed(3), mg.Generator().manual_seed(3)
    assert mg.randn(4, generator=g1).tolist() == mg.randn(4, generator=g2).tolist()
    mg.manual_seed(0)
    a = mg.rand(3)
    mg.manual_seed(0)
    mg.rand(2, generator=g1)
    assert mg.rand(3).tolist() == a.tolist()


def test_normal_uses_mean_and_std() -> None:
    mg.manual_seed(0)
    z = mg.normal(mg.full((20000,), 3.0), 2.0)
    assert abs(z.mean().item() - 3.0) < 0.05 and abs(z.std().item() - 2.0) < 0.05


def test_bernoulli_fills_ones_with_probability_p_as_pytorch() -> None:
    mg.manual_seed(0)
    t = mg.empty(20000, dtype=mg.float64).bernoulli_(0.3)  # returns self, dtype kept
    assert t.dtype == np.float64 and set(np.unique(t.numpy())) <= {0.0, 1.0}
    assert abs(t.mean().item() - 0.3) < 0.02
    rows = mg.empty(3, 4).bernoulli_(mg.tensor([[0.0], [1.0], [0.5]]))  # a broadcast Tensor p
    assert rows[0].sum().item() == 0 and rows[1].sum().item() == 4
    g1, g2 = mg.Generator().manual_seed(5), mg.Generator().manual_seed(5)
    assert (mg.empty(50).bernoulli_(generator=g1).tolist()
            == mg.empty(50).bernoulli_(generator=g2).tolist())
    for bad in (1.5, -0.1, float("nan")):  # PyTorch's type and message
        with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but "
                           rf"got p={bad}"):
            mg.empty(3).bernoulli_(bad)
    with pytest.raises(RuntimeError, match="bernoulli_ expects p to be in"):
        mg.empty(2).bernoulli_(mg.tensor([0.5, 2.0]))


def test_randperm_is_a_permutation_and_randint_in_range() -> None:
    assert sorted(mg.randperm(10).tolist()) == list(range(10))
    r = mg.randint(3, 7, (1000,))
    assert r.min().item() >= 3 and r.max().item() <= 6


def test_cuda_and_device_cuda_refuse_clearly() -> None:
    for call in (lambda: mg.device("cuda"), lambda: mg.ones(1).cuda(),
                 lambda: mg.ones(1).to("cuda"), lambda: mg.zeros(2, device="cuda:0")):
        with pytest.raises(RuntimeError, match="CPU only.*docs/porting.md"):
            call()


def test_comparison_results_are_bool_and_outside_the_graph() -> None:
    x = mg.ones(3, requires_grad=True)
    m = x.gt(0.5)
    assert m.dtype == mg.bool and not m.requires_grad and m.sum().dtype == mg.int64


def test_format_of_a_one_element_tensor_and_refusal_for_many() -> None:
    loss = mg.tensor(0.25, requires_grad=True) * 2
    assert f"{loss:.4f}" == "0.5000" and f"{mg.tensor(3):d}" == "3"
    assert f"{mg.ones(2)}" == str(mg.ones(2))
    with pytest.raises(TypeError, match="format"):
        f"{mg.ones(1):.2f}"  # as PyTorch: only a 0-d tensor takes a format spec


# ---------------------------------------------------------------- bad input: type and message

BAD = [
    # (call, exception type, words the message must contain)
    (lambda: mg.zeros(-1), RuntimeError, ["zeros", "negative dimension", "-1"]),
    (lambda: mg.randn(2, -3), RuntimeError, ["randn", "negative dimension", "-3"]),
    (lambda: mg.ones((2, -1)), RuntimeError, ["ones", "negative dimension"]),
    (lambda: mg.rand(-2), RuntimeError, ["rand", "negative"]),
    (lambda: mg.zeros(2.5), TypeError, ["zeros", "size", "float"]),
    (lambda: mg.zeros("3"), TypeError, ["zeros", "size", "str"]),
    (lambda: mg.eye(-2), RuntimeError, ["eye", "n", "-2"]),
    (lambda: mg.eye(2, -1), RuntimeError, ["eye", "m", "-1"]),
    (lambda: mg.arange(0, 5, 0), RuntimeError, ["arange", "step must be nonzero"]),
    (lambda: mg.arange(0, 5, -1), RuntimeError, ["arange", "step sign"]),
    (lambda: mg.arange(0, float("inf")), RuntimeError, ["arange", "finite"]),
    (lambda: mg.linspace(0, 1, -1), RuntimeError, ["linspace", "non-negative"]),
    (lambda: mg.randperm(-1), RuntimeError, ["randperm", "non-negative"]),
    (lambda: mg.randint(5, 2, (3,)), RuntimeError, ["randint", "from", "to"]),
    (lambda: mg.randint(5), TypeError, ["randint", "size"]),
    (lambda: mg.rand(2, dtype=mg.int64), RuntimeError, ["rand", "floating point", "int64"]),
    (lambda: mg.normal(0.0, 1.0), TypeError, ["normal", "size"]),
    (lambda: mg.normal(mg.zeros(2), -1.0), RuntimeError, ["normal", "std"]),
    (lambda: mg.zeros(1000, 1000, 1000, 1000), RuntimeError,  # 3.6 TiB of float32
     ["zeros", "cannot allocate 3.6 TiB", "4000000000000 bytes", "memory"]),
    (lambda: mg.zeros(2, dtype="float33"), TypeError, ["zeros", "dtype"]),
    (lambda: mg.ones(1).to("float33"), RuntimeError, ["device", "float33"]),
    (lambda: mg.ones(1).to(dtype="float33"), TypeError, ["to", "dtype"]),
    (lambda: mg.device("tpu"), RuntimeError, ["device", "tpu"]),
    (lambda: mg.device("cuda"), RuntimeError, ["cuda", "CPU only", "docs/porting.md"]),
    (lambda: mg.ones(1).cuda(), RuntimeError, ["cuda", "docs/porting.md"]),
    (lambda: mg.zeros(2, device=0), RuntimeError, ["device", "CPU only"]),
    (lambda: mg.zeros_like(np.ones(2)), TypeError, ["zeros_like", "input", "Tensor"]),
    (lambda: mg.from_numpy([1, 2]), TypeError, ["from_numpy", "np.ndarray", "list"]),
    (lambda: mg.from_numpy(np.array(["a"])), TypeError, ["from_numpy", "type"]),
    (lambda: mg.ones(2, 3).size(2), IndexError, ["size", "dimension out of range", "2"]),
    (lambda: mg.ones(2, requires_grad=True).numpy(),
     RuntimeError, ["numpy()", "requires grad", "detach"]),
    (lambda: mg.ones(2, 3).gather(1, mg.tensor([[0.0]])), RuntimeError,
     ["gather", "int64", "index"]),
    (lambda: mg.ones(2, 3).gather(1, mg.tensor([0, 1])), RuntimeError,
     ["gather", "same number of dimensions"]),
    (lambda: mg.ones(2, 3).gather(1, mg.tensor([[3]])), RuntimeError,
     ["gather", "index 3", "out of bounds", "size 3"]),
    (lambda: mg.ones(2, 3).gather(1, mg.tensor([[-1]])), RuntimeError,
     ["gather", "-1", "out of bounds"]),
    (lambda: mg.ones(2, 3).gather(1, mg.tensor([[0], [0], [0]])), RuntimeError,
     ["gather", "size of index", "dimension 0"]),
    (lambda: mg.ones(2, 3).gather(2, mg.tensor([[0]])), IndexError,
     ["gather", "dimension out of range"]),
    (lambda: mg.ones(2, 3).masked_fill(mg.ones(2, 3), 0.0), RuntimeError,
     ["masked_fill", "boolean", "float32"]),
    (lambda: mg.ones(2, 3).masked_fill(mg.ones(4, 3) > 0, 0.0), RuntimeError,
     ["masked_fill", "(4, 3)", "(2, 3)"]),
    (lambda: mg.ones(3).masked_fill(mg.ones(3) > 0, mg.ones(2)), RuntimeError,
     ["masked_fill", "0-dimensional"]),
    (lambda: mg.ones(2, 3).topk(4), RuntimeError, ["topk", "k=4", "out of range", "size 3"]),
    (lambda: mg.ones(3).topk(1.5), TypeError, ["topk", "k", "float"]),
    (lambda: mg.ones(2, 3).sort(2), IndexError, ["sort", "dimension out of range"]),
    (lambda: mg.ones(2, 3).cumsum(-3), IndexError, ["cumsum", "dimension out of range"]),
    (lambda: mg.ones(2, 3).mm(mg.ones(3)), RuntimeError, ["mm", "mat2", "2-D"]),
    (lambda: mg.ones(2, 3).bmm(mg.ones(2, 3, 1)), RuntimeError, ["bmm", "batch1", "3D"]),
    (lambda: mg.ones(2, 2, 3).bmm(mg.ones(3, 3, 1)), RuntimeError, ["bmm", "batch size"]),
    (lambda: mg.ones(2, 2, 2).t(), RuntimeError, ["t()", "<= 2 dimensions", "3D"]),
    (lambda: mg.ones(2).div(2, rounding_mode="round"), RuntimeError, ["div", "rounding_mode"]),
    (lambda: mg.ones(2).sum(dim=0, axis=0), TypeError, ["sum", "axis"]),
    (lambda: F.cross_entropy(np.zeros((2, 3), np.float32), mg.tensor([0, 1])), TypeError,
     ["cross_entropy: ", "argument 'input'", "must be Tensor", "numpy.ndarray"]),
    (lambda: mg.as_tensor([1.0], device="cuda"), RuntimeError, ["cuda", "CPU only"]),
    (lambda: mg.Generator("cuda"), RuntimeError, ["cuda", "CPU only"]),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_input_raises_pytorchs_error_type_with_a_clear_message(case: int) -> None:
    call, exc, words = BAD[case]
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_every_error_opens_with_the_op_name_and_a_colon() -> None:
    """One way to name the op (docs/faq.md): ``"pad: ..."``, never ``"pad(): ..."``."""
    import io
    import re
    import tokenize
    from pathlib import Path

    opening = re.compile(r'^[rRbBfFuU]*(?:"""|\'\'\'|"|\')[\w.{}\[\]]+\(\): ')
    package = Path(mg.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
            if tok.type == tokenize.STRING and opening.match(tok.string):
                found.append(f"{path.relative_to(package)}:{tok.start[0]}: {tok.string[:40]}")
    assert not found, "messages opening with 'name(): ':\n" + "\n".join(found)


@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(-1), lambda lib: lib.randn(2, -3), lambda lib: lib.eye(-2),
    lambda lib: lib.arange(0, 5, 0), lambda lib: lib.ones(2, 3).gather(1, lib.tensor([[3]])),
    lambda lib: lib.ones(2, 3).topk(4), lambda lib: lib.ones(2, 2, 2).t(),
    lambda lib: lib.ones(2, 3).size(2), lambda lib: lib.zeros(2.5),
    lambda lib: lib.ones(3).masked_fill(lib.ones(3), 0.0),
])
def test_bad_input_error_type_is_pytorchs(call) -> None:  # noqa: ANN001
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(mg)
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)


def test_set_default_dtype_changes_creation_as_pytorch() -> None:
    try:
        for lib in (mg, torch):
            lib.set_default_dtype(lib.float64)
        for make in (lambda lib: lib.zeros(2), lambda lib: lib.tensor([1.5]),
                     lambda lib: lib.arange(0.0, 2.0), lambda lib: lib.randn(2),
                     lambda lib: lib.full((1,), 2.0), lambda lib: lib.linspace(0, 1, 3)):
            assert str(make(mg).dtype) == str(make(torch).dtype).replace("torch.", "")
    finally:
        for lib in (mg, torch):
            lib.set_default_dtype(lib.float32)
    assert mg.zeros(1).dtype == mg.float32


CLAMP_TENSOR_BOUNDS = {  # name -> (call, shapes of x, min, max; None: no such bound)
    "both_same_shape": (lambda lib, x, lo, hi: x.clamp(min=lo, max=hi), (3, 4), (3, 4), (3, 4)),
    "broadcast_bounds": (lambda lib, x, lo, hi: lib.clamp(x, lo, hi), (3, 4), (4,), (3, 1)),
    "bounds_broadcast_x": (lambda lib, x, lo, hi: x.clamp(lo), (4,), (2, 4), None),
    # PyTorch's backward fails here (its in-place mask has x's shape), so x is expanded
    # for it: the same function, the gradient summed back by expand's backward
    "both_broadcast_x": (lambda lib, x, lo, hi: (x if lib is mg else x.expand(2, 4))
                         .clamp(lo, hi), (4,), (2, 4), (1,)),
    "min_only": (lambda lib, x, lo, hi: x.clamp(min=lo), (3, 4), (4,), None),
    "max_only": (lambda lib, x, lo, hi: lib.clamp(x, max=hi), (3, 4), None, (3, 1)),
    "clip_alias": (lambda lib, x, lo, hi: x.clip(lo, hi), (2, 3), (), ()),
}


def _clamp_inputs(lib, shapes, dtype=np.float64):  # noqa: ANN001, ANN202
    """x, min, max with ties between x and each bound, and min > max in places."""
    rng = np.random.default_rng(3)
    arrays = [None if s is None else np.round(rng.standard_normal(s) * 2) / 2 for s in shapes]
    if arrays[1] is not None:
        arrays[1] = arrays[1] - 0.5
    if arrays[2] is not None:
        arrays[2] = arrays[2] + 0.5
    make = mg.tensor if lib is mg else torch.tensor
    return [None if a is None else make(a.astype(dtype), requires_grad=True) for a in arrays]


@pytest.mark.parametrize("name", sorted(CLAMP_TENSOR_BOUNDS))
def test_clamp_with_tensor_bounds_matches_pytorch_values_and_gradients(name: str) -> None:
    call, *shapes = CLAMP_TENSOR_BOUNDS[name]
    ours, theirs = _clamp_inputs(mg, shapes), _clamp_inputs(torch, shapes)
    out, ref = call(mg, *ours), call(torch, *theirs)
    assert_same(out, ref)
    weights = np.arange(1.0, 1.0 + ref.numel()).reshape(tuple(ref.shape))
    out.backward(mg.tensor(weights))
    ref.backward(torch.tensor(weights))
    for a, b in zip(ours, theirs):
        if b is not None:
            np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("name", sorted(CLAMP_TENSOR_BOUNDS))
def test_clamp_with_tensor_bounds_passes_gradcheck(name: str) -> None:
    call, *shapes = CLAMP_TENSOR_BOUNDS[name]
    shapes = [s for s in shapes if s is not None]
    sizes = [int(np.prod(s)) for s in shapes]
    # values 0.1 apart across all inputs, so no finite difference crosses a kink
    values = np.random.default_rng(5).permutation(sum(sizes)) * 0.1 - 1.0
    inputs = [mg.tensor(v.reshape(s), requires_grad=True)
              for v, s in zip(np.split(values, np.cumsum(sizes)[:-1]), shapes)]
    which = [s is not None for s in CLAMP_TENSOR_BOUNDS[name][1:]]

    def fn(*args):  # noqa: ANN002, ANN202
        it = iter(args)
        x, lo, hi = (next(it) if w else None for w in which)
        return call(mg, x, lo, hi)

    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


def test_clamp_where_min_exceeds_max_gives_max_as_pytorch() -> None:
    x = np.array([-1.0, 0.5, 2.0])
    lo, hi = np.array([1.0, 1.0, 1.0]), np.array([0.0, 0.0, 0.0])
    assert_same(mg.tensor(x).clamp(mg.tensor(lo), mg.tensor(hi)),
                torch.tensor(x).clamp(torch.tensor(lo), torch.tensor(hi)))
    assert_same(mg.tensor(x).clamp(1.0, 0.0), torch.tensor(x).clamp(1.0, 0.0))


def test_clamp_with_tensor_bounds_promotes_dtypes_and_works_in_place() -> None:
    for x, lo in [(np.ones(3, np.float32), np.zeros(3, np.float64)),
                  (np.arange(3), np.full(3, 0.5, np.float32)),
                  (np.ones((2, 3), np.float32), np.float64(2.0))]:
        assert_same(mg.clamp(mg.tensor(x), mg.tensor(lo)),
                    torch.clamp(torch.tensor(x), torch.tensor(lo)))
    x, t = mg.tensor([0.0, 5.0, -5.0]), torch.tensor([0.0, 5.0, -5.0])
    x.clamp_(mg.tensor([1.0, -1.0, -1.0]), mg.tensor(1.0))
    t.clamp_(torch.tensor([1.0, -1.0, -1.0]), torch.tensor(1.0))
    assert_same(x, t)


def test_clamp_with_tensor_bounds_refuses_shapes_that_do_not_broadcast() -> None:
    with pytest.raises(RuntimeError, match=r"clamp: the size of tensor a \(2\) must match"):
        mg.ones(2).clamp(mg.zeros(3))
    with pytest.raises(RuntimeError):
        torch.ones(2).clamp(torch.zeros(3))
    with pytest.raises(RuntimeError, match="clamp_: output with shape"):
        mg.ones(2).clamp_(mg.zeros(3, 2))
