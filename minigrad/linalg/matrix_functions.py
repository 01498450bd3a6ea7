"""Functions of matrices and products: ``matrix_power``, ``matrix_exp``, ``multi_dot``
(``chain_matmul``), ``vander``, ``vecdot`` (``vdot``), and ``norm``, the one entry that
picks ``vector_norm`` or ``matrix_norm``.

Only ``matrix_exp`` is a Function of its own: Pade approximation with scaling and
squaring forward, and PyTorch's backward, the upper-right block of the exponential of
``[[A^T, G], [0, A^T]]``, itself a ``MatrixExp`` so it differentiates again. The rest are
compositions of ops that already have their gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..functional import numeric as _numeric
from ..functional.linalg import matmul
from ..functional.shape import cat
from ..ops.shape import normalize_dim
from ..tensor import Tensor, require_tensor
from ._common import check_float, check_matrix, dtype_name, eye_like
from .solve import inv

# ----------------------------------------------------------------------------- powers


def matrix_power(A: Tensor, n: int, *, out: None = None) -> Tensor:  # noqa: N803
    """``A`` to the integer power ``n`` by repeated squaring (``torch.linalg.matrix_power``);
    a negative ``n`` raises ``inv(A)``, ``n = 0`` gives identities."""
    name = "linalg.matrix_power"
    A = check_matrix(A, name, floating=False)  # noqa: N806
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name}: argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        A, n = inv(A), -n  # noqa: N806
    if n == 0:
        return A * 0 + eye_like(A.shape[-1], A.dtype)
    result, square = None, A
    while n:
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if n:
            square = square @ square
    return result


# Higham's (2005) [13/13] Pade coefficients and the 1-norm up to which they suffice.
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(a: np.ndarray) -> np.ndarray:
    """``exp`` of each matrix, in float64: scale by ``2^-s`` under ``_THETA13``, the [13/13]
    Pade approximant, then ``s`` squarings (each matrix its own ``s``)."""
    b = _PADE13
    norm = np.abs(a).sum(-2).max(-1, initial=0.0)
    with np.errstate(all="ignore"):
        s = np.where(np.isfinite(norm), np.ceil(np.log2(np.maximum(norm, 1e-300) / _THETA13)), 0)
    s = np.maximum(s, 0).astype(np.int64)
    a = a / (2.0 ** s)[..., None, None]
    eye = np.eye(a.shape[-1])
    a2 = a @ a
    a4, a6 = a2 @ a2, a2 @ a2 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    with np.errstate(all="ignore"):
        r = np.linalg.solve(v - u, v + u)
    for k in range(int(s.max(initial=0))):
        r = np.where((s > k)[..., None, None], r @ r, r)
    return r


class MatrixExp(Function):
    """The exponential of each matrix; gradient: the upper-right block of
    ``exp([[A^T, G], [0, A^T]])`` (PyTorch's), a MatrixExp again."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        ctx.save_for_backward(a)
        if a._data.size == 0:
            return a._data.copy()
        return _expm(a._data.astype(np.float64)).astype(a.dtype)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        at = a.mT.expand(*g.shape)
        top = cat([at, g], -1)
        bottom = cat([at * 0, at], -1)
        return MatrixExp.apply(cat([top, bottom], -2))[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:  # noqa: N803
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix of ``A``
    (``torch.linalg.matrix_exp``)."""
    return MatrixExp.apply(check_matrix(A, "linalg.matrix_exp"))


# ----------------------------------------------------------------------------- products


def _check_chain(tensors: Sequence[Tensor]) -> list[Tensor]:
    """multi_dot's rules: 2-D tensors, the first and last possibly 1-D, one dtype, sizes
    that chain."""
    name = "multi_dot"
    ts = [require_tensor(t, "multi_dot", f"tensors[{i}]") for i, t in enumerate(tensors)]
    if len(ts) < 2:
        raise RuntimeError(f"{name}: expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        where_ = {0: "the first tensor", len(ts) - 1: "the last tensor"}.get(i)
        allowed = (1, 2) if where_ else (2,)
        if t.ndim not in allowed:
            what = where_ + " must be 1D or 2D" if where_ else f"tensor {i} must be 2D"
            raise RuntimeError(f"{name}: {what} but got {t.ndim}D")
        if t.dtype != ts[0].dtype:
            raise RuntimeError(f"{name}: all tensors must have be the same dtype but tensor 0 "
                               f"is {ts[0].dtype} and tensor {i} {t.dtype}")
    return ts


def multi_dot(tensors: Sequence[Tensor], *, out: None = None) -> Tensor:
    """The product of a chain of matrices (the first and last may be vectors), as
    ``torch.linalg.multi_dot``, multiplied left to right (PyTorch picks the cheapest order:
    the same value up to rounding)."""
    ts = _check_chain(tensors)
    first, last = ts[0].ndim == 1, ts[-1].ndim == 1
    ts = [ts[0].unsqueeze(0) if first else ts[0], *ts[1:-1],
          ts[-1].unsqueeze(-1) if last else ts[-1]]
    result = ts[0]
    for i, t in enumerate(ts[1:], 1):
        if result.shape[-1] != t.shape[0]:
            raise RuntimeError(f"multi_dot: tensors {i - 1} and {i} with shapes "
                               f"{list(tensors[i - 1].shape)} and {list(tensors[i].shape)} "
                               "cannot be multiplied")
        result = result @ t
    result = result.squeeze(0) if first else result
    return result.squeeze(-1) if last else result


def chain_matmul(*matrices: Tensor, out: None = None) -> Tensor:
    """``torch.chain_matmul`` (deprecated there for ``linalg.multi_dot``): the product of
    2-D matrices; one matrix is returned as it is."""
    if not matrices:
        raise RuntimeError("chain_matmul: Expected one or more matrices")
    for m in matrices:
        if require_tensor(m, "chain_matmul", "matrices").ndim != 2:
            raise RuntimeError(f"chain_matmul: Tensor dimension is {m.ndim}, expected 2 "
                               "instead.")
    return matrices[0] if len(matrices) == 1 else multi_dot(matrices)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: None = None) -> Tensor:
    """The dot product of the vectors along ``dim`` of ``x`` and ``y``, broadcast
    (``torch.linalg.vecdot``)."""
    name = "linalg.vecdot"
    x, y = require_tensor(x, name, "x"), require_tensor(y, name, "y")
    if x.dtype != y.dtype:
        raise RuntimeError(f"{name}: Expected x and y to have the same dtype, but found x of "
                           f"type {dtype_name(x.dtype)} and y of type {dtype_name(y.dtype)} "
                           "instead")
    return (x * y).sum(dim)


def vdot(input: Tensor, other: Tensor, *, out: None = None) -> Tensor:  # noqa: A002
    """``torch.vdot``: the dot product of two 1-D tensors (conjugating the first, which is
    the plain dot product for real ones)."""
    a, b = require_tensor(input, "vdot", "input"), require_tensor(other, "vdot", "other")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"vdot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D "
                           "tensors")
    if a.shape != b.shape:
        raise RuntimeError(f"vdot: inconsistent tensor size, expected tensor {list(a.shape)} "
                           f"and src {list(b.shape)} to have the same number of elements, "
                           f"but got {a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"vdot: expected both vectors to have same dtype, but found "
                           f"{dtype_name(a.dtype)} and {dtype_name(b.dtype)}")
    return matmul(a, b)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803
    """``torch.linalg.vander``: the powers ``x^0 ... x^(N-1)`` of each element, increasing,
    along a new last dim (``torch.vander`` is the 1-D, decreasing convention); ``N``
    defaults to ``x``'s last size."""
    name = "linalg.vander"
    x = require_tensor(x, name, "x")
    if x.ndim < 1:
        raise RuntimeError(f"{name}: x must have at least one dimension, got shape {x.shape}")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError(f"{name}: N must be greater than 1, got N={n}")
    ones = Tensor(np.ones(x.shape + (1,), x.dtype))
    powers = x.unsqueeze(-1).expand(*x.shape, n - 1).cumprod(-1)
    return cat([ones, powers], -1)


# ----------------------------------------------------------------------------- norms


def _norm_dims(A: Tensor, ord: Any, dim: Any) -> tuple[int, ...] | None:  # noqa: A002, N803
    """``dim`` as a tuple, or None (the whole flattened tensor, for ``ord=None``)."""
    name = "linalg.norm"
    if dim is None:
        if ord is None:
            return None
        if A.ndim not in (1, 2):
            raise RuntimeError(f"{name}: If dim is not specified but ord is, the input must be "
                               f"1D or 2D. Got {A.ndim}D.")
        return tuple(range(A.ndim))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if len(dims) not in (1, 2):
        raise RuntimeError(f"{name}: If dim is specified, it must be of length 1 or 2. Got "
                           f"{list(dims)}")
    return tuple(normalize_dim(d, A.ndim, name) for d in dims)


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002, N803
         dtype: Any = None, out: None = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm over one dim (or, with ``ord=None`` and no
    ``dim``, over all elements), a matrix norm over two; without ``dim`` a given ``ord``
    needs a 1-D or 2-D ``A``."""
    A = require_tensor(A, "linalg.norm", "A")  # noqa: N806
    check_float(A.to(dtype) if dtype is not None else A, "linalg.norm")
    dims = _norm_dims(A, ord, dim)
    if dims is not None and len(dims) == 2:
        return _numeric.matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: Order {ord} not supported for a vector norm (dim "
                           f"{dims}); 'fro' and 'nuc' are matrix norms")
    return _numeric.vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)



def spectral_norm(A: Tensor, ord: int, d0: int, d1: int, keepdim: bool) -> Tensor:  # noqa: A002, N803
    """``matrix_norm``'s ord 2 / -2: the largest / smallest singular value of the matrices
    over ``(d0, d1)``, ``svdvals`` of them moved last, then ``amax`` / ``amin``."""
    if A.shape[d0] == 0 or A.shape[d1] == 0:
        return _empty_spectral(A, ord, d0, d1, keepdim)
    from .decompositions import svdvals

    rest = [i for i in range(A.ndim) if i not in (d0, d1)]
    s = svdvals(A.permute(*rest, d0, d1))
    result = s.amax(-1) if ord > 0 else s.amin(-1)
    for d in sorted((d0, d1)) if keepdim else ():
        result = result.unsqueeze(d)
    return result


def _empty_spectral(A: Tensor, ord: int, d0: int, d1: int, keepdim: bool) -> Tensor:  # noqa: A002, N803
    """PyTorch's spectral norm of empty matrices: 0 for ord=2 (amax over no singular values
    is 0 there), its amin's IndexError for ord=-2."""
    if ord < 0:
        raise IndexError(f"linalg.matrix_norm: amin(): Expected reduction dim -1 to have "
                         f"non-zero size (ord=-2 of matrices of shape "
                         f"{(A.shape[d0], A.shape[d1])}, input {A.shape})")
    return A.sum((d0, d1), keepdim=keepdim) * 0


def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                 dtype: Any = None, out: None = None) -> Tensor:
    """``torch.nuclear_norm``: the sum of singular values of a matrix (or of the matrices
    over the two dims ``dim``, the last two by default); ``matrix_norm(input, "nuc")`` under
    its old name (PyTorch's deprecation warning is not repeated).

    >>> import minigrad as mg
    >>> mg.nuclear_norm(mg.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor(7.)
    """
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim) is PyTorch's first overload
        dim, keepdim = None, dim
    input = require_tensor(input, "nuclear_norm", "input")
    return _numeric.matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim,
                                dtype=dtype)
