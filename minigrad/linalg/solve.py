"""Linear systems and determinants: ``inv``, ``solve``, ``solve_triangular``,
``cholesky_solve``, ``det`` and ``slogdet`` (and PyTorch's older spellings of them).

Each is a Function whose forward is numpy's LAPACK call and whose backward is PyTorch's
formula written in Tensor ops: ``inv``'s gradient ``-A^-T G A^-T`` uses the saved inverse,
``solve``'s solves with ``A^T`` again (a ``Solve``), so every gradient is differentiable
again. A singular matrix to invert or solve with raises ``LinAlgError``, as in PyTorch.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..autograd import Context, Function
from ..functional.shape import cat
from ..ops.elementwise import where
from ..tensor import Tensor, require_tensor
from ._common import (
    LinAlgError,
    batch_element,
    check_matrix,
    check_same_dtype,
    eye_like,
    fill_nan,
    nan_matrices,
)

# ----------------------------------------------------------------------------- inverse


def _singular(a: np.ndarray) -> np.ndarray:
    """Which matrices of a batch LAPACK's LU finds singular (an exactly zero pivot; one
    holding a NaN is not: its results are NaN)."""
    data, nans = nan_matrices(a)
    with np.errstate(all="ignore"):
        return fill_nan(np.linalg.det(data), nans, matrix=False) == 0


def _inv(a: np.ndarray, name: str) -> np.ndarray:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"{name}: {batch_element(_singular(a))}The input matrix is singular, "
                          "the inversion could not be completed (a diagonal element of its "
                          "LU factorization is zero).") from None


class Inv(Function):
    """The inverse of each matrix; gradient ``-X^T G X^T`` from the saved inverse ``X``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        data, nans = nan_matrices(a._data)
        out = fill_nan(_inv(data, "linalg.inv"), nans)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        xt = x.mT
        return -(xt @ g @ xt)


def inv(A: Tensor, *, out: None = None) -> Tensor:  # noqa: N803  (PyTorch's name)
    """The inverse of each square matrix of ``A`` (``torch.linalg.inv``); a singular one
    raises ``LinAlgError``."""
    A = check_matrix(A, "linalg.inv")  # noqa: N806
    return Inv.apply(A)


def inverse(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.inverse``: ``linalg.inv``."""
    return inv(input)


class InvExResult(NamedTuple):
    """``(inverse, info)``, as ``torch.linalg.inv_ex`` returns."""

    inverse: Tensor
    info: Tensor


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:  # noqa: N803
    """``inv`` that reports singular matrices in ``info`` (int32, non-zero where singular)
    instead of raising, unless ``check_errors``; their inverse is NaN here."""
    A = check_matrix(A, "linalg.inv_ex")  # noqa: N806
    bad = _singular(A._data)
    if check_errors or not bad.any():
        return InvExResult(inv(A), Tensor(np.zeros(A.shape[:-2], np.int32)))
    mask = bad[..., None, None]
    X = where(mask, np.nan, Inv.apply(where(mask, eye_like(A.shape[-1], A.dtype), A)))  # noqa: N806
    return InvExResult(X, Tensor(bad.astype(np.int32)))


# ----------------------------------------------------------------------------- solve


class Solve(Function):
    """``X = A^-1 B`` for a matrix right-hand side, batch dims broadcast; gradients
    ``gB = A^-T G`` (a Solve again) and ``gA = -gB X^T``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> np.ndarray:
        data, nans = nan_matrices(a._data)
        try:
            out = fill_nan(np.linalg.solve(data, b._data), nans)
        except np.linalg.LinAlgError:
            raise LinAlgError(f"linalg.solve: {batch_element(_singular(data))}The solver "
                              "failed because the input matrix is singular.") from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, x = ctx.saved_tensors
        gb = Solve.apply(a.mT, g)
        return -(gb @ x.mT), gb


def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:  # noqa: N803
    """PyTorch's rule: ``B`` is a (batch of) vector(s) when it is 1-D, or when it has one dim
    fewer than ``A`` and ``A``'s shape without its last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


def _check_system(A: Tensor, B: Tensor, name: str, eq: str) -> None:  # noqa: N803
    """``B``'s rows (columns for ``XA = B``) match ``A``'s size; batch dims broadcast."""
    n, rows = A.shape[-1], (B.shape[-2] if eq == "AX = B" else B.shape[-1])
    try:
        np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    except ValueError:
        rows = -1
    if rows != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                           f"({A.shape[-2]}x{n} and {B.shape[-2]}x{B.shape[-1]})")


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: None = None) -> Tensor:  # noqa: N803
    """The solution ``X`` of ``A X = B`` (``X A = B`` when not ``left``), as
    ``torch.linalg.solve``: ``B`` a matrix or, by PyTorch's rule, a (batch of) vector(s);
    batch dims broadcast. A singular ``A`` raises ``LinAlgError``."""
    name = "linalg.solve"
    A = check_matrix(A, name)  # noqa: N806
    B = require_tensor(B, name, "B")  # noqa: N806
    check_same_dtype(name, A, B)
    vector = _is_vector_rhs(A, B)
    B = B.unsqueeze(-1) if vector else B  # noqa: N806
    _check_system(A, B, name, "AX = B" if left else "XA = B")
    X = Solve.apply(A, B) if left else Solve.apply(A.mT, B.mT).mT  # noqa: N806
    return X.squeeze(-1) if vector else X


# ----------------------------------------------------------------------------- triangular


def _substitute(t: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """Forward or back substitution, row by row: a zero on the diagonal gives inf/NaN, as
    LAPACK's trsm does (no error)."""
    shape = np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:]
    x = np.zeros(shape, np.result_type(t, b))
    n = t.shape[-1]
    with np.errstate(all="ignore"):
        for i in range(n - 1, -1, -1) if upper else range(n):
            rest = t[..., i : i + 1, :] @ x  # the rows still zero add nothing
            x[..., i, :] = (b[..., i, :] - rest[..., 0, :]) / t[..., i, i : i + 1]
    return x


