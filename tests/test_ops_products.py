"""addmm, addbmm, baddbmm, addmv, addr, addcmul, addcdiv, tensordot, kron, block_diag,
cross, cdist and index_add: gradcheck and gradgradcheck in float64; PyTorch parity of values,
dtypes and every input's gradient (0-d, size-1 and zero-size dims, broadcasting, negative
dims, NaN/Inf); in-place forms; PyTorch's exception types for bad calls."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch, compare_with_torch, optional_torch

import minigrad as mg

torch = optional_torch()  # torch-free tests run without it
rng = np.random.default_rng(17)


def normal(*shape: int) -> np.ndarray:
    return rng.normal(size=shape)


def special(*shape: int) -> np.ndarray:
    a = rng.normal(size=shape)
    a.reshape(-1)[:2] = [np.nan, np.inf]
    return a


def lib_of(t):
    return mg if isinstance(t, mg.Tensor) else torch


def idx(t, values):
    return lib_of(t).tensor(values, dtype=lib_of(t).int64)


CASES = {  # name: (the call, written once for both libraries, the inputs)
    "addmm": (lambda c, a, b: lib_of(c).addmm(c, a, b), [normal(2, 4), normal(2, 3),
                                                          normal(3, 4)]),
    "addmm broadcast input, beta alpha": (
        lambda c, a, b: c.addmm(a, b, beta=0.5, alpha=-2.0), [normal(4), normal(2, 3),
                                                               normal(3, 4)]),
    "addmm beta 0 ignores NaN input": (lambda c, a, b: lib_of(c).addmm(c, a, b, beta=0),
                                       [special(2, 4), normal(2, 3), normal(3, 4)]),
    "addmm zero-size inner": (lambda c, a, b: lib_of(c).addmm(c, a, b),
                              [normal(2, 4), normal(2, 0), normal(0, 4)]),
    "baddbmm": (lambda c, a, b: c.baddbmm(a, b, alpha=0.5), [normal(1, 2, 4), normal(3, 2, 3),
                                                              normal(3, 3, 4)]),
    "addbmm": (lambda c, a, b: lib_of(c).addbmm(c, a, b, beta=2.0), [normal(2, 4),
                                                                      normal(3, 2, 3),
                                                                      normal(3, 3, 4)]),
    "addmv": (lambda c, a, b: c.addmv(a, b), [normal(2), normal(2, 3), normal(3)]),
    "addmv 0-d input": (lambda c, a, b: lib_of(c).addmv(c, a, b, beta=3.0),
                        [np.array(1.5), normal(2, 3), normal(3)]),
    "addr": (lambda c, a, b: c.addr(a, b, alpha=2.0), [normal(3, 2), normal(3), normal(2)]),
    "addcmul": (lambda c, a, b: c.addcmul(a, b, value=0.5), [normal(2, 3), normal(3),
                                                              normal(2, 1)]),
    "addcmul NaN/Inf": (lambda c, a, b: lib_of(c).addcmul(c, a, b), [special(2, 3),
                                                                      normal(2, 3),
                                                                      special(2, 3)]),
    "addcdiv": (lambda c, a, b: c.addcdiv(a, b, value=-1.5), [normal(2, 3), normal(2, 3),
                                                               normal(3) + 3]),
    "addcdiv 0-d": (lambda c, a, b: lib_of(c).addcdiv(c, a, b), [np.array(1.0),
                                                                  np.array(2.0),
                                                                  np.array(4.0)]),
    "tensordot 2": (lambda a, b: lib_of(a).tensordot(a, b), [normal(2, 3, 4), normal(3, 4, 5)]),
    "tensordot lists": (lambda a, b: lib_of(a).tensordot(a, b, dims=([1, 0], [0, 2])),
                        [normal(2, 3, 4), normal(3, 5, 2)]),
    "tensordot 0 (outer)": (lambda a, b: lib_of(a).tensordot(a, b, dims=0),
                            [normal(2), normal(3)]),
    "tensordot negative dims": (lambda a, b: lib_of(a).tensordot(a, b, dims=([-1], [-2])),
                                [normal(2, 3), normal(3, 4)]),
    "kron": (lambda a, b: lib_of(a).kron(a, b), [normal(2, 3), normal(4, 2)]),
    "kron ranks differ": (lambda a, b: a.kron(b), [normal(3), normal(2, 2)]),
    "kron 0-d": (lambda a, b: lib_of(a).kron(a, b), [np.array(2.0), normal(2)]),
    "block_diag": (lambda a, b, c: lib_of(a).block_diag(a, b, c), [np.array(1.5), normal(2),
                                                                    normal(2, 3)]),
    "block_diag zero-size block": (lambda a, b: lib_of(a).block_diag(a, b),
                                   [normal(2, 0), normal(1, 2)]),
    "cross dim": (lambda a, b: lib_of(a).cross(a, b, dim=1), [normal(2, 3), normal(2, 3)]),
    "cross first dim of size 3": (lambda a, b: a.cross(b), [normal(3, 3), normal(3, 3)]),
    "linalg.cross broadcast": (lambda a, b: lib_of(a).linalg.cross(a, b),
                               [normal(4, 3), normal(1, 3)]),
    "cross NaN/Inf": (lambda a, b: lib_of(a).linalg.cross(a, b, dim=0),
                      [special(3, 2), normal(3, 2)]),
    "cdist": (lambda a, b: lib_of(a).cdist(a, b), [normal(4, 3), normal(5, 3)]),
    "cdist batched broadcast": (lambda a, b: lib_of(a).cdist(a, b), [normal(2, 1, 4, 3),
                                                                      normal(3, 5, 3)]),
    "cdist p=1": (lambda a, b: lib_of(a).cdist(a, b, p=1.0), [normal(3, 2), normal(4, 2)]),
    "cdist p=inf": (lambda a, b: lib_of(a).cdist(a, b, p=float("inf")), [normal(3, 2),
                                                                          normal(4, 2)]),
    "cdist p=3": (lambda a, b: lib_of(a).cdist(a, b, p=3.0), [normal(3, 2), normal(2, 2)]),
    "cdist equal rows": (lambda a, b: lib_of(a).cdist(a, b), [np.ones((2, 3)),
                                                               np.ones((3, 3))]),
    "cdist zero-size": (lambda a, b: lib_of(a).cdist(a, b), [normal(0, 3), normal(2, 3)]),
    "index_add": (lambda x, s: x.index_add(0, idx(x, [2, 0, 2]), s),
                  [normal(3, 2), normal(3, 2)]),
    "index_add dim -1 alpha": (lambda x, s: lib_of(x).index_add(x, -1, idx(x, [1]), s,
                                                                 alpha=-3.0),
                               [normal(2, 3), normal(2, 1)]),
    "index_add empty index": (lambda x, s: x.index_add(1, idx(x, []), s),
                              [normal(2, 3), normal(2, 0)]),
    "index_add 0-d": (lambda x, s: x.index_add(0, idx(x, [0]), s), [np.array(1.0),
                                                                    np.array(2.0)]),
}
NOT_SMOOTH = {"addmm beta 0 ignores NaN input", "addcmul NaN/Inf", "cross NaN/Inf",
              "cdist p=1", "cdist p=inf", "cdist equal rows"}


@pytest.mark.parametrize("name", [n for n in CASES if n not in NOT_SMOOTH])
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    call, arrays = CASES[name]
    assert_gradchecks(call, arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name: str, dtype: type) -> None:
    call, arrays = CASES[name]
    tol = 5e-6 if dtype == np.float32 else 1e-12
    compare_with_torch(call, call, [a.astype(dtype) for a in arrays], None, tol)


def test_cdist_compares_with_pytorchs_exact_mode_on_many_rows() -> None:
    """Past 25 rows PyTorch's default computes squared distances by a matrix product; its
    ``donot_use_mm_for_euclid_dist`` mode is the computation minigrad always does."""
    a, b = normal(30, 4), normal(40, 4)
    compare_with_torch(lambda x, y: mg.cdist(x, y),
                       lambda x, y: torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist"),
                       [a, b], None, 1e-12)


@pytest.mark.parametrize("method, args", [
    ("addmm_", lambda T: (T.ones(2, 3), T.ones(3, 4))), ("addbmm_", lambda T: (T.ones(2, 2, 3),
                                                                               T.ones(2, 3, 4))),
    ("baddbmm_", None), ("addmv_", None), ("addr_", lambda T: (T.ones(2), T.ones(4))),
    ("addcmul_", lambda T: (T.ones(2, 4), T.full((4,), 3.0))),
    ("addcdiv_", lambda T: (T.ones(2, 4), T.full((4,), 2.0))),
    ("index_add_", lambda T: (1, T.tensor([3, 0]), T.ones(2, 2))),
    ("masked_fill_", lambda T: (T.tensor([True, False, False, True]), 7.0)),
    ("fill_diagonal_", lambda T: (5.0,)),
])
def test_in_place_forms_match_pytorch_and_bump_the_version(method: str, args) -> None:
    base = np.arange(8.0, dtype=np.float32).reshape(2, 4)
    shapes = {"baddbmm_": (1, 2, 4), "addmv_": (4,)}
    base = base.reshape(-1)[:int(np.prod(shapes.get(method, base.shape)))].reshape(
        shapes.get(method, base.shape))
    if method == "baddbmm_":
        args = lambda T: (T.ones(1, 2, 3), T.ones(1, 3, 4))  # noqa: E731
    if method == "addmv_":
        args = lambda T: (T.ones(4, 3), T.ones(3))  # noqa: E731
    ours = mg.tensor(base)
    before = ours._version
    out = getattr(ours, method)(*args(mg))
    assert out is ours and ours._version > before
    theirs = torch.tensor(base)
    getattr(theirs, method)(*args(torch))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_fill_diagonal_wraps_as_pytorch_and_its_gradient_skips_the_diagonal() -> None:
    tall = mg.zeros(7, 3).fill_diagonal_(1.0, wrap=True)
    np.testing.assert_array_equal(tall.numpy(), torch.zeros(7, 3).fill_diagonal_(1.0, wrap=True))
    x = mg.ones(3, 3, requires_grad=True)
    y = x * 1
    y.fill_diagonal_(0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 1 - np.eye(3))


def test_beta_zero_gives_the_input_a_zero_gradient() -> None:
    c = mg.tensor([[np.nan, 1.0]], requires_grad=True)
    out = mg.addmm(c, mg.ones(1, 2), mg.ones(2, 2), beta=0)
    out.sum().backward()
    assert out.tolist() == [[2.0, 2.0]] and c.grad.tolist() == [[0.0, 0.0]]


def test_integer_operands_keep_pytorchs_dtypes() -> None:
    a, b = np.array([1, 2]), np.array([3, 4])
    assert mg.addcmul(mg.tensor(a), mg.tensor(a), mg.tensor(b), value=0.5).tolist() == \
        torch.addcmul(torch.tensor(a), torch.tensor(a), torch.tensor(b), value=0.5).tolist()
    assert mg.addcmul(mg.zeros(2), mg.tensor(a), mg.tensor(b), value=0.5).tolist() == [1.5, 4.0]
    assert mg.kron(mg.tensor(a), mg.tensor(b)).dtype == np.int64
    assert mg.block_diag(mg.tensor([1]), mg.tensor([[2.0]])).dtype == np.float32


@pytest.mark.parametrize("call, kind, match", [
    (lambda T: T.addmm(T.ones(2, 2), T.ones(2, 3), T.ones(4, 2)), RuntimeError,
     "cannot be multiplied"),
    (lambda T: T.addmm(T.ones(2, 2), T.ones(3), T.ones(3, 2)), RuntimeError, "mat1 must be"),
    (lambda T: T.addmm(T.ones(3, 3), T.ones(2, 3), T.ones(3, 2)), RuntimeError, "addmm"),
    (lambda T: T.baddbmm(T.ones(2, 2, 2), T.ones(2, 2, 3), T.ones(3, 3, 2)), RuntimeError,
     "baddbmm"),
    (lambda T: T.addcdiv(T.zeros(2), T.tensor([1, 2]), T.tensor([3, 4])), RuntimeError,
     "addcdiv"),
    (lambda T: T.tensordot(T.ones(2, 3), T.ones(2, 3), dims=-1), RuntimeError, "dims >= 0"),
    (lambda T: T.tensordot(T.ones(2, 3), T.ones(2, 3), dims=1), RuntimeError,
     "contracted dimensions need to match"),
    (lambda T: T.tensordot(T.ones(2, 3), T.ones(3, 2), dims=([1], [0, 1])), RuntimeError,
     "same length"),
    (lambda T: T.block_diag(T.ones(2, 2, 2)), RuntimeError, "2 or fewer dimensions"),
    (lambda T: T.linalg.cross(T.ones(2, 2), T.ones(2, 2)), RuntimeError, "must have length 3"),
    (lambda T: T.cross(T.ones(2, 2), T.ones(2, 2)), RuntimeError, "no dimension of size 3"),
    (lambda T: T.linalg.cross(T.ones(2, 3), T.ones(3)), RuntimeError, "same number of dim"),
    (lambda T: T.cdist(T.ones(3), T.ones(3)), RuntimeError, "at least 2D"),
    (lambda T: T.cdist(T.ones(2, 3), T.ones(2, 4)), RuntimeError, "same number of columns"),
    (lambda T: T.cdist(T.ones(2, 3), T.ones(2, 3), p=-1.0), RuntimeError, "non-negative p"),
    (lambda T: T.ones(3, 2).index_add(0, T.tensor([0, 5]), T.ones(2, 2)), RuntimeError,
     "out of bounds"),
    (lambda T: T.ones(3, 2).index_add(0, T.tensor([0, 1]), T.ones(3, 2)), RuntimeError,
     "Number of indices"),
    (lambda T: T.ones(3, 2).index_add(0, T.tensor([[0, 1]]), T.ones(2, 2)), IndexError,
     "vector"),
    (lambda T: T.ones(3, 2).index_add(0, T.tensor([0.0]), T.ones(1, 2)), RuntimeError,
     "int32/int64"),
    (lambda T: T.ones(3, 2).index_add(0, T.tensor([0]), T.ones(1, 3)), RuntimeError,
     "shape must match"),
    (lambda T: T.ones(3, 2).index_add(0, T.tensor([0]), T.ones(1, 2, dtype=T.float64)),
     RuntimeError, "same scalar type"),
    (lambda T: T.ones(3).fill_diagonal_(1.0), RuntimeError, "dimensions must larger than 1"),
    (lambda T: T.ones(2, 3, 3).fill_diagonal_(1.0), RuntimeError, "equal"),
])
def test_bad_calls_raise_pytorchs_exception_type(call, kind, match) -> None:
    assert_raises_as_torch(call, kind, match)
