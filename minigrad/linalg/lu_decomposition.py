"""LU factorisations and what uses them: ``lu_factor`` (``lu_factor_ex``), ``lu``,
``lu_unpack``, ``lu_solve``, ``solve_ex``, ``tensorinv`` and ``tensorsolve``.

numpy has no LU of its own, so the factorisation is LAPACK's ``getrf`` written out: partial
pivoting (the largest ``|a|`` of each column, the first one on ties), one vectorised
rank-1 update per column over the whole batch, pivots 1-based int32 as PyTorch returns
them, ``info`` the (1-based) step of the first zero pivot. Its gradient is PyTorch's
``linalg_lu_backward`` (square, wide and tall cases: triangular solves with ``L^H`` and
``U^H``), in Tensor ops of the saved factors, so it differentiates twice; ``lu`` and
``lu_solve`` are compositions of it with ``tril``/``triu`` and ``solve_triangular``.

    >>> import minigrad as mg
    >>> LU, pivots = mg.linalg.lu_factor(mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> pivots
    tensor([2, 2], dtype=int32)
    >>> mg.linalg.lu_solve(LU, pivots, mg.tensor([[5.0], [6.0]]))
    tensor([[-4.0000],
            [ 4.5000]])
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..autograd import Context, Function
from ..functional.shape import cat
from ..ops.elementwise import where
from ..tensor import Tensor, require_tensor
from ._common import batch_element, check_matrix, dtype_name
from .solve import inv, solve, solve_triangular

# ----------------------------------------------------------------------------- getrf


def _getrf(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(LU, pivots, info)`` of each matrix of ``a`` (..., m, n), as LAPACK's getrf."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    lu = np.array(a, copy=True).reshape((math.prod(batch), m, n))
    piv = np.zeros((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    idx = np.arange(lu.shape[0])
    with np.errstate(invalid="ignore", over="ignore"):
        for j in range(k):
            p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
            piv[:, j] = p + 1
            row = lu[idx, j].copy()
            lu[idx, j] = lu[idx, p]
            lu[idx, p] = row
            pivot = lu[:, j, j]
            info[(info == 0) & (pivot == 0)] = j + 1
            mult = lu[:, j + 1:, j] / np.where(pivot == 0, 1, pivot)[:, None]
            lu[:, j + 1:, j] = mult  # a zero pivot: the column below is zero already
            lu[:, j + 1:, j + 1:] -= mult[:, :, None] * lu[:, j, None, j + 1:]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _permutation(pivots: np.ndarray, m: int, dtype: Any) -> np.ndarray:
    """``P`` (..., m, m) with ``A = P L U``: the pivots' row swaps replayed on ``arange(m)``."""
    flat = pivots.reshape((math.prod(pivots.shape[:-1]), pivots.shape[-1])).astype(np.int64) - 1
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    idx = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        here, there = perm[idx, j].copy(), perm[idx, flat[:, j]].copy()
        perm[idx, j], perm[idx, flat[:, j]] = there, here
    p = np.zeros((flat.shape[0], m, m), dtype)
    p[idx[:, None], perm, np.arange(m)] = 1
    return p.reshape(pivots.shape[:-1] + (m, m))


def _unpack(LU: Tensor) -> tuple[Tensor, Tensor]:  # noqa: N803
    """``L`` (m, k; unit diagonal) and ``U`` (k, n) out of the packed factors."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    eye = Tensor(np.eye(m, k, dtype=LU.dtype))
    return LU[..., :, :k].tril(-1) + eye, LU[..., :k, :].triu()


# ----------------------------------------------------------------------------- backward


def _square_grad(gL: Tensor, gU: Tensor, L: Tensor, U: Tensor) -> Tensor:  # noqa: N803
    """``L^-H [L^H gL o tril(-1) + gU U^H o triu] U^-H`` (m == n)."""
    g = (L.mT @ gL).tril(-1) + (gU @ U.mT).triu()
    g = solve_triangular(U.mT, g, upper=False, left=False)
    return solve_triangular(L.mT, g, upper=True, left=True, unitriangular=True)


def _wide_grad(gL: Tensor, gU: Tensor, L: Tensor, U: Tensor) -> Tensor:  # noqa: N803
    """PyTorch's m < n case: ``U = [U1 U2]`` with ``U1`` square."""
    k = L.shape[-1]
    g = (L.mT @ gL - gU.triu() @ U.mT).tril(-1)
    g = solve_triangular(U[..., :k].mT, g, upper=False, left=False)
    g = cat([g + gU[..., :k].triu(), gU[..., k:]], -1)
    return solve_triangular(L.mT, g, upper=True, left=True, unitriangular=True)


