"""``torch.nn.modules.linear``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..lazy import LazyLinear
from ..linear import Bilinear, Linear, NonDynamicallyQuantizableLinear
from ..reshape import Identity

__all__ = [
    "Bilinear",
    "Identity",
    "LazyLinear",
    "Linear",
    "NonDynamicallyQuantizableLinear",
]
