"""Shape ops: reshape, permute, broadcast and its adjoint sum-to, pad, cat, stack, indexing.

They move numbers without changing them, so each backward is the opposite move.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A dim in [-ndim, ndim) as a non-negative index, or an IndexError naming the op."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of "
            f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim}) for a tensor of "
            f"{ndim} dimensions"
        )
    return int(dim) % max(ndim, 1)


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``dim`` (None, an int or a sequence) as a tuple of non-negative dims, or None."""
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = tuple(normalize_dim(d, ndim, op) for d in dims)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} names a dimension twice")
    return out


class Reshape(Function):
    """The same elements in a new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = a.shape
        try:
            return a.data.reshape(shape)
        except ValueError as e:
            raise ValueError(
                f"reshape: shape {tuple(shape)} is invalid for input of shape {a.shape} "
                f"({a.numel()} elements)"
            ) from e

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Reshape.apply(g, ctx.in_shape), None


def reshape(a: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``a`` in ``shape`` (``a`` itself when the shape is unchanged)."""
    return a if tuple(shape) == a.shape else Reshape.apply(a, tuple(shape))


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim``..``end_dim`` into one (a 0-d tensor becomes shape (1,))."""
    if a.ndim == 0:
        return reshape(a, (1,))
    s = normalize_dim(start_dim, a.ndim, "flatten")
    e = normalize_dim(end_dim, a.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(a, a.shape[:s] + (math.prod(a.shape[s : e + 1]),) + a.shape[e + 1 :])


def squeeze(a: Tensor, dim: Any = None) -> Tensor:
    """Drop size-1 dims (all, or those in ``dim`` that have size 1)."""
    if dim is None:
        return reshape(a, tuple(s for s in a.shape if s != 1))
    dims = normalize_dims(dim, a.ndim, "squeeze") or ()
    return reshape(a, tuple(s for i, s in enumerate(a.shape) if not (i in dims and s == 1)))


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim`` (which may be ``a.ndim``: append)."""
    d = normalize_dim(dim, a.ndim + 1, "unsqueeze")
    return reshape(a, a.shape[:d] + (1,) + a.shape[d:])


class Permute(Function):
    """Reorder the dims; the gradient is permuted back by the inverse permutation."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dims: tuple[int, ...]) -> np.ndarray:
        if len(dims) != a.ndim:
            raise ValueError(
                f"permute: got {len(dims)} dims {tuple(dims)} for a tensor of shape {a.shape}"
            )
        dims = tuple(normalize_dim(d, a.ndim, "permute") for d in dims)
        if sorted(dims) != list(range(a.ndim)):
            raise ValueError(f"permute: dims {tuple(dims)} are not a permutation")
        ctx.dims = dims
        return a.data.transpose(dims)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Permute.apply(g, tuple(np.argsort(ctx.dims))), None


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap ``dim0`` and ``dim1``."""
    d0 = normalize_dim(dim0, a.ndim, "transpose")
    d1 = normalize_dim(dim1, a.ndim, "transpose")
    dims = list(range(a.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(a, dims=tuple(dims))


class BroadcastTo(Function):
    """A read-only broadcast view of ``a`` in ``shape``; the gradient is summed back."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = a.shape
        try:
            return np.broadcast_to(a.data, shape)
        except ValueError as e:
            raise ValueError(f"expand: cannot broadcast shape {a.shape} to {tuple(shape)}") from e

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return SumTo.apply(g, ctx.in_shape), None


class SumTo(Function):
    """Sum over the axes that broadcasting added or stretched: the adjoint of broadcast."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = a.shape
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1
        )
        out = a.data.sum(axis=axes, keepdims=True) if axes else a.data
        return out.reshape(shape)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return BroadcastTo.apply(g, ctx.in_shape), None


def expand(a: Tensor, sizes: tuple[int, ...]) -> Tensor:
    """Broadcast to ``sizes`` as in PyTorch (-1 keeps a size; new dims are added in front)."""
    lead = len(sizes) - a.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes given for a tensor of shape {a.shape}")
    shape = tuple(
        (a.shape[i - lead] if s == -1 else s) for i, s in enumerate(sizes)
    )
    return BroadcastTo.apply(a, shape=shape)


class Pad(Function):
    """Constant padding, with PyTorch's ``F.pad`` convention: pairs from the last dim back."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, pad: tuple[int, ...], value: float) -> np.ndarray:
        if len(pad) % 2 or len(pad) // 2 > a.ndim:
            raise ValueError(
                f"pad: padding {tuple(pad)} must hold (before, after) pairs for at most "
                f"{a.ndim} dims of the input of shape {a.shape}"
            )
        if any(p < 0 for p in pad):
            raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
        widths = [(0, 0)] * a.ndim
        for i in range(len(pad) // 2):
            widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.slices = tuple(slice(lo, lo + s) for (lo, _), s in zip(widths, a.shape))
        return np.pad(a.data, widths, constant_values=value)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return g[ctx.slices], None, None


def pad(a: Tensor, pad: Sequence[int], value: float = 0.0) -> Tensor:
    """Pad ``a`` with ``value``; ``pad=(left, right, top, bottom, ...)`` as in ``F.pad``."""
    return Pad.apply(a, tuple(int(p) for p in pad), value)


class Cat(Function):
    """Join tensors along ``dim``; each gets its slice of the gradient."""

    @staticmethod
    def forward(ctx: Context, *tensors: Tensor, dim: int = 0) -> np.ndarray:
        first = tensors[0]
        d = normalize_dim(dim, first.ndim, "cat")
        for t in tensors[1:]:
            if t.ndim != first.ndim or any(
                s != f for i, (s, f) in enumerate(zip(t.shape, first.shape)) if i != d
            ):
                raise ValueError(
                    f"cat: tensors must have the same shape except in dim {dim}, "
                    f"got {first.shape} and {t.shape}"
                )
        ctx.dim = d
        ctx.bounds = np.cumsum([t.shape[d] for t in tensors])[:-1]
        return np.concatenate([t.data for t in tensors], axis=d)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        starts = [0, *ctx.bounds]
        ends = [*ctx.bounds, g.shape[ctx.dim]]
        lead = (slice(None),) * ctx.dim
        return tuple(g[lead + (slice(s, e),)] for s, e in zip(starts, ends))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    return Cat.apply(*tensors, dim=dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along a new dim."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    d = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


# --------------------------------------------------------------------------- indexing


def normalize_index(index: Any) -> Any:
    """Tensors inside an index become numpy arrays, lists become arrays."""
    if isinstance(index, tuple):
        return tuple(_index_part(i) for i in index)
    return _index_part(index)


def _index_part(i: Any) -> Any:
    if isinstance(i, Tensor):
        return i.data
    if isinstance(i, list):
        return np.asarray(i)
    return i


class GetItem(Function):
    """``a[index]`` (basic or advanced); the gradient is scattered back, adding repeats."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, index: Any) -> np.ndarray:
        ctx.in_shape, ctx.index = a.shape, index
        try:
            return a.data[index]
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor of shape {a.shape})") from e

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return IndexAdd.apply(g, ctx.index, ctx.in_shape), None


class IndexAdd(Function):
    """Scatter ``g`` into zeros of ``shape`` at ``index``, adding where indices repeat.

    The backward of indexing, and indexing is its backward.
    """

    @staticmethod
    def forward(ctx: Context, g: Tensor, index: Any, shape: tuple[int, ...]) -> np.ndarray:
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g.data  # basic indexing never repeats an element
        else:
            np.add.at(out, index, g.data)
        return out

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return GetItem.apply(gg, ctx.index), None, None


def _is_basic(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts
    )
