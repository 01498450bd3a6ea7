"""Matrix decompositions and what is built on them: ``cholesky``, ``qr``, ``eigh``,
``svd`` (and ``torch.svd``), ``svdvals``, ``pinv``, ``matrix_rank``, ``lstsq``, ``cond``.

The forwards are numpy's LAPACK calls; the backwards are PyTorch's formulas in Tensor ops
on the saved outputs, so they differentiate again. Like PyTorch's, the eigenvector and
singular-vector gradients divide by differences of eigenvalues (squared singular values):
they are inf/NaN where those repeat, unless the loss does not use the vectors
(``eigvalsh``, ``svdvals``), whose gradients ``V diag(g) V^T`` and ``U diag(g) V^T`` are
always defined. The SVD's own backward is ``ops.numeric.Svd``'s.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..autograd import Context, Function
from ..functional.numeric import matrix_norm
from ..functional.shape import cat
from ..ops.elementwise import where
from ..ops.numeric import Svd
from ..tensor import Tensor, require_tensor
from ._common import (
    LinAlgError,
    batch_element,
    check_finite,
    check_matrix,
    check_same_dtype,
    eye_like,
    unused,
)
from .solve import Inv, SolveTriangular, _singular

# ----------------------------------------------------------------------------- cholesky


def _first_failing_minor(a: np.ndarray) -> int:
    """The order of the first leading minor that is not positive-definite (bisection)."""
    lo, hi = 1, a.shape[-1]  # the minor of order hi fails
    while lo < hi:
        mid = (lo + hi) // 2
        if _factors(a[:mid, :mid]):
            lo = mid + 1
        else:
            hi = mid
    return hi


def _not_positive_definite(a: np.ndarray) -> np.ndarray:
    """Which matrices of a batch ``np.linalg.cholesky`` refuses."""
    flat = a.reshape((-1,) + a.shape[-2:])
    bad = np.zeros(len(flat), bool)
    for i, m in enumerate(flat):
        bad[i] = not _factors(m)
    return bad.reshape(a.shape[:-2])


def _factors(m: np.ndarray) -> bool:
    """Whether LAPACK's Cholesky completes on ``m``: a pivot that is not positive, or NaN,
    stops it (PyTorch's check; numpy lets a NaN through)."""
    try:
        return not np.isnan(np.linalg.cholesky(m)).any()
    except np.linalg.LinAlgError:
        return False


def _cholesky(a: np.ndarray, name: str) -> np.ndarray:
    try:
        out = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        out = None
    bad = _not_positive_definite(a) if out is None or np.isnan(out).any() else None
    if bad is None or not bad.any():
        return out
    first = a.reshape((-1,) + a.shape[-2:])[np.flatnonzero(bad.reshape(-1))[0]]
    raise LinAlgError(f"{name}: {batch_element(bad)}The factorization could not be "
                      "completed because the input is not positive-definite (the leading "
                      f"minor of order {_first_failing_minor(first)} is not "
                      "positive-definite).")


class Cholesky(Function):
    """The lower Cholesky factor ``L`` of each symmetric positive-definite matrix (its lower
    triangle read). PyTorch's gradient: ``L^-T Phi(L^T G) L^-1`` with ``Phi`` the lower
    triangle, diagonal halved, made symmetric: a symmetric gradient."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        out = _cholesky(a._data, "linalg.cholesky")
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (low,) = ctx.saved_tensors
        p = (low.mT @ g).tril()
        p = (p + p.tril(-1).mT) * 0.5
        left = SolveTriangular.apply(low.mT, p, True, False)  # L^-T P
        return SolveTriangular.apply(low.mT, left.mT, True, False).mT  # (L^-T P) L^-1


def cholesky(A: Tensor, *, upper: bool = False, out: None = None) -> Tensor:  # noqa: N803
    """The Cholesky factor of each symmetric positive-definite matrix of ``A``: lower ``L``
    with ``A = L L^T`` (only ``A``'s lower triangle read), or, when ``upper``, ``U`` with
    ``A = U^T U`` (the upper triangle read), as ``torch.linalg.cholesky``. A matrix that is
    not positive-definite raises ``LinAlgError``."""
    A = check_matrix(A, "linalg.cholesky")  # noqa: N806
    return Cholesky.apply(A.mT).mT if upper else Cholesky.apply(A)


class CholeskyExResult(NamedTuple):
    """``(L, info)``, as ``torch.linalg.cholesky_ex`` returns."""

    L: Tensor
    info: Tensor


def cholesky_ex(A: Tensor, *, upper: bool = False,  # noqa: N803
                check_errors: bool = False) -> CholeskyExResult:
    """``cholesky`` that reports a matrix that is not positive-definite in ``info`` (int32:
    the order of its first failing minor) instead of raising, unless ``check_errors``; that
    matrix's factor is NaN here."""
    A = check_matrix(A, "linalg.cholesky_ex")  # noqa: N806
    a = A._data if not upper else np.swapaxes(A._data, -1, -2)
    bad = _not_positive_definite(a) if a.size else np.zeros(a.shape[:-2], bool)
    if check_errors or not bad.any():
        return CholeskyExResult(cholesky(A, upper=upper),
                                Tensor(np.zeros(A.shape[:-2], np.int32)))
    info = np.zeros(bad.shape, np.int32)
    for i in np.flatnonzero(bad.reshape(-1)):
        info.reshape(-1)[i] = _first_failing_minor(a.reshape((-1,) + a.shape[-2:])[i])
    mask = bad[..., None, None]
    safe = where(mask, eye_like(A.shape[-1], A.dtype), A)
    return CholeskyExResult(where(mask, np.nan, cholesky(safe, upper=upper)), Tensor(info))


# ----------------------------------------------------------------------------- qr


class QrResult(NamedTuple):
    """``(Q, R)``, as ``torch.linalg.qr`` returns."""

    Q: Tensor
    R: Tensor


def _copyltu(m: Tensor) -> Tensor:
    """The symmetric matrix whose lower triangle is ``m``'s."""
    return m.tril() + m.tril(-1).mT


def _qr_square_backward(q: Tensor, r: Tensor, gq: Tensor, gr: Tensor) -> Tensor:
    """``(gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T``, the gradient when ``A = QR`` has at least
    as many rows as columns."""
    b = gq + q @ _copyltu(r @ gr.mT - gq.mT @ q)
    return SolveTriangular.apply(r, b.mT, True, False).mT


class Qr(Function):
    """``A = QR`` by Householder reflections (LAPACK's geqrf, as PyTorch's), ``mode``
    'reduced' or 'complete'. Wide matrices ``[X | Y]`` differentiate as ``X = Q R_1`` and
    ``R_2 = Q^T Y``; 'complete' with more rows than columns has no gradient (PyTorch's
    error)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, mode: str) -> tuple:
        q, r = np.linalg.qr(a._data, mode=mode)
        ctx.save_for_backward(a, q, r)
        ctx.mode = mode
        return q, r

    @staticmethod
    def backward(ctx: Context, gq: Tensor, gr: Tensor) -> tuple:
        a, q, r = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("linalg.qr: The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_square_backward(q, r, gq, gr), None
        y = a[..., m:]
        gr1, gr2 = gr[..., :m], gr[..., m:]
        gx = _qr_square_backward(q, r[..., :m], gq + y @ gr2.mT, gr1)
        return cat([gx, q @ gr2], -1), None


class _QrR(Function):
    """``R`` alone (mode 'r'): no gradient, as in PyTorch, which needs ``Q`` for one."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        return np.linalg.qr(a._data, mode="r")

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> None:
        raise RuntimeError("linalg.qr: The derivative of linalg.qr depends on Q, which is not "
                           "computed when mode='r'. Please use linalg.qr(A, mode='reduced') if "
                           "you are going to differentiate through linalg.qr.")


def qr(A: Tensor, mode: str = "reduced", *, out: None = None) -> QrResult:  # noqa: N803
    """The QR decomposition of each matrix of ``A`` (``torch.linalg.qr``): ``mode``
    'reduced' (``Q`` m x k, ``R`` k x n, k = min(m, n)), 'complete' (``Q`` m x m) or 'r'
    (``R`` only; ``Q`` empty)."""
    A = check_matrix(A, "linalg.qr", square=False)  # noqa: N806
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr: qr received unrecognized mode '{mode}' but expected "
                           "one of 'reduced' (default), 'r', or 'complete'")
    if mode == "r":
        return QrResult(Tensor(np.zeros(0, A.dtype)), _QrR.apply(A))
    return QrResult(*Qr.apply(A, mode))


# ----------------------------------------------------------------------------- eigh


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)``, as ``torch.linalg.eigh`` returns."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class Eigh(Function):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices, one
    triangle read. PyTorch's gradient ``V (diag(gL) + skew(V^T gV) / E) V^T`` with
    ``E_ij = L_j - L_i``: symmetric; ``V diag(gL) V^T`` when the vectors are not used."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, uplo: str) -> tuple:
        try:
            w, v = np.linalg.eigh(a._data, UPLO=uplo)
        except np.linalg.LinAlgError:
            raise LinAlgError("linalg.eigh: The algorithm failed to converge because the "
                              "input matrix is ill-conditioned or has too many repeated "
                              "eigenvalues.") from None
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx: Context, gl: Tensor, gv: Tensor) -> tuple:
        w, v = ctx.saved_tensors
        if unused(gv):
            return (v * gl.unsqueeze(-2)) @ v.mT, None
        vgv = v.mT @ gv
        skew = (vgv - vgv.mT) * 0.5
        gap = w.unsqueeze(-2) - w.unsqueeze(-1) + eye_like(w.shape[-1], w.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):  # repeated eigenvalues: inf/NaN
            inner = skew / gap + gl.diag_embed()
            return v @ inner @ v.mT, None


