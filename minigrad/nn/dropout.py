"""``Dropout``: inverted dropout, active in ``train()`` mode only."""

from __future__ import annotations

from ..ops.activation import dropout
from ..tensor import Tensor
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` while training and scale the rest by
    ``1/(1-p)``; the identity in ``eval()`` mode. Masks come from ``minigrad.rng``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be between 0 and 1, got {p}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh random mask in training mode; ``x`` itself in eval mode."""
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"p={self.p}"
