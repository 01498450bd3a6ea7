"""Distances between two batches of vectors, as modules (PyTorch's ``nn.CosineSimilarity``
and ``nn.PairwiseDistance``): the functions of ``F`` with their arguments kept."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """``F.cosine_similarity(x1, x2, dim, eps)``: the cosine along ``dim``."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The cosine of each pair of vectors along ``dim``."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``F.pairwise_distance(x1, x2, p, eps, keepdim)``: the ``p``-norm distance along the
    last dim."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The distance of each pair of vectors."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