def _check_uplo(UPLO: Any, name: str) -> str:  # noqa: N803
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"{name}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


def eigh(A: Tensor, UPLO: str = "L", *, out: None = None) -> EighResult:  # noqa: N803
    """Eigenvalues (ascending) and eigenvectors (columns) of each symmetric matrix of ``A``,
    reading its lower (``UPLO='L'``) or upper triangle, as ``torch.linalg.eigh``."""
    A = check_matrix(A, "linalg.eigh")  # noqa: N806
    return EighResult(*Eigh.apply(A, _check_uplo(UPLO, "linalg.eigh")))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: None = None) -> Tensor:  # noqa: N803
    """The eigenvalues (ascending) of each symmetric matrix of ``A``
    (``torch.linalg.eigvalsh``); gradient ``V diag(g) V^T``."""
    A = check_matrix(A, "linalg.eigvalsh")  # noqa: N806
    return Eigh.apply(A, _check_uplo(UPLO, "linalg.eigvalsh"))[0]


# ----------------------------------------------------------------------------- svd


class SvdResult(NamedTuple):
    """``(U, S, Vh)``, as ``torch.linalg.svd`` returns."""

    U: Tensor
    S: Tensor
    Vh: Tensor


class TorchSvdResult(NamedTuple):
    """``(U, S, V)``, as ``torch.svd`` returns (``V``, not ``V^T``)."""

    U: Tensor
    S: Tensor
    V: Tensor


