"""Class indices in, vectors out: ``one_hot`` and ``embedding`` (a row lookup whose
backward, from indexing, adds each output's gradient into the row it read)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..tensor import Tensor


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
