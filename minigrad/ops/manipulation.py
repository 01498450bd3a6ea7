"""Rearranging ops: flip, roll, repeat/tile, repeat_interleave, chunk/split/unbind,
unflatten, and scatter/scatter_add/scatter_reduce (the writing counterparts of gather).

Each moves or copies elements without changing them, so each backward is the reverse move
(for repeats, a sum over the copies), written with ops that are differentiable again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor, require_tensor
from .index import Gather, MaskedFill, ScatterAdd, _check_gather, _linear
from .shape import normalize_dim, normalize_dims, reshape


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _int_tuple(value: Any, fn: str, arg: str, allow_int: bool = True) -> tuple[int, ...]:
    """``value`` (an int where ``allow_int``, or a sequence of ints) as a tuple of ints, or
    PyTorch's TypeError naming ``fn`` and ``arg``."""
    if allow_int and _is_int(value):
        return (int(value),)
    if isinstance(value, (tuple, list)) and all(_is_int(v) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(
        f"{fn}: argument '{arg}' must be tuple of ints, not {type(value).__name__} "
        f"({value!r})"
    )


# --------------------------------------------------------------------------- flip and roll


class Flip(Function):
    """``a`` with the order of its elements reversed along ``dims``; the gradient is flipped
    back along the same dims."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return np.ascontiguousarray(np.flip(a._data, dims)) if dims else a._data.copy()

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Flip.apply(g, ctx.dims), None


def flip(a: Tensor, dims: Sequence[int]) -> Tensor:
    """``a`` reversed along each dim in ``dims`` (a copy, as ``torch.flip``)."""
    a = require_tensor(a, "flip", "input")
    dims = _int_tuple(dims, "flip", "dims", allow_int=False)
    normalized = normalize_dims(dims, a.ndim, "flip") or ()
    return Flip.apply(a, () if a.ndim == 0 else normalized)


class Roll(Function):
    """``a`` shifted cyclically by ``shifts`` along ``dims`` (None: over the flattened
    tensor); the gradient is rolled back by ``-shifts``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, shifts: tuple[int, ...],
                dims: tuple[int, ...] | None) -> np.ndarray:
        ctx.shifts, ctx.dims = shifts, dims
        if dims is None:
            return np.roll(a._data, shifts[0])
        return np.roll(a._data, shifts, dims)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return Roll.apply(g, tuple(-s for s in ctx.shifts), ctx.dims), None, None


def roll(a: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None
         ) -> Tensor:
    """``a`` rolled by ``shifts`` along ``dims``; elements shifted past the end come back at
    the start. Without ``dims`` the tensor is rolled as if flattened, then shaped back."""
    a = require_tensor(a, "roll", "input")
    shifts = _int_tuple(shifts, "roll", "shifts")
    if not shifts:
        raise RuntimeError("roll: `shifts` required (got an empty sequence)")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: "
                               f"{len(shifts)}, dims: 0 (shifts={shifts}, dims=None)")
        return Roll.apply(a, shifts, None)
    dims = _int_tuple(dims, "roll", "dims")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims: {len(dims)} (shifts={shifts}, dims={dims})")
    if a.ndim == 0:
        raise IndexError(f"roll: Dimension specified as {dims[0]} but tensor has no "
                         "dimensions")
    nd = tuple(normalize_dim(d, a.ndim, "roll") for d in dims)
    return Roll.apply(a, shifts, nd)


# --------------------------------------------------------------------------- repeats


