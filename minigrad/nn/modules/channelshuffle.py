"""``torch.nn.modules.channelshuffle``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..pixel_shuffle import ChannelShuffle

__all__ = [
    "ChannelShuffle",
]