def _tall_grad(gL: Tensor, gU: Tensor, L: Tensor, U: Tensor) -> Tensor:  # noqa: N803
    """PyTorch's m > n case: ``L = [L1; L2]`` with ``L1`` square."""
    k = U.shape[-2]
    g = (gU @ U.mT - L.mT @ gL.tril(-1)).triu()
    g = solve_triangular(L[..., :k, :].mT, g, upper=True, left=True, unitriangular=True)
    g = cat([g + gL[..., :k, :].tril(-1), gL[..., k:, :]], -2)
    return solve_triangular(U.mT, g, upper=False, left=False)


class LuFactor(Function):
    """``(LU, pivots, info)`` of each matrix (``_getrf``), with PyTorch's
    ``lu_factor_ex_backward``: the gradient of the ``L`` part is ``g[..., :, :k]``, of the
    ``U`` part ``g[..., :k, :]``, each read only in its own triangle."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> tuple:
        lu, pivots, info = _getrf(a._data)
        ctx.pivots = pivots
        ctx.save_for_backward(lu)
        return lu, pivots, info

    @staticmethod
    def backward(ctx: Context, g: Tensor, *_: Any) -> Tensor:
        (LU,) = ctx.saved_tensors  # noqa: N806
        m, n = LU.shape[-2:]
        k = min(m, n)
        L, U = _unpack(LU)  # noqa: N806
        gL, gU = g[..., :, :k], g[..., :k, :]  # noqa: N806
        rule = _square_grad if m == n else _wide_grad if m < n else _tall_grad
        P = Tensor(_permutation(ctx.pivots, m, LU.dtype))  # noqa: N806
        return P @ rule(gL, gU, L, U)


# ----------------------------------------------------------------------------- lu_factor


class LUFactorResult(NamedTuple):
    """``(LU, pivots)``, as ``torch.linalg.lu_factor`` returns."""

    LU: Tensor
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    """``(LU, pivots, info)``, as ``torch.linalg.lu_factor_ex`` returns."""

    LU: Tensor
    pivots: Tensor
    info: Tensor


class LUResult(NamedTuple):
    """``(P, L, U)``, as ``torch.linalg.lu`` returns."""

    P: Tensor
    L: Tensor
    U: Tensor


def _factor(A: Any, name: str, pivot: bool) -> tuple[Tensor, Tensor, np.ndarray]:  # noqa: N803
    """The checks every LU entry shares, then the factorisation."""
    A = require_tensor(A, name, "A")  # noqa: N806
    if A.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A.shape)} instead")
    if A.dtype.kind != "f" or A.dtype == np.float16:
        raise NotImplementedError(f"{name}: \"lu_cpu\" not implemented for "
                                  f"'{dtype_name(A.dtype)}'")
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")
    LU, pivots, info = LuFactor.apply(A)  # noqa: N806
    return LU, Tensor(pivots._data), info._data  # the integers: no history, as PyTorch's


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False,  # noqa: N803
                 out: None = None) -> LUFactorExResult:
    """``torch.linalg.lu_factor_ex``: ``lu_factor`` that reports a zero pivot in ``info``
    (int32: 0, or the 1-based step where ``U`` has its first zero on the diagonal)."""
    LU, pivots, info = _factor(A, "linalg.lu_factor_ex", pivot)  # noqa: N806
    if check_errors and info.any():
        raise RuntimeError(f"linalg.lu_factor_ex: {batch_element(info > 0)}U[{info.max()},"
                           f"{info.max()}] is zero (the matrix is singular)")
    return LUFactorExResult(LU, pivots, Tensor(info))


def lu_factor(A: Tensor, *, pivot: bool = True, out: None = None) -> LUFactorResult:  # noqa: N803
    """``torch.linalg.lu_factor``: ``A = P L U`` packed as ``(LU, pivots)`` (``L``'s unit
    diagonal left out, pivots 1-based int32), for ``lu_solve``. A singular square matrix
    raises, as in PyTorch (``lu_factor_ex`` does not)."""
    LU, pivots, info = _factor(A, "linalg.lu_factor", pivot)  # noqa: N806
    if info.any():
        i = int(info.reshape(-1)[np.flatnonzero(info.reshape(-1))[0]])
        raise RuntimeError(f"torch.linalg.lu_factor: {batch_element(info > 0)}U[{i},{i}] is "
                           f"zero and using it on lu_solve would result in a division by "
                           f"zero. If you still want to perform the factorization, consider "
                           f"calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return LUFactorResult(LU, pivots)


def lu(A: Tensor, *, pivot: bool = True, out: None = None) -> LUResult:  # noqa: N803
    """``torch.linalg.lu``: ``A = P L U`` unpacked; ``L`` (m, k) unit lower, ``U`` (k, n)
    upper, ``P`` a permutation matrix. Singular matrices are fine."""
    LU, pivots, _ = _factor(A, "linalg.lu", pivot)  # noqa: N806
    L, U = _unpack(LU)  # noqa: N806
    return LUResult(Tensor(_permutation(pivots._data, LU.shape[-2], LU.dtype)), L, U)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,  # noqa: N803
              unpack_pivots: bool = True, *, out: None = None) -> LUResult:
    """``torch.lu_unpack``: ``(P, L, U)`` from ``lu_factor``'s output; a part not unpacked
    is an empty tensor, as in PyTorch."""
    LU = require_tensor(LU_data, "lu_unpack", "LU_data")  # noqa: N806
    pivots = _check_pivots(LU, LU_pivots, "lu_unpack")
    empty = Tensor(np.zeros(0, LU.dtype))
    L, U = _unpack(LU) if unpack_data else (empty, empty)  # noqa: N806
    P = Tensor(_permutation(pivots, LU.shape[-2], LU.dtype)) if unpack_pivots else empty  # noqa: N806
    return LUResult(P, L, U)


# ----------------------------------------------------------------------------- lu_solve


def _check_pivots(LU: Tensor, pivots: Any, name: str) -> np.ndarray:  # noqa: N803
    pivots = require_tensor(pivots, name, "pivots")
    if pivots.dtype != np.int32:
        raise RuntimeError(f"{name}: pivots should be a Tensor of scalar type torch.int32 "
                           f"(got {pivots.dtype})")
    k = min(LU.shape[-2:]) if LU.ndim >= 2 else 0
    if LU.ndim < 2 or tuple(pivots.shape) != tuple(LU.shape[:-2]) + (k,):
        raise RuntimeError(f"{name}: Expected LU.shape[:-1] and pivots.shape to be the same, "
                           f"but got pivots with shape {list(pivots.shape)} instead (LU "
                           f"shape {list(LU.shape)})")
    p = pivots._data
    if p.size and (p.min() < 1 or p.max() > LU.shape[-2]):
        raise RuntimeError(f"{name}: Pivots given to lu_solve must all be smaller or equal "
                           f"to LU.size(-2) (and at least 1). Did you properly pass the "
                           f"result of lu_factor?")
    return p


def _check_lu_solve(LU: Any, pivots: Any, B: Any, left: bool) -> tuple:  # noqa: N803
    name = "linalg.lu_solve"
    LU = check_matrix(LU, name, "LU", square=False)  # noqa: N806
    B = require_tensor(B, name, "B")  # noqa: N806
    if B.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f"torch.{name}: A must be batches of square matrices, but they are "
                           f"{LU.shape[-2]} by {LU.shape[-1]} matrices")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    if LU.dtype != B.dtype:
        raise RuntimeError(f"{name}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {dtype_name(LU.dtype)} and B of type {dtype_name(B.dtype)} "
                           "instead")
    return LU, _check_pivots(LU, pivots, name), B


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,  # noqa: N803
             adjoint: bool = False, out: None = None) -> Tensor:
    """``torch.linalg.lu_solve``: ``A X = B`` (``X A = B`` when not ``left``; ``A^H`` for
    ``A`` when ``adjoint``) from ``lu_factor``'s ``(LU, pivots)``: two triangular solves and
    the permutation, so the gradient reaches ``LU`` and ``B`` as PyTorch's does."""
    LU, piv, B = _check_lu_solve(LU, pivots, B, left)  # noqa: N806
    L, U = _unpack(LU)  # noqa: N806
    P = Tensor(_permutation(piv, LU.shape[-1], LU.dtype))  # noqa: N806
    if left and not adjoint:  # U^-1 L^-1 P^T B
        y = solve_triangular(L, P.mT @ B, upper=False, unitriangular=True)
        return solve_triangular(U, y, upper=True)
    if left:  # A^H X = B: X = P L^-H U^-H B
        y = solve_triangular(U.mT, B, upper=False)
        return P @ solve_triangular(L.mT, y, upper=True, unitriangular=True)
    if not adjoint:  # X P L U = B
        y = solve_triangular(U, B, upper=True, left=False)
        return solve_triangular(L, y, upper=False, left=False, unitriangular=True) @ P.mT
    y = B @ P  # X U^H L^H P^T = B
    y = solve_triangular(L.mT, y, upper=True, left=False, unitriangular=True)
    return solve_triangular(U.mT, y, upper=False, left=False)


