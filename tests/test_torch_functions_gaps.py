"""torch.prod and the elementwise functions a probe of real PyTorch programs found missing
(atan2, hypot, asinh/acosh/atanh, fmax/fmin, nextafter, ldexp, frexp, rsub, multiply,
subtract, positive, abs_, the bit shifts) against PyTorch: values, dtypes, NaN/Inf patterns
and gradients (zeros in prod's input included); gradcheck and gradgradcheck in float64;
bad calls with PyTorch's exception types."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch, compare_with_torch

import minigrad as mg

rng = np.random.default_rng(7)
TOL = {np.float32: 2e-5, np.float64: 1e-10}
nan, inf = float("nan"), float("inf")
FLOATS = [np.float32, np.float64]

# ----------------------------------------------------------------------------- prod

PROD_INPUTS = [
    np.array([2.0, -0.5, 3.0]),                     # no zero
    np.array([2.0, 0.0, 3.0]),                      # one zero
    np.array([[0.0, 2.0, 0.0], [1.0, 2.0, 3.0]]),   # two zeros in a slice
    np.array([[0.0, 2.0], [3.0, 0.0], [0.0, 0.0]]),
    np.array(2.5),                                  # 0-d
    np.array([[4.0]]),                              # size 1
    np.zeros((0, 3)),                               # zero-size
    np.array([inf, 2.0, -1.0]),
    np.array([nan, 0.0, 1.0]),
]


def _prod_dims(a: np.ndarray) -> list:
    return [None] + list(range(-max(a.ndim, 1), max(a.ndim, 1)))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("i", range(len(PROD_INPUTS)))
def test_prod_values_and_gradients_match_pytorch_zeros_included(torch, i: int,
                                                                 dtype: type) -> None:
    a = PROD_INPUTS[i].astype(dtype)
    for dim in _prod_dims(a):
        for keepdim in ((False,) if dim is None else (False, True)):
            if dim is None:
                ours, theirs = (lambda x: mg.prod(x)), (lambda x: torch.prod(x))
            else:
                ours = lambda x, d=dim, k=keepdim: x.prod(d, k)  # noqa: E731
                theirs = lambda x, d=dim, k=keepdim: x.prod(d, k)  # noqa: E731
            compare_with_torch(ours, theirs, [a], tol=TOL[dtype])


@pytest.mark.parametrize("i", [0, 1, 2, 3, 5])
def test_prod_gradcheck_and_gradgradcheck_with_zeros(i: int) -> None:
    a = PROD_INPUTS[i]
    for dim in _prod_dims(a):
        assert_gradchecks(lambda x, d=dim: mg.prod(x, d), [a])
    assert_gradchecks(lambda x: mg.prod(x, -1, keepdim=True), [a])


def test_prod_second_derivative_matches_pytorch_at_zeros(torch) -> None:
    for a in PROD_INPUTS[:4]:
        for dim in _prod_dims(a):
            x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            (gx,) = mg.autograd.grad(mg.prod(x, dim).sum(), x, create_graph=True)
            (gt,) = torch.autograd.grad((torch.prod(t) if dim is None else
                                         torch.prod(t, dim)).sum(), t, create_graph=True)
            w = rng.normal(size=a.shape)
            (hx,) = mg.autograd.grad((gx * mg.tensor(w)).sum(), x)
            (ht,) = torch.autograd.grad((gt * torch.tensor(w)).sum(), t)
            np.testing.assert_allclose(hx.numpy(), ht.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, np.bool_])
def test_prod_of_integers_and_bools_is_int64_and_dtype_casts_first(torch, dtype: type) -> None:
    a = np.array([[1, 2, 3], [4, 1, 1]]).astype(dtype)
    compare_with_torch(lambda x: mg.prod(x), lambda x: torch.prod(x), [a])
    compare_with_torch(lambda x: x.prod(1), lambda x: x.prod(1), [a])
    compare_with_torch(lambda x: x.prod(0, dtype=mg.float64),
                       lambda x: x.prod(0, dtype=torch.float64), [a])
    compare_with_torch(lambda x: mg.prod(x, dtype=mg.int32),
                       lambda x: torch.prod(x, dtype=torch.int32), [a])


def test_prod_bad_calls() -> None:
    x = np.ones((2, 3))
    assert_raises_as_torch(lambda lib: lib.prod(lib.tensor(x), 2), IndexError,
                           "prod: dimension out of range")
    assert_raises_as_torch(lambda lib: lib.prod(lib.tensor(x), (0, 1)), TypeError,
                           "prod: argument 'dim' must be int")
    assert_raises_as_torch(lambda lib: lib.prod([1.0, 2.0]), TypeError,
                           "prod: argument 'input' must be Tensor")
    with pytest.raises(TypeError, match="prod: argument 'keepdim'"):
        mg.tensor(x).prod(keepdim=True)


# ----------------------------------------------------------------------------- elementwise

GRID = np.array([-inf, -3.0, -1.0, -0.5, -0.0, 0.0, 1e-3, 0.5, 1.0, 2.0, 1e30, inf, nan])


def _pairs() -> tuple[np.ndarray, np.ndarray]:
    """Every pair of GRID values, as two (13, 13) arrays."""
    return np.meshgrid(GRID, GRID, indexing="ij")


BINARY = ["atan2", "arctan2", "hypot", "fmax", "fmin", "ldexp"]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_match_pytorch_on_the_special_values(torch, name: str,
                                                              dtype: type) -> None:
    y, x = (v.astype(dtype) for v in _pairs())
    if name == "ldexp":
        x = np.round(np.clip(np.nan_to_num(x), -5, 5)).astype(dtype)
    compare_with_torch(getattr(mg, name), getattr(torch, name), [y, x], tol=TOL[dtype])
    compare_with_torch(lambda a, b: getattr(a, name)(b), lambda a, b: getattr(a, name)(b),
                       [y[:3], x[:3]], tol=TOL[dtype])


@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_broadcast_and_keep_0d_and_empty_shapes(torch, name: str) -> None:
    shapes = [((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), ()), ((0, 3), (1, 3)), ((1,), (1,))]
    for sa, sb in shapes:
        a, b = rng.uniform(0.5, 2, sa), rng.uniform(-2, 2, sb)
        if name == "ldexp":
            b = np.round(b)
        compare_with_torch(getattr(mg, name), getattr(torch, name), [a, b])


@pytest.mark.parametrize("name", ["atan2", "hypot", "fmax", "fmin", "ldexp"])
def test_binary_functions_gradcheck(name: str) -> None:
    a, b = rng.uniform(0.5, 2, (3, 1)), rng.uniform(-2, -0.5, (1, 4))
    assert_gradchecks(getattr(mg, name), [a, b])


def test_atan2_and_hypot_gradients_at_the_origin_are_pytorchs(torch) -> None:
    zeros = np.zeros(3)
    for name in ("atan2", "hypot"):
        compare_with_torch(getattr(mg, name), getattr(torch, name),
                           [np.array([0.0, 1e-200, 0.0]), zeros])


def test_fmax_fmin_ties_send_the_gradient_to_input_and_integers_work(torch) -> None:
    a, b = np.array([1.0, 2.0, nan, nan, 3.0]), np.array([1.0, nan, 2.0, nan, 4.0])
    for name in ("fmax", "fmin"):
        compare_with_torch(getattr(mg, name), getattr(torch, name), [a, b])
        compare_with_torch(getattr(mg, name), getattr(torch, name),
                           [np.array([1, 5, -2]), np.array([3, 0, -2], np.int32)])
        compare_with_torch(getattr(mg, name), getattr(torch, name),
                           [np.array([1, 5], np.int8), np.array([3.5, 0.0], np.float32)])


UNARY = ["asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh"]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", UNARY)
def test_inverse_hyperbolic_functions_match_pytorch(torch, name: str, dtype: type) -> None:
    a = GRID.astype(dtype)
    compare_with_torch(getattr(mg, name), getattr(torch, name), [a], tol=TOL[dtype])
    compare_with_torch(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(),
                       [np.array([[1.5, 2.0], [0.2, -0.3]], dtype)], tol=TOL[dtype])
    for shape in [(), (0,), (1, 1)]:
        compare_with_torch(getattr(mg, name), getattr(torch, name),
                           [np.full(shape, 1.25, dtype)], tol=TOL[dtype])
    compare_with_torch(getattr(mg, name), getattr(torch, name), [np.array([0, 1, 2])])


@pytest.mark.parametrize("name,low,high", [("asinh", -3, 3), ("acosh", 1.2, 3),
                                           ("atanh", -0.9, 0.9)])
def test_inverse_hyperbolic_gradcheck(name: str, low: float, high: float) -> None:
    assert_gradchecks(getattr(mg, name), [rng.uniform(low, high, (2, 3))])


def test_integer_inputs_give_the_default_float(torch) -> None:
    a, b = np.array([1, -2, 0]), np.array([3, 4, 0])
    for name in ("atan2", "ldexp"):
        compare_with_torch(getattr(mg, name), getattr(torch, name), [a, b], tol=1e-6)
    compare_with_torch(mg.ldexp, torch.ldexp, [np.array([1.0, 2.0]), np.array([3, 2])])
    # a negative integer exponent: PyTorch's gradient is 2**e in integers (0); ours is 2**e
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    mg.ldexp(x, mg.tensor([3, -2])).sum().backward()
    assert x.grad.tolist() == [8.0, 0.25]
    compare_with_torch(mg.ldexp, torch.ldexp, [np.array([1.0, 2.0], np.float32),
                                               np.array([3.0, -2.0])])


@pytest.mark.parametrize("dtype", FLOATS + [np.float16])
def test_nextafter_and_frexp_match_pytorch(torch, dtype: type) -> None:
    y, x = (v.astype(dtype) for v in _pairs())
    ours = mg.nextafter(mg.tensor(y), mg.tensor(x)).numpy()
    theirs = torch.nextafter(torch.tensor(y), torch.tensor(x)).numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    if dtype is np.float16:
        return
    m, e = mg.frexp(mg.tensor(GRID.astype(dtype)))
    tm, te = torch.frexp(torch.tensor(GRID.astype(dtype)))
    np.testing.assert_array_equal(m.numpy(), tm.numpy())
    np.testing.assert_array_equal(e.numpy(), te.numpy())
    assert e.dtype == np.int32 and m.dtype == dtype
    result = mg.tensor(GRID.astype(dtype)).frexp()
    assert type(result).__name__ == "FrexpResult" and result._fields == ("mantissa", "exponent")
    assert mg.nextafter(mg.tensor([1.0], dtype=mg.float32),
                        mg.tensor([2.0], dtype=mg.float64)).dtype == np.float64


def test_rsub_subtract_multiply_positive_match_pytorch(torch) -> None:
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    for alpha in (1, 2, -0.5):
        compare_with_torch(lambda x, y, al=alpha: mg.rsub(x, y, alpha=al),
                           lambda x, y, al=alpha: torch.rsub(x, y, alpha=al), [a, b])
        compare_with_torch(lambda x, y, al=alpha: mg.subtract(x, y, alpha=al),
                           lambda x, y, al=alpha: torch.subtract(x, y, alpha=al), [a, b])
        compare_with_torch(lambda x, al=alpha: mg.rsub(x, 3, alpha=al),
                           lambda x, al=alpha: torch.rsub(x, 3, alpha=al), [a])
        compare_with_torch(lambda x, y, al=alpha: x.subtract(y, alpha=al),
                           lambda x, y, al=alpha: x.subtract(y, alpha=al), [a, b])
    compare_with_torch(mg.multiply, torch.multiply, [a, b])
    compare_with_torch(lambda x: x.multiply(2), lambda x: x.multiply(2), [a])
    compare_with_torch(mg.rsub, torch.rsub, [np.array([1, 2]), np.array([5, 5])])
    compare_with_torch(mg.multiply, torch.multiply, [np.array([1, 2]), np.array([0.5])])
    compare_with_torch(mg.positive, torch.positive, [a])
    compare_with_torch(lambda x: x.positive(), lambda x: x.positive(), [np.array([1, -2])])
    x = mg.tensor([1.0, -2.0])
    assert mg.positive(x) is x


def test_abs_in_place(torch) -> None:
    for data in ([-1.5, 0.0, 2.0], [-3, 4]):
        x, t = mg.tensor(data), torch.tensor(data)
        assert mg.abs_(x) is x and x.tolist() == torch.abs_(t).tolist() == t.tolist()
        x = mg.tensor(data)
        assert x.abs_() is x and x.tolist() == [abs(v) for v in data]
    leaf = mg.tensor([-1.0, 2.0], requires_grad=True)
    y = leaf * 1
    y.abs_().sum().backward()
    assert leaf.grad.tolist() == [-1.0, 1.0]


INTS = [np.int8, np.uint8, np.int16, np.int32, np.int64]


@pytest.mark.parametrize("dtype", INTS)
def test_bit_shifts_match_pytorch_wide_and_negative_shifts_included(torch, dtype: type) -> None:
    a = np.array([1, -8, 5, 0, 127, -128, 3, 100]).astype(dtype)
    b = np.array([1, 9, 7, -1, 8, 7, 0, 70]).astype(dtype)
    for name, op in (("bitwise_left_shift", "__lshift__"),
                     ("bitwise_right_shift", "__rshift__")):
        with np.errstate(over="ignore"):
            compare_with_torch(getattr(mg, name), getattr(torch, name), [a, b])
        compare_with_torch(lambda x, y, o=op: getattr(x, o)(y),
                           lambda x, y, o=op: getattr(x, o)(y), [a, b])
        compare_with_torch(lambda x, o=op: getattr(x, o)(2), lambda x, o=op: getattr(x, o)(2),
                           [a])


def test_bit_shift_operators_reflected_in_place_and_broadcast(torch) -> None:
    a = np.array([[1, 2, 3]])
    x, t = mg.tensor(a), torch.tensor(a)
    assert (1 << x).tolist() == (1 << t).tolist()
    assert (64 >> x).tolist() == (64 >> t).tolist()
    assert mg.bitwise_left_shift(3, x).tolist() == torch.bitwise_left_shift(3, t).tolist()
    col = np.array([[1], [2]])
    assert (x << mg.tensor(col)).tolist() == (t << torch.tensor(col)).tolist()
    x <<= 2
    t <<= 2
    assert x.tolist() == t.tolist()
    x.bitwise_right_shift_(1)
    t.bitwise_right_shift_(1)
    assert x.tolist() == t.tolist()
    assert (mg.tensor(np.array([1, 2], np.int32)) << 1).dtype == np.int32


def test_in_place_variants_match_pytorch(torch) -> None:
    a, b = rng.uniform(0.2, 0.8, 4), rng.uniform(0.2, 0.8, 4)
    for name in ("atan2_", "arctan2_", "hypot_", "ldexp_", "subtract_", "multiply_"):
        x, t = mg.tensor(a), torch.tensor(a)
        assert getattr(x, name)(mg.tensor(b)) is x
        getattr(t, name)(torch.tensor(b))
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)
    for name in ("asinh_", "acosh_", "atanh_"):
        x, t = mg.tensor(a + 1 if name == "acosh_" else a), torch.tensor(
            a + 1 if name == "acosh_" else a)
        getattr(x, name)()
        getattr(t, name)()
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)


BAD = [
    (lambda lib: lib.hypot(lib.tensor([3, 4]), lib.tensor([4, 3])), NotImplementedError,
     "hypot: not implemented for dtype int64"),
    (lambda lib: lib.nextafter(lib.tensor([1]), lib.tensor([2])), NotImplementedError,
     "nextafter: not implemented"),
    (lambda lib: lib.frexp(lib.tensor([8])), RuntimeError,
     "frexp: only supports floating-point"),
    (lambda lib: lib.tensor([1.0]) << 1, NotImplementedError,
     "bitwise_left_shift: not implemented for dtype float32"),
    (lambda lib: lib.bitwise_right_shift(lib.tensor([1.0]), lib.tensor([1])),
     NotImplementedError, "bitwise_right_shift: not implemented"),
    (lambda lib: lib.positive(lib.tensor([True])), RuntimeError, "positive: .* bool"),
    (lambda lib: lib.atan2(lib.ones(2, 3), lib.ones(4)), RuntimeError,
     r"atan2: the size of tensor a \(3\) must match"),
    (lambda lib: lib.fmax(lib.ones(2), lib.ones(3)), RuntimeError, "fmax: the size"),
    (lambda lib: lib.fmax(lib.ones(2), 1.0), TypeError, "fmax: argument 'other'"),
    (lambda lib: lib.atan2([1.0], lib.ones(1)), TypeError, "atan2: argument 'input'"),
    (lambda lib: lib.subtract(lib.tensor([True]), lib.tensor([False])), RuntimeError,
     "subtract: subtraction with two bool tensors"),
    (lambda lib: lib.tensor([1, 2]).atan2_(lib.tensor([1, 2])), RuntimeError, "atan2_"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_calls_raise_pytorchs_exception_types(i: int) -> None:
    call, kind, match = BAD[i]
    assert_raises_as_torch(call, kind, match)
