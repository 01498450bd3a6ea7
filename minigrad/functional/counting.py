"""Searching and counting with PyTorch's signatures: ``searchsorted``, ``bucketize``,
``histc``, ``bincount`` and ``isin``.

Their results are positions and counts, not functions of the input one could differentiate,
so they are computed on numpy outside any graph (as PyTorch's: no ``grad_fn``), with
PyTorch's result dtypes (int64 positions and counts, float histograms) and its argument
checks. The search is one binary search of all values at once, with PyTorch's comparisons,
so a NaN in a sequence sends a value where PyTorch sends it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..creation import _check_fits
from ..dtypes import result_type
from ..ops.shape import _is_int
from ..tensor import Tensor, require_tensor

__all__ = ["bincount", "bucketize", "histc", "isin", "searchsorted"]


def search_rows(seq: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """For each row of ``values`` (rows, m), the insertion points into that row of ``seq``
    (rows, n), as int64: the first position whose element is ``> value`` (``right``) or
    ``>= value``. A comparison that fails (NaN) moves right, as in PyTorch, so the answer is
    the same as PyTorch's for sequences holding NaN too."""
    rows, n = seq.shape
    lo = np.zeros(values.shape, dtype=np.int64)
    hi = np.full(values.shape, n, dtype=np.int64)
    if n == 0 or values.size == 0:
        return lo
    row = np.arange(rows)[:, None]
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = lo + (hi - lo) // 2
        bound = seq[row, np.minimum(mid, n - 1)]
        go_right = ~(values < bound) if right else ~(values <= bound)
        lo = np.where(active & go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)


def _check_flag(value: Any, fn: str, arg: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}: argument '{arg}' must be bool, not {type(value).__name__}")
    return bool(value)


def _values(values: Any, fn: str, arg: str) -> Tensor | bool | int | float:
    """A Tensor or a plain number (PyTorch's two overloads), else PyTorch's TypeError."""
    if isinstance(values, Tensor) or isinstance(values, (bool, int, float, np.bool_,
                                                          np.integer, np.floating)):
        return values
    raise TypeError(f"{fn}: argument '{arg}' must be Tensor or a number, not "
                    f"{type(values).__name__}")


def _search(fn: str, seq: Tensor, values: Any, out_int32: bool, right: bool,
            sorter: Tensor | None = None) -> Tensor:
    """``searchsorted``'s work once its arguments are checked (``bucketize`` shares it)."""
    scalar = not isinstance(values, Tensor)
    shape = () if scalar else values.shape
    _check_search_shapes(fn, seq, shape, out_int32)
    common = result_type(seq, values)  # PyTorch compares in the promoted dtype
    if common.kind == "b":
        raise NotImplementedError(f"{fn}: not implemented for bool sorted_sequence and "
                                  "values (compare them as integers: .long())")
    n = seq.shape[-1]
    s = seq._data.astype(common, copy=False)
    if sorter is not None:
        s = np.take_along_axis(s, sorter._data, axis=-1)
    v = np.asarray(values._data if not scalar else values).astype(common, copy=False)
    rows = math.prod(seq.shape[:-1])
    out = search_rows(s.reshape(rows, n), v.reshape(rows, -1) if rows else v.reshape(0, 0),
                      right).reshape(shape)
    return Tensor(out.astype(np.int32 if out_int32 else np.int64))


