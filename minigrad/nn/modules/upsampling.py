"""``torch.nn.modules.upsampling``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = [
    "Upsample",
    "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
]
