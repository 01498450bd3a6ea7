"""Tensor.mH/.H/.mT, index_put(_), masked_scatter(_), is_nonzero, can_cast, promote_types,
finfo/iinfo, scalar_tensor, asarray, frombuffer, empty_strided, as_strided and row_stack
against PyTorch: values, dtypes, shapes, strides, memory shared where PyTorch shares it,
gradients (gradcheck and gradgradcheck in float64), and bad calls."""

from __future__ import annotations

import array

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch, compare_with_torch

import minigrad as mg

rng = np.random.default_rng(5)
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


# ----------------------------------------------------------------------------- mH, H, mT

def test_matrix_adjoints_match_pytorch(torch) -> None:
    for shape in ((2, 3), (4, 2, 3), (1, 1), (0, 3)):
        a = rng.normal(size=shape)
        compare_with_torch(lambda x: x.mH, lambda x: x.mH, [a])
        compare_with_torch(lambda x: x.mT, lambda x: x.mT, [a])
        if len(shape) == 2:
            compare_with_torch(lambda x: x.H, lambda x: x.H, [a])
    x = mg.ones(2, 3)
    assert x.mH._data.base is not None  # a view, as PyTorch's
    assert_raises_as_torch(lambda L: L.ones(3).mH, RuntimeError, "mH: tensor.mH is only supported")
    assert_raises_as_torch(lambda L: L.ones(2, 2, 2).H, RuntimeError,
                           "H: tensor.H is only supported on matrices")
    assert_raises_as_torch(lambda L: L.ones(3).H, RuntimeError, "H: tensor.H")


# ----------------------------------------------------------------------------- index_put

INDEX_CASES = [
    ((5,), lambda L: (L.tensor([0, 0, 3]),), (3,)),
    ((5,), lambda L: (L.tensor([4, -1, 2]),), ()),
    ((3, 4), lambda L: (L.tensor([0, 2, 0]), L.tensor([1, 3, 1])), (3,)),
    ((3, 4), lambda L: (L.tensor([[0], [2]]), L.tensor([1, 3])), (2, 2)),
    ((3, 4), lambda L: (L.tensor([True, False, True]),), (4,)),
    ((3, 4), lambda L: (L.tensor([1, 1]),), (2, 4)),
    ((3, 4), lambda L: (L.tensor([], dtype=L.long),), (0, 4)),
]


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("i", range(len(INDEX_CASES)))
def test_index_put_matches_pytorch_values_and_gradients(torch, i: int, accumulate: bool) -> None:
    shape, indices, vshape = INDEX_CASES[i]
    a, v = rng.normal(size=shape), rng.normal(size=vshape)
    repeated = i in (0, 2, 5)  # PyTorch picks no defined winner among repeated positions
    if repeated and not accumulate:
        v = np.broadcast_to(v[..., :1] if v.ndim else v, vshape).copy()
        v[...] = 1.5
    compare_with_torch(lambda x, y: mg.index_put(x, indices(mg), y, accumulate),
                       lambda x, y: torch.index_put(x, indices(torch), y, accumulate), [a, v])
    compare_with_torch(lambda x, y: x.index_put(indices(mg), y, accumulate=accumulate),
                       lambda x, y: x.index_put(indices(torch), y, accumulate=accumulate),
                       [a, v])


def test_index_put_in_place_and_gradcheck(torch) -> None:
    x, t = mg.zeros(3), torch.zeros(3)
    assert x.index_put_((mg.tensor([0, 0, 2]),), mg.tensor([1.0, 2.0, 3.0]), True) is x
    t.index_put_((torch.tensor([0, 0, 2]),), torch.tensor([1.0, 2.0, 3.0]), True)
    assert x.tolist() == t.tolist()
    x.index_put_([mg.tensor([1])], mg.tensor(7.0))
    assert x.tolist() == [3.0, 7.0, 3.0]
    for acc in (False, True):
        assert_gradchecks(lambda a, v, acc=acc: mg.index_put(
            a, (mg.tensor([0, 2, 0]), mg.tensor([1, 3, 1])), v, acc) if acc else mg.index_put(
            a, (mg.tensor([0, 2]), mg.tensor([1, 3])), v), [rng.normal(size=(3, 4)),
                                                             rng.normal(size=(3,) if acc
                                                                        else (2,))])