def _check_search_shapes(fn: str, seq: Tensor, shape: tuple[int, ...],
                         out_int32: bool) -> None:
    """The sequence's and the values' shapes ``searchsorted`` can pair, PyTorch's errors."""
    if seq.ndim == 0:
        raise RuntimeError(f"{fn}: boundaries tensor should have positive dimension, but "
                           "got 0 dimension")
    if len(shape) == 0 and seq.ndim != 1:
        raise RuntimeError(f"{fn}: input value can be a scalar only when boundaries tensor "
                           f"dimension is 1, but we got boundaries tensor dim({seq.ndim}) "
                           f"and input value's dim(0) numel(1)")
    if seq.ndim > 1 and (len(shape) != seq.ndim or shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(f"{fn}: boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {list(seq.shape)} and "
                           f"input value tensor {list(shape)}")
    if out_int32 and seq.shape[-1] >= 2**31 - 1:
        raise RuntimeError(f"{fn}: the size of boundaries' last dimension should be less "
                           f"than 2147483647, but we got {seq.shape[-1]}")


def searchsorted(sorted_sequence: Tensor, values: Tensor | float, *,
                 out_int32: bool = False, right: bool = False, side: str | None = None,
                 sorter: Tensor | None = None) -> Tensor:
    """Where each of ``values`` would go in ``sorted_sequence``'s last dim to keep it sorted:
    the first position whose element is ``>= value`` (``right=True`` or ``side="right"``:
    ``> value``). Used to bin data and to invert cumulative sums (sampling).

    ``sorted_sequence`` is 1-D, or N-D with one sorted row per leading index (``values`` then
    has the same leading dims); ``values`` may be a number (0-d result). ``sorter`` sorts an
    unsorted sequence (indices, as ``argsort`` gives them). Returns int64 (int32 with
    ``out_int32``) of ``values``' shape; outside any graph.

        >>> import minigrad as mg
        >>> mg.searchsorted(mg.tensor([1.0, 3.0, 3.0, 5.0]), mg.tensor([3.0, 4.0]))
        tensor([1, 3])
    """
    seq = require_tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    values = _values(values, "searchsorted", "values")
    out_int32 = _check_flag(out_int32, "searchsorted", "out_int32")
    right = _check_flag(right, "searchsorted", "right")
    if side is not None:
        right = _right_of(side, right)
    if sorter is not None:
        _check_sorter(sorter, seq)
    return _search("searchsorted", seq, values, out_int32, right, sorter)


def _right_of(side: Any, right: bool) -> bool:
    """``side`` ("left" or "right") as searchsorted's ``right``, checked against it."""
    if not isinstance(side, str):
        raise TypeError(f"searchsorted: argument 'side' must be str, not {type(side).__name__}")
    if side not in ("left", "right"):
        raise RuntimeError(f"searchsorted: side can only be 'left' or 'right' but got {side}")
    if side == "left" and right:
        raise RuntimeError("searchsorted: side and right can't be set to opposites, got "
                           "side of left while right was True")
    return side == "right"


def _check_sorter(sorter: Any, seq: Tensor) -> None:
    """``sorter``: int64 indices of ``seq``'s shape, each within its last dim."""
    sorter = require_tensor(sorter, "searchsorted", "sorter")
    if sorter.dtype != np.int64:
        raise RuntimeError(f"searchsorted: sorter must be a tensor of long dtype but got "
                           f"dtype {sorter.dtype}")
    if sorter.shape != seq.shape:
        raise RuntimeError(f"searchsorted: boundary and sorter must have the same size, "
                           f"but got boundary tensor {list(seq.shape)} and got sorter "
                           f"tensor {list(sorter.shape)}")
    if sorter.numel() and (sorter._data.min() < 0 or sorter._data.max() >= seq.shape[-1]):
        raise RuntimeError("searchsorted: sorter index out of range")


def bucketize(input: Tensor | float, boundaries: Tensor, *,  # noqa: A002
              out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each element of ``input`` between the 1-D sorted ``boundaries``:
    ``searchsorted(boundaries, input, right=right)``. With ``right=False`` the bucket ``i``
    holds ``boundaries[i-1] < x <= boundaries[i]``; with ``right=True``
    ``boundaries[i-1] <= x < boundaries[i]`` (the reverse of ``numpy.digitize``'s flag).

        >>> import minigrad as mg
        >>> mg.bucketize(mg.tensor([0.5, 1.0, 2.5]), mg.tensor([1.0, 2.0]))
        tensor([0, 0, 2])
    """
    values = _values(input, "bucketize", "input")
    bounds = require_tensor(boundaries, "bucketize", "boundaries")
    out_int32 = _check_flag(out_int32, "bucketize", "out_int32")
    right = _check_flag(right, "bucketize", "right")
    if bounds.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got "
                           f"dim({bounds.ndim})")
    return _search("bucketize", bounds, values, out_int32, right)


def _number(value: Any, fn: str, arg: str) -> float:
    if isinstance(value, Tensor) and value.numel() == 1:
        return float(value.item())
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise TypeError(f"{fn}: argument '{arg}' must be Number, not {type(value).__name__}")


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0  # noqa: A002
          ) -> Tensor:
    """A histogram of ``input``'s elements in ``bins`` equal bins from ``min`` to ``max``
    (both included): a 1-D tensor of counts in ``input``'s float dtype.

    When ``min == max`` the data's own smallest and largest values are the range (and if
    those are equal too, the range is widened by 1 each side). Elements outside the range
    and NaNs are not counted; a range that is not finite (NaN or inf among the data when
    the range comes from them) is refused, as in PyTorch.

        >>> import minigrad as mg
        >>> mg.histc(mg.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=4)
        tensor([0., 2., 1., 1.])
    """
    x = require_tensor(input, "histc", "input")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histc: not implemented for {x.dtype} input (histc "
                                  "counts floating point data; convert with .float())")
    if not _is_int(bins):
        raise TypeError(f"histc: argument 'bins' must be int, not {type(bins).__name__}")
    lo, hi = _number(min, "histc", "min"), _number(max, "histc", "max")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, but got {bins}")
    data = x._data.reshape(-1)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"histc: range of [{lo:g}, {hi:g}] is not finite")
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min (got min={lo:g}, "
                           f"max={hi:g})")
    dt = x.dtype.type
    left, rightmost = dt(lo), dt(hi)
    inside = data[(data >= left) & (data <= rightmost)]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # PyTorch's arithmetic, in the input's dtype, so edge values land in its bins
        pos = (inside - left) * dt(bins) / (rightmost - left)
    pos = np.clip(np.nan_to_num(pos, nan=0.0), 0, bins - 1).astype(np.int64)
    pos[inside == rightmost] = bins - 1
    return Tensor(np.bincount(pos, minlength=bins).astype(x.dtype))


def _check_bincount(x: Tensor, minlength: Any) -> None:
    """What bincount counts: 1-D non-negative integers, ``minlength`` an int >= 0;
    PyTorch's errors."""
    if not _is_int(minlength):
        raise TypeError(f"bincount: argument 'minlength' must be int, not "
                        f"{type(minlength).__name__}")
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount: not implemented for {x.dtype} input (it counts "
                                  "non-negative integers; convert with .long())")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    data = x._data
    if data.ndim != 1 or (data.size and data.min() < 0):
        raise RuntimeError(f"bincount: only supports 1-d non-negative integral inputs, got "
                           f"shape {tuple(x.shape)}"
                           + (f" with minimum {data.min()}" if data.size else ""))


def bincount(input: Tensor, weights: Tensor | None = None,  # noqa: A002
             minlength: int = 0) -> Tensor:
    """How often each value ``0 .. max(input)`` occurs in the 1-D non-negative integer
    ``input`` (at least ``minlength`` bins): int64 counts, or with ``weights`` (one per
    element) the sum of the weights in each bin, float32 for float32 weights and float64
    for any other dtype, as in PyTorch. An empty ``input`` gives ``minlength`` int64 zeros.

        >>> import minigrad as mg
        >>> mg.bincount(mg.tensor([0, 1, 1, 3]))
        tensor([1, 2, 0, 1])
    """
    x = require_tensor(input, "bincount", "input")
    if weights is not None:
        weights = require_tensor(weights, "bincount", "weights")
    _check_bincount(x, minlength)
    data = x._data
    if data.size == 0:
        return Tensor(np.zeros(minlength, dtype=np.int64))
    if weights is not None and weights.shape != data.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as "
                           f"input, got shapes {tuple(weights.shape)} and {tuple(x.shape)}")
    size = max(int(data.max()) + 1, int(minlength))
    if weights is None:
        _check_fits((size,), np.dtype(np.int64), "bincount")
        return Tensor(np.bincount(data, minlength=size).astype(np.int64))
    if weights.dtype == np.float32:  # added in float32 one by one, in order, as PyTorch
        _check_fits((size,), weights.dtype, "bincount")
        out = np.zeros(size, dtype=np.float32)
        np.add.at(out, data, weights._data)
        return Tensor(out)
    _check_fits((size,), np.dtype(np.float64), "bincount")
    return Tensor(np.bincount(data, weights=weights._data.astype(np.float64), minlength=size))


def isin(elements: Tensor | float, test_elements: Tensor | float, *,
         assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Where each of ``elements`` equals one of ``test_elements`` (either may be a number;
    compared in their promoted dtype, NaN never equal), as a bool tensor of ``elements``'
    shape; with ``invert``, where it does not."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin: argument 'elements' must be Tensor, not "
                        f"{type(elements).__name__}")
    arrays = []
    for name, v in (("elements", elements), ("test_elements", test_elements)):
        arr = _values(v, "isin", name)
        arr = arr._data if isinstance(arr, Tensor) else np.asarray(arr)
        if arr.dtype == np.bool_:
            raise RuntimeError("isin: unsupported input type encountered for isin(): bool")
        arrays.append(arr)
    dtype = result_type(elements, test_elements)
    e, t = (a.astype(dtype, copy=False) for a in arrays)
    found = np.isin(e, t, assume_unique=bool(assume_unique), invert=_check_flag(
        invert, "isin", "invert"))
    return Tensor._make(np.asarray(found), False, None, 0)
