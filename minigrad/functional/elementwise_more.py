"""More elementwise functions with PyTorch's signatures: ``atan2``, ``hypot``, the inverse
hyperbolic functions, ``fmax``/``fmin``, ``nextafter``, ``ldexp``, ``frexp``, ``rsub``,
``multiply``/``subtract``, ``positive``, ``abs_`` and the bit shifts (``<<``, ``>>``).

Each one promotes and broadcasts its operands as PyTorch does; the differentiable ones are a
small Function (forward in numpy, backward in Tensor ops, so differentiable again) or a
composition of existing ops; the integer and bit-level ones are outside any graph.

    >>> import minigrad as mg
    >>> mg.atan2(mg.tensor([1.0, -1.0]), mg.tensor([0.0, 0.0]))
    tensor([ 1.5708, -1.5708])
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..autograd import Context, Function
from ..ops.elementwise import where as _where
from ..ops.unary import _Smooth
from ..tensor import Tensor, _inplace, require_tensor
from .elementwise import _as_float, _operands


class Atan2(Function):
    """atan2(y, x); gradients ``g x / (x**2 + y**2)`` and ``-g y / (x**2 + y**2)``, 0 where
    the denominator is 0 (PyTorch's values at the origin)."""

    @staticmethod
    def forward(ctx: Context, y: Tensor, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(y, x)
        return np.asarray(np.arctan2(y._data, x._data))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        y, x = ctx.saved_tensors
        denominator = y * y + x * x
        zero = denominator._data == 0
        with np.errstate(divide="ignore"):
            recip = _where(zero, 0.0, 1 / _where(zero, 1.0, denominator))
        return g * x * recip, g * -y * recip


class Hypot(Function):
    """sqrt(x**2 + y**2) without overflow; gradients ``g x / out`` and ``g y / out`` (NaN at
    the origin, as PyTorch's)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> np.ndarray:
        ctx.save_for_backward(x, y)
        return np.asarray(np.hypot(x._data, y._data))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        out = Hypot.apply(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * (x / out), g * (y / out)


class Asinh(_Smooth, numpy_op=np.arcsinh, slope=lambda a, out: (a * a + 1).rsqrt()):
    """asinh(a); the gradient ``g / sqrt(a**2 + 1)``."""


class Acosh(_Smooth, numpy_op=np.arccosh, slope=lambda a, out: (a * a - 1).rsqrt()):
    """acosh(a); the gradient ``g / sqrt(a**2 - 1)`` (NaN below 1, as PyTorch)."""


class Atanh(_Smooth, numpy_op=np.arctanh, slope=lambda a, out: 1 / (1 - a * a)):
    """atanh(a); the gradient ``g / (1 - a**2)``."""


def _floats(input: Any, other: Any, fn: str, scalar_first: bool = False) -> tuple:
    """Two operands promoted, broadcast-checked, integers as the default float dtype."""
    return _as_float(*_operands(input, other, fn, scalar_first))


def atan2(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The angle of the point ``(other, input)``: ``atan2(y=input, x=other)`` in (-pi, pi];
    integers give the default float dtype."""
    return Atan2.apply(*_floats(input, other, "atan2"))


arctan2 = atan2


def hypot(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """``sqrt(input**2 + other**2)`` computed without overflow (floating dtypes only, as in
    PyTorch)."""
    x, y = _operands(input, other, "hypot", scalar_first=False)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"hypot: not implemented for dtype {x.dtype}")
    return Hypot.apply(x, y)


def asinh(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse hyperbolic sine (integers give the default float dtype)."""
    return Asinh.apply(*_as_float(require_tensor(input, "asinh", "input")))


def acosh(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse hyperbolic cosine (NaN below 1)."""
    return Acosh.apply(*_as_float(require_tensor(input, "acosh", "input")))


def atanh(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse hyperbolic tangent (+-inf at +-1, NaN outside [-1, 1])."""
    return Atanh.apply(*_as_float(require_tensor(input, "atanh", "input")))


arcsinh, arccosh, arctanh = asinh, acosh, atanh


def _nan_ignoring(input: Any, other: Any, fn: str, take_input: Any) -> Tensor:
    """``input`` where ``take_input(input, other)`` or ``other`` is NaN, else ``other``:
    the gradient reaches the chosen operand (``input`` on ties), as PyTorch's."""
    require_tensor(other, fn, "other")
    x, y = _operands(input, other, fn, scalar_first=False)
    if x.dtype == np.bool_:
        raise NotImplementedError(f"{fn}: not implemented for dtype bool")
    with np.errstate(invalid="ignore"):
        keep = take_input(x._data, y._data) | np.isnan(y._data)
    return _where(keep, x, y)


def fmax(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The elementwise maximum, a NaN ignored when the other value is a number (NaN only
    where both are NaN); ``maximum`` propagates NaN instead."""
    return _nan_ignoring(input, other, "fmax", np.greater_equal)


def fmin(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The elementwise minimum, a NaN ignored when the other value is a number."""
    return _nan_ignoring(input, other, "fmin", np.less_equal)


def nextafter(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The next floating-point value after ``input`` towards ``other`` (floating dtypes
    only; outside any graph: PyTorch has no derivative for it)."""
    require_tensor(other, "nextafter", "other")
    x, y = _operands(input, other, "nextafter", scalar_first=False)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"nextafter: not implemented for dtype {x.dtype}")
    return Tensor._make(np.asarray(np.nextafter(x._data, y._data)), False, None, 0)


def ldexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``input * 2**other``, as PyTorch composes it (so both gradients are the product's
    and the power's); integers give the default float dtype."""
    x = require_tensor(input, "ldexp", "input")
    e = require_tensor(other, "ldexp", "other")
    return x * e.__rpow__(2.0)


class FrexpResult(NamedTuple):
    """``(mantissa, exponent)``, as ``torch.frexp`` returns (``torch.return_types.frexp``)."""

    mantissa: Tensor
    exponent: Tensor


def frexp(input: Tensor) -> FrexpResult:  # noqa: A002
    """``input = mantissa * 2**exponent`` with ``|mantissa|`` in [0.5, 1) (0, inf and NaN
    keep themselves and exponent 0); the exponent is int32. Floating dtypes only."""
    a = require_tensor(input, "frexp", "input")
    if a.dtype.kind != "f":
        raise RuntimeError(f"frexp: only supports floating-point dtypes, got {a.dtype}")
    mantissa, exponent = np.frexp(a._data)
    return FrexpResult(Tensor._make(np.asarray(mantissa), False, None, 0),
                       Tensor._make(np.asarray(exponent, np.int32), False, None, 0))


def subtract(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``input - alpha * other`` (``torch.sub``'s other name)."""
    x = require_tensor(input, "subtract", "input")
    _operands(x, other, "subtract", scalar_first=False)
    if x.dtype == np.bool_ or (isinstance(other, Tensor) and other.dtype == np.bool_):
        raise RuntimeError("subtract: subtraction with two bool tensors is not supported; "
                           "use the `^` or `logical_xor()` operator instead")
    return x.sub(other, alpha=alpha)


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``other - alpha * input``: subtraction with the operands reversed."""
    x = require_tensor(input, "rsub", "input")
    if isinstance(other, Tensor):
        return subtract(other, x, alpha=alpha)
    a, b = _operands(x, other, "rsub", scalar_first=False)
    return b - (a if alpha == 1 else a * alpha)


def multiply(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """``input * other`` (``torch.mul``'s other name)."""
    x = require_tensor(input, "multiply", "input")
    _operands(x, other, "multiply", scalar_first=False)
    return x.mul(other)


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` itself (``+input``); refused for bool, as PyTorch's."""
    a = require_tensor(input, "positive", "input")
    if a.dtype == np.bool_:
        raise RuntimeError("positive: The `+` operator, on a bool tensor is not supported.")
    return a


def abs_(input: Tensor) -> Tensor:  # noqa: A002
    """``input.abs()`` written into ``input``."""
    return _inplace(require_tensor(input, "abs_", "input"), "abs_", lambda t: t.abs())


def _shift(name: str, input: Any, other: Any, left: bool) -> Tensor:
    """A bit shift of integer operands, with PyTorch's results for shifts that are negative
    or at least the width: 0 to the left, the sign (0 or -1) to the right."""
    x, y = _operands(input, other, name)
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"{name}: not implemented for dtype {x.dtype}")
    a, b = np.broadcast_arrays(x._data, y._data)
    bits = a.dtype.itemsize * 8
    width = bits if left else bits - (a.dtype.kind == "i")
    wide = (b.astype(np.int64) < 0) | (b >= width)
    safe = np.where(wide, 0, b).astype(a.dtype)
    with np.errstate(over="ignore"):
        if left:
            out = np.where(wide, 0, np.left_shift(a, safe))
        else:
            out = np.where(wide, np.right_shift(a, a.dtype.type(width)) if width < bits
                           else 0, np.right_shift(a, safe))
    return Tensor._make(np.asarray(out.astype(x.dtype)), False, None, 0)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input << other`` for integers (bits shifted out are lost, as in C)."""
    return _shift("bitwise_left_shift", input, other, left=True)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input >> other`` for integers (an arithmetic shift: the sign is kept)."""
    return _shift("bitwise_right_shift", input, other, left=False)


def _method(fn: Any, name: str) -> Any:
    """``fn`` as the Tensor method ``name`` (``t.atan2(other)`` is ``atan2(t, other)``)."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``minigrad.{fn.__name__}(self, ...)``: {fn.__doc__}"
    return method


def _inplace_method(fn: Any, name: str) -> Any:
    """``fn`` written into ``self`` as the in-place Tensor method ``name``."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return _inplace(self, name, lambda t: fn(t, *args, **kwargs))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{fn.__name__}`` in place: {fn.__doc__}"
    return method


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    method.__doc__ = f"``other`` and ``self`` through ``{fn.__name__}`` (a reflected operator)."
    return method


_FUNCTIONS = (atan2, hypot, asinh, acosh, atanh, fmax, fmin, nextafter, ldexp, frexp,
              subtract, multiply, positive, bitwise_left_shift, bitwise_right_shift)

TENSOR_METHODS = {
    **{fn.__name__: _method(fn, fn.__name__) for fn in _FUNCTIONS},
    "arctan2": _method(atan2, "arctan2"), "arcsinh": _method(asinh, "arcsinh"),
    "arccosh": _method(acosh, "arccosh"), "arctanh": _method(atanh, "arctanh"),
    **{f"{fn.__name__}_": _inplace_method(fn, f"{fn.__name__}_") for fn in (
        atan2, hypot, asinh, acosh, atanh, ldexp, subtract, multiply, bitwise_left_shift,
        bitwise_right_shift)},
    "arctan2_": _inplace_method(atan2, "arctan2_"),
    "abs_": abs_,
    "__lshift__": _method(bitwise_left_shift, "__lshift__"),
    "__rshift__": _method(bitwise_right_shift, "__rshift__"),
    "__rlshift__": _reflected(bitwise_left_shift),
    "__rrshift__": _reflected(bitwise_right_shift),
    "__ilshift__": _inplace_method(bitwise_left_shift, "__ilshift__"),
    "__irshift__": _inplace_method(bitwise_right_shift, "__irshift__"),
}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""


def where(condition: Any, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (differentiable in both); with
    the condition alone, ``nonzero(condition, as_tuple=True)``, as ``torch.where``."""
    if input is None and other is None:
        from .select import nonzero

        return nonzero(require_tensor(condition, "where", "condition"), as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: expected both 'input' and 'other', or neither (the "
                        "one-argument form)")
    return _where(condition, input, other)
