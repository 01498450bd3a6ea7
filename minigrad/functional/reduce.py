"""Reductions with PyTorch's signatures: mean, var/std, max/min with indices, argmax/argmin.

``dim`` may be an int, a tuple or None (all dims), negative dims count from the end, and
``keepdim`` keeps the reduced dims as size 1. The Functions are in ``minigrad.ops.reduce``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.reduce import Amax, MaxDim, Var, _check_nonempty, _count, normalize_dims
from ..ops.shape import normalize_dim
from ..tensor import MaxResult, Tensor


def mean(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim``: the sum divided by the number of elements reduced."""
    n = _count(a, dim, "mean")  # first, so a bad dim is reported as mean's
    return a.sum(dim, keepdim) / n


def var(
    a: Tensor, dim: Any = None, keepdim: bool = False, correction: float = 1, std: bool = False
) -> Tensor:
    """Variance (or with ``std=True`` standard deviation) with Bessel's ``correction``."""
    return Var.apply(a, dim, keepdim, correction, std)


def extreme(a: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor | MaxResult:
    """``max``/``min``: a value over everything, or ``(values, indices)`` along an int dim."""
    if dim is None:
        return Amax.apply(a, largest=largest)
    if isinstance(dim, (tuple, list)):
        return Amax.apply(a, dim=tuple(dim), keepdim=keepdim, largest=largest)
    values = MaxDim.apply(a, dim, keepdim, largest)
    indices = Tensor._make(values.grad_fn.indices if values.grad_fn else _indices(
        a, dim, keepdim, largest), False, None, 0)
    return MaxResult(values, indices)


def _indices(a: Tensor, dim: int, keepdim: bool, largest: bool) -> np.ndarray:
    return arg_extreme(np.argmax if largest else np.argmin, a, dim, keepdim)._data


def arg_extreme(op: Callable, a: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    """``argmax``/``argmin`` (``op``) over everything or along ``dim``, as int64; no gradient."""
    name = op.__name__
    _check_nonempty(a, None if dim is None else normalize_dims(dim, a.ndim, name), name)
    if dim is None:
        out = np.asarray(op(a._data))
        if keepdim:
            out = out.reshape((1,) * a.ndim)
    else:
        d = normalize_dim(dim, a.ndim, name)
        out = np.asarray(op(a._data, axis=d, keepdims=keepdim) if a.ndim else 0)
    return Tensor._make(out.astype(np.int64), False, None, 0)
