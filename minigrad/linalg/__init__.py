"""``minigrad.linalg``, as ``torch.linalg``: norms, products, linear systems,
determinants, decompositions and functions of matrices, each batched over leading dims
and differentiable (twice: every backward is written in Tensor ops).

>>> import minigrad as mg
>>> mg.linalg.vector_norm(mg.tensor([[1.0, -2.0], [2.0, 4.0]]), ord=float("inf"), dim=1)
tensor([2., 4.])
>>> mg.linalg.solve(mg.tensor([[2.0, 0.0], [0.0, 4.0]]), mg.tensor([2.0, 2.0]))
tensor([1.0000, 0.5000])

Where each lives: ``solve.py`` (inverse, solve, triangular and Cholesky solves,
determinants), ``lu_decomposition.py`` (lu_factor, lu, lu_solve, solve_ex, tensorinv, tensorsolve,
householder_product: imported on first touch),
``decompositions.py`` (cholesky, qr, eigh, svd, pinv, rank, lstsq, cond),
``matrix_functions.py`` (matrix_power, matrix_exp, multi_dot, vander, vecdot, norm).
"""

from __future__ import annotations

from ..functional.linalg import cross as _cross
from ..functional.linalg import matmul
from ..functional.numeric import matrix_norm, vector_norm
from ..functional.strided import diagonal as _diagonal
from ..tensor import Tensor
from ._common import LinAlgError
from .decompositions import (
    cholesky,
    cholesky_ex,
    cond,
    eigh,
    eigvalsh,
    lstsq,
    matrix_rank,
    pinv,
    qr,
    svd,
    svdvals,
)
from .matrix_functions import (
    matrix_exp,
    matrix_power,
    multi_dot,
    norm,
    vander,
    vecdot,
)
from .solve import (
    det,
    inv,
    inv_ex,
    slogdet,
    solve,
    solve_triangular,
)

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
    "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor",
    "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power",
    "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
    "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
    "vector_norm",
]


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (the last by default), broadcast."""
    return _cross(input, other, dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """``torch.linalg.diagonal``: ``torch.diagonal`` with the last two dims by default."""
    return _diagonal(A, offset, dim1, dim2)


def _no_complex(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"linalg.{name}: the eigenvalues of a general (non-symmetric) matrix are complex, and "
        f"minigrad has no complex dtypes; for a symmetric matrix use linalg.eigh or "
        f"linalg.eigvalsh (see docs/linalg.md)")


def eig(A: Tensor, *, out: None = None) -> None:  # noqa: N803
    """``torch.linalg.eig``: refused clearly (its results are complex)."""
    raise _no_complex("eig")


def eigvals(A: Tensor, *, out: None = None) -> None:  # noqa: N803
    """``torch.linalg.eigvals``: refused clearly (its results are complex)."""
    raise _no_complex("eigvals")


# names defined in lu_decomposition.py, imported when first touched (import minigrad stays light)
_LU_NAMES = ("householder_product", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "solve_ex",
             "tensorinv", "tensorsolve")


def __getattr__(name: str) -> object:
    """The LU family (``linalg.lu_factor``...), from its module on first touch."""
    if name in _LU_NAMES:
        from . import lu_decomposition

        globals().update({n: getattr(lu_decomposition, n) for n in _LU_NAMES})
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