# ----------------------------------------------------------------------------- solve_ex


class SolveExResult(NamedTuple):
    """``(result, info)``, as ``torch.linalg.solve_ex`` returns."""

    result: Tensor
    info: Tensor


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False,  # noqa: N803
             out: None = None) -> SolveExResult:
    """``torch.linalg.solve_ex``: ``solve`` that reports a singular ``A`` in ``info`` (int32,
    getrf's: the 1-based step of the first zero pivot) instead of raising, unless
    ``check_errors``. The solution of a singular system is NaN here (PyTorch's is whatever
    LAPACK left: inf or NaN)."""
    A = check_matrix(A, "linalg.solve_ex")  # noqa: N806
    info = _getrf(A._data)[2]
    if check_errors or not info.any():
        return SolveExResult(solve(A, B, left=left), Tensor(info))
    bad = info > 0
    eye = Tensor(np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape))
    X = solve(where(bad[..., None, None], eye, A), B, left=left)  # noqa: N806
    mask = bad.reshape(bad.shape + (1,) * (X.ndim - bad.ndim))
    return SolveExResult(where(mask, np.nan, X), Tensor(info))


# ----------------------------------------------------------------------------- tensor*


def tensorinv(A: Tensor, ind: int = 2, *, out: None = None) -> Tensor:  # noqa: N803
    """``torch.linalg.tensorinv``: the inverse of ``A`` read as a matrix from its first
    ``ind`` dims to the rest; the result has shape ``A.shape[ind:] + A.shape[:ind]``."""
    A = require_tensor(A, "linalg.tensorinv", "A")  # noqa: N806
    if not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"linalg.tensorinv: Expected a strictly positive integer for "
                           f"'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"linalg.tensorinv: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
                           f"{cols} != {rows} (shape {list(A.shape)}, ind={ind})")
    return inv(A.reshape(rows, cols)).reshape(*A.shape[ind:], *A.shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None, *, out: None = None) -> Tensor:  # noqa: N803
    """``torch.linalg.tensorsolve``: ``X`` with ``tensordot(A, X, X.ndim) = B``; ``dims``
    (of ``A``) are moved to the end first. ``X`` has shape ``A.shape[B.ndim:]``."""
    A = require_tensor(A, "linalg.tensorsolve", "A")  # noqa: N806
    B = require_tensor(B, "linalg.tensorsolve", "B")  # noqa: N806
    if dims is not None:
        dims = [d % A.ndim for d in ((dims,) if isinstance(dims, int) else dims)]
        A = A.permute(*[d for d in range(A.ndim) if d not in dims], *dims)  # noqa: N806
    rest = A.shape[B.ndim:]
    rows, cols = math.prod(B.shape), math.prod(rest)
    if rows != cols or A.numel() != rows * cols:
        raise RuntimeError(f"linalg.tensorsolve: Expected self to satisfy the requirement "
                           f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), "
                           f"but got {cols} != {rows} (A shape {list(A.shape)}, B shape "
                           f"{list(B.shape)})")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(*rest)


