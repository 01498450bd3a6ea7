"""Several tensors joined, split or broadcast together, with PyTorch's signatures:
``hstack``, ``vstack``, ``dstack``, ``column_stack``, ``atleast_1d/2d/3d``,
``tensor_split`` (and ``hsplit``, ``vsplit``, ``dsplit``), ``broadcast_to``,
``broadcast_tensors``, ``cartesian_prod`` and ``combinations``.

Each is a composite of reshape, expand, indexing and ``cat``, so gradients reach every input
and can be differentiated again; the pieces of a split are indexing views of the input, as
PyTorch's are.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dtypes import result_type
from ..ops.shape import _is_int, normalize_dim
from ..tensor import Tensor, _broadcast_error, require_tensor
from .shape import cat, expand, meshgrid, reshape, stack

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_tensors", "broadcast_to",
           "cartesian_prod", "column_stack", "combinations", "dsplit", "dstack", "hsplit",
           "hstack", "tensor_split", "vsplit", "vstack"]


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:  # noqa: A002
    """``input`` expanded to ``size`` without copying (-1 keeps a size), as ``expand``:
    new dims are added in front; the gradient is summed back."""
    input = require_tensor(input, "broadcast_to", "input")
    sizes = tuple(size)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"broadcast_to: the number of sizes provided ({len(sizes)}) must "
                           f"be greater or equal to the number of dimensions in the tensor "
                           f"({input.ndim}, shape {tuple(input.shape)})")
    lead = len(sizes) - input.ndim
    if -1 in sizes[:lead]:
        raise RuntimeError(f"broadcast_to: the expanded size of the tensor (-1) isn't allowed "
                           f"in a leading, non-existing dimension (size {sizes}, shape "
                           f"{tuple(input.shape)})")
    try:
        return expand(input, sizes)
    except RuntimeError:
        raise RuntimeError(f"broadcast_to: the shape {tuple(input.shape)} cannot be expanded "
                           f"to size {sizes}") from None


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded to their one broadcast shape (views; gradients summed back)."""
    for i, t in enumerate(tensors):
        require_tensor(t, "broadcast_tensors", f"tensors[{i}]")
    shapes = [t.shape for t in tensors]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        a, b = _first_clash(shapes)
        raise _broadcast_error("broadcast_tensors", a, b) from None
    return tuple(expand(t, shape) for t in tensors)


def _first_clash(shapes: list[tuple[int, ...]]) -> tuple[tuple, tuple]:
    """The first two shapes of ``shapes`` that do not broadcast together."""
    for i, j in itertools.combinations(range(len(shapes)), 2):
        try:
            np.broadcast_shapes(shapes[i], shapes[j])
        except ValueError:
            return shapes[i], shapes[j]
    return shapes[0], shapes[-1]  # pragma: no cover (pairs that agree agree together)


def _tensors(args: tuple, fn: str) -> tuple[Tensor, ...]:
    """``f(a, b)`` and ``f([a, b])`` alike, as PyTorch's ``atleast_*d``."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    for i, t in enumerate(args):
        require_tensor(t, fn, f"tensors[{i}]")
    return args


def _at_least(args: tuple, fn: str, shape_of: Any) -> Any:
    """One tensor back for one tensor given, else a tuple, as PyTorch's ``atleast_*d``."""
    single = len(args) == 1 and isinstance(args[0], Tensor)
    out = tuple(reshape(t, shape_of(t.shape)) for t in _tensors(args, fn))
    return out[0] if single else out


def atleast_1d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor with at least one dim (a 0-d one becomes shape (1,)); views."""
    return _at_least(tensors, "atleast_1d", lambda s: s or (1,))


def atleast_2d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor with at least two dims: a 0-d one (1, 1), a 1-D one (1, n)."""
    return _at_least(tensors, "atleast_2d", lambda s: (1,) * (2 - len(s)) + s
                     if len(s) < 2 else s)


def atleast_3d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor with at least three dims: 0-d (1, 1, 1), (n,) (1, n, 1), (m, n)
    (m, n, 1), as numpy's."""
    return _at_least(tensors, "atleast_3d", lambda s: {0: (1, 1, 1), 1: (1, *s, 1),
                                                       2: (*s, 1)}.get(len(s), s))


def _joined(tensors: Any, fn: str) -> list[Tensor]:
    """The tensors of a stacking function in their promoted dtype (``cat``'s rule)."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}: argument 'tensors' must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{fn}: expects a non-empty TensorList")
    tensors = list(_tensors(tuple(tensors), fn))
    dtype = result_type(*[t._data for t in tensors])
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


def _cat(tensors: list[Tensor], dim: int, fn: str) -> Tensor:
    """``cat`` with the stacking function's name on a shape mismatch."""
    try:
        return cat(tensors, dim)
    except RuntimeError as e:
        raise RuntimeError(f"{fn}: {e}") from None


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined column-wise: along dim 0 for 1-D ones (0-d become 1-D), else dim 1."""
    parts = [atleast_1d(t) for t in _joined(tensors, "hstack")]
    return _cat(parts, 0 if parts[0].ndim == 1 else 1, "hstack")


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined row-wise (dim 0), each made at least 2-D first (``(n,)`` a row)."""
    return _cat([atleast_2d(t) for t in _joined(tensors, "vstack")], 0, "vstack")


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined depth-wise (dim 2), each made at least 3-D first."""
    return _cat([atleast_3d(t) for t in _joined(tensors, "dstack")], 2, "dstack")


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined as columns (dim 1): 0-d and 1-D ones become one column each."""
    parts = [reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t
             for t in _joined(tensors, "column_stack")]
    return _cat(parts, 1, "column_stack")


