"""``torch.nn.modules.distance``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..distance import CosineSimilarity, PairwiseDistance

__all__ = [
    "CosineSimilarity",
    "PairwiseDistance",
]