def _empty_svd(a: np.ndarray, full: bool) -> tuple:
    """The SVD of matrices with no elements: identity or empty factors, as PyTorch's."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    u = np.broadcast_to(np.eye(m, m if full else k, dtype=a.dtype), batch + (m, m if full else k))
    vh = np.broadcast_to(np.eye(n if full else k, n, dtype=a.dtype), batch + (n if full else k, n))
    return u.copy(), np.zeros(batch + (k,), a.dtype), vh.copy()


class _Saved:
    """A stand-in context for ``Svd.backward``: the factors it reads, narrowed."""

    def __init__(self, *saved: Tensor) -> None:
        self.saved_tensors = saved


class LinalgSvd(Function):
    """``A = U diag(S) Vh`` (``full_matrices``: square ``U`` and ``Vh``), as PyTorch's
    ``linalg.svd``. The backward is ``ops.numeric.Svd``'s on the first ``k`` columns (what
    PyTorch differentiates with full matrices), or ``U diag(gS) Vh`` when neither ``U`` nor
    ``Vh`` was used (``svdvals``), which needs no distinct singular values."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, full: bool) -> tuple:
        if a._data.size == 0:
            out = _empty_svd(a._data, full)
        else:
            check_finite(a._data, "linalg.svd")
            out = np.linalg.svd(a._data, full_matrices=full)
        ctx.save_for_backward(*out)
        return out

    @staticmethod
    def backward(ctx: Context, gu: Tensor, gs: Tensor, gvh: Tensor) -> tuple:
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        u, vh, gu, gvh = u[..., :k], vh[..., :k, :], gu[..., :k], gvh[..., :k, :]
        if unused(gu) and unused(gvh):
            return (u * gs.unsqueeze(-2)) @ vh, None
        with np.errstate(divide="ignore", invalid="ignore"):  # repeated values: inf/NaN
            return Svd.backward(_Saved(u, s, vh), gu, gs, gvh)[0], None


def svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None,  # noqa: N803
        out: None = None) -> SvdResult:
    """The singular value decomposition of each matrix of ``A``: ``U``, ``S`` (descending)
    and ``Vh`` with ``A = U diag(S) Vh`` (``torch.linalg.svd``; full square ``U`` and
    ``Vh`` by default, as PyTorch's)."""
    A = check_matrix(A, "linalg.svd", square=False)  # noqa: N806
    return SvdResult(*LinalgSvd.apply(A, bool(full_matrices)))


