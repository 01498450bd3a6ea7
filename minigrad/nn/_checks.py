"""Argument checks shared by layer constructors: sizes must be whole, non-negative ints."""

from __future__ import annotations

import numpy as np


def size_arg(value: object, name: str, layer: str, minimum: int = 0) -> int:
    """``value`` as an int size, refused as PyTorch does: a float or bool is a TypeError, a
    negative size a RuntimeError (PyTorch's "negative dimension"), below ``minimum`` a
    ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: argument '{name}' must be an int, got "
                        f"{type(value).__name__} {value!r}")
    if value < 0:
        raise RuntimeError(f"{layer}: Trying to create tensor with negative dimension "
                           f"{value}: argument '{name}' must be >= 0")
    if value < minimum:
        raise ValueError(f"{layer}: argument '{name}' must be >= {minimum}, got {value}")
    return int(value)
