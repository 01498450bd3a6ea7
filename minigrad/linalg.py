"""``minigrad.linalg``: the part of ``torch.linalg`` minigrad has: vector and matrix norms,
and the cross product along the last dim.

>>> import minigrad as mg
>>> mg.linalg.vector_norm(mg.tensor([[1.0, -2.0], [2.0, 4.0]]), ord=float("inf"), dim=1)
tensor([2., 4.])
"""

from .functional.linalg import cross as _cross
from .functional.numeric import matrix_norm, vector_norm
from .tensor import Tensor

__all__ = ["cross", "matrix_norm", "vector_norm"]


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (the last by default), broadcast."""
    return _cross(input, other, dim)