def _slice(a: Tensor, d: int, start: int, stop: int) -> Tensor:
    return a[(slice(None),) * d + (slice(start, stop),)]


def _split_points(spec: Any, fn: str) -> int | list[int]:
    """``indices_or_sections`` as an int (sections) or a list of split indices."""
    if isinstance(spec, Tensor):
        if spec.dtype != np.int64:
            raise RuntimeError(f"{fn}: expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {spec.dtype}")
        if spec.ndim > 1:
            raise RuntimeError(f"{fn}: expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a "
                               f"tensor with {spec.ndim} dims")
        return int(spec.item()) if spec.ndim == 0 else spec._data.tolist()
    if _is_int(spec):
        return int(spec)
    if isinstance(spec, (list, tuple)) and all(_is_int(i) for i in spec):
        return [int(i) for i in spec]
    raise TypeError(f"{fn}: argument 'indices_or_sections' must be int, tuple of ints or "
                    f"Tensor, not {type(spec).__name__}")


def tensor_split(input: Tensor, indices_or_sections: Any,  # noqa: A002
                 dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` split along ``dim`` into ``sections`` pieces (the first ``n % sections``
    one longer), or at the given indices (Python's slice rules: past the end, decreasing or
    negative indices give empty or shortened pieces), as numpy's ``array_split``. Views."""
    input = require_tensor(input, "tensor_split", "input")
    if input.ndim == 0:
        raise RuntimeError("tensor_split: expected at least a 1-dimensional tensor, but got "
                           "a tensor with 0 dims")
    d = normalize_dim(dim, input.ndim, "tensor_split")
    points = _split_points(indices_or_sections, "tensor_split")
    if isinstance(points, int):
        if points <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, "
                               f"got {points}")
        n = input.shape[d]
        size, extra = divmod(n, points)
        points = np.cumsum([size + (i < extra) for i in range(points - 1)]).tolist()
    bounds = [0, *points, None]
    return tuple(_slice(input, d, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]))


def _directional_split(input: Any, spec: Any, fn: str, dim: int, min_dims: int) -> tuple:
    """hsplit/vsplit/dsplit: ``tensor_split`` along ``dim``, an int spec dividing evenly."""
    input = require_tensor(input, fn, "input")
    if input.ndim < min_dims:
        raise RuntimeError(f"{fn}: requires a tensor with at least {min_dims} dimension, but "
                           f"got a tensor with {input.ndim} dimensions")
    points = _split_points(spec, fn)
    if isinstance(points, int):
        n = input.shape[dim]
        if points == 0 or n % points:
            raise RuntimeError(f"{fn}: attempted to split along dimension {dim}, but the "
                               f"size of the dimension {n} is not divisible by the "
                               f"split_size {points}!")
    return tensor_split(input, points, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 1 (dim 0 for a 1-D tensor); sections must divide evenly."""
    dim = 0 if isinstance(input, Tensor) and input.ndim == 1 else 1
    return _directional_split(input, indices_or_sections, "hsplit", dim, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 0 of a tensor of at least 2 dims."""
    return _directional_split(input, indices_or_sections, "vsplit", 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 2 of a tensor of at least 3 dims."""
    return _directional_split(input, indices_or_sections, "dsplit", 2, 3)


def _vectors(tensors: tuple, fn: str) -> tuple[Tensor, ...]:
    """1-D tensors, or PyTorch's RuntimeError naming the shape."""
    for i, t in enumerate(tensors):
        require_tensor(t, fn, f"tensors[{i}]")
        if t.ndim != 1:
            raise RuntimeError(f"{fn}: expect a 1D vector, but got shape {list(t.shape)} "
                               f"(tensors[{i}])")
    return tensors


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, as the rows of a
    ``(n_1 * ... * n_k, k)`` tensor (one tensor given: that tensor)."""
    tensors = _vectors(tensors, "cartesian_prod")
    if len(tensors) == 1:
        return tensors[0]
    try:
        grids = meshgrid(*tensors, indexing="ij")
    except RuntimeError as e:
        raise RuntimeError(f"cartesian_prod: {e}") from None
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input: Tensor, r: int = 2,  # noqa: A002
                 with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements, as the rows of an (m, r)
    tensor in ``itertools.combinations`` order (``with_replacement``: also repeating an
    element); ``r=0`` gives an empty 1-D tensor, as PyTorch's."""
    (input,) = _vectors((input,), "combinations")
    if not _is_int(r):
        raise TypeError(f"combinations: argument 'r' must be int, not {type(r).__name__}")
    if r < 0:
        raise RuntimeError(f"combinations: expect a non-negative number, but got {r}")
    if r == 0:
        return input[np.zeros(0, np.int64)]
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    return input[index]
