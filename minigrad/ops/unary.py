"""Elementwise functions of one input, each a row: the numpy function that computes it beside
its derivative in Tensor ops (an integer input arrives as the default float dtype: the
Tensor methods cast it). ``floor``, ``ceil``, ``trunc`` and ``sign`` are flat: gradient 0,
integers kept, as in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor


class _Smooth(Function):
    """``numpy_op(a)``; the gradient ``g * slope(a, out)``, in Tensor ops (a subclass names
    both: ``class Sin(_Smooth, numpy_op=np.sin, slope=...)``)."""

    def __init_subclass__(cls, numpy_op: Callable, slope: Callable, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.numpy_op, cls.slope = staticmethod(numpy_op), staticmethod(slope)

    @classmethod
    def forward(cls, ctx: Context, a: Tensor) -> np.ndarray:
        with np.errstate(all="ignore"):  # inf/NaN out of range is a value, as in PyTorch
            out = cls.numpy_op(a._data)
        ctx.save_for_backward(a, out)
        return out

    @classmethod
    def backward(cls, ctx: Context, g: Tensor) -> Tensor:
        a, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return g * cls.slope(a, out)


class Sin(_Smooth, numpy_op=np.sin, slope=lambda a, out: a.cos()):
    """sin(a); the gradient ``g * cos(a)``."""


class Cos(_Smooth, numpy_op=np.cos, slope=lambda a, out: -a.sin()):
    """cos(a); the gradient ``-g * sin(a)``."""


class Tan(_Smooth, numpy_op=np.tan, slope=lambda a, out: 1 + out * out):
    """tan(a); the gradient ``g * (1 + tan(a)**2)``."""


class Sinh(_Smooth, numpy_op=np.sinh, slope=lambda a, out: a.cosh()):
    """sinh(a); the gradient ``g * cosh(a)``."""


class Cosh(_Smooth, numpy_op=np.cosh, slope=lambda a, out: a.sinh()):
    """cosh(a); the gradient ``g * sinh(a)``."""


class Reciprocal(_Smooth, numpy_op=np.reciprocal, slope=lambda a, out: -(out * out)):
    """1 / a; the gradient ``-g / a**2``."""


class Rsqrt(_Smooth, numpy_op=lambda x: 1 / np.sqrt(x), slope=lambda a, out: out**3 * -0.5):
    """1 / sqrt(a); the gradient ``-g / (2 a**1.5)``."""


class Log2(_Smooth, numpy_op=np.log2, slope=lambda a, out: 1 / (a * math.log(2))):
    """log2(a); the gradient ``g / (a ln 2)``."""


class Log10(_Smooth, numpy_op=np.log10, slope=lambda a, out: 1 / (a * math.log(10))):
    """log10(a); the gradient ``g / (a ln 10)``."""


class Asin(_Smooth, numpy_op=np.arcsin, slope=lambda a, out: (1 - a * a).rsqrt()):
    """asin(a); the gradient ``g / sqrt(1 - a**2)`` (NaN outside [-1, 1], as PyTorch)."""


class Acos(_Smooth, numpy_op=np.arccos, slope=lambda a, out: -(1 - a * a).rsqrt()):
    """acos(a); the gradient ``-g / sqrt(1 - a**2)``."""


class Atan(_Smooth, numpy_op=np.arctan, slope=lambda a, out: 1 / (a * a + 1)):
    """atan(a); the gradient ``g / (1 + a**2)``."""


class Expm1(_Smooth, numpy_op=np.expm1, slope=lambda a, out: out + 1):
    """exp(a) - 1, exact for tiny a; the gradient ``g * exp(a)``."""


class _Flat(Function):
    """``numpy_op(a)``, piecewise constant: the gradient is 0. An integer input is kept as it
    is, unless ``integers_too``; a bool one always."""

    def __init_subclass__(cls, numpy_op: Callable, integers_too: bool = False,
                          **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.numpy_op, cls.integers_too = staticmethod(numpy_op), integers_too

    @classmethod
    def forward(cls, ctx: Context, a: Tensor) -> np.ndarray:
        kind = a.dtype.kind
        keep = kind == "b" or (kind in "iu" and not cls.integers_too)
        return a._data.copy() if keep else cls.numpy_op(a._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        return Tensor(np.zeros_like(g._data))


class Floor(_Flat, numpy_op=np.floor):
    """The largest integer <= a."""


class Ceil(_Flat, numpy_op=np.ceil):
    """The smallest integer >= a."""


class Trunc(_Flat, numpy_op=np.trunc):
    """a rounded toward zero."""


class Sign(_Flat, numpy_op=lambda x: np.nan_to_num(np.sign(x), nan=0.0), integers_too=True):
    """-1, 0 or 1; 0 for NaN, as PyTorch (``(0 < a) - (a < 0)``)."""
