"""Values chosen by their rank: ``median``, ``nanmedian``, ``kthvalue``, ``mode``,
``cummax`` and ``cummin``, as PyTorch's.

Each picks its indices with numpy (a stable sort, NaN counted as the largest value, or a
running comparison) and takes the values with ``gather``, so the gradient goes back to the
chosen elements, as in PyTorch. ``median()`` and ``nanmedian()`` over everything spread
it evenly over the elements equal to the result instead (PyTorch's rule for a reduction
with no index to return). Where equal values tie, ``kthvalue`` and ``median(dim)`` pick
the one a stable sort puts at that rank; PyTorch does not say which it picks, and may pick
another (docs/faq.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..ops.index import Gather
from ..ops.shape import normalize_dim
from ..tensor import MaxResult, Tensor, require_tensor


def _pick(a: Tensor, dim: int, keepdim: bool, op: str,
          choose: Callable[[np.ndarray], np.ndarray]) -> MaxResult:
    """``(values, indices)`` along ``dim``: ``choose`` maps the data, that dim moved last
    and never empty, to one index per row; the values are gathered from ``a``."""
    d = normalize_dim(dim, a.ndim, op)
    if a.ndim and a.shape[d] == 0:
        raise IndexError(f"{op}: Expected reduction dim {d} to have non-zero size.")
    x = np.moveaxis(a._data.reshape(a.shape or (1,)), d, -1)
    idx = np.zeros(x.shape[:-1], np.int64)
    if x.size:
        idx = choose(x.reshape(-1, x.shape[-1])).reshape(x.shape[:-1])
    idx = np.expand_dims(idx, d)
    values = Gather.apply(a, d, idx.reshape(()) if a.ndim == 0 else idx)
    if a.ndim and not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return MaxResult(values, Tensor._make(idx.reshape(values.shape), False, None, 0))


def _ranked(rows: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The index of each row's element at ``rank`` (per row) in stable ascending order."""
    order = np.argsort(rows, axis=-1, kind="stable")  # NaN sorts last
    return np.take_along_axis(order, rank[:, None], axis=-1)[:, 0]


