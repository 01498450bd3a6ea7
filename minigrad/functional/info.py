"""What PyTorch answers about dtypes and values: ``finfo``/``iinfo`` (the limits of a float or
integer dtype, with PyTorch's fields), ``can_cast`` and ``promote_types`` (the one promotion
rule, ``minigrad.dtypes``), and ``is_nonzero`` (the truth of a one-element tensor).

    >>> import minigrad as mg
    >>> mg.promote_types(mg.uint8, mg.int8), mg.can_cast(mg.float32, mg.int32)
    (dtype('int16'), False)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import _category, _promote, get_default_dtype
from ..tensor import Tensor, require_tensor


def _as_dtype(value: Any, fn: str, arg: str) -> np.dtype:
    """A minigrad dtype (``minigrad.float32`` or a Tensor's ``.dtype``) as a numpy dtype."""
    ok = isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic))
    d = np.dtype(value) if ok else None
    if d is None or d.kind not in "biufc":
        raise TypeError(f"{fn}: argument '{arg}' must be a minigrad dtype (float32, int64, "
                        f"bool, ...), not {value!r}")
    return d


class finfo:  # noqa: N801  (PyTorch's name)
    """The limits of a floating dtype (default: the default float dtype), as
    ``torch.finfo``: ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``),
    ``resolution`` and ``dtype`` (its name)."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002
        d = get_default_dtype() if type is None else _as_dtype(type, "finfo", "type")
        if d.kind != "f":
            raise TypeError(f"finfo: requires a floating point input type, got {d}; use "
                            f"minigrad.iinfo for integer types")
        info = np.finfo(d)
        self.bits = int(info.bits)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = float(10.0 ** -info.precision)  # PyTorch's: in float64
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801  (PyTorch's name)
    """The limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``max``, ``min`` and
    ``dtype`` (its name); bool is refused, as in PyTorch."""

    def __init__(self, type: Any) -> None:  # noqa: A002
        d = _as_dtype(type, "iinfo", "type")
        if d.kind == "b":
            raise TypeError("iinfo: minigrad.bool is not supported by minigrad.iinfo")
        if d.kind not in "iu":
            raise TypeError(f"iinfo: requires an integer input type, got {d}; use "
                            f"minigrad.finfo for floating point types")
        info = np.iinfo(d)
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's casting rule allows writing ``from_`` into ``to`` in place: never
    to a lower category (float to integer, anything but bool to bool)."""
    return _category(_as_dtype(from_, "can_cast", "from_")) <= _category(
        _as_dtype(to, "can_cast", "to"))


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The dtype two tensors of ``type1`` and ``type2`` promote to (``minigrad.dtypes``'s
    rule: the higher category wins; within one, the wider type)."""
    return _promote(_as_dtype(type1, "promote_types", "type1"),
                    _as_dtype(type2, "promote_types", "type2"))


def is_nonzero(input: Tensor) -> bool:  # noqa: A002
    """The truth of a one-element tensor (``bool(t)``); refused for none or several."""
    a = require_tensor(input, "is_nonzero", "input")
    if a.numel() != 1:
        what = "no values" if a.numel() == 0 else "more than one value"
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with {what} is ambiguous "
                           f"(shape {tuple(a.shape)})")
    return bool(a._data.reshape(-1)[0])


TENSOR_METHODS = {"is_nonzero": is_nonzero}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""
