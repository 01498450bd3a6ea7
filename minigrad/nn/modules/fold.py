"""``torch.nn.modules.fold``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..fold import Fold, Unfold

__all__ = [
    "Fold",
    "Unfold",
]
