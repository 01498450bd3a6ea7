"""``F.max_unpool1d/2d/3d``: the partial inverse of the max pools, PyTorch's signatures.

``max_pool*d(..., return_indices=True)`` gives each winner's flat index into its input
plane (or volume); unpooling writes every input value at its index into zeros of the
output size (``(in - 1) * stride + kernel - 2 * padding`` per dim, or ``output_size``).
It is one ``Scatter`` along the flattened plane, so its gradient is PyTorch's: the output
gradient gathered at the indices (every input gets it, even where two indices collide and
the last write won), and every higher one comes from ``Gather``. Bad input raises
PyTorch's exception types (RuntimeError for the tensors, ValueError for ``output_size``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..im2col import _is_int, check_float
from ..ops.manipulation import Scatter
from ..tensor import Tensor, require_tensor
from .pool_nd import _COUNTS, _LAYOUTS

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _ints(op: str, value: Any, n: int, name: str) -> tuple[int, ...]:
    """PyTorch's ``_single/_pair/_triple``: an int repeated, a sequence kept; ints only."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n or not all(map(_is_int, values)):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {_COUNTS[n]}, got "
                        f"{value!r}")
    return tuple(int(v) for v in values)


def _check_tensors(op: str, n: int, x: Tensor, idx: Tensor) -> None:
    """A float input of rank ``n + 2`` (or unbatched ``n + 1``) with non-empty channels and
    spatial dims, and int64 indices of its shape (PyTorch's RuntimeErrors)."""
    batched, unbatched = _LAYOUTS[n]
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: expected a {n + 2}-D input {batched} or an unbatched "
                           f"{n + 1}-D one {unbatched}, got shape {x.shape}")
    check_float(x._data, "input", op)
    if idx.dtype != np.int64:
        raise RuntimeError(f"{op}: indices must be int64 (what max_pool{n}d returns), got "
                           f"{idx.dtype}")
    if idx.shape != x.shape:
        raise RuntimeError(f"{op}: indices {idx.shape} must have the input's shape {x.shape}")
    if 0 in x.shape[x.ndim - n - 1:]:
        raise RuntimeError(f"{op}: expected every non-batch size of the input to be > 0, got "
                           f"shape {x.shape}")


def _requested(op: str, n: int, output_size: Any) -> tuple[int, ...]:
    """``output_size`` as ``n`` ints: the last ``n`` of ``n + 2`` (N and C too) or ``n``."""
    if not isinstance(output_size, (tuple, list)):
        raise TypeError(f"{op}: output_size must be a sequence of {n} or {n + 2} ints, got "
                        f"{output_size!r}")
    out = tuple(output_size)[2:] if len(output_size) == n + 2 else tuple(output_size)
    if len(out) != n or not all(map(_is_int, out)):
        raise ValueError(f"{op}: output_size must hold {n} or {n + 2} ints, got "
                         f"{output_size!r}")
    return out


def _output_size(op: str, x: Tensor, k: tuple[int, ...], s: tuple[int, ...],
                 p: tuple[int, ...], output_size: Any) -> tuple[int, ...]:
    """PyTorch's ``_unpool_output_size``: ``(in - 1) * s + k - 2 * p`` per dim, or
    ``output_size``, each strictly within a stride of that; none negative (ValueErrors)."""
    n = len(k)
    default = tuple((size - 1) * si + ki - 2 * pi
                    for size, ki, si, pi in zip(x.shape[-n:], k, s, p))
    out = default if output_size is None else _requested(op, n, output_size)
    for dim, (o, d, si) in enumerate(zip(out, default, s)):
        if output_size is not None and not d - si < o < d + si:
            raise ValueError(f"{op}: invalid output_size {tuple(output_size)} (dim {dim} "
                             f"must be between {d - si} and {d + si}, exclusive)")
        if o < 0:
            raise ValueError(f"{op}: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{dim}]={o}")
    return tuple(int(o) for o in out)


def _unpool(op: str, n: int, input: Any, indices: Any, kernel_size: Any, stride: Any,
            padding: Any, output_size: Any) -> Tensor:
    """Scatter the input at its indices into zeros of the output size (module docstring)."""
    x, idx = require_tensor(input, op, "input"), require_tensor(indices, op, "indices")
    _check_tensors(op, n, x, idx)
    k = _ints(op, kernel_size, n, "kernel_size")
    s = k if stride is None else _ints(op, stride, n, "stride")
    p = _ints(op, padding, n, "padding")
    if n == 3 and min(s) <= 0:  # PyTorch checks this for max_unpool3d only
        raise RuntimeError(f"{op}: stride must be positive, got {s}")
    out = _output_size(op, x, k, s, p, output_size)
    lead = x.shape[:x.ndim - n]
    rows, m = int(np.prod(lead)), int(np.prod(out))
    flat = idx._data.reshape(rows, int(np.prod(x.shape[-n:])))
    if m == 0:  # an empty output: no index is checked, as in PyTorch
        return x.reshape(*flat.shape)[:, :0].reshape(*lead, *out)
    bad = (flat < 0) | (flat >= m)
    if bad.any():
        raise RuntimeError(f"{op}: found an invalid max index {flat[bad][0]} (the output "
                           f"planes are of size {'x'.join(map(str, out))})")
    zeros = Tensor(np.zeros((rows, m), dtype=x.dtype))
    return Scatter.apply(zeros, x.reshape(*flat.shape), 1, flat).reshape(*lead, *out)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """(N, C, L) -> (N, C, (L - 1) * stride + kernel_size - 2 * padding) (or
    ``output_size``): zeros, with each input value at its index from ``max_pool1d(...,
    return_indices=True)``. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> out, idx = F.max_pool1d(mg.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0, 0.0]]]), 2,
        ...                         return_indices=True)
        >>> F.max_unpool1d(out, idx, 2)
        tensor([[[0., 3., 0., 5., 4., 0.]]])
    """
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                   output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """(N, C, H, W) -> (N, C, OH, OW), ``OH = (H - 1) * stride + kernel_size - 2 * padding``
    (or ``output_size``, which ``max_pool2d`` may need when it floored): zeros, with each
    input value at its flat (OH, OW) index from ``max_pool2d(..., return_indices=True)``;
    SegNet's decoder upsampling. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> x = mg.randn(1, 3, 5, 5)
        >>> out, idx = F.max_pool2d(x, 2, return_indices=True)
        >>> F.max_unpool2d(out, idx, 2, output_size=x.shape).shape
        (1, 3, 5, 5)
    """
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                   output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """(N, C, D, H, W) -> (N, C, OD, OH, OW), each ``(in - 1) * stride + kernel_size - 2 *
    padding`` (or ``output_size``): zeros, with each input value at its flat (OD, OH, OW)
    index from ``max_pool3d(..., return_indices=True)``. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> out, idx = F.max_pool3d(mg.randn(1, 2, 4, 4, 4), 2, return_indices=True)
        >>> F.max_unpool3d(out, idx, 2).shape
        (1, 2, 4, 4, 4)
    """
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                   output_size)