class Tile(Function):
    """``a`` copied ``reps[i]`` times along each dim ``i`` (``len(reps) == a.ndim``); the
    gradient sums the copies."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, reps: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape, ctx.reps = a.shape, reps
        return np.tile(a._data, reps) if reps else a._data.copy()

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        pairs = tuple(x for r, s in zip(ctx.reps, ctx.in_shape) for x in (r, s))
        summed = g.reshape(pairs).sum(tuple(range(0, len(pairs), 2)))
        return summed.reshape(ctx.in_shape), None


def repeat(a: Tensor, sizes: Sequence[int]) -> Tensor:
    """``Tensor.repeat``: ``a`` copied ``sizes[i]`` times along dim ``i``; extra leading
    sizes add leading dims (``sizes`` may not be shorter than ``a.ndim``)."""
    sizes = _int_tuple(sizes, "repeat", "repeats")
    if len(sizes) < a.ndim:
        raise RuntimeError(
            f"repeat: Number of dimensions of repeat dims ({len(sizes)}, sizes={sizes}) can "
            f"not be smaller than number of dimensions of tensor ({a.ndim}, shape {a.shape})"
        )
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: repeats must be non-negative, got sizes={sizes}")
    a = reshape(a, (1,) * (len(sizes) - a.ndim) + a.shape)
    return Tile.apply(a, sizes)


def tile(a: Tensor, dims: Sequence[int]) -> Tensor:
    """``a`` repeated ``dims[i]`` times along each dim, as ``torch.tile``: unlike ``repeat``
    a short ``dims`` is padded with leading 1s."""
    a = require_tensor(a, "tile", "input")
    dims = _int_tuple(dims, "tile", "dims", allow_int=False)
    return repeat(a, (1,) * (a.ndim - len(dims)) + dims)


class IndexSelect(Function):
    """The slices of ``a`` along ``dim`` at positions ``index`` (a 1-d int array, repeats
    allowed); the gradient adds each slice's gradient back at its position."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int, index: np.ndarray) -> np.ndarray:
        ctx.dim, ctx.index, ctx.size = dim, index, a.shape[dim]
        return np.take(a._data, index, axis=dim)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return IndexSelectBackward.apply(g, ctx.dim, ctx.index, ctx.size), None, None


class IndexSelectBackward(Function):
    """Zeros with ``size`` along ``dim``, ``g``'s slices added at ``index``: the adjoint of
    ``IndexSelect``."""

    @staticmethod
    def forward(ctx: Context, g: Tensor, dim: int, index: np.ndarray, size: int) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        shape = g.shape[:dim] + (size,) + g.shape[dim + 1:]
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, (slice(None),) * dim + (index,), g._data)
        return out

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return IndexSelect.apply(gg, ctx.dim, ctx.index), None, None, None


def repeat_interleave(a: Tensor, repeats: int | Tensor | None = None, dim: int | None = None,
                      *, output_size: int | None = None) -> Tensor:
    """Each element (or slice along ``dim``) of ``a`` repeated ``repeats`` times in place:
    ``[1, 2]`` with 2 repeats is ``[1, 1, 2, 2]``. ``repeats`` is an int or an int tensor
    (one count, or one per slice); without ``dim`` the tensor is flattened first. Called
    with only an int tensor, returns ``arange(len(a))`` repeated ``a`` times, as PyTorch."""
    a = require_tensor(a, "repeat_interleave", "input")
    if repeats is None:  # repeat_interleave(repeats): the indices form
        counts = _repeat_counts(a, None)
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts),
                            False, None, 0)
    if dim is None:
        a, d = reshape(a, (-1,)), 0
    else:
        d = normalize_dim(dim, a.ndim, "repeat_interleave")
        if a.ndim == 0:
            a = reshape(a, (1,))
    n = a.shape[d]
    counts = _repeat_counts(repeats, n)
    index = np.repeat(np.arange(n, dtype=np.int64), counts)
    if output_size is not None and output_size != index.size:
        raise RuntimeError(f"repeat_interleave: output_size={output_size} does not match "
                           f"the sum of repeats ({index.size})")
    return IndexSelect.apply(a, d, index)


def _repeat_counts(repeats: Any, n: int | None) -> np.ndarray:
    """``repeats`` as one non-negative count per slice (``n`` of them); ``n=None``: the
    indices form, where ``repeats`` must be 1-d."""
    counts = _repeat_array(repeats, n)
    if counts.ndim > 1:
        raise RuntimeError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor, got "
                           f"shape {counts.shape}")
    if (counts < 0).any():
        raise RuntimeError(f"repeat_interleave: repeats can not be negative, got "
                           f"{counts.tolist()}")
    if n is None:
        return counts
    if counts.ndim == 1 and counts.size == 1:
        counts = counts.reshape(())
    if counts.ndim == 1 and counts.size != n:
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input "
                           f"along dim, but got repeats.size(0) = {counts.size} and "
                           f"input.size(dim) = {n}")
    return np.broadcast_to(counts, (n,))


