"""Shape ops: reshape, permute, broadcast and its adjoint sum-to, pad, cat, stack, indexing.

They move numbers without changing them, so each backward is the opposite move.
"""

from __future__ import annotations

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
        raise RuntimeError(f"{op}: dim {dim} names a dimension twice")
    return out


class Reshape(Function):
    """The same elements in a new shape; the gradient is reshaped back."""

    _view = True

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = a.shape
        try:
            return a._data.reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"reshape: shape {list(shape)} is invalid for input of shape {a.shape} "
                f"(size {a._data.size})"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Reshape.apply(g, ctx.in_shape), None


class Permute(Function):
    """Reorder the dims; the gradient is permuted back by the inverse permutation."""

    _view = True

    @staticmethod
    def forward(ctx: Context, a: Tensor, dims: tuple[int, ...]) -> np.ndarray:
        if len(dims) != a.ndim:
            raise RuntimeError(
                f"permute: got {len(dims)} dims {tuple(dims)} for a tensor of shape {a.shape}"
            )
        dims = tuple(normalize_dim(d, a.ndim, "permute") for d in dims)
        if sorted(dims) != list(range(a.ndim)):
            raise RuntimeError(f"permute: dims {tuple(dims)} are not a permutation (duplicate "
                               "or missing dims)")
        ctx.dims = dims
        return a._data.transpose(dims)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Permute.apply(g, tuple(np.argsort(ctx.dims))), None


class BroadcastTo(Function):
    """A read-only broadcast view of ``a`` in ``shape``; the gradient is summed back."""

    _view = True

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = a.shape
        try:
            return np.broadcast_to(a._data, shape)
        except ValueError as e:
            raise RuntimeError(f"expand: cannot broadcast shape {a.shape} to {tuple(shape)}") from e

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return SumTo.apply(g, ctx.in_shape), None


class SumTo(Function):
    """Sum over the axes that broadcasting added or stretched: the adjoint of broadcast."""

    _view = True

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = a.shape
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1
        )
        out = a._data.sum(axis=axes, keepdims=True) if axes else a._data
        return out.reshape(shape)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return BroadcastTo.apply(g, ctx.in_shape), None


class Pad(Function):
    """Constant padding, with PyTorch's ``F.pad`` convention: pairs from the last dim back."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, pad: tuple[int, ...], value: float) -> np.ndarray:
        if len(pad) % 2 or len(pad) // 2 > a.ndim:
            raise RuntimeError(
                f"pad: padding {tuple(pad)} must hold (before, after) pairs for at most "
                f"{a.ndim} dims of the input of shape {a.shape}"
            )
        if any(p < 0 for p in pad):
            raise RuntimeError(f"pad: negative padding {tuple(pad)} is not supported")
        widths = [(0, 0)] * a.ndim
        for i in range(len(pad) // 2):
            widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        ctx.slices = tuple(slice(lo, lo + s) for (lo, _), s in zip(widths, a.shape))
        return np.pad(a._data, widths, constant_values=value)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return g[ctx.slices], None, None


def pad(a: Tensor, pad: Sequence[int], value: float = 0.0) -> Tensor:
    """Pad ``a`` with ``value``; ``pad=(left, right, top, bottom, ...)`` as in ``F.pad``."""
    if not isinstance(pad, (tuple, list)):
        raise TypeError(
            f"pad: argument 'pad' must be a tuple of ints, not {type(pad).__name__} ({pad!r})"
        )
    for i, p in enumerate(pad):
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
            raise TypeError(
                f"pad: argument 'pad' must be a tuple of ints, but found element of type "
                f"{type(p).__name__} at pos {i} ({tuple(pad)!r})"
            )
    return Pad.apply(a, tuple(int(p) for p in pad), value)


class Cat(Function):
    """Join tensors along ``dim``; each gets its slice of the gradient."""

    @staticmethod
    def forward(ctx: Context, *tensors: Tensor, dim: int = 0) -> np.ndarray:
        first = tensors[0]
        for i, t in enumerate(tensors):
            if t.ndim == 0:
                raise RuntimeError(
                    f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated; "
                    "use stack() or unsqueeze(0) it first"
                )
        d = normalize_dim(dim, first.ndim, "cat")
        for t in tensors[1:]:
            if t.ndim != first.ndim or any(
                s != f for i, (s, f) in enumerate(zip(t.shape, first.shape)) if i != d
            ):
                raise RuntimeError(
                    f"cat: tensors must have the same shape except in dim {dim}, "
                    f"got {first.shape} and {t.shape}"
                )
        ctx.dim = d
        ctx.bounds = np.cumsum([t.shape[d] for t in tensors])[:-1]
        return np.concatenate([t._data for t in tensors], axis=d)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        starts = [0, *ctx.bounds]
        ends = [*ctx.bounds, g.shape[ctx.dim]]
        lead = (slice(None),) * ctx.dim
        return tuple(g[lead + (slice(s, e),)] for s, e in zip(starts, ends))


class GetItem(Function):
    """``a[index]`` (basic or advanced); the gradient is scattered back, adding repeats."""

    _view = True

    @staticmethod
    def forward(ctx: Context, a: Tensor, index: Any) -> np.ndarray:
        ctx.in_shape, ctx.index = a.shape, index
        try:
            return take(a._data, index)
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor of shape {a.shape})") from None

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
        split = _split_index(index)
        target, index = (out, index) if split is None else (out[split[0]], split[1])
        if _is_basic(index):
            target[index] = g._data  # basic indexing never repeats an element
        else:
            np.add.at(target, index, g._data)
        return out

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return GetItem.apply(gg, ctx.index), None, None


def _is_basic(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts
    )


def _split_index(index: Any) -> tuple[tuple, tuple] | None:
    """PyTorch's rule for an index mixing ints with arrays: the ints select first (as basic
    indices), then the arrays index what is left. numpy would treat the ints as arrays too,
    so ``x[0, :, [0, 1]]`` came out transposed. Returns (basic, rest), or None if the index
    means the same in both libraries."""
    parts = index if isinstance(index, tuple) else (index,)
    if not any(map(_is_int, parts)) or not any(isinstance(p, np.ndarray) for p in parts):
        return None
    steps = [_split_part(p) for p in parts]
    first = tuple(q for step, _ in steps for q in step)
    return first, tuple(q for _, q in steps if q is not None)


def _is_int(p: Any) -> bool:
    return isinstance(p, (int, np.integer)) and not isinstance(p, bool)


def _split_part(p: Any) -> tuple[list, Any]:
    """What one part of the index does in each step: ``(parts of the first, part of the
    second or None)``. An int selects in the first step only; an array keeps its dims whole
    in the first and indexes in the second; a slice or None is applied in the first and
    keeps the dim whole in the second."""
    if _is_int(p):
        return [p], None
    if isinstance(p, np.ndarray):
        return [slice(None)] * (p.ndim if p.dtype == bool else 1), p
    if p is Ellipsis:
        return [p], p
    return [p], slice(None)


def take(arr: np.ndarray, index: Any) -> np.ndarray:
    """``arr[index]`` with PyTorch's meaning of the index (see ``_split_index``)."""
    split = _split_index(index)
    out = arr[index] if split is None else arr[split[0]][split[1]]
    # one element: numpy copies it out; ``[..., ...]`` keeps it a 0-d view, as PyTorch's
    return out if isinstance(out, np.ndarray) else arr[(*np.atleast_1d(index), ...)]
