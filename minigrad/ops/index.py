"""Index-driven ops: gather and its adjoint scatter-add, masked_fill, and cumsum with its
adjoint (a reversed cumsum). sort/topk/argsort, in ``minigrad.functional.index``, pick their
indices without a gradient, then gather the values with one.

Each gradient is itself one of these ops, so second derivatives come for free.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor


def _linear(shape: tuple, dim: int, idx: np.ndarray) -> np.ndarray:
    """Flat positions in an array of ``shape`` that ``idx`` (along ``dim``) points at."""
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return np.ravel_multi_index(tuple(grids), shape)


class Gather(Function):
    """``out[i][j] = a[i][index[i][j]]`` along ``dim``; the gradient is scatter-added back."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int, index: np.ndarray) -> np.ndarray:
        ctx.in_shape, ctx.dim, ctx.index = a.shape, dim, index
        if a.ndim == 0:
            return a._data.reshape(1)[index]
        return a._data.reshape(-1)[_linear(a.shape, dim, index)]

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return ScatterAdd.apply(g, ctx.dim, ctx.index, ctx.in_shape), None, None


class ScatterAdd(Function):
    """Zeros of ``shape`` with ``g`` added at ``index`` along ``dim`` (repeats add up)."""

    @staticmethod
    def forward(ctx: Context, g: Tensor, dim: int, index: np.ndarray,
                shape: tuple[int, ...]) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        flat_shape = shape if shape else (1,)
        lin = _linear(flat_shape, dim, index.reshape(index.shape or (1,)))
        n = int(np.prod(flat_shape))
        out = np.bincount(lin.reshape(-1), weights=g._data.reshape(-1), minlength=n)
        return out.astype(g.dtype, copy=False).reshape(shape)

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return Gather.apply(gg, ctx.dim, ctx.index), None, None, None


class MaskedFill(Function):
    """``value`` where ``mask`` holds, else ``a``; the gradient flows only where it does not."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, mask: np.ndarray, value: Any) -> np.ndarray:
        ctx.mask = mask
        return np.where(mask, np.asarray(value, dtype=a.dtype), a._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return MaskedFill.apply(g, ctx.mask, 0), None, None


def _along(x: np.ndarray, dim: int, fn: Any) -> np.ndarray:
    """Apply ``fn(array, axis)`` along ``dim``, a 0-d array treated as one element."""
    return fn(x.reshape(1), 0).reshape(()) if x.ndim == 0 else fn(x, dim)


class Cumsum(Function):
    """Running sum along ``dim``; the gradient is the running sum from the other end."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int, dtype: np.dtype) -> np.ndarray:
        ctx.dim, ctx.in_dtype = dim, a.dtype
        with np.errstate(invalid="ignore"):  # inf + -inf is NaN, silently, as in PyTorch
            return _along(a._data, dim, lambda x, d: np.cumsum(x, axis=d, dtype=dtype))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return ReverseCumsum.apply(g, ctx.dim, ctx.in_dtype), None, None


class ReverseCumsum(Function):
    """Running sum along ``dim`` from the last element back: the adjoint of ``Cumsum``."""

    @staticmethod
    def forward(ctx: Context, g: Tensor, dim: int, dtype: np.dtype) -> np.ndarray:
        ctx.dim, ctx.in_dtype = dim, g.dtype

        def rev(x: np.ndarray, d: int) -> np.ndarray:
            return np.flip(np.cumsum(np.flip(x, d), axis=d, dtype=dtype), d)

        return _along(g._data, dim, rev)

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return Cumsum.apply(gg, ctx.dim, ctx.in_dtype), None, None
