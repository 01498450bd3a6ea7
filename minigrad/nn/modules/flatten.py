"""``torch.nn.modules.flatten``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..reshape import Flatten, Unflatten

__all__ = [
    "Flatten",
    "Unflatten",
]
