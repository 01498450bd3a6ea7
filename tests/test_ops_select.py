"""index_select, masked_select, narrow, select, tril/triu, nonzero/argwhere, logical_*,
movedim/swapaxes/ravel, erf and nan_to_num: gradcheck and gradgradcheck in float64, PyTorch
parity of values, dtypes and every input's gradient (0-d, zero-size, negative dims, NaN/Inf),
and PyTorch's exception types for bad calls."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch, compare_with_torch, optional_torch

import minigrad as mg

torch = optional_torch()  # torch-free tests run without it
rng = np.random.default_rng(11)


def normal(*shape: int) -> np.ndarray:
    return rng.normal(size=shape)


def special(*shape: int) -> np.ndarray:
    a = rng.normal(size=shape)
    a.reshape(-1)[:3] = [np.nan, np.inf, -np.inf]
    return a


def lib_of(t):
    return mg if isinstance(t, mg.Tensor) else torch


def idx(t, values):
    return lib_of(t).tensor(values, dtype=lib_of(t).int64)


def mask(t, values):
    return lib_of(t).tensor(values, dtype=lib_of(t).bool)


CASES = {  # name: (the call, written once for both libraries, the inputs)
    "index_select": (lambda x: x.index_select(1, idx(x, [2, 0, 2])), [normal(2, 3)]),
    "index_select dim -1 of 3-D": (lambda x: x.index_select(-1, idx(x, [1])), [normal(2, 2, 3)]),
    "index_select empty index": (lambda x: x.index_select(0, idx(x, [])), [normal(3, 2)]),
    "index_select 0-d index": (lambda x: x.index_select(0, idx(x, 1)), [normal(3, 2)]),
    "index_select 0-d input": (lambda x: x.index_select(0, idx(x, [0])), [np.array(1.5)]),
    "masked_select": (lambda x: x.masked_select(mask(x, [True, False, True])), [normal(2, 3)]),
    "masked_select broadcast input": (
        lambda x: x.masked_select(mask(x, [[True], [False]])), [normal(3)]),
    "masked_select nothing": (lambda x: x.masked_select(mask(x, [False, False])), [normal(2)]),
    "narrow": (lambda x: x.narrow(1, 1, 2), [normal(2, 4)]),
    "narrow negative start": (lambda x: x.narrow(-1, -3, 2), [normal(3, 4)]),
    "select": (lambda x: x.select(0, -1), [normal(3, 2)]),
    "select to 0-d": (lambda x: x.select(0, 1), [normal(3)]),
    "tril": (lambda x: x.tril(), [normal(3, 4)]),
    "tril batched diagonal -1": (lambda x: x.tril(-1), [normal(2, 3, 3)]),
    "triu diagonal 2": (lambda x: x.triu(2), [normal(4, 3)]),
    "triu zero-size": (lambda x: x.triu(), [normal(0, 3)]),
    "tril NaN/Inf": (lambda x: x.tril(), [special(3, 3)]),
    "movedim": (lambda x: x.movedim(0, -1), [normal(2, 3, 4)]),
    "movedim tuples": (lambda x: x.movedim((0, 1), (2, 0)), [normal(2, 3, 4)]),
    "swapaxes ravel": (lambda x: x.swapaxes(0, 1).ravel(), [normal(2, 3)]),
    "erf": (lambda x: x.erf(), [special(2, 3)]),
    "nan_to_num": (lambda x: x.nan_to_num(), [special(2, 3)]),
    "nan_to_num given": (lambda x: x.nan_to_num(nan=2.0, posinf=1.0, neginf=-5.0),
                         [special(4)]),
    "nan_to_num nothing to replace": (lambda x: x.nan_to_num(), [normal(3)]),
}
SMOOTH = [n for n in CASES if "NaN" not in n and "nan_to_num" not in n and n != "erf"]


@pytest.mark.parametrize("name", SMOOTH)
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    call, arrays = CASES[name]
    assert_gradchecks(call, arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name: str, dtype: type) -> None:
    call, arrays = CASES[name]
    tol = 2e-6 if dtype == np.float32 else 1e-12
    compare_with_torch(call, call, [a.astype(dtype) for a in arrays], None, tol)


@pytest.mark.parametrize("values", [[[0.0, 1.5], [-2.0, 0.0]], [3.0], 0.0, 5, [[True, False]],
                                    np.zeros((0, 2))])
def test_nonzero_and_logical_ops_match_pytorch(values) -> None:
    a, b = mg.tensor(values), torch.tensor(np.asarray(values))
    for as_tuple in (False, True):
        ours, theirs = a.nonzero(as_tuple=as_tuple), b.nonzero(as_tuple=as_tuple)
        for o, t in zip(ours if as_tuple else [ours], theirs if as_tuple else [theirs]):
            assert o.dtype == np.int64 and o.shape == tuple(t.shape)
            np.testing.assert_array_equal(o.numpy(), t.numpy())
    np.testing.assert_array_equal(mg.argwhere(a).numpy(), torch.argwhere(b).numpy())
    other = np.asarray(values, dtype=float) * 0 + 1  # all ones: broadcasts with the values
    for name in ("logical_and", "logical_or", "logical_xor"):
        ours = getattr(mg, name)(a, mg.tensor(other))
        theirs = getattr(torch, name)(b, torch.tensor(other))
        assert ours.dtype == np.bool_
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(a.logical_not().numpy(), b.logical_not().numpy())


@pytest.mark.parametrize("call, kind, match", [
    (lambda T: T.ones(2, 3).index_select(1, T.tensor([3])), RuntimeError,
     "index_select: index 3 is out of bounds"),
    (lambda T: T.ones(2, 3).index_select(1, T.tensor([-1])), RuntimeError,
     "index_select: index -1 is out of bounds"),
    (lambda T: T.ones(2, 3).index_select(0, T.tensor([[1]])), IndexError,
     "index_select: index is supposed to be a vector"),
    (lambda T: T.ones(2, 3).index_select(0, T.tensor([1.0])), RuntimeError,
     "index_select: expected dtype int32 or int64"),
    (lambda T: T.ones(2, 3).masked_select(T.tensor([1, 0, 1])), RuntimeError,
     "masked_select: expected a bool mask"),
    (lambda T: T.ones(2, 3).narrow(1, 2, 2), RuntimeError, r"narrow: start \(2\) \+ length"),
    (lambda T: T.ones(3).tril(), RuntimeError, "tril: input tensor must have at least 2"),
    (lambda T: T.ones(3).select(0, 3), IndexError, "select: index 3 out of range"),
    (lambda T: T.ones(2, 3).movedim((0, 1), (0,)), RuntimeError, "movedim: Invalid source"),
    (lambda T: T.logical_and(T.ones(2), T.ones(3)), RuntimeError, "logical_and"),
])
def test_bad_calls_raise_pytorchs_exception_type(call, kind, match) -> None:
    assert_raises_as_torch(call, kind, match)
