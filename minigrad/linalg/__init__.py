"""``minigrad.linalg``, as ``torch.linalg``: norms, products, linear systems,
determinants, decompositions and functions of matrices, each batched over leading dims
and differentiable (twice: every backward is written in Tensor ops).

>>> import minigrad as mg
>>> mg.linalg.vector_norm(mg.tensor([[1.0, -2.0], [2.0, 4.0]]), ord=float("inf"), dim=1)
tensor([2., 4.])
>>> mg.linalg.solve(mg.tensor([[2.0, 0.0], [0.0, 4.0]]), mg.tensor([2.0, 2.0]))
tensor([1.0000, 0.5000])

Where each lives: ``solve.py`` (inverse, solve, triangular and Cholesky solves,
determinants), ``decompositions.py`` (cholesky, qr, eigh, svd, pinv, rank, lstsq, cond),
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
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
    "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_exp", "matrix_norm",
    "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
    "solve_triangular", "svd", "svdvals", "vander", "vecdot", "vector_norm",
]


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (the last by default), broadcast."""
    return _cross(input, other, dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """``torch.linalg.diagonal``: ``torch.diagonal`` with the last two dims by default."""
    return _diagonal(A, offset, dim1, dim2)
