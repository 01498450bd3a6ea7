"""Elementwise functions with PyTorch's signatures (``clamp``, ``pow``, ``where``, casts):
they check and promote their arguments, then call ``minigrad.ops.elementwise``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import result_type
from ..ops.elementwise import Cast, Clamp, Pow, where
from ..tensor import Tensor, _pair


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
