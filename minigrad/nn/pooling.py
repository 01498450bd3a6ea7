"""Pooling layers, PyTorch's signatures: ``MaxPool2d``, ``AvgPool2d``,
``AdaptiveAvgPool2d``, ``AdaptiveMaxPool2d`` (the work is in ``F``).

As in PyTorch, a window grid that does not fit exactly is floored (``ceil_mode`` keeps
the last partial window; ``exact=True`` or ``minigrad.strict_shapes()`` raises).
Settings are checked once, in ``__init__``, by the geometry helper's ``window_args``.
"""

from __future__ import annotations

from typing import Any

from ..im2col import window_args
from ..tensor import Tensor
from . import functional as F
from .module import Module


def _arg(pair: tuple[int, int]) -> int | tuple[int, int]:
    """Keep an int when both sides agree (PyTorch's pooling layers store what was given)."""
    return pair[0] if pair[0] == pair[1] else pair


class _Pool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                 ceil_mode: bool, exact: bool | None) -> None:
        super().__init__()
        k, s, p, d = window_args(type(self).__name__, kernel_size,
                                 kernel_size if stride is None else stride, padding, dilation)
        self.kernel_size, self.stride, self.padding = _arg(k), _arg(s), _arg(p)
        self.dilation, self.ceil_mode, self.exact = _arg(d), bool(ceil_mode), exact

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        return s + (f", exact={self.exact}" if self.exact is not None else "")


class MaxPool2d(_Pool2d):
    """Largest value of each window, per channel: ``(N, C, H, W)`` -> ``(N, C, OH, OW)``.

    ``stride`` defaults to ``kernel_size``; padding counts as -inf. With
    ``return_indices=True`` it also returns each winner's flat index in its (H, W) plane.
    Example: ``nn.MaxPool2d(2)`` halves 24x24 maps to 12x12 (SimpleConvNet).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False,
                 exact: bool | None = None) -> None:
        super().__init__(kernel_size, stride, padding, dilation, ceil_mode, exact)
        self.return_indices = bool(return_indices)

    def forward(self, x: Tensor) -> Any:
        """Pooled maps ``(N, C, OH, OW)`` (and indices with ``return_indices``)."""
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices,
                            exact=self.exact)

    def extra_repr(self) -> str:
        """PyTorch's wording, plus ``exact`` when set."""
        s = (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
             f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")
        return s + (f", exact={self.exact}" if self.exact is not None else "")


class AvgPool2d(_Pool2d):
    """Mean of each window, per channel: ``(N, C, H, W)`` -> ``(N, C, OH, OW)``.

    ``stride`` defaults to ``kernel_size``; padding counts as zeros in the mean unless
    ``count_include_pad=False``; ``divisor_override`` replaces the divisor. LeNet's
    original subsampling.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None, exact: bool | None = None) -> None:
        super().__init__(kernel_size, stride, padding, 1, ceil_mode, exact)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        """Pooled maps ``(N, C, OH, OW)``."""
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override, exact=self.exact)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input size (PyTorch's bins);
    ``AdaptiveAvgPool2d(1)`` is ResNet's global average pool."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, H, W)`` -> ``(N, C, *output_size)``."""
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        """``output_size=...``."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed ``output_size`` (PyTorch's bins), optionally with indices."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, bool(return_indices)

    def forward(self, x: Tensor) -> Any:
        """``(N, C, H, W)`` -> ``(N, C, *output_size)`` (and indices)."""
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        """``output_size=...``."""
        return f"output_size={self.output_size}"
