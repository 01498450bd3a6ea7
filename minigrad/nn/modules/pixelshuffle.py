"""``torch.nn.modules.pixelshuffle``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..pixel_shuffle import PixelShuffle, PixelUnshuffle

__all__ = [
    "PixelShuffle",
    "PixelUnshuffle",
]