def _first_nan_or(rows: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``idx``, except the first NaN's index in rows that hold one (PyTorch's median and
    kthvalue of a row with NaN)."""
    nan = np.isnan(rows) if rows.dtype.kind in "fc" else np.zeros(rows.shape, bool)
    return np.where(nan.any(-1), nan.argmax(-1), idx)


def kthvalue(input: Tensor, k: int, dim: int = -1,  # noqa: A002  (PyTorch's names)
             keepdim: bool = False) -> MaxResult:
    """The ``k``-th smallest value along ``dim`` (1-based; NaN is the largest) and its index."""
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"kthvalue: argument 'k' must be int, not {type(k).__name__}")
    size = input.shape[normalize_dim(dim, input.ndim, "kthvalue")] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue: selected number k out of range for dimension "
                           f"{dim} (k={k}, size {size}, shape {tuple(input.shape)})")
    return _pick(input, dim, keepdim, "kthvalue",
                 lambda rows: _ranked(rows, np.full(len(rows), k - 1)))


def median(input: Tensor, dim: int | None = None,  # noqa: A002  (PyTorch's names)
           keepdim: bool = False) -> Tensor | MaxResult:
    """The lower median: over everything a 0-d tensor (NaN if any element is NaN), along
    ``dim`` ``(values, indices)`` (a row holding NaN gives its first NaN)."""
    if dim is None:
        return _median_all(input, ignore_nan=False)
    return _pick(input, dim, keepdim, "median", lambda rows: _first_nan_or(
        rows, _ranked(rows, np.full(len(rows), (rows.shape[-1] - 1) // 2))))


def nanmedian(input: Tensor, dim: int | None = None,  # noqa: A002  (PyTorch's names)
              keepdim: bool = False) -> Tensor | MaxResult:
    """``median`` of the elements that are not NaN (NaN where there are none)."""
    if dim is None:
        return _median_all(input, ignore_nan=True)

    def choose(rows: np.ndarray) -> np.ndarray:
        counted = (~np.isnan(rows)).sum(-1) if rows.dtype.kind in "fc" else rows.shape[-1]
        return _ranked(rows, np.maximum(counted - 1, 0) // 2)

    return _pick(input, dim, keepdim, "nanmedian", choose)


def _median_all(a: Tensor, ignore_nan: bool) -> Tensor:
    """The median of all elements; the gradient shared evenly by the elements equal to it
    (by the NaNs where it is NaN), as PyTorch shares it."""
    flat = a.reshape(-1)
    x = flat._data
    nan = np.isnan(x) if x.dtype.kind in "fc" else np.zeros(x.shape, bool)
    kept = int((~nan).sum()) if ignore_nan else x.size
    if kept == 0 or (nan.any() and not ignore_nan):
        if not nan.any():  # empty: NaN, as PyTorch, with no gradient to share
            return flat.sum() * float("nan")
        return flat[Tensor(np.flatnonzero(nan))].mean()  # NaN; the NaNs share the gradient
    value = x[_ranked(x[None], np.array([(kept - 1) // 2]))[0]]
    ties = flat[Tensor(np.flatnonzero(x == value))]
    return ties.amax()  # all equal: the value itself, the gradient shared evenly


def mode(input: Tensor, dim: int = -1,  # noqa: A002  (PyTorch's names)
         keepdim: bool = False) -> MaxResult:
    """The most frequent value along ``dim`` (the smallest of equally frequent ones; each NaN
    counts once) and the index of its last occurrence."""

    def choose(rows: np.ndarray) -> np.ndarray:
        s = np.sort(rows, axis=-1)
        n = s.shape[-1]
        pos = np.broadcast_to(np.arange(n), s.shape)
        starts = np.ones(s.shape, bool)
        starts[:, 1:] = s[:, 1:] != s[:, :-1]  # NaN != NaN: each NaN is its own run
        run_length = pos - np.maximum.accumulate(np.where(starts, pos, 0), axis=-1) + 1
        best = np.take_along_axis(s, run_length.argmax(-1)[:, None], axis=-1)
        found = rows == best
        last = n - 1 - np.flip(found, -1).argmax(-1)
        return np.where(found.any(-1), last, 0)  # a NaN mode (all NaN): index 0, as PyTorch

    return _pick(input, dim, keepdim, "mode", choose)


def _running(input: Tensor, dim: int, op: str, better: Callable) -> MaxResult:
    """cummax/cummin: at each position the best value so far and its index (the later one
    of equals; once a NaN is seen, the latest NaN), as PyTorch's."""
    d = normalize_dim(dim, input.ndim, op)
    if input.ndim and input.shape[d] == 0:
        idx = np.zeros(input.shape, np.int64)
        return MaxResult(input.clone(), Tensor._make(idx, False, None, 0))
    x = np.moveaxis(input._data.reshape(input.shape or (1,)), d, -1)
    n = x.shape[-1]
    pos = np.broadcast_to(np.arange(n), x.shape)
    with np.errstate(invalid="ignore"):
        best = better.accumulate(x, axis=-1)  # NaN propagates
        before = np.concatenate([x[..., :1], best[..., :-1]], axis=-1)
        nan = np.isnan if x.dtype.kind in "fc" else (lambda v: np.zeros(v.shape, bool))
        takes = nan(x) | (~nan(before) & (better(x, before) == x))  # x >= before (max)
    idx = np.maximum.accumulate(np.where(takes, pos, 0), axis=-1)
    idx = np.moveaxis(idx, -1, d).reshape(input.shape)
    return MaxResult(Gather.apply(input, d, idx), Tensor._make(idx, False, None, 0))


def cummax(input: Tensor, dim: int) -> MaxResult:  # noqa: A002  (PyTorch's name)
    """The running maximum along ``dim`` and where it was reached."""
    return _running(input, dim, "cummax", np.maximum)


def cummin(input: Tensor, dim: int) -> MaxResult:  # noqa: A002  (PyTorch's name)
    """The running minimum along ``dim`` and where it was reached."""
    return _running(input, dim, "cummin", np.minimum)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")
_ROUNDING = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}  # half to even


def _quantile_q(q: Any, a: Tensor, fn: str) -> tuple[np.ndarray, bool]:
    """``q`` as a 1-D array in ``a``'s dtype, and whether it was a scalar (0-d); checked."""
    if isinstance(q, Tensor):
        if q.dtype != a.dtype:
            raise RuntimeError(f"{fn}: q tensor must be same dtype as the input tensor, got "
                               f"{q.dtype} and {a.dtype}")
        if q.ndim > 1:
            raise RuntimeError(f"{fn}: q must be a scalar or 1D tensor, got shape "
                               f"{tuple(q.shape)}")
        values, scalar = q._data, q.ndim == 0
    elif isinstance(q, (int, float, np.integer, np.floating)) and not isinstance(q, bool):
        values, scalar = np.asarray(q, a.dtype), True
    else:
        raise TypeError(f"{fn}: argument 'q' must be float or Tensor, not {type(q).__name__}")
    bad = values[~((values >= 0) & (values <= 1))]
    if bad.size:
        raise RuntimeError(f"{fn}: q values must be in the range [0, 1] but got {bad.flat[0]}")
    return values.reshape(-1), scalar


