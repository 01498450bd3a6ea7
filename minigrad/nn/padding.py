"""2-D padding layers over ``F.pad``: ``ZeroPad2d`` (constant 0; negative widths crop),
``ReflectionPad2d`` (mirror at the edge, the edge not repeated) and ``ReplicationPad2d``
(repeat the edge). ``padding`` is one int for all four sides or ``(left, right, top,
bottom)``."""

from __future__ import annotations

import operator
from collections.abc import Sequence

from ..functional.resize import pad
from ..tensor import Tensor
from .module import Module


def _four(padding: int | Sequence[int], layer: str) -> tuple[int, int, int, int]:
    try:
        if isinstance(padding, Sequence) and not isinstance(padding, (str, bytes)):
            widths = tuple(operator.index(p) for p in padding)
        else:
            widths = (operator.index(padding),) * 4  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{layer}: padding must be an int or a 4-tuple of ints (left, right, "
                        f"top, bottom), got {padding!r}") from None
    if len(widths) != 4:
        raise ValueError(f"{layer}: padding must be an int or a 4-tuple (left, right, top, "
                         f"bottom), got {tuple(padding)} of length {len(widths)}")
    return widths  # type: ignore[return-value]


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _four(padding, type(self).__name__)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, H, W)`` or ``(C, H, W)`` padded on its last two dims."""
        if not isinstance(x, Tensor) or x.ndim not in (3, 4):
            shape = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{type(self).__name__}: expected a 3-D (C, H, W) or 4-D "
                             f"(N, C, H, W) input, got {shape}")
        widths = self.padding
        if min(widths) < 0:  # ZeroPad2d: a negative width crops that side
            left, right, top, bottom = (max(0, -w) for w in widths)
            h, w = x.shape[-2:]
            x = x[..., top:h - bottom, left:w - right]
            widths = tuple(max(0, w) for w in widths)
        return pad(x, widths, self.mode)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"{self.padding}"


class ZeroPad2d(_Pad2d):
    """Pad with zeros (negative widths crop)."""


class ReflectionPad2d(_Pad2d):
    """Pad with the reflection of the input at its edge (each width < that dim's size)."""

    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """Pad by repeating the edge row / column."""

    mode = "replicate"
