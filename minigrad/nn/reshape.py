"""Layers that only pass data on or change its shape: ``Identity`` and ``Flatten``."""

from __future__ import annotations

from ..tensor import Tensor
from .module import Module


class Identity(Module):
    """Returns its input: a placeholder that keeps state dict keys stable (AlexNet without
    LRN has the same keys as with it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        """``x``, unchanged."""
        return x


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` (by default everything but the batch dim), in C
    order, like PyTorch and the book's ``x.reshape(N, -1)``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        """``x.flatten(start_dim, end_dim)``: (N, C, H, W) -> (N, C*H*W) by default."""
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
