"""``torch.nn.modules.lazy``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..lazy import LazyModuleMixin

__all__ = [
    "LazyModuleMixin",
]
