"""``torch.nn.modules.sparse``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..embedding import Embedding, EmbeddingBag

__all__ = [
    "Embedding",
    "EmbeddingBag",
]