# ----------------------------------------------------------------------------- Householder


def _check_householder(A: Tensor, tau: Tensor) -> None:  # noqa: N803
    """PyTorch's checks, in its order and words."""
    name = "torch.linalg.householder_product"
    if A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1] (got shape {list(A.shape)})")
    if tau.ndim == 0 or A.shape[-1] < tau.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to "
                           f"tau.shape[-1] (input {list(A.shape)}, tau {list(tau.shape)})")
    if A.ndim - tau.ndim != 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {tau.ndim} and input.ndim is equal to "
                           f"{A.ndim}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{name}: tau dtype {dtype_name(tau.dtype)} does not match input "
                           f"dtype {dtype_name(A.dtype)}")
    if A.dtype.kind != "f":
        raise NotImplementedError(f"{name}: \"orgqr_cpu\" not implemented for "
                                  f"'{dtype_name(A.dtype)}'")


def householder_product(A: Tensor, tau: Tensor, *, out: None = None) -> Tensor:  # noqa: N803
    """``torch.linalg.householder_product`` (``torch.orgqr``): the first ``n`` columns of
    ``H_0 ... H_{k-1}``, ``H_i = I - tau_i v_i v_i^H``, ``v_i`` column ``i`` of ``A`` below
    the diagonal with a 1 on it (``geqrf``'s reflectors). Tensor ops, so twice
    differentiable in ``A`` and ``tau``."""
    A = require_tensor(A, "linalg.householder_product", "A")  # noqa: N806
    tau = require_tensor(tau, "linalg.householder_product", "tau")
    _check_householder(A, tau)
    m, n = A.shape[-2:]
    below = Tensor(np.tril(np.ones((m, n), A.dtype), -1))
    unit = Tensor(np.eye(m, n, dtype=A.dtype))
    vs = A * below + unit
    q = unit.expand(*A.shape)
    for i in reversed(range(tau.shape[-1])):
        v = vs[..., :, i:i + 1]
        q = q - tau[..., i:i + 1].unsqueeze(-1) * (v @ (v.mT @ q))
    return q
