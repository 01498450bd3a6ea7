"""``matmul`` with numpy's rules for 1-D and batched operands (``ops.linalg.MatMul``), and
the products built on it: ``dot``, ``mv``, ``outer``, ``tensordot``, ``kron``, ``cross``;
``diag``, ``trace`` and ``block_diag``; ``cdist``, the distances between two sets of rows,
and ``pdist``, between the rows of one."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import check_same_dtype, result_type
from ..ops.elementwise import where
from ..ops.linalg import MatMul
from ..ops.shape import normalize_dim, pad
from ..tensor import Tensor, _operand, require_tensor
from .numeric import vector_norm
from .shape import cat
from .strided import _diagonal_dims


def matmul(a: object, b: object) -> Tensor:
    """``a @ b``. Two Tensors must share a dtype, as in PyTorch; a plain array or number
    takes the Tensor's dtype."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        check_same_dtype("matmul", "the first operand", a, "the second", b)
    elif isinstance(a, Tensor):
        b = _operand(b, a.dtype)
    else:
        a = _operand(a, b.dtype)
    return MatMul.apply(a, b)


def _check_vector(t: Tensor, fn: str, arg: str) -> Tensor:
    t = require_tensor(t, fn, arg)
    if t.ndim != 1:
        raise RuntimeError(f"{fn}: 1D tensors expected, but got {arg} of shape {t.shape}")
    return t


