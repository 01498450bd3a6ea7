"""Class indices in, vectors out: ``one_hot``, ``embedding`` (a row lookup whose backward,
from indexing, adds each output's gradient into the row it read) and ``embedding_bag``
(the rows of each bag of indices summed, averaged or maxed: a scatter-add or a gather)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..ops.index import ScatterAdd
from ..tensor import Tensor, require_tensor


def _indices(x: Any, op: str) -> np.ndarray:
    arr = x._data if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected integer class indices (int64), got dtype "
                           f"{arr.dtype}")
    return arr.astype(np.int64, copy=False)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``(*)`` int64 indices -> ``(*, num_classes)`` int64 rows of zeros with a single 1
    (``num_classes=-1``: one more than the largest index)."""
    idx = _indices(tensor, "one_hot")
    if idx.size and idx.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {idx.min()}")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("one_hot: can not infer total number of classes from an empty "
                               "tensor")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError(f"one_hot: class values must be smaller than num_classes "
                           f"({num_classes}), got {idx.max()}")
    return Tensor((idx[..., None] == np.arange(num_classes)).astype(np.int64))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` ``(num_embeddings, dim)`` picked by int indices: ``(*)`` ->
    ``(*, dim)``. The row at ``padding_idx`` receives no gradient, as in PyTorch."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are "
                                  "not supported (see docs/porting.md)")
    idx = _indices(input, "embedding")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"embedding: index out of range in self: indices must be in [0, "
                         f"{n - 1}] for a weight of {n} rows, got {idx.min()}..{idx.max()}")
    out = weight[idx]
    if padding_idx is not None:
        pad = padding_idx + n if padding_idx < 0 else padding_idx
        frozen = (idx == pad)[..., None]
        out = where(frozen, weight.detach()[idx], out)
    return out


_BAG_MODES = ("sum", "mean", "max")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of each bag of rows of ``weight`` (num_embeddings, dim), without
    the ``(bags, length, dim)`` tensor ``embedding`` would make. A 2-D ``input`` (B, L) is
    B bags of L indices; a 1-D one is cut into bags where ``offsets`` (1-D, starting at 0)
    say, the last bag running to the end (or, with ``include_last_offset``, ``offsets[-1]``
    its end). ``per_sample_weights`` (``input``'s shape, mode 'sum' only, as in PyTorch)
    scales each row; indices equal to ``padding_idx`` are left out of the bags (and of the
    mean's count); an empty bag gives zeros. Output ``(bags, dim)`` in weight's dtype.
    The sum and mean are a scatter-add, the max a gather of each winning row (the first
    largest, as PyTorch's), so both are differentiable again::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> w = mg.arange(8.0).reshape(4, 2)
        >>> F.embedding_bag(mg.tensor([0, 1, 3]), w, mg.tensor([0, 2]), mode="sum").tolist()
        [[2.0, 4.0], [6.0, 7.0]]
    """
    op = "embedding_bag"
    input, weight = _legacy_argument_order(input, weight)
    input, weight = require_tensor(input, op, "input"), require_tensor(weight, op, "weight")
    psw = _sample_weights(op, input, weight, per_sample_weights)
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim} (shape {weight.shape})")
    idx, bag, bags = _bags(op, input, offsets, include_last_offset)
    _check_bag_mode(op, mode, scale_grad_by_freq, sparse, psw)
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported (see docs/porting.md)")
    _check_bag_values(op, idx, weight)
    pad = _bag_padding(op, padding_idx, weight.shape[0])
    keep = np.flatnonzero((bag >= 0) & (idx != pad))
    if mode == "max" and keep.size:
        return _bag_max(weight, idx[keep], bag[keep], bags)
    rows = weight[idx[keep]]
    if psw is not None:
        rows = rows * psw.reshape(-1)[keep].unsqueeze(1)
    index = np.broadcast_to(bag[keep][:, None], rows.shape)
    out = ScatterAdd.apply(rows, 0, index, (bags, weight.shape[1]))
    if mode == "mean":
        counts = np.maximum(np.bincount(bag[keep], minlength=bags), 1)
        out = out / Tensor(counts.astype(weight.dtype)[:, None])
    return out


def _legacy_argument_order(input: Any, weight: Any) -> tuple[Any, Any]:
    """PyTorch still takes the old ``embedding_bag(weight, input)`` order, with a warning."""
    if (isinstance(input, Tensor) and isinstance(weight, Tensor) and weight.dtype == np.int64
            and input.dtype.kind == "f"):
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=3)
        return weight, input
    return input, weight


def _sample_weights(op: str, input: Tensor, weight: Tensor, psw: Any) -> Tensor | None:
    """``per_sample_weights``: None, or a Tensor of input's shape and weight's dtype."""
    if psw is None:
        return None
    psw = require_tensor(psw, op, "per_sample_weights")
    if psw.shape != input.shape:
        raise ValueError(f"{op}: If per_sample_weights ({psw.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if psw.dtype != weight.dtype:
        raise RuntimeError(f"{op}: per_sample_weights has dtype {psw.dtype} but weight has "
                           f"{weight.dtype}; expected the same dtype")
    return psw


def _bags(op: str, input: Tensor, offsets: Any,
          include_last_offset: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """The flat indices, the bag of each (-1: in none) and the number of bags."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2D, then offsets has to be None, as input is "
                             f"treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {type(offsets).__name__}")
        idx = _indices(input, op).reshape(-1)
        b, length = input.shape
        if length == 0 and b:
            raise RuntimeError(f"{op}: a 2-D input of shape {input.shape} has bags of no "
                               "indices (PyTorch refuses it: 'step must be nonzero')")
        return idx, np.repeat(np.arange(b), length), b
    if input.ndim != 1:
        raise ValueError(f"{op}: input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim} (shape {input.shape})")
    if offsets is None:
        raise ValueError(f"{op}: offsets has to be a 1D Tensor but got None")
    offsets = require_tensor(offsets, op, "offsets")
    if offsets.ndim != 1:
        raise ValueError(f"{op}: offsets has to be a 1D Tensor, got shape {offsets.shape}")
    idx = _indices(input, op)
    starts = _checked_offsets(op, _indices(offsets, op), idx.size, include_last_offset)
    bag = np.searchsorted(starts, np.arange(idx.size), side="right") - 1
    if include_last_offset:
        bag[np.arange(idx.size) >= starts[-1]] = -1
        return idx, bag, starts.size - 1
    return idx, bag, starts.size


def _checked_offsets(op: str, starts: np.ndarray, n: int, include_last: bool) -> np.ndarray:
    """Offsets that start at 0 and never decrease nor pass the input's end (PyTorch's
    checks, and its exception types)."""
    if include_last and starts.size == 0:
        raise RuntimeError(f"{op}: include_last_offset: number of offset should be at least 1")
    if starts.size and starts[0] != 0:
        raise RuntimeError(f"{op}: offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got "
                           f"{starts[0]}")
    if starts.size and starts.min() < 0:
        raise IndexError(f"{op}: offsets must not be negative, got {starts.tolist()}")
    if starts.size and starts[-1] > n:
        raise RuntimeError(f"{op}: offsets[-1] can not be greater than input's length {n} but "
                           f"got offsets[-1] of {starts[-1]}")
    if np.any(np.diff(starts) < 0):
        raise RuntimeError(f"{op}: offsets must not decrease, got {starts.tolist()}")
    return starts


def _check_bag_mode(op: str, mode: Any, scale_grad_by_freq: bool, sparse: bool,
                    psw: Tensor | None) -> None:
    """One of the three modes; 'max' without the options PyTorch refuses for it; weights
    per sample with 'sum' only."""
    if mode not in _BAG_MODES:
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(f"{op}: max mode does not support scaling the gradient by the "
                         "frequency")
    if mode == "max" and sparse:
        raise ValueError(f"{op}: max mode does not support sparse weights")
    if psw is not None and mode != "sum":
        raise NotImplementedError(f"{op}: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' "
                                  f"(got mode='{mode}').")


def _check_bag_values(op: str, idx: np.ndarray, weight: Tensor) -> None:
    """A floating weight, and every index a row of it."""
    if weight.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point weight, got dtype {weight.dtype}")
    n = weight.shape[0]
    bad = np.flatnonzero((idx < 0) | (idx >= n))
    if bad.size:
        raise RuntimeError(f"{op}: Index {bad[0]} of input takes value {idx[bad[0]]} which is "
                           f"not in the valid range [0, {n}) of weight {weight.shape}")


def _bag_padding(op: str, padding_idx: int | None, n: int) -> int:
    """``padding_idx`` as a row (-1, matching no index, for None)."""
    if padding_idx is None:
        return -1
    if not -n <= padding_idx < n:
        raise RuntimeError(f"{op}: padding_idx must be within the number of embeddings, -{n} "
                           f"through {n - 1}, but got {padding_idx}")
    return padding_idx % n


def _bag_max(weight: Tensor, idx: np.ndarray, bag: np.ndarray, bags: int) -> Tensor:
    """Each bag's maximum per dim, picked as PyTorch's loop does (a later value wins only
    if strictly greater, so the first of equal maxima, and a leading NaN stays), then
    gathered from ``weight`` so the gradient reaches that row; empty bags give zeros."""
    vals = weight._data[idx]
    k = idx.size
    pos = np.arange(k)
    first = np.full(bags, k)
    np.minimum.at(first, bag, pos)
    filled = first < k
    top = np.full((bags, weight.shape[1]), np.nan, weight.dtype)
    np.fmax.at(top, bag, vals)
    lead_nan = np.zeros(top.shape, bool)
    lead_nan[filled] = np.isnan(vals[first[filled]])
    pick = np.where(lead_nan[bag], (pos == first[bag])[:, None], vals == top[bag])
    winner = np.full(top.shape, k)
    np.minimum.at(winner, bag, np.where(pick, pos[:, None], k))
    rows = np.where(filled[:, None], idx[np.minimum(winner, k - 1)], 0)
    return where(filled[:, None], weight.gather(0, Tensor(rows)), 0.0)