def _check_quantile(a: Any, interpolation: Any, fn: str) -> Tensor:
    a = require_tensor(a, fn, "input")
    if a.dtype.kind != "f" or a.dtype == np.float16:
        raise RuntimeError(f"{fn}: input tensor must be either float or double dtype, got "
                           f"{a.dtype}")
    if a.numel() == 0:
        raise RuntimeError(f"{fn}: input tensor must be non-empty, got shape {tuple(a.shape)}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{fn}: interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    return a


def _quantile_ranks(rows: np.ndarray, q: np.ndarray, ignore_nan: bool,
                    interpolation: str) -> np.ndarray:
    """For sorted ``rows`` (r, n), the rank of each quantile (r, len(q)), rounded as
    ``interpolation`` says: PyTorch's arithmetic, in the input's dtype (a row with NaN, or
    with none but NaN under ``ignore_nan``, gets the rank of a NaN)."""
    nan = np.isnan(rows)
    if ignore_nan:
        ranks = q * ((~nan).sum(-1, keepdims=True).astype(rows.dtype) - 1)
        ranks = np.where(ranks < 0, 0, ranks)
    else:
        last = rows.shape[-1] - 1
        ranks = np.where(nan.any(-1, keepdims=True), last, q * rows.dtype.type(last))
    ranks = ranks.astype(rows.dtype)
    return _ROUNDING[interpolation](ranks) if interpolation in _ROUNDING else ranks


def _quantile(input: Any, q: Any, dim: int | None, keepdim: bool, interpolation: str,
              fn: str) -> Tensor:
    """Quantile and nanquantile: sort (values gathered, so the gradient reaches them), pick
    the ranks below and above, and ``lerp`` between them as PyTorch does."""
    a = _check_quantile(input, interpolation, fn)
    qs, scalar = _quantile_q(q, a, fn)
    if dim is None:
        x, d = a.reshape(-1), 0
    else:
        d = normalize_dim(dim, a.ndim, fn)
        x = a.reshape(1) if a.ndim == 0 else a
    moved = x.movedim(d, -1)
    ordered = moved.sort(-1).values
    ranks = _quantile_ranks(ordered._data.reshape(-1, ordered.shape[-1]), qs,
                            fn == "nanquantile", interpolation).reshape(
        *ordered.shape[:-1], qs.size)
    out = _interpolate(ordered, ranks, interpolation).movedim(-1, 0)  # (len(q), *reduced)
    if keepdim:
        kept = (1,) * a.ndim if dim is None else a.shape[:d] + (1,) + a.shape[d + 1:]
        out = out.reshape((qs.size,) + (kept if a.ndim else ()))
    return out.reshape(out.shape[1:]) if scalar else out


def _interpolate(ordered: Tensor, ranks: np.ndarray, interpolation: str) -> Tensor:
    """The values of the sorted rows at ``ranks``: gathered at the rank below, and for
    ``'linear'`` and ``'midpoint'`` lerped towards the rank above with PyTorch's kernel
    (from the nearer end, so weights 0 and 1 give the ends exactly)."""
    last = ordered.ndim - 1
    below = ranks.astype(np.int64)
    lo = Gather.apply(ordered, last, below)
    if interpolation in _ROUNDING:
        return lo
    hi = Gather.apply(ordered, last, np.ceil(ranks).astype(np.int64))
    w = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
    weight = Tensor(w.astype(ranks.dtype))
    return where(w < 0.5, lo + weight * (hi - lo), hi - (hi - lo) * (1 - weight))


def quantile(input: Tensor, q: float | Tensor, dim: int | None = None,  # noqa: A002
             keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles (a number, or a 1-D tensor of them, each in [0, 1]) of
    ``input`` along ``dim`` (None: all elements), between the two nearest ranks by
    ``interpolation``: ``'linear'``, ``'lower'``, ``'higher'``, ``'midpoint'`` or
    ``'nearest'``. A tensor ``q`` puts its dim first in the result. NaN anywhere in a row
    makes its quantiles NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, "quantile")


def nanquantile(input: Tensor, q: float | Tensor, dim: int | None = None,  # noqa: A002
                keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """``quantile`` of the elements that are not NaN (NaN where a row has none)."""
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile")
