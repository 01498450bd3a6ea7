"""Rearranging functions: flip, roll, repeat/tile, repeat_interleave, chunk/split/unbind,
unflatten, and scatter/scatter_add/scatter_reduce (the writing counterparts of gather).
They check arguments and call the Functions in ``minigrad.ops.manipulation``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..ops.index import MaskedFill, ScatterAdd, _linear
from ..ops.manipulation import Flip, IndexSelect, Roll, Scatter, ScatterReduce, Tile
from ..ops.shape import _is_int, normalize_dim, normalize_dims
from ..tensor import Tensor, require_tensor
from .index import _check_gather
from .shape import index_put, reshape


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


def flip(a: Tensor, dims: Sequence[int]) -> Tensor:
    """``a`` reversed along each dim in ``dims`` (a copy, as ``torch.flip``)."""
    a = require_tensor(a, "flip", "input")
    dims = _int_tuple(dims, "flip", "dims", allow_int=False)
    normalized = normalize_dims(dims, a.ndim, "flip") or ()
    return Flip.apply(a, () if a.ndim == 0 else normalized)


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


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,  # noqa: A002
              alpha: float = 1) -> Tensor:
    """``input`` with ``alpha * source``'s slices along ``dim`` added at the positions in
    ``index`` (1-D, one per slice; repeats add up): ``scatter_add`` with the index spread
    over each slice."""
    a = require_tensor(input, "index_add", "input")
    source = require_tensor(source, "index_add", "source")
    d = normalize_dim(dim, a.ndim, "index_add")
    idx = _index_vector(index, "index_add", a.shape[d] if a.ndim else 1, d)
    src_shape = _check_index_add(a, d, idx, source)
    along = [1] * max(a.ndim, 1)
    along[d] = -1
    spread = np.broadcast_to(idx.astype(np.int64).reshape(along), src_shape)
    scaled = source if alpha == 1 else source * alpha
    return scatter_add(a, d, Tensor(np.ascontiguousarray(spread)),
                       scaled.reshape(src_shape) if a.ndim else scaled.reshape(()))


def _index_vector(index: Any, op: str, size: int, d: int) -> np.ndarray:
    """``index`` as a 0-d or 1-D int32/int64 array of positions in ``[0, size)`` along dim
    ``d``, else PyTorch's error."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}: Expected dtype int32/int64 for index but got: {idx.dtype}")
    if idx.ndim > 1:
        raise IndexError(f"{op}: Index is supposed to be a vector, but got dim: {idx.ndim} "
                         f"with shape {list(idx.shape)}")
    bad = idx[(idx < 0) | (idx >= size)]
    if bad.size:
        raise RuntimeError(f"{op}: index {bad[0]} is out of bounds for dimension {d} with "
                           f"size {size}")
    return idx


def _check_index_add(a: Tensor, d: int, idx: np.ndarray, source: Tensor) -> tuple[int, ...]:
    """index_add's checks of ``source`` against ``a`` and ``idx``; ``source``'s shape (1-D
    for a 0-d one)."""
    if source.dtype != a.dtype:
        raise RuntimeError(f"index_add: self ({a.dtype}) and source ({source.dtype}) must "
                           f"have the same scalar type")
    src_shape = source.shape or (1,)
    others = [(s, n) for i, (s, n) in enumerate(zip(src_shape, a.shape or (1,))) if i != d]
    if len(src_shape) != max(a.ndim, 1) or any(s != n for s, n in others):
        raise RuntimeError(f"index_add: source tensor shape must match self tensor shape, "
                           f"excluding the specified dimension. Got self.shape = "
                           f"{list(a.shape)} source.shape = {list(source.shape)}")
    if idx.size != src_shape[d]:
        raise RuntimeError(f"index_add: Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({src_shape[d]}), for dim: {d}")
    return src_shape


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