def _repeat_array(repeats: Any, n: int | None) -> np.ndarray:
    """``repeats`` (an int or an integer tensor) as an int64 array."""
    if _is_int(repeats):
        return np.asarray(int(repeats), np.int64)
    if not isinstance(repeats, Tensor):
        raise TypeError(f"repeat_interleave: argument 'repeats' must be int or Tensor, not "
                        f"{type(repeats).__name__}")
    if repeats.dtype.kind not in "iu":
        raise NotImplementedError(f"repeat_interleave: repeats must be an integer tensor, "
                                  f"got dtype {repeats.dtype}")
    if n is None and repeats.ndim != 1:
        raise RuntimeError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor, "
                           f"got shape {repeats.shape}")
    return repeats._data.astype(np.int64)


# --------------------------------------------------------------------------- splitting


def _slice(a: Tensor, d: int, start: int, stop: int) -> Tensor:
    return a[(slice(None),) * d + (slice(start, stop),)]


def split(a: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0
          ) -> tuple[Tensor, ...]:
    """Pieces of ``a`` along ``dim``: of ``split_size`` each (the last may be smaller), or of
    the sizes in a list (which must add up to the dim's size). Views, as in PyTorch."""
    a = require_tensor(a, "split", "tensor")
    if a.ndim == 0:
        raise RuntimeError("split: split expects at least a 1-dimensional tensor (got a "
                           "0-d tensor)")
    d = normalize_dim(dim, a.ndim, "split")
    n = a.shape[d]
    if _is_int(split_size_or_sections):
        sizes = _equal_pieces(int(split_size_or_sections), n)
    else:
        sizes = _given_pieces(split_size_or_sections, n, d)
    bounds = np.cumsum([0, *sizes]).tolist()
    return tuple(_slice(a, d, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]))


