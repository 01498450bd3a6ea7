"""``torch.nn.modules.container``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from ..containers import (
    Container,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)

__all__ = [
    "Container",
    "ModuleDict",
    "ModuleList",
    "ParameterDict",
    "ParameterList",
    "Sequential",
]
