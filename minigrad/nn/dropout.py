"""``Dropout`` and ``Dropout2d``: inverted dropout, active in ``train()`` mode only."""

from __future__ import annotations

from ..functional.activation import dropout, dropout2d
from ..tensor import Tensor
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` while training and scale the rest by
    ``1/(1-p)``; the identity in ``eval()`` mode. Masks come from ``minigrad.rng``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: probability p must be between 0 and 1, "
                             f"got {p!r}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh random mask in training mode; ``x`` itself in eval mode."""
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Zero whole channels ``(N, C, H, W)`` with probability ``p`` while training (feature
    maps are correlated, so single pixels would leak through)."""

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with a fresh channel mask in training mode; ``x`` itself in eval mode."""
        return dropout2d(x, self.p, self.training)
