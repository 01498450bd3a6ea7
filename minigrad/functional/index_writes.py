"""Writes at indices and masks with PyTorch's signatures: ``index_put`` / ``index_put_``
(``input[indices] = values``, or ``+=`` with ``accumulate=True``, repeated indices summed)
and ``masked_scatter`` / ``masked_scatter_`` (the elements of ``source``, in order, where
the mask is True). Compositions of indexing, ``index_add`` and ``where``, so both inputs'
gradients are autograd's, as PyTorch's.

    >>> import minigrad as mg
    >>> mg.zeros(3).index_put_((mg.tensor([0, 0, 2]),), mg.tensor([1.0, 2.0, 3.0]),
    ...                        accumulate=True)
    tensor([3., 0., 3.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..ops.elementwise import where
from ..ops.shape import take
from ..tensor import Tensor, _inplace, require_tensor
from .shape import cat


def _index_args(fn: str, a: Tensor, indices: Any, values: Any) -> tuple:
    """``indices`` as a tuple of Tensors and ``values`` as a Tensor of ``a``'s dtype."""
    if not isinstance(indices, Sequence) or isinstance(indices, Tensor) or not all(
            isinstance(i, Tensor) or i is None for i in indices):
        raise TypeError(f"{fn}: argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    v = require_tensor(values, fn, "values")
    if v.dtype != a.dtype:
        raise RuntimeError(f"{fn}: Index put requires the source and destination dtypes match, "
                           f"got {a.dtype} for the destination and {v.dtype} for the source")
    return tuple(i if i is None else i._data for i in indices), v


class _IndexPut(Function):
    """``a`` with ``a[index] = v`` (``v`` already broadcast to the indexed shape); the
    gradient is PyTorch's: ``g`` with the written positions zeroed for ``a``, and ``g[index]``
    for ``v`` (every write gets its position's gradient, repeated ones included)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, v: Tensor, positions: np.ndarray) -> np.ndarray:
        out = a._data.copy()
        out.reshape(-1)[positions.reshape(-1)] = v._data.reshape(-1)
        ctx.positions = Tensor._make(positions, False, None, 0)
        ctx.kept = np.ones(a.shape, bool)
        ctx.kept.reshape(-1)[positions.reshape(-1)] = False
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        kept = Tensor._make(ctx.kept.astype(g.dtype), False, None, 0)
        return g * kept, g.reshape(-1)[ctx.positions], None


def _positions(fn: str, a: Tensor, index: tuple, v: Tensor) -> tuple[np.ndarray, Tensor]:
    """The flat positions ``a[index]`` reads, and ``v`` broadcast to their shape."""
    try:
        positions = take(np.arange(a._data.size).reshape(a.shape), index)
    except IndexError as e:
        raise IndexError(f"{fn}: {e} (tensor of shape {tuple(a.shape)})") from None
    try:
        v = v.broadcast_to(positions.shape)
    except (ValueError, RuntimeError):
        raise RuntimeError(f"{fn}: shape mismatch: value tensor of shape {tuple(v.shape)} "
                           f"cannot be broadcast to indexing result of shape "
                           f"{positions.shape}") from None
    return np.asarray(positions, np.int64), v


def _index_put(fn: str, a: Tensor, indices: Any, values: Any, accumulate: bool) -> Tensor:
    index, v = _index_args(fn, a, indices, values)
    positions, v = _positions(fn, a, index, v)
    if not accumulate:
        return _IndexPut.apply(a, v, positions)
    at = Tensor._make(positions.reshape(-1), False, None, 0)
    return a.reshape(-1).index_add(0, at, v.reshape(-1)).reshape(a.shape)


def index_put(input: Tensor, indices: Sequence[Tensor], values: Tensor,  # noqa: A002
              accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``input[indices] = values`` (``values`` broadcast), or, with
    ``accumulate``, ``values`` added there (repeated positions add up)."""
    a = require_tensor(input, "index_put", "input")
    return _index_put("index_put", a, indices, values, accumulate)


def index_put_(input: Tensor, indices: Sequence[Tensor], values: Tensor,  # noqa: A002
               accumulate: bool = False) -> Tensor:
    """``index_put`` written into ``input``."""
    a = require_tensor(input, "index_put_", "input")
    _index_args("index_put_", a, indices, values)
    return _inplace(a, "index_put_",
                    lambda t: _index_put("index_put_", t, indices, values, accumulate))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """``input`` with the first elements of ``source`` (in order) written where ``mask``
    (bool, broadcast to ``input``) is True; ``source`` needs at least that many."""
    a = require_tensor(input, "masked_scatter", "input")
    m = require_tensor(mask, "masked_scatter", "mask")
    src = require_tensor(source, "masked_scatter", "source")
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter: only supports boolean masks, but got mask with "
                           f"dtype {m.dtype}")
    if src.dtype != a.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got {a.dtype} and {src.dtype}")
    try:
        shape = np.broadcast_shapes(a.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_scatter: mask of shape {tuple(m.shape)} does not broadcast "
                           f"with input of shape {tuple(a.shape)}") from None
    chosen = np.broadcast_to(m._data, shape)
    k = int(chosen.sum())
    if k > src.numel():
        raise RuntimeError(f"masked_scatter: Number of elements of source < number of ones in "
                           f"mask ({src.numel()} < {k})")
    flat = src.reshape(-1)[:k]
    rest = Tensor._make(np.zeros(int(np.prod(shape)) - k, a.dtype), False, None, 0)
    order = np.argsort(~chosen.reshape(-1), kind="stable")  # the chosen positions first
    spread = cat([flat, rest], 0)[Tensor._make(np.argsort(order), False, None, 0)]
    return where(chosen, spread.reshape(shape), a)


def masked_scatter_(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """``masked_scatter`` written into ``input`` (the mask broadcasts to ``input``)."""
    a = require_tensor(input, "masked_scatter_", "input")
    return _inplace(a, "masked_scatter_", lambda t: masked_scatter(t, mask, source))


TENSOR_METHODS = {"index_put": index_put, "index_put_": index_put_,
                  "masked_scatter": masked_scatter, "masked_scatter_": masked_scatter_}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""
