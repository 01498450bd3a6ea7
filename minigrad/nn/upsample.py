"""``Upsample``: ``F.interpolate`` as a layer (any of its modes, by size or factor), and
PyTorch's fixed-mode ``UpsamplingNearest2d`` and ``UpsamplingBilinear2d``
(``align_corners=True``)."""

from __future__ import annotations

from collections.abc import Sequence

from ..functional.resize import interpolate
from ..tensor import Tensor
from .module import Module


class Upsample(Module):
    """Resize ``(N, C, ...)`` to ``size`` or by ``scale_factor`` with any of
    ``F.interpolate``'s modes (``align_corners`` only for the interpolating ones)."""

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        """``F.interpolate(x, size, scale_factor, mode, align_corners)``."""
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's text)."""
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')``: repeat pixels (each output pixel
    takes the input pixel at ``floor(i / scale)``)."""

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)`` on
    ``(N, C, H, W)``: the corner pixels of input and output line up."""

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