def dot(a: Tensor, b: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of one size and dtype (``torch.dot``)."""
    a, b = _check_vector(a, "dot", "input"), _check_vector(b, "dot", "tensor")
    if a.shape != b.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor {list(a.shape)} "
                           f"and src {list(b.shape)} to have the same number of elements")
    return matmul(a, b)


def mv(mat: Tensor, vec: Tensor) -> Tensor:
    """A matrix times a vector (``torch.mv``)."""
    mat, vec = require_tensor(mat, "mv", "input"), _check_vector(vec, "mv", "vec")
    if mat.ndim != 2 or mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got input {mat.shape}, vec {vec.shape}")
    return matmul(mat, vec)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """``a[i] * b[j]`` for two 1-D tensors (dtypes promoted, as ``torch.outer``)."""
    a, b = _check_vector(a, "outer", "input"), _check_vector(b, "outer", "vec2")
    return a.reshape(-1, 1) * b


def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor laid on the ``diagonal`` of a square matrix (zeros elsewhere), or the
    ``diagonal`` of a 2-D one as a 1-D tensor (``torch.diag``)."""
    a = require_tensor(a, "diag", "input")
    if a.ndim == 2:
        rows = np.arange(max(0, -diagonal), a.shape[0])
        rows = rows[rows + diagonal < a.shape[1]]
        return a[rows, rows + diagonal]
    if a.ndim != 1:
        raise RuntimeError(f"diag: supports 1D or 2D tensors, got shape {a.shape}")
    n, k = a.shape[0] + abs(diagonal), diagonal
    column = pad(a, (0, abs(k))).reshape((n, 1) if k >= 0 else (1, n))
    on = np.subtract.outer(np.arange(n), np.arange(n)) == -k  # column - row == k
    return where(on, column, Tensor(np.zeros((), a.dtype)))


def trace(a: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (integers summed in int64, as in PyTorch)."""
    a = require_tensor(a, "trace", "input")
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got a tensor of shape {a.shape}")
    return diag(a).sum()


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """The sum over ``dims`` of ``a``'s and ``b``'s products: an int ``n`` pairs ``a``'s last
    ``n`` dims with ``b``'s first ``n``, two lists pair the dims they name. One ``matmul`` of
    the two, each permuted and flattened to (free, contracted) and (contracted, free)."""
    a, b = require_tensor(a, "tensordot", "a"), require_tensor(b, "tensordot", "b")
    dims_a, dims_b = _contracted(a, b, dims._data.tolist() if isinstance(dims, Tensor) else dims)
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = int(np.prod([a.shape[d] for d in dims_a], dtype=np.int64))
    left = a.permute(*free_a, *dims_a).reshape(-1, k)
    right = b.permute(*dims_b, *free_b).reshape(k, -1)
    return matmul(left, right).reshape(*[a.shape[d] for d in free_a],
                                       *[b.shape[d] for d in free_b])


def _last_and_first(a: Tensor, b: Tensor, n: int) -> tuple[range, range]:
    """An int ``dims``: ``a``'s last ``n`` dims against ``b``'s first ``n``."""
    if n < 0:
        raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
    if n > min(a.ndim, b.ndim):
        raise RuntimeError(f"tensordot: dims={n} is more than the ranks of a "
                           f"{tuple(a.shape)} and b {tuple(b.shape)}")
    return range(a.ndim - n, a.ndim), range(n)


def _contracted(a: Tensor, b: Tensor, dims: Any) -> tuple[list[int], list[int]]:
    """The ``dims`` of tensordot as two lists of non-negative dims of ``a`` and ``b``, of
    equal sizes."""
    if isinstance(dims, (int, np.integer)):
        dims = _last_and_first(a, b, int(dims))
    dims_a, dims_b = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("tensordot: both dimension lists should have same length")
    dims_a = [normalize_dim(d, a.ndim, "tensordot") for d in dims_a]
    dims_b = [normalize_dim(d, b.ndim, "tensordot") for d in dims_b]
    for da, db in zip(dims_a, dims_b, strict=True):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has "
                               f"size {a.shape[da]} in dim {da} and second has size "
                               f"{b.shape[db]} in dim {db}")
    return dims_a, dims_b


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002  (PyTorch's names)
    """The Kronecker product: ``other`` scaled by each element of ``input``, laid out in
    ``input``'s grid (the ranks evened out with leading 1s)."""
    a, b = require_tensor(input, "kron", "input"), require_tensor(other, "kron", "other")
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    spread_a = a.reshape(*[s for n in sa for s in (n, 1)])  # (a0, 1, a1, 1, ...)
    spread_b = b.reshape(*[s for n in sb for s in (1, n)])  # (1, b0, 1, b1, ...)
    return (spread_a * spread_b).reshape(*[x * y for x, y in zip(sa, sb, strict=True)])


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (each 0-, 1- or 2-D, taken as a matrix) along the diagonal of one matrix,
    zeros elsewhere, in their promoted dtype."""
    blocks = []
    for i, t in enumerate(tensors):
        t = require_tensor(t, "block_diag", f"tensors[{i}]")
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.ndim} dimensions")
        blocks.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not blocks:
        return Tensor(np.zeros((1, 0), np.float32))  # as PyTorch's default dtype, empty
    dtype = result_type(*tensors)
    width, left = sum(t.shape[1] for t in blocks), 0
    rows = []
    for t in blocks:
        rows.append(pad(t.to(dtype), (left, width - left - t.shape[1])))
        left += t.shape[1]
    return cat(rows, 0)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (broadcast); with no ``dim``, the first
    dim of size 3, as ``torch.cross`` (``linalg.cross`` takes the last)."""
    a, b = require_tensor(input, "cross", "input"), require_tensor(other, "cross", "other")
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, "
                           f"got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if dim is None:
        shape = np.broadcast_shapes(a.shape, b.shape)
        if 3 not in shape:
            raise RuntimeError("cross: no dimension of size 3 in input")
        dim = shape.index(3)
    da, db = normalize_dim(dim, a.ndim, "cross"), normalize_dim(dim, b.ndim, "cross")
    if a.shape[da] != 3 or b.shape[db] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[da]} and {b.shape[db]}")
    x = [a.narrow(da, i, 1) for i in range(3)]
    y = [b.narrow(db, i, 1) for i in range(3)]
    parts = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]]
    return cat(parts, dim)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M): (..., P, R), batch dims broadcast. Always from the differences, which
    PyTorch's ``donot_use_mm_for_euclid_dist`` mode also does: exact at equal rows where the
    matrix-product shortcut is not, at the price of a (..., P, R, M) intermediate."""
    x1, x2 = require_tensor(x1, "cdist", "x1"), require_tensor(x2, "cdist", "x2")
    for t, name in ((x1, "X1"), (x2, "X2")):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"cdist: {compute_mode} is not a valid value for compute_mode")
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2,  # noqa: A002
               dim2: int = -1) -> Tensor:
    """The last dim of ``input`` laid on the ``offset`` diagonal of new square planes in
    dims ``dim1`` and ``dim2`` of the result (zeros elsewhere), as ``torch.diag_embed``:
    ``diagonal(diag_embed(x, k), k, -2, -1)`` is ``x``. A mask and a ``where``, like
    ``diag``, so the gradient is the diagonal of ``g``."""
    a = require_tensor(input, "diag_embed", "input")
    if not isinstance(offset, (int, np.integer)) or isinstance(offset, bool):
        raise TypeError(f"diag_embed: argument 'offset' must be int, not "
                        f"{type(offset).__name__}")
    d1, d2 = _diagonal_dims(a.ndim + 1, dim1, dim2, "diag_embed")
    k = int(offset)
    n = a.shape[-1] + abs(k)
    laid = pad(a, (0, abs(k))).unsqueeze(-1 if k >= 0 else -2)  # row i x[i], or column j x[j]
    on = np.subtract.outer(np.arange(n), np.arange(n)) == -k  # column - row == k
    planes = where(on, laid, Tensor(np.zeros((), a.dtype)))
    return planes.movedim((-2, -1), (d1, d2))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """``input`` flattened and laid on the ``offset`` diagonal of a square matrix
    (``diag`` of the flattened input)."""
    a = require_tensor(input, "diagflat", "input")
    return diag(a.reshape(-1), offset)


def pdist(input: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """The ``p``-norm distance between each pair of rows ``i < j`` of ``input`` ``(N, M)``,
    in row-major order: ``(N * (N - 1) / 2,)``, the upper triangle of ``cdist(input,
    input)`` without its diagonal. Computed from the differences, with PyTorch's gradient
    (for ``p = inf``, the whole of it to every element at the maximum)."""
    x = require_tensor(input, "pdist", "input")
    if x.ndim != 2:
        raise RuntimeError(f"pdist: pdist only supports 2D tensors, got: {x.ndim}D (shape "
                           f"{x.shape})")
    if x.dtype.kind != "f":
        raise RuntimeError(f"pdist: pdist only supports floating-point dtypes, got {x.dtype}")
    if not p >= 0:
        raise RuntimeError(f"pdist: pdist only supports non-negative p values, got p={p}")
    rows, cols = np.triu_indices(x.shape[0], 1)
    d = x[rows] - x[cols]
    if d.shape[1] == 0:  # no coordinates: every distance is 0 (for p = inf too)
        return d.sum(-1)
    if p == 0:  # PyTorch's count: min(ceil(|d|), 1) summed (NaN stays), no gradient
        with np.errstate(invalid="ignore"):
            count = np.minimum(np.ceil(np.abs(d._data)), 1).sum(-1)
        return where(np.ones(count.shape, bool), Tensor(count), d.sum(-1))
    nan = np.isnan(d._data)
    if p == np.inf:  # PyTorch's gradient of a NaN maximum is NaN at every coordinate
        nan = nan | nan.any(-1, keepdims=True)
    if nan.any():  # where the value is NaN already: a NaN gradient, as PyTorch's
        d = d * Tensor(np.where(nan, np.nan, 1.0).astype(d.dtype))
    return _max_norm_every_tie(d) if p == np.inf else vector_norm(d, p, dim=-1)


def _max_norm_every_tie(d: Tensor) -> Tensor:
    """``max(|d|)`` along the last dim with the gradient PyTorch's pdist gives: ``sign(d)``
    at each element at the maximum. ``vector_norm`` shares it among the ``k`` ties (as
    ``torch.norm``), so a term of value 0 adds the other ``(k - 1) / k`` of it."""
    top = vector_norm(d, np.inf, dim=-1)
    with np.errstate(invalid="ignore"):  # inf * 0 and inf - inf: not kept (finite below)
        ties = (np.abs(d._data) == top._data[:, None]).sum(-1)
        more = top * Tensor(np.maximum(ties - 1, 0).astype(d.dtype))
        finite = np.isfinite(more._data)
        return top + where(finite, more - more.detach(), 0.0)
