"""Pooling layers, PyTorch's signatures: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``,
``AdaptiveAvgPool1d/2d/3d``, ``AdaptiveMaxPool1d/2d`` (the work is in ``F``; the 1-D and
3-D pools are built on the 2-D ones, see ``minigrad.functional.pool_nd``).

As in PyTorch, a window grid that does not fit exactly is floored (``ceil_mode`` keeps
the last partial window; for the 2-D layers ``exact=True`` or ``minigrad.strict_shapes()``
raises). Settings are checked once, in ``__init__``, by the checks the functions use.
"""

from __future__ import annotations

from typing import Any

from ..functional.pool_nd import _window_settings
from ..im2col import window_args
from ..tensor import Tensor
from . import functional as F
from .module import Module


def _arg(pair: tuple[int, int]) -> int | tuple[int, int]:
    """Keep an int when both sides agree (PyTorch's pooling layers store what was given)."""
    return pair[0] if pair[0] == pair[1] else pair


def _single(value: Any) -> tuple:
    """PyTorch's ``_single``: an int as a tuple of one, a sequence as a tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class _PoolNd(Module):
    """What the max and average pooling layers share: the window settings, checked once
    here with the checks of their function ``F.<_function>``, and their repr. The 2-D
    layers store the settings as minigrad always has (an int where both sides agree) and
    take ``exact``; the 1-D and 3-D ones store what was given, as PyTorch's do."""

    _dims = 2
    _function = ""

    def __init__(self, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
                 dilation: Any = None, exact: bool | None = None) -> None:
        super().__init__()
        stride = kernel_size if stride is None else stride
        settings = (kernel_size, stride, padding, 1 if dilation is None else dilation)
        if self._dims == 2:
            settings = tuple(map(_arg, window_args(type(self).__name__, *settings)))
            self.exact = exact
        else:
            _window_settings(type(self).__name__, self._dims, *settings)
        self.kernel_size, self.stride, self.padding = settings[:3]
        if dilation is not None:  # max pooling only, as in PyTorch
            self.dilation = settings[3]
        self.ceil_mode = bool(ceil_mode)

    def _options(self) -> dict[str, Any]:
        """``exact`` for the 2-D functions (the others floor as PyTorch)."""
        return {"exact": self.exact} if self._dims == 2 else {}

    def _exact_repr(self) -> str:
        exact = self._options().get("exact")
        return f", exact={exact}" if exact is not None else ""

    def extra_repr(self) -> str:
        """PyTorch's wording, plus ``exact`` when set."""
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}" + self._exact_repr())


class _MaxPoolNd(_PoolNd):
    """PyTorch's max pooling layer: settings, ``return_indices``, forward and repr."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False,
                 exact: bool | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, dilation, exact)
        self.return_indices = bool(return_indices)

    def forward(self, x: Tensor) -> Any:
        """Pooled maps (and indices with ``return_indices``)."""
        return getattr(F, self._function)(
            x, self.kernel_size, self.stride, self.padding, self.dilation,
            ceil_mode=self.ceil_mode, return_indices=self.return_indices, **self._options())

    def extra_repr(self) -> str:
        """PyTorch's wording, plus ``exact`` when set."""
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}" + self._exact_repr())


class MaxPool1d(_MaxPoolNd):
    """Largest value of each window of every channel: ``(N, C, L)`` -> ``(N, C, OL)``.

    ``stride`` defaults to ``kernel_size``; padding counts as -inf. With
    ``return_indices=True`` it also returns each winner's index along L.
    Example: ``nn.MaxPool1d(2)`` halves a (4, 64, 100) sequence batch to (4, 64, 50).
    """

    _dims, _function = 1, "max_pool1d"

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, dilation, return_indices, ceil_mode)


class MaxPool2d(_MaxPoolNd):
    """Largest value of each window, per channel: ``(N, C, H, W)`` -> ``(N, C, OH, OW)``.

    ``stride`` defaults to ``kernel_size``; padding counts as -inf. With
    ``return_indices=True`` it also returns each winner's flat index in its (H, W) plane.
    Example: ``nn.MaxPool2d(2)`` halves 24x24 maps to 12x12 (SimpleConvNet).
    """

    _function = "max_pool2d"


