"""Summaries of a tensor's values, as PyTorch's: ``aminmax`` (both extremes at once),
``msort`` (sorted columns), ``unique_consecutive`` (runs of equal values) and
``histogram`` (counts or weights in bins, with the bin edges).

``aminmax`` and ``msort`` are ``amin``/``amax`` and ``sort`` (so differentiable as those);
the run-finding and counting ones work on numpy arrays, outside any graph.

    >>> import minigrad as mg
    >>> mg.unique_consecutive(mg.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..ops.shape import normalize_dim
from ..tensor import Tensor, require_tensor


class AminmaxResult(NamedTuple):
    """``(min, max)``, as ``torch.aminmax`` returns (``torch.return_types.aminmax``)."""

    min: Tensor
    max: Tensor


def aminmax(input: Tensor, *, dim: int | None = None,  # noqa: A002
            keepdim: bool = False) -> AminmaxResult:
    """The smallest and the largest element (over everything, or along one ``dim``); tied
    extremes share the gradient evenly, as ``amin``/``amax``."""
    a = require_tensor(input, "aminmax", "input")
    if dim is not None:
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"aminmax: argument 'dim' must be int, not {type(dim).__name__}")
        d = normalize_dim(dim, a.ndim, "aminmax")
        if a.ndim and a.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size "
                             f"(input of shape {tuple(a.shape)})")
    elif a.numel() == 0:
        raise RuntimeError("aminmax: cannot compute aminmax over an empty dimension as the "
                           "operation has no identity")
    dims = dim if dim is not None else tuple(range(a.ndim))
    return AminmaxResult(a.amin(dims, keepdim), a.amax(dims, keepdim))


def msort(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` sorted along its first dim (``sort(input, 0).values``)."""
    a = require_tensor(input, "msort", "input")
    return a.clone() if a.ndim == 0 else a.sort(0).values


def _runs(rows: np.ndarray) -> np.ndarray:
    """Where each run of equal rows starts (bool per row; NaN never equals NaN)."""
    starts = np.ones(rows.shape[0], bool)
    if rows.shape[0] > 1:
        starts[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    return starts


def unique_consecutive(input: Tensor, return_inverse: bool = False,  # noqa: A002
                       return_counts: bool = False, dim: int | None = None) -> Any:
    """The first of each run of equal consecutive values (along ``dim``: of equal slices),
    with, as asked, the run of each element (``return_inverse``) and the run lengths
    (``return_counts``), as ``torch.unique_consecutive``; outside any graph."""
    data = require_tensor(input, "unique_consecutive", "input")._data
    if dim is None:
        rows, shape = data.reshape(-1, 1), data.shape
    else:
        axis = normalize_dim(dim, data.ndim, "unique_consecutive")
        if any(n == 0 for k, n in enumerate(data.shape) if k != axis):
            raise RuntimeError(f"unique_consecutive: There are 0 sized dimensions, and they "
                               f"aren't selected (shape {data.shape}, dim {dim}), so unique "
                               f"cannot be applied")
        moved = np.moveaxis(data, axis, 0)
        rows = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
        shape = (moved.shape[0],)
    starts = _runs(rows)
    first = np.flatnonzero(starts)
    if dim is None:
        values = data.reshape(-1)[first]
    else:
        values = np.take(data, first, axis=axis)
    out = [Tensor._make(np.ascontiguousarray(values), False, None, 0)]
    if return_inverse:
        inverse = (np.cumsum(starts) - 1).astype(np.int64).reshape(shape)
        out.append(Tensor._make(inverse, False, None, 0))
    if return_counts:
        counts = np.diff(np.append(first, rows.shape[0])).astype(np.int64)
        out.append(Tensor._make(counts, False, None, 0))
    return out[0] if len(out) == 1 else tuple(out)


class HistogramResult(NamedTuple):
    """``(hist, bin_edges)``, as ``torch.histogram`` returns."""

    hist: Tensor
    bin_edges: Tensor


def _linspace(lo: Any, hi: Any, steps: int, dtype: np.dtype) -> np.ndarray:
    """PyTorch's linspace in ``dtype``: from the start for the first half, from the end for
    the second (so both ends are exact)."""
    lo, hi = dtype.type(lo), dtype.type(hi)
    step = (hi - lo) / dtype.type(max(steps - 1, 1))
    i = np.arange(steps)
    half = steps // 2
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(i < half, lo + step * i.astype(dtype),
                        hi - step * (steps - i - 1).astype(dtype)).astype(dtype)


def _edges(x: np.ndarray, bins: Any, range: Any) -> np.ndarray:  # noqa: A002
    """The bin edges: a Tensor's values, or ``bins + 1`` even edges over ``range`` (default:
    the data's extent; one empty or equal-valued gets PyTorch's widening)."""
    if isinstance(bins, Tensor):
        if bins.dtype != x.dtype:
            raise RuntimeError(f"histogram: input tensor and bins tensors should have the same "
                               f"dtype, but got input with dtype {x.dtype} and bins with "
                               f"dtype {bins.dtype}")
        if bins.ndim != 1 or bins.shape[0] < 1:
            raise RuntimeError(f"histogram: bins tensor should have one dimension and at least "
                               f"1 element, got shape {tuple(bins.shape)}")
        return bins._data
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer)):
        raise TypeError(f"histogram: argument 'bins' must be int or Tensor, not "
                        f"{type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"histogram: bins must be > 0, but got {bins}")
    lo, hi = _extent(x, range)
    return _linspace(lo, hi, int(bins) + 1, x.dtype)


def _extent(x: np.ndarray, range: Any) -> tuple[float, float]:  # noqa: A002
    """The range the even bins cover, checked as PyTorch checks it."""
    if range is not None:
        lo, hi = (float(v) for v in range)
    elif x.size:
        lo, hi = float(np.min(x)), float(np.max(x))
    else:
        lo, hi = 0.0, 1.0
    if lo > hi:
        raise RuntimeError(f"histogram: min should not exceed max, but got min {lo} max {hi}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histogram: range [{lo}, {hi}] is not finite")
    return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)