# ----------------------------------------------------------------------------- masked_scatter

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_scatter_matches_pytorch_values_and_gradients(torch, dtype: type) -> None:
    cases = [((2, 3), np.array([[True, False, True], [False, True, True]]), (2, 3)),
             ((2, 3), np.array([True, False, True]), (7,)),
             ((3,), np.array([False, False, False]), (2,)),
             ((2, 3), np.ones((2, 3), bool), (2, 3)),
             ((), np.array(True), (1,)), ((0, 3), np.zeros((0, 3), bool), (0,))]
    for shape, mask, sshape in cases:
        a, s = rng.normal(size=shape).astype(dtype), rng.normal(size=sshape).astype(dtype)
        compare_with_torch(lambda x, y, m=mask: mg.masked_scatter(x, mg.tensor(m), y),
                           lambda x, y, m=mask: torch.masked_scatter(x, torch.tensor(m), y),
                           [a, s])
        compare_with_torch(lambda x, y, m=mask: x.masked_scatter(mg.tensor(m), y),
                           lambda x, y, m=mask: x.masked_scatter(torch.tensor(m), y), [a, s])


def test_masked_scatter_in_place_and_gradcheck(torch) -> None:
    mask = np.array([[True, False], [True, True]])
    x, t = mg.zeros(2, 2), torch.zeros(2, 2)
    assert x.masked_scatter_(mg.tensor(mask), mg.tensor([1.0, 2.0, 3.0, 4.0])) is x
    t.masked_scatter_(torch.tensor(mask), torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert x.tolist() == t.tolist()
    assert_gradchecks(lambda a, s: mg.masked_scatter(a, mg.tensor(mask), s),
                      [rng.normal(size=(2, 2)), rng.normal(size=(5,))])


# ----------------------------------------------------------------------------- info

def test_finfo_and_iinfo_have_pytorchs_fields(torch) -> None:
    for name in ("float16", "float32", "float64"):
        ours, theirs = mg.finfo(getattr(mg, name)), torch.finfo(getattr(torch, name))
        for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
            assert getattr(ours, field) == getattr(theirs, field), (name, field)
        assert ours.dtype == theirs.dtype == name
        assert repr(ours) == repr(theirs)
        assert mg.finfo(mg.ones(1, dtype=getattr(mg, name)).dtype).eps == theirs.eps
    assert mg.finfo().eps == torch.finfo().eps
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        ours, theirs = mg.iinfo(getattr(mg, name)), torch.iinfo(getattr(torch, name))
        assert (ours.bits, ours.max, ours.min, ours.dtype) == (theirs.bits, theirs.max,
                                                               theirs.min, theirs.dtype)
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("a", DTYPES)
def test_can_cast_and_promote_types_match_pytorch_on_every_pair(torch, a: str) -> None:
    for b in DTYPES:
        assert mg.can_cast(getattr(mg, a), getattr(mg, b)) == torch.can_cast(
            getattr(torch, a), getattr(torch, b)), (a, b)
        ours = mg.promote_types(getattr(mg, a), getattr(mg, b))
        assert str(ours) == str(torch.promote_types(getattr(torch, a), getattr(torch, b)))[6:]


def test_is_nonzero_matches_pytorch(torch) -> None:
    for value in ([0.0], [2], [[True]], 0.5, [float("nan")]):
        assert mg.is_nonzero(mg.tensor(value)) == torch.is_nonzero(torch.tensor(value))
        assert mg.tensor(value).is_nonzero() == torch.tensor(value).is_nonzero()


# ----------------------------------------------------------------------------- factories

def test_scalar_tensor_and_row_stack_match_pytorch(torch) -> None:
    for value, kwargs in ((3, {}), (2.5, {}), (True, {}), (3, {"dtype": "int64"}),
                          (1.5, {"dtype": "float64"})):
        ours = mg.scalar_tensor(value, **{k: getattr(mg, v) for k, v in kwargs.items()})
        theirs = torch.scalar_tensor(value, **{k: getattr(torch, v) for k, v in kwargs.items()})
        assert ours.shape == () and str(ours.dtype) == str(theirs.dtype)[6:]
        assert ours.item() == theirs.item()
    assert mg.scalar_tensor(2.0, requires_grad=True).requires_grad
    compare_with_torch(lambda a, b: mg.row_stack([a, b]), lambda a, b: torch.row_stack([a, b]),
                       [rng.normal(size=3), rng.normal(size=(2, 3))])


def test_asarray_shares_memory_where_pytorch_does(torch) -> None:
    t = mg.tensor([1.0, 2.0])
    assert mg.asarray(t) is t
    assert mg.asarray(t, copy=True).data_ptr() != t.data_ptr()
    assert mg.asarray(t, dtype=mg.float64).dtype == np.float64
    a = np.array([1.0, 2.0])
    x = mg.asarray(a)
    a[0] = 9.0
    assert x.tolist() == [9.0, 2.0] and x.dtype == np.float64
    assert mg.asarray(a, copy=True).data_ptr() != a.ctypes.data
    for obj in ([1.0, 2.0], [1, 2], 3.0, np.float64(2.0), [[True]]):
        ours, theirs = mg.asarray(obj), torch.asarray(obj)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)[6:]
        assert ours.tolist() == theirs.tolist()
    buf = bytearray(b"abcd")
    ours, theirs = mg.asarray(buf, dtype=mg.int16), torch.asarray(buf, dtype=torch.int16)
    assert ours.tolist() == theirs.tolist()
    assert mg.asarray([1.0], requires_grad=True).requires_grad
    assert_raises_as_torch(lambda L: L.asarray(L.tensor([1.0]), dtype=L.float64, copy=False),
                           ValueError, "asarray: can't alias")
    assert_raises_as_torch(lambda L: L.asarray(np.array([1.0]), dtype=L.float32, copy=False),
                           ValueError, "asarray: can't alias")


