"""Activation layers: ``ReLU``, ``Sigmoid``, ``Tanh``, ``Softmax``."""

from __future__ import annotations

from ..tensor import Tensor
from .module import Module


class ReLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()  # inplace is accepted for PyTorch compatibility; never in place

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Softmax(Module):
    """Softmax over ``dim``. For training use ``CrossEntropyLoss`` on the logits instead: it
    fuses the softmax with the log loss and stays finite for huge logits."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        dim = self.dim
        if dim is None:  # PyTorch's legacy implicit choice
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return x.softmax(dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
