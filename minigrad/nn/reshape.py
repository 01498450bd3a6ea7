"""Layers that only pass data on or change its shape: ``Identity``, ``Flatten``,
``Unflatten``."""

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


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (the inverse of ``Flatten``)."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        if isinstance(unflattened_size, int) or not all(
                isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with dim ``dim`` reshaped to ``unflattened_size``."""
        d = self.dim + x.ndim if self.dim < 0 else self.dim
        if not 0 <= d < x.ndim:
            raise IndexError(f"Unflatten: dimension {self.dim} out of range for input of "
                             f"shape {x.shape}")
        return x.reshape(*x.shape[:d], *self.unflattened_size, *x.shape[d + 1:])

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