def svdvals(A: Tensor, *, driver: Any = None, out: None = None) -> Tensor:  # noqa: N803
    """The singular values (descending) of each matrix of ``A``
    (``torch.linalg.svdvals``); gradient ``U diag(g) Vh``."""
    A = check_matrix(A, "linalg.svdvals", square=False)  # noqa: N806
    return LinalgSvd.apply(A, False)[1]


def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> TorchSvdResult:  # noqa: A002
    """``torch.svd``, the older form: ``(U, S, V)`` with ``V`` (not ``Vh``), reduced unless
    ``some=False``; with ``compute_uv=False``, ``U`` and ``V`` are zero-filled square
    matrices."""
    A = check_matrix(input, "svd", square=False)  # noqa: N806
    if not compute_uv:
        m, n = A.shape[-2:]
        zeros = [Tensor(np.zeros(A.shape[:-2] + (k, k), A.dtype)) for k in (m, n)]
        return TorchSvdResult(zeros[0], svdvals(A), zeros[1])
    u, s, vh = LinalgSvd.apply(A, not some)
    return TorchSvdResult(u, s, vh.mT)


# ----------------------------------------------------------------------------- pinv, rank


def _tolerances(atol: Any, rtol: Any, m: int, n: int, dtype: Any) -> tuple:
    """PyTorch's defaults: ``rtol = eps * max(m, n)`` unless ``atol > 0`` is given alone."""
    atol_ = 0.0 if atol is None else np.asarray(atol._data if isinstance(atol, Tensor) else atol)
    if rtol is None:
        given = atol is not None and np.any(np.asarray(atol_) > 0)
        rtol_ = 0.0 if given else np.finfo(dtype).eps * max(m, n)
    else:
        rtol_ = np.asarray(rtol._data if isinstance(rtol, Tensor) else rtol)
    return atol_, rtol_


def _spectrum(a: np.ndarray, hermitian: bool) -> tuple:
    """``(left, values, right^T)`` with ``a = left diag(values) right^T``: the SVD, or the
    eigendecomposition of the lower triangle when ``hermitian``."""
    if a.size == 0:
        return _empty_svd(a, False)
    check_finite(a, "linalg.pinv")
    if hermitian:
        w, v = np.linalg.eigh(a)
        return v, w, np.swapaxes(v, -1, -2)
    return np.linalg.svd(a, full_matrices=False)


def _kept(values: np.ndarray, atol: Any, rtol: Any, shape: tuple, dtype: Any) -> np.ndarray:
    """Which singular values (|eigenvalues|) are above ``max(atol, rtol * largest)``."""
    atol, rtol = _tolerances(atol, rtol, shape[-2], shape[-1], dtype)
    mags = np.abs(values)
    top = mags.max(-1, keepdims=True, initial=0.0)
    cut = np.maximum(np.asarray(atol)[..., None], np.asarray(rtol)[..., None] * top)
    return mags > cut


