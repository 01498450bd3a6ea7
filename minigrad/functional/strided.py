"""``diagonal`` and ``Tensor.unfold``: the two views PyTorch makes by choosing strides.

minigrad has no strided-view op; each is a reshape and a slice (and a permute), which numpy
makes a view of the input whenever it can reshape without copying: then an in-place change
of the result reaches the input, as in PyTorch. That holds for the diagonal of a contiguous
matrix, of the last two dims of a batch, of any two neighbouring dims of a contiguous
tensor, and for non-overlapping windows (``step >= size``) that tile the dim. Otherwise
(dims apart, a permuted input, overlapping windows) the result is a copy (docs/faq.md).
Values and gradients are PyTorch's either way.
"""

from __future__ import annotations

import numpy as np

from ..ops.shape import _is_int, normalize_dim
from ..tensor import Tensor, require_tensor
from .shape import movedim, reshape

__all__ = ["diagonal", "unfold"]


def _diagonal_dims(ndim: int, dim1: int, dim2: int, fn: str) -> tuple[int, int]:
    """Two distinct dims of a tensor of ``ndim`` dims, or PyTorch's errors."""
    d1, d2 = normalize_dim(dim1, ndim, fn), normalize_dim(dim2, ndim, fn)
    if d1 == d2:
        raise RuntimeError(f"{fn}: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0,  # noqa: A002
             dim2: int = 1) -> Tensor:
    """The elements ``input[..., i, ..., i + offset, ...]`` of the planes of ``dim1`` and
    ``dim2`` (offset > 0 above the main diagonal, < 0 below), those dims removed and the
    diagonal appended as the last dim, as ``torch.diagonal``. A view where numpy can reshape
    the two dims into one without copying (see the module's docstring).

    >>> import minigrad as mg
    >>> mg.arange(9).reshape(3, 3).diagonal(1)
    tensor([1, 5])
    """
    input = require_tensor(input, "diagonal", "input")
    if not _is_int(offset):
        raise TypeError(f"diagonal: argument 'offset' must be int, not "
                        f"{type(offset).__name__}")
    d1, d2 = _diagonal_dims(input.ndim, dim1, dim2, "diagonal")
    if d1 > d2:  # the same elements, seen from the other dim
        d1, d2, offset = d2, d1, -offset
    rest = [d for d in range(input.ndim) if d not in (d1, d2)]
    n, m = input.shape[d1], input.shape[d2]
    length = max(min(n, m - offset) if offset >= 0 else min(n + offset, m), 0)
    start = offset if offset >= 0 else -offset * m
    planes = input.permute(*rest, d1, d2)
    flat = reshape(planes, planes.shape[:-2] + (n * m,))
    stop = start + (length - 1) * (m + 1) + 1 if length else 0
    return flat[..., slice(start if length else 0, stop, m + 1)]


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``Tensor.unfold``: the windows of ``size`` elements along ``dimension``, ``step``
    apart, that dim becoming the number of windows and the window appended as the last dim
    (``x.unfold(0, 2, 1)`` of ``[1, 2, 3]`` is ``[[1, 2], [2, 3]]``). A view when the
    windows do not overlap and tile the dim (see the module's docstring), else a copy.

    >>> import minigrad as mg
    >>> mg.arange(7).unfold(0, 3, 2)
    tensor([[0, 1, 2],
            [2, 3, 4],
            [4, 5, 6]])
    """
    input = require_tensor(input, "unfold", "input")
    for name, value in (("size", size), ("step", step)):
        if not _is_int(value):
            raise TypeError(f"unfold: argument '{name}' must be int, not "
                            f"{type(value).__name__}")
    d = normalize_dim(dimension, input.ndim, "unfold")
    x = reshape(input, (1,)) if input.ndim == 0 else input
    n = x.shape[d]
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but "
                           f"size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    count = (n - size) // step + 1
    lead = (slice(None),) * d
    if step >= size and count * step <= n:  # windows side by side: a reshape and a slice
        tiled = reshape(x[lead + (slice(0, count * step),)],
                        x.shape[:d] + (count, step) + x.shape[d + 1:])
        windows = tiled[lead + (slice(None), slice(0, size))]
    else:
        index = np.arange(count)[:, None] * step + np.arange(size)
        windows = x[lead + (index,)]
    out = movedim(windows, d + 1, -1)
    return reshape(out, (size,)) if input.ndim == 0 else out
