"""Picking and masking with PyTorch's signatures, each a composite of the reference ops (so
differentiable where PyTorch's are): ``index_select``, ``masked_select``, ``narrow``,
``select``, ``tril``/``triu``; and outside any graph ``nonzero``/``argwhere``, ``unique``
and the ``logical_*`` functions (bool results)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..ops.elementwise import where
from ..ops.manipulation import IndexSelect
from ..ops.shape import _is_int, normalize_dim
from ..tensor import Tensor, as_tensor, require_tensor

__all__ = ["argwhere", "index_select", "logical_and", "logical_not", "logical_or",
           "logical_xor", "masked_select", "narrow", "nonzero", "select", "tril",
           "tril_indices", "triu", "triu_indices", "unique"]


def index_select(input: Tensor, dim: int, index: Any) -> Tensor:  # noqa: A002
    """The slices of ``input`` along ``dim`` at the positions in ``index`` (a 1-D or 0-d
    integer tensor, each in ``[0, size)``; repeats allowed): the gradient adds each slice
    back at its position."""
    input = require_tensor(input, "index_select", "input")
    idx = as_tensor(index)._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"index_select: expected dtype int32 or int64 for index, got "
                           f"{idx.dtype}")
    if idx.ndim > 1:
        raise IndexError(f"index_select: index is supposed to be a vector, got shape "
                         f"{idx.shape}")
    d = normalize_dim(dim, max(input.ndim, 1), "index_select")
    size = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"index_select: index {bad} is out of bounds for dim {dim} of "
                           f"size {size} (input of shape {input.shape})")
    if input.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select: index to a 0-d input can have only 1 value, "
                               f"got {idx.size}")
        return input.reshape(1).index_select(0, idx.reshape(-1)).reshape(())
    return IndexSelect.apply(input, d, idx.reshape(-1).astype(np.int64))


def masked_select(input: Tensor, mask: Any) -> Tensor:  # noqa: A002
    """The values of ``input`` where the bool ``mask`` holds, both broadcast to one shape,
    as a 1-D tensor (row-major order)."""
    input = require_tensor(input, "masked_select", "input")
    m = as_tensor(mask)._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected a bool mask, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(input.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the mask of shape {m.shape} does not broadcast "
                           f"with the input of shape {input.shape}") from None
    return input.expand(*shape)[np.broadcast_to(m, shape)]


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """``length`` slices of ``input`` along ``dim`` from ``start`` (negative: from the end)."""
    input = require_tensor(input, "narrow", "input")
    d = normalize_dim(dim, input.ndim, "narrow")
    size = input.shape[d]
    begin = start + size if start < 0 else start
    if not 0 <= begin <= size or length < 0 or begin + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                         f"{dim} of size {size}")
    return input[(slice(None),) * d + (slice(begin, begin + length),)]


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """The slice of ``input`` at ``index`` along ``dim``, that dim removed."""
    input = require_tensor(input, "select", "input")
    d = normalize_dim(dim, input.ndim, "select")
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select: index {index} out of range for dimension {dim} of size "
                         f"{size}")
    return input[(slice(None),) * d + (index,)]


def _triangle(input: Tensor, diagonal: int, op: str) -> Tensor:
    input = require_tensor(input, op, "input")
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape "
                           f"{input.shape}")
    rows, cols = input.shape[-2:]
    ones = np.ones((rows, cols), dtype=bool)
    keep = np.tril(ones, diagonal) if op == "tril" else np.triu(ones, diagonal)
    return where(keep, input, Tensor(np.zeros((), input.dtype)))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims (on and below ``diagonal``), zeros elsewhere;
    the gradient is the lower triangle of ``g``."""
    return _triangle(input, diagonal, "tril")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims (on and above ``diagonal``), zeros elsewhere."""
    return _triangle(input, diagonal, "triu")


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:  # noqa: A002
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or with ``as_tuple``
    one 1-D tensor per dim (``x[x.nonzero(as_tuple=True)]`` picks them)."""
    data = require_tensor(input, "nonzero", "input")._data
    if as_tuple:
        return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    return Tensor(np.argwhere(data).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """``nonzero(input)``: the (n, ndim) indices of the non-zero elements."""
    return nonzero(input)


def _logical(op: Any, name: str, *tensors: Any) -> Tensor:
    arrays = [as_tensor(t)._data.astype(bool) for t in tensors]
    try:
        return Tensor(op(*arrays))
    except ValueError:
        shapes = " and ".join(str(a.shape) for a in arrays)
        raise RuntimeError(f"{name}: the shapes {shapes} do not broadcast") from None


def logical_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Where both are non-zero (bool, broadcast)."""
    return _logical(np.logical_and, "logical_and", input, other)


def logical_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Where either is non-zero (bool, broadcast)."""
    return _logical(np.logical_or, "logical_or", input, other)


def logical_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Where exactly one is non-zero (bool, broadcast)."""
    return _logical(np.logical_xor, "logical_xor", input, other)


def logical_not(input: Any) -> Tensor:  # noqa: A002
    """Where ``input`` is zero (bool)."""
    return _logical(np.logical_not, "logical_not", input)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of ``input`` (sorted; along ``dim``: the distinct slices), with
    where each element went (``return_inverse``) and how many there were
    (``return_counts``), as ``torch.unique``; outside any graph."""
    data = require_tensor(input, "unique", "input")._data
    axis = None if dim is None else normalize_dim(dim, data.ndim, "unique")
    values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True,
                                        axis=axis)
    out = [Tensor(values)]
    if return_inverse:
        shape = data.shape if axis is None else (data.shape[axis],)
        out.append(Tensor(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(Tensor(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _triangle_indices(row: Any, col: Any, offset: Any, dtype: Any, device: Any,
                      fn: str) -> Tensor:
    """The (2, n) coordinates of a row x col matrix's lower (``np.tril_indices``) or upper
    triangle, row by row, in ``dtype`` (int32 or int64, as PyTorch's)."""
    for name, value in (("row", row), ("col", col), ("offset", offset)):
        if not _is_int(value):
            raise TypeError(f"{fn}: argument '{name}' must be int, not {type(value).__name__}")
    check_device(device, fn)
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu" or dt.itemsize < 4:
        raise NotImplementedError(f"{fn}: not implemented for dtype {dt} (int32 or int64)")
    for name, value in (("row", row), ("col", col)):
        if value < 0:
            raise RuntimeError(f"{fn}: {name} must be non-negative, got {value}")
    pick = np.tril_indices if fn == "tril_indices" else np.triu_indices
    rows, cols = pick(int(row), int(offset), int(col))
    return Tensor(np.stack([rows, cols]).astype(dt).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The coordinates of the lower triangle (on and below the ``offset`` diagonal) of a
    ``row`` x ``col`` matrix as a (2, n) int64 tensor, row by row: ``x[tuple(idx)]`` picks
    the elements ``tril`` keeps."""
    return _triangle_indices(row, col, offset, dtype, device, "tril_indices")


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The coordinates of the upper triangle (on and above the ``offset`` diagonal) of a
    ``row`` x ``col`` matrix as a (2, n) int64 tensor, row by row."""
    return _triangle_indices(row, col, offset, dtype, device, "triu_indices")
