"""flip, roll, repeat, tile, repeat_interleave, chunk, split, unbind, unflatten, scatter,
scatter_add and scatter_reduce: gradcheck + gradgradcheck in float64, and the same calls against
PyTorch (output shapes, dtypes, values, NaN/Inf pattern and every input's gradient), on 0-d,
size-1 and zero-size shapes and negative dims; bad calls raise PyTorch's exception type."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import optional_torch

import minigrad as mg

torch = optional_torch()  # torch-free tests run without it

rng = np.random.default_rng(25)


def _np(x):  # noqa: ANN001, ANN202
    return x.detach().numpy() if isinstance(x, (mg.Tensor, torch.Tensor)) else np.asarray(x)


def _flat(out):  # noqa: ANN001, ANN202
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _same_tensor(ours, theirs, what: str) -> None:  # noqa: ANN001
    assert isinstance(ours, mg.Tensor), (what, type(ours))
    assert tuple(ours.shape) == tuple(theirs.shape), (what, ours.shape, theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (what, ours.dtype,
                                                                       theirs.dtype)
    rtol, atol = (1.3e-6, 1e-5) if ours.dtype == np.float32 else (1e-7, 1e-7)  # torch.testing's
    np.testing.assert_allclose(_np(ours).astype(float), _np(theirs).astype(float), rtol=rtol,
                               atol=atol, equal_nan=True, err_msg=what)


def compare(fn, *arrays, grad: bool = True) -> None:  # noqa: ANN001
    """Run ``fn(lib, *tensors)`` in both libraries; compare outputs and every gradient."""
    ours = [mg.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    out_m, out_t = _flat(fn(mg, *ours)), _flat(fn(torch, *theirs))
    assert len(out_m) == len(out_t)
    for i, (o, t) in enumerate(zip(out_m, out_t)):
        _same_tensor(o, t, f"output {i}")
    if not grad or not any(t.requires_grad for t in theirs):
        return
    loss_m = loss_t = 0
    # cotangents from a generator of this call's own: the same for a case however the
    # tests are ordered or spread over processes (a shared one made them depend on that)
    cotangents = np.random.default_rng(0)
    for o, t in zip(out_m, out_t):
        if t.requires_grad:
            w = cotangents.standard_normal(tuple(t.shape)).astype(_np(t).dtype)
            loss_m = loss_m + (o * mg.tensor(w)).sum()
            loss_t = loss_t + (t * torch.tensor(w)).sum()
    if not isinstance(loss_t, torch.Tensor):
        return
    loss_m.backward()
    loss_t.backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            assert a.grad is None or not np.any(_np(a.grad)), f"input {i}: torch has no grad"
        else:
            _same_tensor(a.grad, b.grad, f"grad of input {i}")


X = rng.standard_normal((3, 4)).astype(np.float32)
X3 = rng.standard_normal((2, 3, 4)).astype(np.float32)
S = np.float32(1.5) * np.ones((), np.float32)  # 0-d
E = np.zeros((0, 3), np.float32)
ONE = rng.standard_normal((1, 4)).astype(np.float32)
SPECIAL = np.array([[np.nan, 1.0, -np.inf], [np.inf, 0.0, -2.0]], np.float32)
I = np.arange(12).reshape(3, 4)

CASES = {
    # flip
    "flip_dims": (lambda lib, x: lib.flip(x, (0, 1)), X),
    "flip_negative_dim": (lambda lib, x: lib.flip(x, [-1]), X3),
    "flip_method_varargs": (lambda lib, x: x.flip(0, 2), X3),
    "flip_no_dims": (lambda lib, x: lib.flip(x, ()), X),
    "flip_0d": (lambda lib, x: lib.flip(x, (0,)), S),
    "flip_empty": (lambda lib, x: lib.flip(x, (0, 1)), E),
    "flip_nan_inf": (lambda lib, x: x.flip(1), SPECIAL),
    "flip_int": (lambda lib, x: x.flip(0), I),
    # roll
    "roll_flat": (lambda lib, x: lib.roll(x, 5), X),
    "roll_dim": (lambda lib, x: lib.roll(x, -1, 0), X),
    "roll_dims": (lambda lib, x: x.roll((1, -7), (0, -1)), X3),
    "roll_same_dim_twice": (lambda lib, x: x.roll((1, 2), (1, 1)), X),
    "roll_0d": (lambda lib, x: lib.roll(x, 3), S),
    "roll_empty": (lambda lib, x: lib.roll(x, 1, 0), E),
    "roll_size_one": (lambda lib, x: lib.roll(x, 2, 0), ONE),
    # repeat / tile
    "repeat": (lambda lib, x: x.repeat(2, 3), X),
    "repeat_new_dims": (lambda lib, x: x.repeat(2, 1, 1, 2), X3[0]),
    "repeat_tuple": (lambda lib, x: x.repeat((1, 2)), X),
    "repeat_zero": (lambda lib, x: x.repeat(0, 2), X),
    "repeat_0d": (lambda lib, x: x.repeat(3, 2), S),
    "repeat_empty": (lambda lib, x: x.repeat(2, 2), E),
    "tile_short": (lambda lib, x: lib.tile(x, (2,)), X),
    "tile_long": (lambda lib, x: x.tile((2, 1, 3)), X),
    "tile_0d": (lambda lib, x: lib.tile(x, (2,)), S),
    "tile_empty_dims": (lambda lib, x: lib.tile(x, ()), X),
    # repeat_interleave
    "repeat_interleave_flat": (lambda lib, x: lib.repeat_interleave(x, 2), X),
    "repeat_interleave_dim": (lambda lib, x: x.repeat_interleave(3, dim=-1), X),
    "repeat_interleave_tensor": (
        lambda lib, x: x.repeat_interleave(lib.tensor([2, 0, 1]), dim=0), X),
    "repeat_interleave_one_count": (
        lambda lib, x: lib.repeat_interleave(x, lib.tensor([2]), dim=1), X),
    "repeat_interleave_0d": (lambda lib, x: lib.repeat_interleave(x, 2), S),
    "repeat_interleave_zero": (lambda lib, x: lib.repeat_interleave(x, 0, dim=1), X),
    "repeat_interleave_empty": (lambda lib, x: lib.repeat_interleave(x, 2, dim=1), E),
    "repeat_interleave_indices": (lambda lib, x: lib.repeat_interleave(x), np.array([1, 0, 3])),
    # chunk / split / unbind / unflatten
    "chunk": (lambda lib, x: lib.chunk(x, 3, 1), X),
    "chunk_runs_out": (lambda lib, x: lib.chunk(lib.cat([x, x]), 4), X[:, 0]),
    "chunk_more_than_size": (lambda lib, x: x.chunk(10, -1), X),
    "chunk_empty": (lambda lib, x: lib.chunk(x, 2), E),
    "split_int": (lambda lib, x: lib.split(x, 3, dim=1), X),
    "split_sizes": (lambda lib, x: x.split([1, 0, 2], 0), X),
    "split_negative_dim": (lambda lib, x: x.split(2, -2), X3),
    "split_empty": (lambda lib, x: lib.split(x, 2), E),
    "split_zero_size_of_empty": (lambda lib, x: lib.split(x, 0), E),
    "unbind": (lambda lib, x: lib.unbind(x, -1), X),
    "unbind_method_dim0": (lambda lib, x: x.unbind(), X3),
    "unbind_empty": (lambda lib, x: lib.unbind(x), E),
    "unbind_size_one": (lambda lib, x: x.unbind(0), ONE),
    "unflatten": (lambda lib, x: x.unflatten(1, (2, 2)), X),
    "unflatten_free": (lambda lib, x: lib.unflatten(x, -1, (-1, 2, 1)), X3),
    "unflatten_empty": (lambda lib, x: x.unflatten(0, (2, 0)), E[:, 0]),
    # scatter / scatter_add
    "scatter_src": (lambda lib, x, s: x.scatter(1, lib.tensor([[0, 3], [2, 1], [1, 0]]), s),
                    X, X[:, :2] * 10),
    "scatter_src_dim0": (lambda lib, x, s: lib.scatter(x, 0, lib.tensor([[2, 0, 1, 0]]), s),
                         X, X3[1, :1]),
    "scatter_value": (lambda lib, x: x.scatter(-1, lib.tensor([[0], [3], [2]]), 7.5), X),
    "scatter_value_kw": (lambda lib, x: lib.scatter(x, 1, lib.tensor([[1, 1]]), value=-1.0), X),
    "scatter_0d": (lambda lib, x, s: x.scatter(0, lib.tensor(0), s), S, S * 2),
    "scatter_0d_index_1d_self": (lambda lib, x, s: x.scatter(0, lib.tensor(2), s), X[0], S),
    "scatter_empty_index": (lambda lib, x, s: x.scatter(1, lib.zeros(3, 0, dtype=lib.int64), s),
                            X, X[:, :0]),
    "scatter_int": (lambda lib, x: x.scatter(0, lib.tensor([[2, 0]]), 100), I),
    "scatter_add": (lambda lib, x, s: lib.scatter_add(x, 1, lib.tensor([[0, 0], [3, 3], [1, 2]]),
                                                      s), X, X[:, :2]),
    "scatter_add_method_dim0": (lambda lib, x, s: x.scatter_add(0, lib.tensor([[1, 1, 2, 0]]),
                                                                s), X, X3[0, :1]),
    "scatter_add_0d": (lambda lib, x, s: x.scatter_add(0, lib.tensor(0), s), S, S),
    "scatter_add_int": (lambda lib, x: x.scatter_add(1, lib.tensor([[0, 0]]), x[:1, :2]), I),
    # scatter_reduce: every reduction, with and without self; repeats, ties, NaN/Inf, ints
    **{f"scatter_reduce_{r}_{inc}": (
        lambda lib, x, s, r=r, inc=inc: lib.scatter_reduce(
            x, 1, lib.tensor([[0, 3, 0], [2, 2, 2], [1, 0, 3]]), s, r, include_self=inc),
        X, X3[0, :, :3]) for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)},
    **{f"scatter_reduce_{r}_special": (
        lambda lib, x, s, r=r: x.scatter_reduce(-2, lib.tensor([[1, 0, 1], [1, 1, 0]]), s, r),
        SPECIAL, SPECIAL[::-1].copy()) for r in ("sum", "prod", "mean", "amax", "amin")},
    **{f"scatter_reduce_{r}_ties": (
        lambda lib, x, s, r=r, inc=inc: x.scatter_reduce(0, lib.tensor([0, 0, 1, 1]), s, r,
                                                         include_self=inc),
        np.array([2.0, 1.0, -1.0], np.float32), np.array([2.0, 2.0, 1.0, -5.0], np.float32))
        for r in ("amax", "amin") for inc in (True, False)},
    "scatter_reduce_prod_zeros": (
        lambda lib, x, s: x.scatter_reduce(0, lib.tensor([0, 0, 1, 1, 2, 2]), s, "prod"),
        np.array([2.0, 0.0, 0.0], np.float32),
        np.array([0.0, 3.0, 0.0, 0.0, 4.0, 5.0], np.float32)),
    "scatter_reduce_0d": (lambda lib, x, s: x.scatter_reduce(0, lib.tensor(0), s, "prod"), S,
                          S * 2),
    "scatter_reduce_empty_index": (
        lambda lib, x, s: lib.scatter_reduce(x, 1, lib.zeros(3, 0, dtype=lib.int64), s, "sum"),
        X, X[:, :0]),
    "scatter_reduce_int_mean": (
        lambda lib, x: x.scatter_reduce(1, lib.tensor([[0, 0, 1]]), -x[:1, :3] * 3, "mean"), I),
    "scatter_reduce_int_amin": (
        lambda lib, x: x.scatter_reduce(0, lib.tensor([[2, 0]]), x[:1, :2] - 9, "amin",
                                        include_self=False), I),
}


# PyTorch's scatter backward fails when src is larger than index ("invalid gradient"), so
# these compare values only; minigrad's gradient there is checked by gradcheck below
VALUES_ONLY = {
    "scatter_src_bigger": (lambda lib, x, s: lib.scatter(x, 0, lib.tensor([[2, 0, 1, 0]]), s),
                           X, X3[1]),
    "scatter_add_src_bigger": (lambda lib, x, s: x.scatter_add(1, lib.tensor([[0, 0]]), s),
                               X, X),
    "scatter_duplicate_index_src": (lambda lib, x, s: x.scatter(1, lib.tensor([[1, 1]]), s),
                                    X, np.full((1, 2), 3.0, np.float32)),
    # PyTorch accepts "max"/"min" for "amax"/"amin", but not in their backward
    "scatter_reduce_max_min_aliases": (
        lambda lib, x, s: [x.scatter_reduce(0, lib.tensor([[1, 0, 1, 1]]), s, r)
                           for r in ("max", "min")], X, X[:1] * 3),
    # PyTorch's amax backward fails on an empty index (a size mismatch)
    "scatter_reduce_amax_empty_index": (
        lambda lib, x, s: lib.scatter_reduce(x, 1, lib.zeros(3, 0, dtype=lib.int64), s, "amax"),
        X, X),
    # PyTorch has no derivative of scatter's legacy reduce= (minigrad's: gradcheck below)
    "scatter_reduce_add_legacy": (
        lambda lib, x, s: x.scatter(1, lib.tensor([[0, 0], [3, 1], [2, 2]]), s, reduce="add"),
        X, X),
    "scatter_reduce_multiply_legacy": (
        lambda lib, x, s: lib.scatter(x, 0, lib.tensor([[2, 0, 2, 2]]), s, reduce="multiply"),
        X, X3[1]),
    "scatter_value_multiply_legacy": (
        lambda lib, x: x.scatter(1, lib.tensor([[0, 0], [3, 1]]), 2.5, reduce="multiply"), X),
    "scatter_value_add_legacy_int": (
        lambda lib, x: x.scatter(-1, lib.tensor([[0, 0]]), 2.5, reduce="add"), I),
    "scatter_value_multiply_legacy_0d": (
        lambda lib, x: x.scatter(0, lib.tensor(0), -3.0, reduce="multiply"), S),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name: str) -> None:
    fn, *arrays = CASES[name]
    compare(fn, *[np.asarray(a) for a in arrays])


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("name", sorted(VALUES_ONLY))
def test_values_match_pytorch(name: str) -> None:
    fn, *arrays = VALUES_ONLY[name]
    compare(fn, *[np.asarray(a) for a in arrays], grad=False)


def test_in_place_scatter_matches_pytorch() -> None:
    for lib in (mg, torch):
        w = lib.tensor(X, requires_grad=True)
        s = lib.tensor(X[:, :2] * 3, requires_grad=True)
        idx = lib.tensor([[0, 2], [3, 1], [1, 0]])
        y = w * 2
        y.scatter_(1, idx, s)
        z = w * 3
        z.scatter_add_(1, idx, s)
        v = w * 1
        v.scatter_(0, idx[:1], 5.0)
        ((y * y).sum() + (z * z).sum() + (v * v).sum()).backward()
        if lib is mg:
            ours = (y, z, v, w.grad, s.grad)
        else:
            theirs = (y, z, v, w.grad, s.grad)
    for o, t in zip(ours, theirs):
        _same_tensor(o, t, "in place")


def test_split_and_chunk_pieces_are_views_like_pytorchs() -> None:
    x = mg.arange(6.0)
    a, b = x.split(3)
    x[0] = 10.0  # writes show through the view, as in PyTorch
    assert a[0].item() == 10.0 and b.shape == (3,)


def _d(*shape: int) -> mg.Tensor:
    return mg.tensor(rng.uniform(-2, 2, size=shape), dtype=np.float64, requires_grad=True)


# name -> (fn, input factory); every one is checked by gradcheck and gradgradcheck
GRADCHECK = {
    "flip": (lambda a: a.flip(0, -1), lambda: (_d(2, 3, 2),)),
    "roll": (lambda a: a.roll((1, -2), (0, 1)), lambda: (_d(3, 4),)),
    "roll_flat": (lambda a: mg.roll(a, 4), lambda: (_d(2, 3),)),
    "repeat": (lambda a: a.repeat(2, 1, 3), lambda: (_d(2, 2),)),
    "tile": (lambda a: mg.tile(a, (3,)), lambda: (_d(2, 2),)),
    "repeat_interleave": (lambda a: a.repeat_interleave(mg.tensor([1, 0, 3]), dim=1),
                          lambda: (_d(2, 3),)),
    "repeat_interleave_flat": (lambda a: mg.repeat_interleave(a, 2), lambda: (_d(2, 2),)),
    "chunk": (lambda a: a.chunk(2, 1), lambda: (_d(2, 3),)),
    "split": (lambda a: mg.split(a, [2, 1], 0), lambda: (_d(3, 2),)),
    "unbind": (lambda a: a.unbind(1), lambda: (_d(2, 3),)),
    "unflatten": (lambda a: a.unflatten(1, (2, -1)) * a.unflatten(1, (2, -1)),
                  lambda: (_d(2, 4),)),
    "scatter_src": (lambda a, s: a.scatter(1, mg.tensor([[2, 0], [1, 2]]), s),
                    lambda: (_d(2, 3), _d(2, 2))),
    "scatter_src_bigger": (lambda a, s: a.scatter(1, mg.tensor([[2, 0], [1, 2]]), s),
                           lambda: (_d(2, 3), _d(3, 3))),
    "scatter_add_src_bigger": (lambda a, s: a.scatter_add(0, mg.tensor([[1, 1, 0]]), s),
                               lambda: (_d(2, 3), _d(2, 4))),
    "scatter_value": (lambda a: a.scatter(0, mg.tensor([[1, 0, 1]]), 2.0), lambda: (_d(2, 3),)),
    "scatter_add": (lambda a, s: mg.scatter_add(a, 0, mg.tensor([[1, 1], [0, 1]]), s),
                    lambda: (_d(2, 3), _d(2, 2))),
    "scatter_then_square": (lambda a, s: a.scatter(1, mg.tensor([[0], [2]]), s) ** 2,
                            lambda: (_d(2, 3), _d(2, 1))),
    **{f"scatter_reduce_{r}_{inc}": (
        lambda a, s, r=r, inc=inc: a.scatter_reduce(1, mg.tensor([[2, 0, 2], [1, 1, 1]]), s, r,
                                                    include_self=inc) ** 2,
        lambda: (_d(2, 3), _d(2, 4))) for r in ("sum", "prod", "mean", "amax", "amin")
        for inc in (True, False)},
    "scatter_reduce_prod_zeros": (
        lambda a, s: a.scatter_reduce(0, mg.tensor([0, 0, 1, 1, 2, 2]), s, "prod"),
        lambda: (mg.tensor([2.0, 0.0, 0.0], dtype=np.float64, requires_grad=True),
                 mg.tensor([0.0, 3.0, 0.0, 0.0, 4.0, 5.0], dtype=np.float64,
                           requires_grad=True))),
    "scatter_legacy_multiply": (
        lambda a, s: a.scatter(0, mg.tensor([[1, 1, 0]]), s, reduce="multiply"),
        lambda: (_d(2, 3), _d(1, 3))),
    "scatter_legacy_add_value": (
        lambda a: a.scatter(1, mg.tensor([[0, 0], [2, 1]]), 1.5, reduce="add") ** 2,
        lambda: (_d(2, 3),)),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    fn, make = GRADCHECK[name]
    assert mg.gradcheck(fn, make())
    assert mg.gradgradcheck(fn, make())


BAD = [
    (lambda lib: lib.flip(lib.ones(2, 3), 0), TypeError, ["flip", "dims"]),
    (lambda lib: lib.flip(lib.ones(2, 3), (0, 0)), RuntimeError, ["flip", "0"]),
    (lambda lib: lib.flip(lib.ones(2, 3), (2,)), IndexError, ["flip", "2"]),
    (lambda lib: lib.roll(lib.ones(2, 3), (1, 2), (0,)), RuntimeError, ["roll", "shifts"]),
    (lambda lib: lib.roll(lib.ones(2, 3), (1, 2)), RuntimeError, ["roll", "shifts"]),
    (lambda lib: lib.roll(lib.ones(2, 3), 1, 2), IndexError, ["roll", "2"]),
    (lambda lib: lib.ones(2, 3).repeat(2), RuntimeError, ["repeat", "dimensions"]),
    (lambda lib: lib.ones(2, 3).repeat(-1, 2), RuntimeError, ["repeat", "-1"]),
    (lambda lib: lib.repeat_interleave(lib.ones(2, 3), -1), RuntimeError, ["repeat", "-1"]),
    (lambda lib: lib.repeat_interleave(lib.ones(2, 3), lib.tensor([1, 2]), dim=1),
     RuntimeError, ["repeat_interleave", "2", "3"]),
    (lambda lib: lib.repeat_interleave(lib.ones(2, 3), lib.tensor([1.0, 2.0]), dim=0),
     NotImplementedError, ["repeat_interleave"]),
    (lambda lib: lib.chunk(lib.ones(2, 3), 0), RuntimeError, ["chunk", "0"]),
    (lambda lib: lib.chunk(lib.tensor(1.0), 1), RuntimeError, ["chunk", "1-dimensional"]),
    (lambda lib: lib.split(lib.ones(5), [2, 2]), RuntimeError, ["split", "5", "[2, 2]"]),
    (lambda lib: lib.split(lib.ones(5), 0), RuntimeError, ["split", "0"]),
    (lambda lib: lib.split(lib.ones(5), -1), RuntimeError, ["split", "-1"]),
    (lambda lib: lib.split(lib.ones(5), [6, -1]), RuntimeError, ["split", "-1"]),
    (lambda lib: lib.unbind(lib.tensor(1.0)), IndexError, ["unbind"]),
    (lambda lib: lib.ones(2, 3).unflatten(1, (2, 2)), RuntimeError, ["unflatten", "3"]),
    (lambda lib: lib.ones(2, 3).unflatten(1, ()), RuntimeError, ["unflatten", "sizes"]),
    (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[0, 1], [2, 0]]), lib.ones(1, 2)),
     RuntimeError, ["scatter", "[1, 2]"]),
    (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[0]]), src=lib.ones(1, 1), reduce="x"),
     RuntimeError, ["scatter", "reduce"]),
    (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[0, 3]]), 1.0), RuntimeError,
     ["scatter", "3", "out of bounds"]),
    (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[-1, 0]]), 1.0), RuntimeError,
     ["scatter", "-1", "out of bounds"]),
    (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([0]), 1.0), RuntimeError,
     ["scatter", "dimensions"]),
    (lambda lib: lib.ones(2, 3).scatter(0, lib.tensor([[0, 1, 1, 0]]), 1.0), RuntimeError,
     ["scatter", "(1, 4)"]),
    (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float64)),
     RuntimeError, ["scatter", "dtype"]),
    (lambda lib: lib.ones(2, 3).scatter_add(1, lib.tensor([[0]]), 1.0), TypeError,
     ["scatter_add", "src"]),
    (lambda lib: lib.ones(3).scatter_reduce(0, lib.tensor([0]), lib.ones(1), "add"),
     RuntimeError, ["scatter_reduce", "sum, prod, mean, amax or amin", "add"]),
    (lambda lib: lib.ones(3).scatter_reduce(0, lib.tensor([3]), lib.ones(1), "sum"),
     RuntimeError, ["scatter_reduce", "3", "out of bounds"]),
    (lambda lib: lib.ones(3).scatter_reduce(0, lib.tensor([0]), lib.ones(1, dtype=lib.int64),
                                            "sum"), RuntimeError, ["scatter_reduce", "dtype"]),
    (lambda lib: lib.ones(3).scatter_reduce(1, lib.tensor([0]), lib.ones(1), "sum"),
     IndexError, ["scatter_reduce", "1"]),
    (lambda lib: lib.ones(3).scatter_reduce(0, lib.tensor([0.0]), lib.ones(1), "sum"),
     RuntimeError, ["scatter_reduce", "int64"]),
    (lambda lib: lib.ones(3).scatter(0, lib.tensor([0]), 1.0, reduce="mean"), RuntimeError,
     ["scatter", "add or multiply"]),
]


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_calls_raise_pytorchs_exception_type_with_a_clear_message(case: int) -> None:
    call, kind, words = BAD[case]
    with pytest.raises(kind):
        call(torch)
    with pytest.raises(kind) as info:
        call(mg)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
