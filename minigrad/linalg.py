"""``minigrad.linalg``: the part of ``torch.linalg`` minigrad has, vector and matrix norms.

>>> import minigrad as mg
>>> mg.linalg.vector_norm(mg.tensor([[1.0, -2.0], [2.0, 4.0]]), ord=float("inf"), dim=1)
tensor([2., 4.])
"""

from .functional.numeric import matrix_norm, vector_norm

__all__ = ["matrix_norm", "vector_norm"]
