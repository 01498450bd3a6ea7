"""Shape functions with PyTorch's signatures: reshape, flatten, squeeze/unsqueeze, transpose,
expand, cat, stack, meshgrid and indexed writes. They normalise their arguments and call the
Functions in ``minigrad.ops.shape``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dtypes import result_type
from ..ops.elementwise import where
from ..ops.shape import (
    BroadcastTo,
    Cat,
    IndexAdd,
    Permute,
    Reshape,
    normalize_dim,
    normalize_dims,
    take,
)
from ..tensor import Tensor, as_tensor


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


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap ``dim0`` and ``dim1``."""
    d0 = normalize_dim(dim0, a.ndim, "transpose")
    d1 = normalize_dim(dim1, a.ndim, "transpose")
    if a.ndim == 0:  # PyTorch accepts transpose(0, -1) of a 0-d tensor: nothing to swap
        return a
    dims = list(range(a.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(a, dims=tuple(dims))


def movedim(a: Tensor, source: int | Sequence[int], destination: int | Sequence[int]
            ) -> Tensor:
    """``a`` with the dims in ``source`` moved to the places in ``destination`` (the other
    dims keep their order), as ``torch.movedim``."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    n = max(a.ndim, 1)
    src = tuple(normalize_dim(d, n, "movedim") for d in src)
    dst = tuple(normalize_dim(d, n, "movedim") for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {list(src)} or destination "
                           f"{list(dst)}")
    if a.ndim == 0:
        return a
    rest = iter(d for d in range(a.ndim) if d not in src)
    placed = dict(zip(dst, src))
    return Permute.apply(a, dims=tuple(placed[i] if i in placed else next(rest)
                                       for i in range(a.ndim)))


def expand(a: Tensor, sizes: tuple[int, ...]) -> Tensor:
    """Broadcast to ``sizes`` as in PyTorch (-1 keeps a size; new dims are added in front)."""
    lead = len(sizes) - a.ndim
    if lead < 0:
        raise RuntimeError(f"expand: {len(sizes)} sizes given for a tensor of shape {a.shape}")
    shape = tuple(
        (a.shape[i - lead] if s == -1 else s) for i, s in enumerate(sizes)
    )
    return BroadcastTo.apply(a, shape=shape)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim, in the dtype PyTorch's promotion gives them all
    (int64 with float32 is float32)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    dtype = result_type(*tensors)
    return Cat.apply(*(t if t.dtype == dtype else t.to(dtype) for t in tensors), dim=dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along a new dim."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    d = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str | None = None
             ) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D (or 0-d) tensors of equal dtype: the ``i``-th output is the
    ``i``-th tensor laid along dim ``i`` and expanded to the shape of all sizes, so
    ``grid[k][i0, i1, ...]`` is ``tensors[k][ik]``. ``indexing="xy"`` swaps the first two
    dims (rows follow the second tensor, as in plotting); ``"ij"`` is matrix indexing, the
    default, with PyTorch's warning when ``indexing`` is not given. The tensors may come as
    arguments or as one list; gradients reach them (each output is a reshape and expand).

        >>> import minigrad as mg
        >>> xs, ys = mg.meshgrid(mg.tensor([1, 2, 3]), mg.tensor([4, 5]), indexing="xy")
        >>> xs
        tensor([[1, 2, 3],
                [1, 2, 3]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = _check_meshgrid(tensors, indexing)
    dims = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        dims[0], dims[1] = 1, 0
    shape = [0] * len(tensors)
    for t, d in zip(tensors, dims):
        shape[d] = t.numel()
    grids = []
    for t, d in zip(tensors, dims):
        laid = [1] * len(tensors)
        laid[d] = t.numel()
        grids.append(expand(reshape(t, tuple(laid)), tuple(shape)))
    return tuple(grids)


def _indexing(indexing: Any) -> str:
    """The ``indexing`` of meshgrid: "ij" or "xy"; "ij" when not given, with PyTorch's warning."""
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=4)
        return "ij"
    if not isinstance(indexing, str):
        raise TypeError(f"meshgrid: argument 'indexing' must be str, not "
                        f"{type(indexing).__name__}")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    return indexing


def _check_meshgrid(tensors: Sequence[Any], indexing: Any) -> str:
    """The checks of meshgrid, in PyTorch's order; the indexing to use ("ij" when not given,
    with PyTorch's warning)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid: expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty TensorList")
    indexing = _indexing(indexing)
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(f"meshgrid: expects all tensors to have the same dtype, got "
                           f"{[str(t.dtype) for t in tensors]}")
    for i, t in enumerate(tensors):
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got a tensor of shape {tuple(t.shape)} at position {i}")
    return indexing


def normalize_index(index: Any) -> Any:
    """Tensors inside an index become numpy arrays, lists become arrays."""
    if isinstance(index, tuple):
        return tuple(_index_part(i) for i in index)
    return _index_part(index)


def _index_part(i: Any) -> Any:
    if isinstance(i, (str, bytes)):
        raise TypeError(f"index: a tensor cannot be indexed with a string ({i!r})")
    if isinstance(i, Tensor):
        return i._data
    if isinstance(i, list):
        return np.asarray(i)
    return i


def index_put(a: Tensor, index: Any, value: Any) -> Tensor:
    """``a`` with ``a[index] = value`` done out of place; differentiable in both.

    Positions are found by indexing an array of flat positions, so the index means exactly
    what it means for reading, and ``value`` broadcasts to the indexed shape.
    """
    try:
        positions = take(np.arange(a._data.size).reshape(a.shape), index)
    except IndexError as e:
        raise IndexError(f"index: {e} (tensor of shape {a.shape})") from None
    v = value if isinstance(value, Tensor) else Tensor(np.asarray(value))
    if not np.can_cast(v.dtype, a.dtype, "same_kind"):
        raise RuntimeError(
            f"index_put: a value of dtype {v.dtype} can't be cast to the tensor's dtype {a.dtype}"
        )
    try:
        v = BroadcastTo.apply(v.to(a.dtype), shape=positions.shape)
    except ValueError:
        raise RuntimeError(
            f"index_put: shape mismatch: value tensor of shape {v.shape} cannot be broadcast "
            f"to indexing result of shape {positions.shape}"
        ) from None
    order = positions.ravel()
    v = v.reshape(-1)
    _, last_from_end = np.unique(order[::-1], return_index=True)
    if last_from_end.size != order.size:  # a repeated position: the last write wins
        keep = order.size - 1 - last_from_end
        order, v = order[keep], v[keep]
    flat = np.unravel_index(order, a.shape)
    chosen = np.zeros(a.shape, dtype=bool)
    chosen[flat] = True
    return where(chosen, IndexAdd.apply(v, flat, a.shape), a)
