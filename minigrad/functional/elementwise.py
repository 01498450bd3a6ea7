"""Elementwise functions with PyTorch's signatures (``clamp``, ``pow``, ``where``, casts,
and the smaller ones: ``xlogy``, ``logit``, ``copysign``, ``frac``, ``heaviside``, the
``bitwise_*`` functions, ``gcd``...): they check and promote their arguments, then call
``minigrad.ops.elementwise`` or compose Tensor ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import get_default_dtype, result_type
from ..ops.elementwise import Cast, Clamp, Pow, where
from ..tensor import Tensor, _broadcast_error, _pair, require_tensor


def power(a: Tensor, exponent: Any) -> Tensor:
    """``a ** exponent``; both are promoted first, so a mixed-precision gradient (and its
    log) is computed in the wider dtype."""
    return Pow.apply(*_pair(a, exponent))


def clamp(a: Tensor, low: Any = None, high: Any = None) -> Tensor:
    """``a`` limited to ``[low, high]`` (either may be None, not both).

    Each bound is a number or a Tensor (broadcast against ``a``; the result has their
    promoted dtype, and gradients reach the bound Tensors where they were chosen, as in
    PyTorch). Where ``low > high`` the result is ``high``, as in PyTorch.
    """
    if low is None and high is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(low, Tensor) or isinstance(high, Tensor):
        a, low, high = _promote_bounds(a, low, high)
    return Clamp.apply(a, low, high)


def _promote_bounds(a: Tensor, low: Any, high: Any) -> tuple:
    """``a`` and Tensor bounds in their promoted dtype (numbers become 0-d constants)."""
    for name, b in (("min", low), ("max", high)):
        if b is not None and not isinstance(b, Tensor) and not _is_number(b):
            raise TypeError(f"clamp: argument '{name}' must be a Tensor or a number, "
                            f"not {type(b).__name__}")
    dtype = result_type(a, *(b for b in (low, high) if b is not None))
    a = a if a.dtype == dtype else a.to(dtype)
    return (a, *(None if b is None else _bound(b, dtype) for b in (low, high)))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _bound(value: Any, dtype: np.dtype) -> Tensor:
    """A clamp bound as a Tensor of ``dtype`` (a number becomes a 0-d constant)."""
    if isinstance(value, Tensor):
        return value if value.dtype == dtype else value.to(dtype)
    return Tensor._make(np.asarray(value, dtype), False, None, 0)


def cast(a: Tensor, dtype: np.dtype, copy: bool = False) -> Tensor:
    """``a`` in ``dtype`` (``a`` itself when nothing changes, unless ``copy``); differentiable."""
    if a.dtype == dtype and not copy:
        return a
    return Cast.apply(a, dtype, copy)


def nan_to_num(a: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """``a`` with NaN, +inf and -inf replaced (by 0 and the dtype's largest and smallest
    finite values unless given); the gradient passes where ``a`` was finite, as in PyTorch.
    Integer tensors come back as a copy."""
    if a.dtype.kind != "f":
        return a.clone()
    info = np.finfo(a.dtype)
    x = a._data
    out = a
    for bad, value in ((np.isnan(x), nan), (np.isposinf(x), info.max if posinf is None else posinf),
                       (np.isneginf(x), info.min if neginf is None else neginf)):
        if bad.any():
            out = where(bad, Tensor(np.asarray(value, a.dtype)), out)
    return out if out is not a else a.clone()


# ---------------------------------------------------------------------------------------
# The smaller elementwise functions of the torch namespace. Differentiable ones are
# composites of the ops above (so differentiable twice); tests and integer functions give
# bool or integer tensors outside any graph, as PyTorch's.


def _operands(input: Any, other: Any, fn: str, scalar_first: bool = True
              ) -> tuple[Tensor, Tensor]:
    """The two operands of a binary function in their promoted dtype (PyTorch's rule); a
    number may stand for one of them (for ``input`` only where ``scalar_first``)."""
    if not isinstance(input, Tensor) and not (scalar_first and isinstance(other, Tensor)):
        raise TypeError(f"{fn}: argument 'input' must be Tensor, not {type(input).__name__}")
    if not isinstance(other, Tensor) and not _is_number(other) and not isinstance(
            other, (bool, np.bool_)):
        raise TypeError(f"{fn}: argument 'other' must be Tensor or a number, not "
                        f"{type(other).__name__}")
    shapes = [np.shape(v._data if isinstance(v, Tensor) else v) for v in (input, other)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise _broadcast_error(fn, *shapes) from None
    return _pair(input, other)


def _as_float(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Integer and bool operands in the default float dtype (PyTorch's float functions)."""
    return tuple(t if t.dtype.kind in "fc" else t.to(get_default_dtype()) for t in tensors)


def true_divide(dividend: Any, divisor: Any) -> Tensor:
    """``dividend / divisor`` (``torch.div`` without rounding); integers give floats."""
    x, y = _operands(dividend, divisor, "true_divide")
    return x / y


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """The sign of each element (-1, 0 or 1; 0 for NaN); for real tensors ``sign``."""
    a = require_tensor(input, "sgn", "input")
    return a.clone() if a.dtype == np.bool_ else a.sign()


def frac(input: Tensor) -> Tensor:  # noqa: A002
    """The fractional part ``x - trunc(x)``, the sign of ``x`` (NaN for infinities);
    the gradient is 1."""
    a = require_tensor(input, "frac", "input")
    if a.dtype.kind != "f":
        raise NotImplementedError(f"frac: not implemented for dtype {a.dtype}")
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, silently, as in PyTorch
        return a - a.trunc()


def deg2rad(input: Tensor) -> Tensor:  # noqa: A002
    """Degrees to radians: ``x * pi / 180`` (integers give the default float dtype)."""
    (a,) = _as_float(require_tensor(input, "deg2rad", "input"))
    return a * 0.017453292519943295


def rad2deg(input: Tensor) -> Tensor:  # noqa: A002
    """Radians to degrees: ``x * 180 / pi`` (integers give the default float dtype)."""
    (a,) = _as_float(require_tensor(input, "rad2deg", "input"))
    return a * 57.29577951308232


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN); either
    may be a number; integers give the default float dtype. Gradients as PyTorch's:
    ``log(other)`` for ``input`` (0 where ``input`` is 0 and ``other <= 0``), ``input /
    other`` for ``other``; a product of Tensor ops, so differentiable twice."""
    x, y = _as_float(*_operands(input, other, "xlogy"))
    cut = (x._data == 0) & ((y._data <= 0) | np.isposinf(y._data))  # 0, not 0 * inf
    with np.errstate(divide="ignore", invalid="ignore"):
        return x * where(cut, 0.0, y.log())


def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """``log(p / (1 - p))``, the inverse of ``sigmoid`` (``torch.logit``); integers give
    the default float dtype. With ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``
    and the gradient is 0 outside it. As PyTorch's: without ``eps`` the gradient outside
    ``[0, 1]`` is NaN (the value is NaN there too), at 0 and 1 infinite.

        >>> import minigrad as mg
        >>> mg.logit(mg.tensor([0.5, 1.0]))
        tensor([ 0., inf])
    """
    (x,) = _as_float(require_tensor(input, "logit", "input"))
    data = x._data
    if eps is None or eps < 0:  # PyTorch: a negative eps is no eps
        outside = (data < 0) | (data > 1)
        x = x * Tensor(np.where(outside, np.nan, 1.0).astype(data.dtype))  # NaN, also its grad
    else:
        lo = data.dtype.type(eps)
        hi = data.dtype.type(1) - lo
        low, high = data < lo, data > hi  # NaN is neither: it stays, gradient NaN
        x = where(low | high, Tensor(np.where(low, lo, hi).astype(data.dtype)), x)
    return x.log() - (-x).log1p()  # gradient 1/x + 1/(1 - x): +-inf at 0 and 1


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """``input ** exponent`` computed in float64 (the result's dtype, whatever the
    inputs'); either may be a number. The gradients are cast back to the inputs' dtypes."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power: argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    base, power = (v.to(np.float64) if isinstance(v, Tensor) else
                   Tensor._make(np.asarray(v, np.float64), False, None, 0)
                   for v in (input, exponent))
    return Pow.apply(*_broadcast_pair(base, power, "float_power"))


