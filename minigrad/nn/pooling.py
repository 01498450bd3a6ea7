"""Pooling layers: ``MaxPool2d`` and ``AvgPool2d`` (``stride`` defaults to the kernel size).

As in PyTorch, a window grid that does not fit exactly is floored (``exact=True`` raises)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .conv import _arg, _pair, check_spatial
from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, exact: bool = False) -> None:
        super().__init__()
        self.exact = exact
        name = type(self).__name__
        self.kernel_size = _arg(_pair(kernel_size, f"{name}: kernel_size"))
        self.stride = self.kernel_size if stride is None else _arg(_pair(stride,
                                                                         f"{name}: stride"))
        self.padding = _arg(_pair(padding, f"{name}: padding"))

    def _check(self, x: Tensor) -> None:
        if x.ndim != 4:
            raise ValueError(f"{self!r} expected input of shape (N, C, H, W), got {x.shape}")
        check_spatial(self, x, _pair(self.kernel_size, ""), _pair(self.stride, ""),
                      _pair(self.padding, ""))

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        return s + (", exact=True" if self.exact else "")


class MaxPool2d(_Pool2d):
    """Largest value of each window, per channel: ``(N, C, H, W)`` -> ``(N, C, OH, OW)``.

    ``stride`` defaults to ``kernel_size``; padding counts as -inf. With
    ``return_indices=True`` it also returns each winner's flat index in its (H, W) plane.
    Example: ``nn.MaxPool2d(2)`` halves 24x24 maps to 12x12 (SimpleConvNet).
    """

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, return_indices: bool = False,
                 exact: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, exact)
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Any:
        """Pooled maps ``(N, C, OH, OW)`` (and indices with ``return_indices``)."""
        self._check(x)
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding,
                            return_indices=self.return_indices, exact=self.exact)


class AvgPool2d(_Pool2d):
    """Mean of each window, per channel: ``(N, C, H, W)`` -> ``(N, C, OH, OW)``.

    ``stride`` defaults to ``kernel_size``; padding counts as zeros in the mean (PyTorch's
    ``count_include_pad=True``). LeNet's original subsampling.
    """

    def forward(self, x: Tensor) -> Tensor:
        """Pooled maps ``(N, C, OH, OW)``."""
        self._check(x)
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, exact=self.exact)
