"""The dtype rules, written once: the default float dtype and PyTorch's type promotion.

``result_type`` is the one promotion rule every binary op uses. As in PyTorch, operands fall
into three ranks: tensors with dimensions, 0-d tensors, and plain numbers (Python or numpy
scalars). A lower rank only changes the result when it is of a higher *category*
(bool < integer < floating < complex): ``float32 tensor * np.float64(2)`` stays float32,
``int64 tensor * 2.5`` becomes the default float dtype, ``float32 (3,) + float64 0-d``
stays float32, but ``int64 (3,) + float64 0-d`` is float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_same_dtype", "dtype", "get_default_dtype", "result_type", "set_default_dtype"]


class _DtypeMeta(type):
    """``isinstance(x, minigrad.dtype)``: true for the dtype names (numpy's scalar types,
    ``minigrad.float32 is np.float32``) and for what ``Tensor.dtype`` returns (a numpy dtype)
    of the kinds minigrad computes with: bool, integers, floats."""

    def __instancecheck__(cls, obj: Any) -> bool:
        if isinstance(obj, type) and issubclass(obj, np.generic):
            obj = np.dtype(obj)
        return isinstance(obj, np.dtype) and obj.kind in "biuf"


class dtype(metaclass=_DtypeMeta):  # noqa: N801  (PyTorch's name)
    """``torch.dtype``: the class of ``minigrad.float32`` and the other dtypes, for
    ``isinstance`` checks and annotations; as in PyTorch, it makes no instances."""

    def __new__(cls, *args: Any, **kwargs: Any) -> dtype:
        """Refused, as ``torch.dtype()`` is: the dtypes are the module's names."""
        raise TypeError("dtype: cannot create 'minigrad.dtype' instances; use minigrad.float32 "
                        "and the other dtype names")

_default_float = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype of float data made without one (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Make ``dtype`` (float32 or float64) the default float dtype, as in PyTorch."""
    global _default_float
    try:
        d = np.dtype(dtype)
    except TypeError:
        d = None
    if d not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(
            f"set_default_dtype: only float32 and float64 can be the default dtype, got {dtype!r}"
        )
    _default_float = d


def _category(dtype: np.dtype) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}.get(dtype.kind, 2)


def _scalar_dtype(value: Any) -> np.dtype:
    """A plain number's dtype when it decides the result: the default for its category."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(value, (complex, np.complexfloating)):
        return np.dtype(np.complex128 if _default_float == np.float64 else np.complex64)
    return _default_float


def is_scalar(value: Any) -> bool:
    """A Python or numpy number (not an array): the lowest promotion rank."""
    return isinstance(value, (bool, int, float, complex, np.generic))


def result_type(*operands: Any) -> np.dtype:
    """The dtype of a binary (or n-ary) op's result, by PyTorch's rule (see module doc).

    Operands are Tensors, numpy arrays or scalars; anything with ``.dtype`` and ``.ndim``
    counts as a tensor of that rank.
    """
    ranks: list[np.dtype | None] = [None, None, None]  # dimensioned, 0-d, scalar
    for x in operands:
        if is_scalar(x):
            rank, dtype = 2, _scalar_dtype(x)
        else:
            rank, dtype = (0 if x.ndim else 1), np.dtype(x.dtype)
        cur = ranks[rank]
        ranks[rank] = dtype if cur is None else _promote(cur, dtype)
    dim, zero, scalar = ranks
    result = _combine(dim, _combine(zero, scalar))
    if result is None:
        raise TypeError("result_type: no operands")
    return result


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """A higher rank keeps its dtype unless the lower one is of a higher category."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    if _category(higher) >= 2:
        return higher
    if higher.kind == "b" or _category(lower) >= 2:
        return _promote(higher, lower)
    return higher


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """Two dtypes of one rank: the higher category wins (int64 with float32 is float32, as
    in PyTorch, not numpy's float64); within a category numpy's table agrees with PyTorch."""
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def true_divide_dtype(dtype: np.dtype) -> np.dtype:
    """Division of integers or bools gives the default float dtype, as in PyTorch."""
    return dtype if dtype.kind in "fc" else _default_float


def check_same_dtype(op: str, what_a: str, a: Any, what_b: str, b: Any) -> None:
    """The one refusal of two operands whose dtypes differ, where PyTorch refuses them too
    (matmul, linear, conv): a RuntimeError, as PyTorch's, naming both; never an upcast."""
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: {what_a} and {what_b} must have the same dtype, but got {a.dtype} and "
            f"{b.dtype} (shapes {tuple(a.shape)} and {tuple(b.shape)}); cast one with "
            f".to({b.dtype}) or .to({a.dtype})"
        )
