"""Activation layers: ``ReLU``, ``Sigmoid``, ``Tanh``, ``Softmax``."""

from __future__ import annotations

from ..tensor import Tensor
from .module import Module


class ReLU(Module):
    """max(x, 0) elementwise; any shape. ``inplace`` is accepted for PyTorch code and ignored."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()  # inplace is accepted for PyTorch compatibility; never in place

    def forward(self, x: Tensor) -> Tensor:
        """``x.relu()``, same shape as ``x``."""
        return x.relu()


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise; any shape (LeNet's original activation)."""

    def forward(self, x: Tensor) -> Tensor:
        """``x.sigmoid()``, same shape as ``x``."""
        return x.sigmoid()


class Tanh(Module):
    """tanh(x) elementwise; any shape."""

    def forward(self, x: Tensor) -> Tensor:
        """``x.tanh()``, same shape as ``x``."""
        return x.tanh()


class Softmax(Module):
    """Softmax over ``dim``. For training use ``CrossEntropyLoss`` on the logits instead: it
    fuses the softmax with the log loss and stays finite for huge logits."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """Probabilities along ``dim`` (inferred as PyTorch does when None)."""
        dim = self.dim
        if dim is None:  # PyTorch's legacy implicit choice
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return x.softmax(dim)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"dim={self.dim}"