class Pinv(Function):
    """The Moore-Penrose pseudo-inverse from the SVD (eigh when hermitian), small singular
    values dropped; PyTorch's gradient (``pinv_backward``), exact while the rank does not
    change."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, atol: Any, rtol: Any, hermitian: bool) -> np.ndarray:
        left, values, right_t = _spectrum(a._data, hermitian)
        keep = _kept(values, atol, rtol, a.shape, a.dtype)
        with np.errstate(all="ignore"):
            inv = np.where(keep, 1 / np.where(keep, values, 1), 0).astype(a.dtype)
        out = (np.swapaxes(right_t, -1, -2) * inv[..., None, :]) @ np.swapaxes(left, -1, -2)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, p = ctx.saved_tensors
        pt, gt = p.mT, g.mT
        if a.shape[-2] <= a.shape[-1]:
            k = gt @ p
            kpt = k @ pt
            ga = -(p @ k).mT + kpt - (a @ p) @ kpt + (pt @ p) @ (gt - k @ a)
        else:
            k = p @ gt
            ptk = pt @ k
            ga = -(k @ p).mT + (gt - a @ k) @ p @ pt + ptk - ptk @ p @ a
        return ga, None, None, None


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None,  # noqa: N803
         hermitian: bool = False, out: None = None) -> Tensor:
    """The pseudo-inverse of each matrix of ``A`` (``torch.linalg.pinv``): singular values
    at most ``max(atol, rtol * largest)`` count as zero (``rtol`` defaults to
    ``eps * max(m, n)``); ``hermitian`` reads the lower triangle of a symmetric ``A``."""
    A = check_matrix(A, "linalg.pinv", square=bool(hermitian))  # noqa: N806
    return Pinv.apply(A, atol, rtol, bool(hermitian))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """``torch.pinverse``: ``linalg.pinv`` with ``rtol=rcond``."""
    return pinv(input, rtol=rcond)


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None,  # noqa: N803
                hermitian: bool = False, out: None = None) -> Tensor:
    """How many singular values of each matrix of ``A`` are above
    ``max(atol, rtol * largest)`` (int64), as ``torch.linalg.matrix_rank``."""
    A = check_matrix(A, "linalg.matrix_rank", square=bool(hermitian))  # noqa: N806
    _, values, _ = _spectrum(A._data, bool(hermitian))
    keep = _kept(values, atol, rtol, A.shape, A.dtype)
    return Tensor(keep.sum(-1).astype(np.int64))


# ----------------------------------------------------------------------------- lstsq


class LstsqResult(NamedTuple):
    """``(solution, residuals, rank, singular_values)``, as ``torch.linalg.lstsq``."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lstsq_extras(A: Tensor, B: Tensor, X: Tensor, driver: str, rcond: Any) -> tuple:  # noqa: N803
    """The three outputs besides the solution, present for the drivers that give them."""
    empty = Tensor(np.zeros(0, A.dtype))
    m, n = A.shape[-2:]
    rank = (matrix_rank(A.detach(), rtol=rcond) if driver != "gels"
            else Tensor(np.zeros(0, np.int64)))
    values = svdvals(A.detach()) if driver in ("gelsd", "gelss") else empty
    full = driver == "gels" or bool((rank._data == min(m, n)).all())
    if m > n and full and driver != "gelsy":
        residual = ((A.detach() @ X.detach() - B.detach()) ** 2).sum(-2)
    else:
        residual = empty
    return residual, rank, values


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *,  # noqa: N803
          driver: str | None = None) -> LstsqResult:
    """The least-squares solution ``X`` minimising ``||A X - B||`` (the least-norm one when
    ``A`` is rank-deficient), as ``torch.linalg.lstsq``; computed as ``pinv(A) @ B``, whose
    gradient is PyTorch's. ``residuals``, ``rank`` and ``singular_values`` follow the CPU
    ``driver``'s rules (default 'gelsy': the rank only) and carry no gradient."""
    name = "linalg.lstsq"
    A = check_matrix(A, name, square=False)  # noqa: N806
    B = require_tensor(B, name, "B")  # noqa: N806
    check_same_dtype(name, A, B)
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           f"gelss), got {driver!r}")
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B  # noqa: N806
    if Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2), got A of "
                           f"shape {A.shape} and B of shape {B.shape}")
    rtol = None if rcond is None or rcond < 0 else rcond
    X = pinv(A, rtol=rtol) @ Bm  # noqa: N806
    residual, rank, values = _lstsq_extras(A, Bm, X, driver, rtol)
    if vector:
        X = X.squeeze(-1)  # noqa: N806
    return LstsqResult(X, residual, rank, values)


# ----------------------------------------------------------------------------- cond


def cond(A: Tensor, p: Any = None, *, out: None = None) -> Tensor:  # noqa: N803
    """The condition number of each matrix of ``A`` in the ``p`` norm
    (``torch.linalg.cond``): ``None``/2 the ratio of the largest to the smallest singular
    value (-2 its inverse), otherwise ``norm(A, p) * norm(inv(A), p)`` for square ``A``
    (inf where it is singular, as PyTorch's)."""
    name = "linalg.cond"
    A = check_matrix(A, name, square=p not in (None, 2, -2))  # noqa: N806
    if p in (None, 2, -2):
        s = svdvals(A)
        if s.shape[-1] == 0:
            return Tensor(np.zeros(s.shape[:-1], A.dtype))
        ratio = s[..., 0] / s[..., -1]
        return ratio if p != -2 else 1 / ratio
    if p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"{name}: got an invalid norm type: {p}")
    singular = _singular(A._data)
    mask = singular[..., None, None]
    safe = where(mask, eye_like(A.shape[-1], A.dtype), A) if singular.any() else A
    norm_a = matrix_norm(A, p)
    value = norm_a * matrix_norm(Inv.apply(safe), p)
    if not singular.any():
        return value
    with np.errstate(invalid="ignore"):  # PyTorch's 'nuc': norm(A) * inf, NaN for A = 0
        worst = norm_a.detach()._data * math.inf if p == "nuc" else math.inf
    return where(singular, worst, value)