def _broadcast_pair(a: Tensor, b: Tensor, fn: str) -> tuple[Tensor, Tensor]:
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _broadcast_error(fn, a.shape, b.shape) from None
    return a, b


def copysign(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """``|input|`` with the sign of ``other`` (its sign bit: -0.0 counts as negative);
    integers give the default float dtype. The gradient is ``+-1``, and 0 where ``input``
    is 0, as PyTorch's; ``other`` gets none."""
    x, y = _as_float(*_operands(input, other, "copysign", scalar_first=False))
    flip = np.signbit(x._data) != np.signbit(y._data)
    out = where(flip, -x, x)
    return where(np.broadcast_to(x._data == 0, out.shape), out.detach(), out)


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    """Where the sign bit is set (negative numbers, -0.0, -inf) as a bool tensor."""
    a = require_tensor(input, "signbit", "input")
    return Tensor._make(np.asarray(np.signbit(a._data)), False, None, 0)


def heaviside(input: Tensor, values: Tensor) -> Tensor:  # noqa: A002
    """The step function: 0 where ``input < 0`` (and for NaN), ``values`` where it is 0, 1
    where it is positive; both tensors of one dtype. Outside any graph (PyTorch has no
    derivative for it)."""
    a = require_tensor(input, "heaviside", "input")
    v = require_tensor(values, "heaviside", "values")
    if a.dtype != v.dtype:
        raise RuntimeError(f"heaviside: is not yet implemented for tensors with different "
                           f"dtypes ({a.dtype} and {v.dtype})")
    x, vv = _broadcast_pair(a, v, "heaviside")
    with np.errstate(invalid="ignore"):
        out = np.where(x._data == 0, vv._data, x._data > 0).astype(a.dtype)
    return Tensor._make(np.asarray(out), False, None, 0)


def _test(np_test: Any, input: Any, fn: str) -> Tensor:
    """A bool test of each element, outside any graph."""
    a = require_tensor(input, fn, "input")
    return Tensor._make(np.asarray(np_test(a._data)), False, None, 0)


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    """Where the elements are -inf (bool)."""
    return _test(np.isneginf, input, "isneginf")


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    """Where the elements are +inf (bool)."""
    return _test(np.isposinf, input, "isposinf")


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """Where the elements have no imaginary part (all True for a real dtype)."""
    return _test(np.isreal, input, "isreal")


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """Whether ``input``'s dtype is a complex one."""
    return require_tensor(input, "is_complex", "input").dtype.kind == "c"


def _integers(name: str, input: Any, other: Any, np_op: Any, scalar_first: bool) -> Tensor:
    """A bitwise or integer function of two integer (or bool) operands, promoted,
    broadcast; outside any graph."""
    x, y = _operands(input, other, name, scalar_first)
    allowed = "biu" if name.startswith("bitwise") else "iu"
    if x.dtype.kind not in allowed:
        raise NotImplementedError(f"{name}: not implemented for dtype {x.dtype}")
    with np.errstate(over="ignore"):
        return Tensor._make(np.asarray(np_op(x._data, y._data)).astype(x.dtype), False, None, 0)


def bitwise_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input & other`` bit by bit (integers and bools)."""
    return _integers("bitwise_and", input, other, np.bitwise_and, True)


def bitwise_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input | other`` bit by bit (integers and bools)."""
    return _integers("bitwise_or", input, other, np.bitwise_or, True)


def bitwise_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input ^ other`` bit by bit (integers and bools)."""
    return _integers("bitwise_xor", input, other, np.bitwise_xor, True)


def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    """``~input`` bit by bit (integers; for bools the logical not)."""
    a = require_tensor(input, "bitwise_not", "input")
    if a.dtype.kind not in "biu":
        raise NotImplementedError(f"bitwise_not: not implemented for dtype {a.dtype}")
    return Tensor._make(np.asarray(np.invert(a._data)), False, None, 0)


def gcd(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The greatest common divisor of integer tensors (non-negative; ``gcd(0, 0) = 0``)."""
    require_tensor(other, "gcd", "other")
    return _integers("gcd", input, other, np.gcd, False)


def lcm(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The least common multiple of integer tensors (non-negative; 0 if either is 0)."""
    require_tensor(other, "lcm", "other")
    return _integers("lcm", input, other, np.lcm, False)
