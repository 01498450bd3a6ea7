"""The dtype rules, written once: the default float dtype (more rules join it here)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["get_default_dtype", "set_default_dtype"]

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
