"""Index-driven functions: gather, masked_fill, cumsum, and sort/topk/argsort (which pick
their indices without a gradient, then gather the values with one). They check arguments
and call the Functions in ``minigrad.ops.index``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..ops.index import Cumsum, Gather, MaskedFill, _along
from ..ops.shape import normalize_dim
from ..tensor import MaxResult, Tensor


def _index_array(index: Any, op: str) -> np.ndarray:
    data = index._data if isinstance(index, Tensor) else index
    if not isinstance(data, np.ndarray) or data.dtype != np.int64:
        got = data.dtype if isinstance(data, np.ndarray) else type(index).__name__
        raise RuntimeError(f"{op}: expected dtype int64 for index, got {got}")
    return data


def _check_gather(a_shape: tuple, dim: int, idx: np.ndarray, op: str) -> None:
    if idx.ndim != len(a_shape) and not (idx.ndim <= 1 and len(a_shape) <= 1):
        raise RuntimeError(
            f"{op}: index tensor must have the same number of dimensions as input tensor, "
            f"got index of shape {idx.shape} and input of shape {a_shape}"
        )
    for d, (si, sa) in enumerate(zip(idx.shape, a_shape)):
        if d != dim and si > sa:
            raise RuntimeError(
                f"{op}: size of index {idx.shape} exceeds the input {a_shape} at dimension "
                f"{d} (only dimension {dim} may be larger)"
            )
    _check_in_bounds(idx, a_shape[dim] if a_shape else 1, dim, op)


def _check_in_bounds(idx: np.ndarray, size: int, dim: int, op: str) -> None:
    """Every index in ``[0, size)``; the message names the first bad one it finds."""
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"{op}: index {bad} is out of bounds for dimension {dim} "
                           f"with size {size}")


def gather(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """Pick ``a``'s values along ``dim`` at ``index`` (int64, same number of dims as ``a``)."""
    idx = _index_array(index, "gather")
    d = normalize_dim(dim, a.ndim, "gather")
    _check_gather(a.shape, d, idx, "gather")
    return Gather.apply(a, d, idx)


def masked_fill(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``a`` with ``value`` written where the bool ``mask`` (broadcast to ``a``) is True."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: only supports boolean masks, but got mask with "
                           f"dtype {m.dtype}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, "
                               f"but got one with {value.ndim} dimension(s)")
        if value.requires_grad:  # the filled value is differentiable too
            return where(np.broadcast_to(m, a.shape), value.to(a.dtype), a)
        value = value.item()
    try:
        fits = np.broadcast_shapes(m.shape, a.shape) == a.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"masked_fill: the mask of shape {m.shape} must be broadcastable "
                           f"to the input's shape {a.shape}")
    return MaskedFill.apply(a, m, value)


def cumsum(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``; integer and bool inputs sum in int64, as in PyTorch."""
    d = normalize_dim(dim, a.ndim, "cumsum")
    if dtype is not None:
        out_dtype = np.dtype(dtype)
    else:
        out_dtype = np.dtype(np.int64) if a.dtype.kind in "biu" else a.dtype
    if out_dtype != a.dtype:
        a = a.to(out_dtype)
    return Cumsum.apply(a, d, out_dtype)


def _sort_indices(x: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Stable order along ``dim``; NaN counts as the largest value, as in PyTorch."""
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")
    # sort the reversed array and flip back: descending order, equal values keep theirs
    n = x.shape[dim]
    rev = np.argsort(np.flip(x, dim), axis=dim, kind="stable")
    return np.flip(n - 1 - rev, dim)


def argsort(a: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """Indices that sort ``a`` along ``dim`` (always stable here), as int64."""
    d = normalize_dim(dim, a.ndim, "argsort")
    idx = _along(a._data, d, lambda x, dd: _sort_indices(x, dd, descending))
    return Tensor._make(idx.astype(np.int64, copy=False), False, None, 0)


def sort(a: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool = False) -> MaxResult:
    """``(values, indices)`` sorted along ``dim``; the gradient goes back to each value's place."""
    d = normalize_dim(dim, a.ndim, "sort")
    idx = argsort(a, d, descending)._data
    return MaxResult(Gather.apply(a, d, idx), Tensor._make(idx, False, None, 0))


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> MaxResult:  # noqa: A002  (PyTorch's name)
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, in order."""
    d = normalize_dim(dim, a.ndim, "topk")
    size = a.shape[d] if a.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"topk: argument 'k' must be int, not {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: selected index k={k} out of range for dimension {d} "
                           f"of size {size} (shape {a.shape})")
    if a.ndim == 0:
        idx = np.zeros(() if k else (0,), np.int64)
    else:
        idx = np.take(argsort(a, d, descending=largest)._data, np.arange(k), axis=d)
    return MaxResult(Gather.apply(a, d, idx), Tensor._make(idx, False, None, 0))


def _long_index(index: Any, op: str) -> np.ndarray:
    """``index``'s int64 array, or PyTorch's RuntimeError for another dtype."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype != np.int64:
        raise RuntimeError(f"{op}: expected a long tensor for index, but got {index.dtype}")
    return index._data


def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002  (PyTorch's names)
    """The elements of ``input``, taken as 1-D, at the int64 positions in ``index``
    (negative ones count from the end), in ``index``'s shape; repeats add up in the
    gradient."""
    if not isinstance(input, Tensor):
        raise TypeError(f"take: argument 'input' must be Tensor, not {type(input).__name__}")
    idx = _long_index(index, "take")
    n = input.numel()
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"take: out of range: tried to access index {bad.flat[0]} on a "
                         f"tensor of {n} elements")
    return input.reshape(-1)[np.where(idx < 0, idx + n, idx)]


def take_along_dim(input: Tensor, indices: Tensor,  # noqa: A002  (PyTorch's names)
                   dim: int | None = None) -> Tensor:
    """``gather`` after broadcasting ``input`` and ``indices`` against each other in every
    dim but ``dim`` (negative indices count from the end); without ``dim`` both are
    flattened first, as numpy's ``take_along_axis``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"take_along_dim: argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(indices, Tensor) or indices.dtype != np.int64:
        got = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise RuntimeError(f"take_along_dim: dtype of indices should be int64 but got {got}")
    if dim is None:
        return take_along_dim(input.reshape(-1), indices.reshape(-1), 0)
    if input.ndim == 0:
        raise IndexError(f"take_along_dim: Dimension specified as {dim} but tensor has no "
                         f"dimensions")
    if input.ndim != indices.ndim:
        raise RuntimeError(f"take_along_dim: input and indices should have the same number "
                           f"of dimensions, but got {input.ndim} dimensions for input, and "
                           f"{indices.ndim} dimensions for indices")
    d = normalize_dim(dim, input.ndim, "take_along_dim")
    size = input.shape[d]
    try:
        a_shape = np.broadcast_shapes(input.shape[:d] + (1,) + input.shape[d + 1:],
                                      indices.shape[:d] + (1,) + indices.shape[d + 1:])
    except ValueError:
        raise RuntimeError(f"take_along_dim: the shapes of input {tuple(input.shape)} and "
                           f"indices {tuple(indices.shape)} do not broadcast outside dim "
                           f"{d}") from None
    idx = np.broadcast_to(indices._data, a_shape[:d] + (indices.shape[d],) + a_shape[d + 1:])
    idx = np.where(idx < 0, idx + size, idx)
    _check_in_bounds(idx, size, d, "take_along_dim")
    a = input.expand(*(a_shape[:d] + (size,) + a_shape[d + 1:]))
    return Gather.apply(a, d, idx)