def triangular_part(a: np.ndarray, upper: bool, unitriangular: bool) -> np.ndarray:
    """The triangle of ``a`` that a triangular solve reads, ones on its diagonal when
    ``unitriangular``."""
    t = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        i = np.arange(a.shape[-1])
        t[..., i, i] = 1
    return t


def tri_solve(a: np.ndarray, b: np.ndarray, upper: bool, unitriangular: bool = False) -> np.ndarray:
    """``T^-1 b`` for the triangle ``T`` of ``a``: LAPACK's solver, or substitution when a
    diagonal element is zero."""
    t = triangular_part(a, upper, unitriangular)
    try:
        with np.errstate(all="ignore"):
            return np.linalg.solve(t, b)
    except np.linalg.LinAlgError:
        return _substitute(t, b, upper)


class SolveTriangular(Function):
    """``X = T^-1 B`` for the upper or lower triangle ``T`` of ``A``; gradients
    ``gB = T^-T G`` and ``gA = -gB X^T`` kept to the triangle read (strictly, when
    ``unitriangular``), as PyTorch's."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor, upper: bool, unitriangular: bool) -> np.ndarray:
        out = tri_solve(a._data, b._data, upper, unitriangular)
        ctx.save_for_backward(a, out)
        ctx.flags = (upper, unitriangular)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, x = ctx.saved_tensors
        upper, unit = ctx.flags
        gb = SolveTriangular.apply(a.mT, g, not upper, unit)
        ga = -(gb @ x.mT)
        ga = ga.triu(int(unit)) if upper else ga.tril(-int(unit))
        return ga, gb, None, None


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,  # noqa: N803
                     unitriangular: bool = False, out: None = None) -> Tensor:
    """The solution of ``T X = B`` (``X T = B`` when not ``left``) for the upper or lower
    triangle ``T`` of ``A`` (its diagonal taken as ones when ``unitriangular``), as
    ``torch.linalg.solve_triangular``. Only that triangle is read; a zero on the diagonal
    gives inf/NaN, no error."""
    name = "linalg.solve_triangular"
    A = check_matrix(A, name)  # noqa: N806
    B = require_tensor(B, name, "B")  # noqa: N806
    if B.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    check_same_dtype(name, A, B)
    _check_system(A, B, name, "AX = B" if left else "XA = B")
    if left:
        return SolveTriangular.apply(A, B, bool(upper), bool(unitriangular))
    return SolveTriangular.apply(A.mT, B.mT, not upper, bool(unitriangular)).mT


class TriangularSolveResult(NamedTuple):
    """``(solution, cloned_coefficient)``, as ``torch.triangular_solve`` returns."""

    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True,  # noqa: N803
                     transpose: bool = False, unitriangular: bool = False) -> TriangularSolveResult:
    """``torch.triangular_solve``, the older form (note the order ``(b, A)`` and
    ``upper=True`` by default): the solution of ``T X = b`` (``T^T X = b`` when
    ``transpose``) and a copy of ``A``."""
    name = "triangular_solve"
    A = check_matrix(A, name)  # noqa: N806
    b = check_matrix(b, name, "b", square=False)
    check_same_dtype(name, A, b)
    T = A.mT if transpose else A  # noqa: N806
    _check_system(T, b, name, "AX = B")
    x = SolveTriangular.apply(T, b, bool(upper) != bool(transpose), bool(unitriangular))
    return TriangularSolveResult(x, A.clone())


class CholeskySolve(Function):
    """``X = (L L^T)^-1 B`` (``(U^T U)^-1 B`` when ``upper``), two triangular solves;
    PyTorch's gradients ``gB = (L L^T)^-1 G`` and ``gL = -(C + C^T) L`` (``-U (C + C^T)``)
    with ``C = gB X^T``."""

    @staticmethod
    def forward(ctx: Context, b: Tensor, factor: Tensor, upper: bool) -> np.ndarray:
        f = factor._data
        ft = np.swapaxes(f, -1, -2)
        first, second = (ft, f) if upper else (f, ft)
        y = tri_solve(first, b._data, False)  # first the lower factor, then the upper
        out = tri_solve(second, y, True)
        ctx.save_for_backward(factor, out)
        ctx.upper = upper
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        factor, x = ctx.saved_tensors
        gb = CholeskySolve.apply(g, factor, ctx.upper)
        common = gb @ x.mT
        common = common + common.mT
        gf = -(factor @ common) if ctx.upper else -(common @ factor)
        return gb, gf, None


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """The solution of ``A X = B`` given the Cholesky factor of ``A`` (lower ``L``, or upper
    ``U`` when ``upper``), as ``torch.cholesky_solve``; batch dims broadcast."""
    name = "cholesky_solve"
    L = check_matrix(L, name, "L")  # noqa: N806
    B = check_matrix(B, name, "B", square=False)  # noqa: N806
    check_same_dtype(name, L, B)
    _check_system(L, B, name, "AX = B")
    return CholeskySolve.apply(B, L, bool(upper))


# ----------------------------------------------------------------------------- determinants


def _others_product(s: Tensor) -> Tensor:
    """``prod_{j != i} s_j`` for each ``i`` of the last dim, without dividing (zeros safe)."""
    ones = Tensor(np.ones(s.shape[:-1] + (1,), s.dtype))
    left = cat([ones, s[..., :-1].cumprod(-1)], -1)
    right = cat([ones, s.flip(-1)[..., :-1].cumprod(-1)], -1).flip(-1)
    return left * right


def _cofactors_by_svd(a: Tensor, g: Tensor) -> Tensor:
    """``g`` times the cofactor matrix of ``a`` through its SVD: defined for singular
    matrices too (PyTorch's formula there)."""
    from .decompositions import LinalgSvd

    u, s, vh = LinalgSvd.apply(a, False)
    with np.errstate(all="ignore"):
        alpha = np.linalg.det(u._data) * np.linalg.det(vh._data)
    d = Tensor(alpha.astype(a.dtype)[..., None]) * g.unsqueeze(-1) * _others_product(s)
    return (u * d.unsqueeze(-2)) @ vh


class Det(Function):
    """The determinant of each matrix (LU); gradient ``g det(A) A^-T``, the cofactors, and
    through the SVD where ``det(A) == 0`` (as PyTorch)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        data, nans = nan_matrices(a._data)
        with np.errstate(all="ignore"):
            out = fill_nan(np.asarray(np.linalg.det(data), a.dtype), nans, matrix=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        a, d = ctx.saved_tensors
        if a._data.size == 0:
            return g.unsqueeze(-1).unsqueeze(-1).expand(*a.shape) * 0
        singular = (d._data == 0)[..., None, None]
        scale = (g * d).unsqueeze(-1).unsqueeze(-1)
        if not singular.any():
            return scale * Inv.apply(a).mT
        regular = scale * Inv.apply(where(singular, eye_like(a.shape[-1], a.dtype), a)).mT
        return where(singular, _cofactors_by_svd(a, g), regular)


def det(A: Tensor, *, out: None = None) -> Tensor:  # noqa: N803
    """The determinant of each square matrix of ``A`` (``torch.linalg.det``)."""
    return Det.apply(check_matrix(A, "linalg.det"))


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)``, as ``torch.linalg.slogdet`` returns."""

    sign: Tensor
    logabsdet: Tensor


class Slogdet(Function):
    """Sign and log of the absolute determinant; the log's gradient is ``g A^-T`` (NaN for
    a singular matrix, whose log-determinant is -inf); the sign has none."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> tuple:
        data, nans = nan_matrices(a._data)
        with np.errstate(all="ignore"):
            sign, logabs = np.linalg.slogdet(data)
        ctx.save_for_backward(a)
        sign = np.asarray(sign if nans is None else np.where(nans, 0, sign), a.dtype)
        return sign, fill_nan(np.asarray(logabs, a.dtype), nans, matrix=False)

    @staticmethod
    def backward(ctx: Context, gsign: Tensor, glog: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        scale = glog.unsqueeze(-1).unsqueeze(-1)
        singular = _singular(a._data)[..., None, None]
        if not singular.any():
            return scale * Inv.apply(a).mT
        regular = Inv.apply(where(singular, eye_like(a.shape[-1], a.dtype), a)).mT
        return scale * where(singular, np.nan, regular)


def slogdet(A: Tensor, *, out: None = None) -> SlogdetResult:  # noqa: N803
    """``(sign, logabsdet)`` of each square matrix of ``A``, so that
    ``det = sign * exp(logabsdet)`` without overflow (``torch.linalg.slogdet``); a singular
    matrix gives ``(0, -inf)``."""
    return SlogdetResult(*Slogdet.apply(check_matrix(A, "linalg.slogdet")))


def logdet(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.logdet``: the log of the determinant, NaN where it is negative, -inf where it
    is zero."""
    A = check_matrix(input, "logdet")  # noqa: N806
    sign, logabs = Slogdet.apply(A)
    return where(sign._data < 0, np.nan, logabs)