def _filled_slices(a: Tensor, dim: int, index: Any, op: str) -> tuple[int, np.ndarray]:
    """``(dim, positions)`` of ``index_fill``/``index_copy``: a 0-d or 1-D int64 ``index``
    of positions along ``dim`` (negative ones from the end where PyTorch allows them)."""
    index = require_tensor(index, op, "index")
    if index.dtype != np.int64:
        kind = IndexError if op == "index_fill" else RuntimeError
        raise kind(f"{op}: expected dtype int64 for index, got {index.dtype}")
    if index.ndim > 1:
        raise RuntimeError(f"{op}: index has to be a vector/scalar, got shape "
                           f"{tuple(index.shape)}")
    d = normalize_dim(dim, a.ndim, op)
    size = a.shape[d] if a.ndim else 1
    idx = index._data.reshape(-1)
    low = -size if op == "index_fill" else 0
    bad = idx[(idx < low) | (idx >= size)]
    if bad.size:
        raise IndexError(f"{op}: index {bad[0]} is out of bounds for dimension {d} with "
                         f"size {size}")
    return d, np.where(idx < 0, idx + size, idx)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``input`` with the slices along ``dim`` at the positions in ``index`` set to
    ``value`` (a number, or a 0-d Tensor that then receives their gradient)."""
    a = require_tensor(input, "index_fill", "input")
    d, idx = _filled_slices(a, dim, index, "index_fill")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"index_fill: only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s)")
    hit = np.zeros(a.shape[d] if a.ndim else 1, bool)
    hit[idx] = True
    mask = np.broadcast_to(hit.reshape((-1,) + (1,) * (a.ndim - d - 1)) if a.ndim else
                           hit.reshape(()), a.shape)
    if isinstance(value, Tensor) and value.requires_grad:  # the value gets its gradient
        return where(mask, value.to(a.dtype), a)
    if isinstance(value, Tensor):
        value = value.item()
    return MaskedFill.apply(a, mask, np.asarray(value).astype(a.dtype))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """``input`` with its slices along ``dim`` at the positions in ``index`` replaced by
    ``source``'s, in order (a repeated position keeps the last); gradients reach both."""
    a = require_tensor(input, "index_copy", "input")
    source = require_tensor(source, "index_copy", "source")
    d, idx = _filled_slices(a, dim, index, "index_copy")
    if source.dtype != a.dtype:
        raise RuntimeError(f"index_copy: self and source expected to have the same dtype, "
                           f"but got (self) {a.dtype} and (source) {source.dtype}")
    src_shape = source.shape if a.ndim else source.reshape(-1).shape
    along = src_shape[d] if len(src_shape) > d else 1
    if idx.size != along:
        raise IndexError(f"index_copy: number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({along})")
    want = a.shape[:d] + (idx.size,) + a.shape[d + 1:] if a.ndim else (idx.size,)
    if tuple(src_shape) != want:
        raise RuntimeError(f"index_copy: source/destination tensor must have same slice "
                         f"shapes: source {tuple(source.shape)}, destination "
                         f"{tuple(a.shape)} along dim {d}")
    if a.ndim == 0:
        return index_put(reshape(a, (1,)), (idx,), source.reshape(-1)).reshape(())
    return index_put(a, (slice(None),) * d + (idx,), source)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:  # noqa: A002
    """``input`` rotated by ``k`` quarter turns in the plane of ``dims``, from the first
    dim's direction towards the second's (a copy, as ``torch.rot90``)."""
    a = require_tensor(input, "rot90", "input")
    dims = _int_tuple(dims, "rot90", "dims", allow_int=False)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if a.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {a.ndim}")
    d0, d1 = (normalize_dim(d, a.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                           f"{dims[0]} and dim1 = {dims[1]}")
    turns = int(k) % 4
    if turns == 0:
        return a.clone()
    if turns == 2:
        return flip(a, (d0, d1))
    return flip(a, (d1,) if turns == 1 else (d0,)).transpose(d0, d1)


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` reversed left to right (along dim 1); at least 2-D."""
    a = require_tensor(input, "fliplr", "input")
    if a.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {tuple(a.shape)}")
    return flip(a, (1,))


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` reversed upside down (along dim 0); at least 1-D."""
    a = require_tensor(input, "flipud", "input")
    if a.ndim < 1:
        raise RuntimeError(f"flipud: input must be >= 1-d, got shape {tuple(a.shape)}")
    return flip(a, (0,))
