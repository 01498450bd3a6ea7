"""Ways to make a tensor: from data, filled with a constant, or drawn at random."""

from __future__ import annotations

from typing import Any

import numpy as np

from .rng import get_rng
from .tensor import DEFAULT_FLOAT, Tensor, _shape_args


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Python floats become float32 (a float64 numpy array stays float64), ints int64::

        >>> tensor([[1.0, 2.0]], requires_grad=True)
        tensor([[1., 2.]], requires_grad=True)
    """
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray) and dtype is None:
        data = data.copy()
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def _filled(fill: Any, shape: tuple, dtype: Any, requires_grad: bool) -> Tensor:
    arr = np.full(_shape_args(shape), fill, dtype=dtype or DEFAULT_FLOAT)
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``; float32 unless ``dtype``."""
    return _filled(0, shape, dtype, requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``; float32 unless ``dtype``."""
    return _filled(1, shape, dtype, requires_grad)


def full(shape: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``; ints give int64, bools bool."""
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _filled(fill_value, (shape,), dtype, requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape and (unless given) dtype."""
    return Tensor(np.zeros(t.shape, dtype=dtype or t.dtype), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape and (unless given) dtype."""
    return Tensor(np.ones(t.shape, dtype=dtype or t.dtype), requires_grad=requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Like ``range`` but a tensor; int64 for whole-number arguments, else float32."""
    if end is None:
        start, end = 0, start
    arr = np.arange(start, end, step)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(DEFAULT_FLOAT)
    return Tensor(arr, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix, ``n`` x ``m`` (square when ``m`` is omitted)."""
    return Tensor(np.eye(n, m, dtype=dtype or DEFAULT_FLOAT), requires_grad=requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1), drawn from the generator ``manual_seed`` controls."""
    arr = get_rng().random(_shape_args(shape)).astype(dtype or DEFAULT_FLOAT)
    return Tensor(arr, requires_grad=requires_grad)


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal, drawn from the generator ``manual_seed`` controls."""
    arr = get_rng().standard_normal(_shape_args(shape)).astype(dtype or DEFAULT_FLOAT)
    return Tensor(arr, requires_grad=requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), dtype: Any = np.int64) -> Tensor:
    """Integers in [low, high) (or [0, low) when high is omitted), as in PyTorch."""
    if high is None:
        low, high = 0, low
    return Tensor(get_rng().integers(low, high, size=tuple(size), dtype=dtype))