def _equal_pieces(size: int, n: int) -> list[int]:
    """Sizes of pieces of ``size`` covering ``n`` (the last may be smaller)."""
    if size < 0:
        raise RuntimeError(f"split: split expects split_size be non-negative, but got "
                           f"split_size={size}")
    if size == 0 and n != 0:
        raise RuntimeError(f"split: split_size can only be 0 if dimension size is 0, but "
                           f"got dimension size of {n}")
    pieces = max(-(-n // size), 1) if size else 1
    return [size] * (pieces - 1) + [n - size * (pieces - 1)]


def _given_pieces(sections: Any, n: int, d: int) -> list[int]:
    """A list of piece sizes, checked to be non-negative and to add up to ``n``."""
    sizes = list(_int_tuple(sections, "split", "split_size_or_sections", allow_int=False))
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split: split_with_sizes expects split_sizes have only "
                           f"non-negative entries, but got split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split: split_with_sizes expects split_sizes to sum exactly "
                           f"to {n} (input tensor's size at dimension {d}), but got "
                           f"split_sizes={sizes}")
    return sizes


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``a`` in ``chunks`` pieces along ``dim`` of ``ceil(size / chunks)`` each (the last
    smaller; fewer pieces when they run out), as ``torch.chunk``."""
    a = require_tensor(a, "chunk", "input")
    if not _is_int(chunks):
        raise TypeError(f"chunk: argument 'chunks' must be int, not {type(chunks).__name__}")
    if a.ndim == 0:
        raise RuntimeError("chunk: chunk expects at least a 1-dimensional tensor (got a "
                           "0-d tensor)")
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunk expects `chunks` to be greater than 0, got: "
                           f"{chunks}")
    d = normalize_dim(dim, a.ndim, "chunk")
    n = a.shape[d]
    size = -(-n // chunks)
    if size == 0:  # an empty dim: ``chunks`` empty pieces
        return split(a, [0] * int(chunks), d)
    return split(a, size, d)


def unbind(a: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``a`` along ``dim``, that dim removed: ``unbind(x)`` is ``tuple(x)``."""
    a = require_tensor(a, "unbind", "input")
    if a.ndim == 0:
        raise IndexError(f"unbind: Dimension specified as {dim} but tensor has no dimensions")
    d = normalize_dim(dim, a.ndim, "unbind")
    return tuple(a[(slice(None),) * d + (i,)] for i in range(a.shape[d]))


def unflatten(a: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dim ``dim`` of ``a`` split into several of ``sizes`` (one may be -1): the inverse of
    ``flatten``."""
    a = require_tensor(a, "unflatten", "input")
    sizes = _int_tuple(sizes, "unflatten", "sizes", allow_int=False)
    d = normalize_dim(dim, a.ndim, "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = a.shape[d] if a.ndim else 1
    whole = _infer_size(sizes, n)
    if whole is None:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({n}) in the input tensor of shape {a.shape}")
    return reshape(a, a.shape[:d] + whole + a.shape[d + 1:])


def _infer_size(sizes: tuple[int, ...], n: int) -> tuple[int, ...] | None:
    """``sizes`` with its one -1 (if any) filled in so that they multiply up to ``n``;
    None if they cannot."""
    free = [i for i, s in enumerate(sizes) if s == -1]
    if len(free) > 1 or min(sizes) < -1:
        return None
    if free:
        known = -math.prod(sizes)  # the product of the others: the one -1 flips the sign
        if known == 0 or n % known:
            return None
        sizes = sizes[:free[0]] + (n // known,) + sizes[free[0] + 1:]
    return sizes if math.prod(sizes) == n else None


# --------------------------------------------------------------------------- scatter


class Scatter(Function):
    """``a`` with ``src``'s values written at ``index`` along ``dim`` (``src`` already of
    ``index``'s shape). The gradient of ``a`` is ``g`` with the overwritten places zeroed;
    of ``src``, ``g`` gathered at ``index`` (PyTorch's rules)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, src: Tensor, dim: int, index: np.ndarray
                ) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        positions = _linear(a.shape, dim, index).reshape(-1)
        hit = np.zeros(a._data.size, dtype=bool)
        hit[positions] = True
        ctx.hit = hit.reshape(a.shape)
        out = a._data.copy()
        out.reshape(-1)[positions] = src._data.reshape(-1)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        ga = MaskedFill.apply(g, ctx.hit, 0) if ctx.needs_input_grad[0] else None
        gs = Gather.apply(g, ctx.dim, ctx.index) if ctx.needs_input_grad[1] else None
        return ga, gs, None, None


def _scatter_args(a: Tensor, dim: int, index: Any, src: Tensor | None, op: str
                  ) -> tuple[int, np.ndarray, Tensor | None]:
    """Check ``scatter``'s arguments as PyTorch does; ``(dim, index, src cut to index's
    shape)``, with a 0-d index (and src) made 1-d."""
    index = require_tensor(index, op, "index")
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: Expected dtype int64 for index, got {index.dtype}")
    d = normalize_dim(dim, a.ndim, op)
    idx = index._data.astype(np.int64, copy=False)
    if src is not None:
        _check_src(a, idx, src, op)
    _check_gather(a.shape, d, idx, op)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    return d, idx, None if src is None else _cut_to(src, idx.shape)


def _check_src(a: Tensor, idx: np.ndarray, src: Tensor, op: str) -> None:
    """``src`` of ``a``'s dtype, ``idx``'s rank and at least ``idx``'s size."""
    if src.dtype != a.dtype:
        raise RuntimeError(f"{op}: Expected self.dtype to be equal to src.dtype (got "
                           f"{a.dtype} and {src.dtype})")
    if idx.ndim != src.ndim and not (idx.ndim <= 1 and src.ndim <= 1):
        raise RuntimeError(f"{op}: Index tensor must have the same number of dimensions "
                           f"as src tensor (index {idx.shape}, src {src.shape})")
    if any(i > s for i, s in zip(idx.shape, src.shape)):
        raise RuntimeError(f"{op}: Expected index {list(idx.shape)} to be no larger size "
                           f"than src {list(src.shape)}")


def _cut_to(src: Tensor, shape: tuple[int, ...]) -> Tensor:
    """The leading corner of ``src`` in ``shape`` (a 0-d ``src`` made 1-d first)."""
    if src.ndim == 0:
        src = reshape(src, (1,))
    return src if src.shape == shape else src[tuple(slice(0, s) for s in shape)]


def scatter(a: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """``a`` with ``src[i][j]`` written at ``out[i][index[i][j]]`` (for ``dim=1``), or the
    number ``value`` written at every indexed place; out of place, as ``torch.scatter``.

    Where ``index`` repeats a place, the last write wins (PyTorch leaves it unspecified).
    """
    a = require_tensor(a, "scatter", "input")
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    _check_scatter_source(src, value, reduce)
    if reduce is not None:  # PyTorch's legacy reduce: scatter_reduce, self included
        if src is None:
            index = require_tensor(index, "scatter", "index")
            src = Tensor(np.full(index.shape, np.asarray(value).astype(a.dtype), a.dtype))
        return _scatter_reduce(a, dim, index, src, "sum" if reduce == "add" else "prod", True,
                               "scatter")
    zero_d = a.ndim == 0
    base = reshape(a, (1,)) if zero_d else a
    d, idx, src = _scatter_args(base, dim, index, src, "scatter")
    if src is None:
        hit = np.zeros(base._data.size, dtype=bool)
        hit[_linear(base.shape, d, idx).reshape(-1)] = True
        out = MaskedFill.apply(base, hit.reshape(base.shape), value)
    else:
        out = Scatter.apply(base, src, d, idx)
    return reshape(out, ()) if zero_d else out


def _check_scatter_source(src: Tensor | None, value: Any, reduce: str | None) -> None:
    """Exactly one of a ``src`` tensor or a number ``value``; ``reduce`` add or multiply."""
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter: reduce argument must be either add or multiply, got "
                           f"{reduce!r}")
    if (src is None) == (value is None):
        raise TypeError("scatter: expected exactly one of 'src' (a Tensor) or 'value' (a "
                        "number)")
    if value is not None and not isinstance(value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"scatter: argument 'value' must be Number, not "
                        f"{type(value).__name__}")


def scatter_add(a: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``a`` plus ``src[i][j]`` added at ``out[i][index[i][j]]`` (for ``dim=1``); repeated
    places add up. Gradients: ``g`` for ``a``, ``g`` gathered at ``index`` for ``src``."""
    a = require_tensor(a, "scatter_add", "input")
    src = require_tensor(src, "scatter_add", "src")
    zero_d = a.ndim == 0
    base = reshape(a, (1,)) if zero_d else a
    d, idx, src = _scatter_args(base, dim, index, src, "scatter_add")
    out = base + ScatterAdd.apply(src, d, idx, base.shape)
    return reshape(out, ()) if zero_d else out


def _identity(reduce: str, dtype: np.dtype) -> Any:
    """The value that ``reduce`` leaves unchanged: where ``include_self=False`` starts."""
    if reduce in ("sum", "mean", "prod"):
        return int(reduce == "prod")
    if dtype.kind == "f":
        low, high = -np.inf, np.inf
    else:
        low, high = np.iinfo(dtype).min, np.iinfo(dtype).max
    return low if reduce == "amax" else high


def _reduce_into(a: np.ndarray, src: np.ndarray, positions: np.ndarray, reduce: str,
                 include_self: bool) -> tuple[np.ndarray, np.ndarray]:
    """The flat result of scattering ``src`` into ``a`` at the flat ``positions``, and how
    many values each place averaged (for the mean)."""
    out = a.reshape(-1).copy()
    count = np.bincount(positions, minlength=out.size) + (1 if include_self else 0)
    if not include_self:
        out[count > 0] = _identity(reduce, a.dtype)
    values = src.reshape(-1)
    if reduce in ("amax", "amin"):
        _extreme_at(out, positions, values, np.fmax if reduce == "amax" else np.fmin)
    else:
        (np.multiply if reduce == "prod" else np.add).at(out, positions, values)
    count = np.maximum(count, 1)
    if reduce == "mean":
        out = out / count if a.dtype.kind == "f" else out // count
    return out.astype(a.dtype, copy=False), count


def _extreme_at(out: np.ndarray, positions: np.ndarray, values: np.ndarray,
                extreme: np.ufunc) -> None:
    """``out[positions] = extreme(out[positions], values)`` in place, repeats included;
    NaN wins, as in PyTorch (``fmax``/``fmin`` alone would skip it)."""
    nan = np.isnan(out) if out.dtype.kind == "f" else None
    if nan is not None:
        nan[positions[np.isnan(values)]] = True
    extreme.at(out, positions, values)
    if nan is not None:
        out[nan] = np.nan


class ScatterReduce(Function):
    """``a`` with ``src``'s values combined into the places ``index`` names along ``dim``, by
    ``reduce`` (sum, prod, mean, amax, amin), with or without ``a``'s own value. The
    backward follows PyTorch's rules (ties of amax/amin share the gradient evenly; a lone
    zero factor of a product gets the product of the others) and is written with
    differentiable ops, so it can be differentiated again."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, src: Tensor, dim: int, index: np.ndarray,
                reduce: str, include_self: bool) -> np.ndarray:
        positions = _linear(a.shape, dim, index).reshape(-1)
        out, count = _reduce_into(a._data, src._data, positions, reduce, include_self)
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        ctx.positions, ctx.count = positions, count.reshape(a.shape)
        ctx.save_for_backward(a, src)
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, src = ctx.saved_tensors
        dim, index, reduce, include_self = ctx.dim, ctx.index, ctx.reduce, ctx.include_self
        if reduce == "sum":
            g_self, g_src = g, Gather.apply(g, dim, index)
        elif reduce == "mean":
            g_self = g / Tensor(ctx.count.astype(g.dtype))
            g_src = Gather.apply(g_self, dim, index)
        elif reduce == "prod":
            def result(base: Tensor, values: Tensor) -> Tensor:
                return ScatterReduce.apply(base, values, dim, index, reduce, include_self)

            self_zero = a._data == 0
            masked_self = MaskedFill.apply(a, self_zero, 1)
            g_self = g * result(masked_self, src) / masked_self
            src_zero = src._data == 0
            zeros = np.bincount(ctx.positions, weights=src_zero.reshape(-1),
                                minlength=a._data.size)
            lone = src_zero & (zeros[ctx.positions].reshape(src.shape) == 1)
            # a lone zero factor: its gradient is the product of the others (the result with
            # it set to 1); otherwise result / factor (0 where two or more factors are 0)
            g_src = Gather.apply(g * result(a, src), dim, index) / MaskedFill.apply(
                src, src_zero, 1)
            if lone.any():  # (the masks keep the second derivative right there too)
                others = result(a, MaskedFill.apply(src, lone, 1))
                g_src = MaskedFill.apply(g_src, lone, 0) + MaskedFill.apply(
                    Gather.apply(g * others, dim, index), ~lone, 0)
        else:  # amax, amin: PyTorch's even split between every value equal to the result
            out, _ = _reduce_into(a._data, src._data, ctx.positions, reduce, include_self)
            self_is = (a._data.reshape(-1) == out).astype(g.dtype)
            src_is = (src._data.reshape(-1) == out[ctx.positions]).astype(g.dtype)
            n = self_is + np.bincount(ctx.positions, weights=src_is, minlength=out.size)
            self_is, src_is = self_is.reshape(a.shape), src_is.reshape(src.shape)
            with np.errstate(divide="ignore", invalid="ignore"):  # NaN: no value equals it
                share = g / Tensor(n.reshape(a.shape).astype(g.dtype))
                g_self = share * Tensor(self_is)
                g_src = Gather.apply(share, dim, index) * Tensor(src_is)
        if not include_self:
            hit = np.zeros(a._data.size, dtype=bool)
            hit[ctx.positions] = True
            g_self = MaskedFill.apply(g_self, hit.reshape(a.shape), 0)
        return g_self, g_src, None, None, None, None


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _scatter_reduce(a: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str,
                    include_self: bool, op: str) -> Tensor:
    a = require_tensor(a, op, "input")
    src = require_tensor(src, op, "src")
    zero_d = a.ndim == 0
    base = reshape(a, (1,)) if zero_d else a
    d, idx, src = _scatter_args(base, dim, index, src, op)
    out = ScatterReduce.apply(base, src, d, idx, reduce, bool(include_self))
    return reshape(out, ()) if zero_d else out


def scatter_reduce(a: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """``a`` with ``src[i][j]`` combined into ``out[i][index[i][j]]`` (for ``dim=1``) by
    ``reduce``: ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``, counting ``a``'s
    own value unless ``include_self=False``; places no index names keep ``a``'s value. As
    ``torch.scatter_reduce`` (an integer mean rounds down)."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's aliases
    if reduce not in _REDUCES:
        raise RuntimeError(f"scatter_reduce: reduce argument must be either sum, prod, "
                           f"mean, amax or amin, got {reduce}")
    return _scatter_reduce(a, dim, index, src, reduce, include_self, "scatter_reduce")