class MaxPool3d(_MaxPoolNd):
    """Largest value of each (KD, KH, KW) window of every channel: ``(N, C, D, H, W)`` ->
    ``(N, C, OD, OH, OW)``.

    ``stride`` defaults to ``kernel_size``; padding counts as -inf. With
    ``return_indices=True`` it also returns each winner's flat index in its (D, H, W)
    volume. Example: ``nn.MaxPool3d((1, 2, 2))`` halves the frames of a clip, not its length.
    """

    _dims, _function = 3, "max_pool3d"

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, dilation, return_indices, ceil_mode)


class AvgPool1d(_PoolNd):
    """Mean of each window of every channel: ``(N, C, L)`` -> ``(N, C, OL)``.

    ``stride`` defaults to ``kernel_size``; padding counts as zeros in the mean unless
    ``count_include_pad=False``. As in PyTorch the settings are kept as tuples of one.
    """

    _dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.kernel_size, self.stride, self.padding = (
            _single(v) for v in (self.kernel_size, self.stride, self.padding))
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        """Pooled signals ``(N, C, OL)``."""
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class AvgPool2d(_PoolNd):
    """Mean of each window, per channel: ``(N, C, H, W)`` -> ``(N, C, OH, OW)``.

    ``stride`` defaults to ``kernel_size``; padding counts as zeros in the mean unless
    ``count_include_pad=False``; ``divisor_override`` replaces the divisor. LeNet's
    original subsampling.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None, exact: bool | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, exact=exact)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        """Pooled maps ``(N, C, OH, OW)``."""
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override, exact=self.exact)


class AvgPool3d(_PoolNd):
    """Mean of each (KD, KH, KW) window of every channel: ``(N, C, D, H, W)`` -> ``(N, C,
    OD, OH, OW)``.

    ``stride`` defaults to ``kernel_size``; padding counts as zeros in the mean unless
    ``count_include_pad=False``; ``divisor_override`` replaces the divisor.
    """

    _dims = 3

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        """Pooled volumes ``(N, C, OD, OH, OW)``."""
        return F.avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _AdaptiveAvgPoolNd(Module):
    """Average pooling to a fixed ``output_size`` whatever the input size (PyTorch's bins)."""

    _function = ""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, *spatial)`` -> ``(N, C, *output_size)``."""
        return getattr(F, self._function)(x, self.output_size)

    def extra_repr(self) -> str:
        """``output_size=...``."""
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of ``(N, C, L)`` to ``(N, C, output_size)`` (PyTorch's bins);
    ``AdaptiveAvgPool1d(1)`` is the global average pool of a 1-D CNN."""

    _function = "adaptive_avg_pool1d"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed ``output_size`` whatever the input size (PyTorch's bins);
    ``AdaptiveAvgPool2d(1)`` is ResNet's global average pool."""

    _function = "adaptive_avg_pool2d"


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling of ``(N, C, D, H, W)`` to ``(N, C, *output_size)`` (an int, or three
    ints where None keeps that size); ``AdaptiveAvgPool3d(1)`` ends a video network."""

    _function = "adaptive_avg_pool3d"


class _AdaptiveMaxPoolNd(Module):
    """Max pooling to a fixed ``output_size`` (PyTorch's bins), optionally with indices."""

    _function = ""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, bool(return_indices)

    def forward(self, x: Tensor) -> Any:
        """``(N, C, *spatial)`` -> ``(N, C, *output_size)`` (and indices)."""
        return getattr(F, self._function)(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        """``output_size=...``."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of ``(N, C, L)`` to ``(N, C, output_size)`` (PyTorch's bins), optionally
    with each winner's index along L."""

    _function = "adaptive_max_pool1d"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``output_size`` (PyTorch's bins), optionally with indices."""

    _function = "adaptive_max_pool2d"