def test_frombuffer_shares_memory_and_matches_pytorch(torch) -> None:
    buf = bytearray(b"\x01\x00\x02\x00\x03\x00\x04\x00")
    for kwargs in ({"dtype": "int16"}, {"dtype": "int8", "count": 2, "offset": 1},
                   {"dtype": "uint8", "offset": 3}, {"dtype": "float32"}):
        ours = mg.frombuffer(buf, **{k: getattr(mg, v) if k == "dtype" else v
                                     for k, v in kwargs.items()})
        theirs = torch.frombuffer(buf, **{k: getattr(torch, v) if k == "dtype" else v
                                          for k, v in kwargs.items()})
        assert str(ours.dtype) == str(theirs.dtype)[6:] and ours.tolist() == theirs.tolist()
    x = mg.frombuffer(buf, dtype=mg.int16)
    buf[0] = 7
    assert x.tolist()[0] == 7
    x[1] = 9
    assert buf[2] == 9
    arr = array.array("d", [1.0, 2.0])
    assert mg.frombuffer(arr, dtype=mg.float64).tolist() == [1.0, 2.0]


def test_empty_strided_has_the_strides_asked_for(torch) -> None:
    for size, stride in (((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (2,)), ((2, 0), (1, 1)),
                         ((), ())):
        ours, theirs = mg.empty_strided(size, stride), torch.empty_strided(size, stride)
        assert ours.shape == tuple(theirs.shape) and ours.stride() == theirs.stride()
        assert ours.dtype == np.float32
    assert mg.empty_strided((2,), (1,), dtype=mg.int64).dtype == np.int64


# ----------------------------------------------------------------------------- as_strided

STRIDED = [((2, 2), (3, 1), 1), ((2,), (4,), None), ((3, 3), (1, 1), None), ((2, 2), (0, 1), 2),
           ((0, 2), (1, 1), None), ((), (), 4)]


@pytest.mark.parametrize("i", range(len(STRIDED)))
def test_as_strided_matches_pytorch_values_and_gradients(torch, i: int) -> None:
    size, stride, offset = STRIDED[i]
    a = rng.normal(size=9)
    compare_with_torch(lambda x: mg.as_strided(x, size, stride, offset),
                       lambda x: torch.as_strided(x, size, stride, offset), [a])
    compare_with_torch(lambda x: x.as_strided(size, stride, offset),
                       lambda x: x.as_strided(size, stride, offset), [a])


def test_as_strided_of_views_uses_the_storage_as_pytorch(torch) -> None:
    a = np.arange(12.0)
    for view in (lambda x: x[1:], lambda x: x.view(3, 4).t(), lambda x: x.view(3, 4)[1:, 1:]):
        compare_with_torch(lambda x, v=view: v(x).as_strided((2, 2), (1, 1)),
                           lambda x, v=view: v(x).as_strided((2, 2), (1, 1)), [a])
        compare_with_torch(lambda x, v=view: v(x).as_strided((3,), (2,), 0),
                           lambda x, v=view: v(x).as_strided((3,), (2,), 0), [a])


def test_as_strided_is_a_view_and_gradchecks() -> None:
    x = mg.arange(6.0)
    v = mg.as_strided(x, (2, 2), (1, 2))
    v[0, 0] = 100.0
    assert x[0].item() == 100.0
    assert_gradchecks(lambda t: mg.as_strided(t, (2, 2), (1, 1)), [rng.normal(size=5)])
    assert_gradchecks(lambda t: mg.as_strided(t, (3,), (2,), 1) * t[:3], [rng.normal(size=7)])


BAD = [
    (lambda L: L.as_strided(L.arange(9.0), (2, 2), (3, -1)), RuntimeError,
     "as_strided: Negative strides"),
    (lambda L: L.as_strided(L.arange(9.0), (3, 3), (3, 1), 1), RuntimeError,
     "as_strided: .*out of bounds for storage"),
    (lambda L: L.as_strided(L.arange(9.0), (2,), (1,), -1), RuntimeError,
     "as_strided: invalid storage offset"),
    (lambda L: L.frombuffer(bytearray(), dtype=L.int8), ValueError,
     r"frombuffer: both buffer length \(0\)"),
    (lambda L: L.frombuffer(bytearray(b"abc"), dtype=L.int16), ValueError,
     "frombuffer: buffer length"),
    (lambda L: L.frombuffer(bytearray(b"abcd"), dtype=L.int8, offset=5), ValueError,
     r"frombuffer: offset \(5 bytes\)"),
    (lambda L: L.finfo(L.int32), TypeError, "finfo: requires a floating point"),
    (lambda L: L.iinfo(L.float32), TypeError, "iinfo: requires an integer"),
    (lambda L: L.iinfo(L.bool), TypeError, "iinfo: .*bool is not supported"),
    (lambda L: L.is_nonzero(L.ones(2)), RuntimeError, "is_nonzero: Boolean value of Tensor"),
    (lambda L: L.is_nonzero(L.ones(0)), RuntimeError, "is_nonzero: .*no values"),
    (lambda L: L.index_put(L.zeros(3), (L.tensor([0]),), L.tensor([1.0], dtype=L.float64)),
     RuntimeError, "index_put: Index put requires the source and destination dtypes match"),
    (lambda L: L.zeros(3).index_put_(L.tensor([0]), L.tensor(1.0)), TypeError,
     "index_put_: argument 'indices' must be tuple of Tensors"),
    (lambda L: L.index_put(L.zeros(3), (L.tensor([0, 1]),), L.ones(3), True), RuntimeError,
     "index_put: shape mismatch"),
    (lambda L: L.zeros(2, 2).masked_scatter(L.tensor([[True, False], [True, True]]),
                                            L.tensor([1.0, 2.0])), RuntimeError,
     "masked_scatter: Number of elements of source < number of ones in mask"),
    (lambda L: L.zeros(2, 2).masked_scatter(L.tensor([[1, 0], [1, 1]]), L.ones(3)),
     RuntimeError, "masked_scatter: only supports boolean masks"),
    (lambda L: L.zeros(2).masked_scatter(L.tensor([True, False]), L.ones(4, dtype=L.float64)),
     RuntimeError, "masked_scatter: expected self and source to have same dtypes"),
    (lambda L: L.can_cast("float32", L.int32), TypeError, "can_cast: argument 'from_'"),
    (lambda L: L.promote_types(L.int32, 3), TypeError, "promote_types: argument 'type2'"),
    (lambda L: L.scalar_tensor([1.0, 2.0]), TypeError, "scalar_tensor: argument 's'"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_calls_raise_pytorchs_exception_types(i: int) -> None:
    call, kind, match = BAD[i]
    assert_raises_as_torch(call, kind, match)