def histogram(input: Tensor, bins: int | Tensor = 100, *,  # noqa: A002
              range: tuple[float, float] | None = None,  # noqa: A002
              weight: Tensor | None = None, density: bool = False) -> HistogramResult:
    """How many elements (or how much ``weight``) fall in each bin: ``bins`` even bins over
    ``range`` (default: the data's extent) or the edges in a 1-D Tensor; each bin holds its
    left edge, the last also its right one; values outside are left out. ``density``
    divides by the total and the bin widths. Floating dtypes only; outside any graph."""
    a = require_tensor(input, "histogram", "input")
    if a.dtype.kind != "f":
        raise NotImplementedError(f"histogram: not implemented for dtype {a.dtype}")
    x = a._data.reshape(-1)
    edges = _edges(x, bins, range)
    w = None
    if weight is not None:
        w = require_tensor(weight, "histogram", "weight")
        if w.shape != a.shape:
            raise RuntimeError(f"histogram: if weight tensor is provided it should have the "
                               f"same shape as the input tensor excluding its innermost "
                               f"dimension, got weight {tuple(w.shape)} for input "
                               f"{tuple(a.shape)}")
        w = w._data.reshape(-1)
    n = max(edges.shape[0] - 1, 0)
    with np.errstate(invalid="ignore"):
        inside = (x >= edges[0]) & (x <= edges[-1])
    pos = np.minimum(np.searchsorted(edges, x[inside], side="right") - 1, n - 1)
    hist = np.bincount(pos, None if w is None else w[inside], minlength=n)[:n].astype(x.dtype)
    if density:
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = (hist / (hist.sum() * np.diff(edges))).astype(x.dtype)
    return HistogramResult(Tensor._make(hist, False, None, 0),
                           Tensor._make(np.array(edges, x.dtype), False, None, 0))


TENSOR_METHODS = {
    "aminmax": aminmax, "msort": msort, "unique_consecutive": unique_consecutive,
    "histogram": histogram,
}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""
