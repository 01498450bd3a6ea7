"""``torch.nn.modules.normalization``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..cross_map_lrn import CrossMapLRN2d
from ..normalization import GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm

__all__ = [
    "CrossMapLRN2d",
    "GroupNorm",
    "LayerNorm",
    "LocalResponseNorm",
    "RMSNorm",
]
