"""Pooling layers, PyTorch's signatures: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``,
``AdaptiveAvgPool1d/2d/3d``, ``AdaptiveMaxPool1d/2d/3d``, ``LPPool1d/2d/3d``,
``MaxUnpool1d/2d/3d``, ``FractionalMaxPool2d`` (the work is in ``F``; the 1-D and 3-D
pools are built on the 2-D ones, see ``minigrad.functional.pool_nd``).

As in PyTorch, a window grid that does not fit exactly is floored (``ceil_mode`` keeps
the last partial window; for the 2-D layers ``exact=True`` or ``minigrad.strict_shapes()``
raises). Settings are checked once, in ``__init__``, by the checks the functions use.
"""

from __future__ import annotations

from typing import Any

from ..functional.lp_pool import _lp_settings
from ..functional.pool_nd import _window_settings
from ..functional.unpool import _ints as _unpool_ints
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


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of ``(N, C, D, H, W)`` to ``(N, C, *output_size)`` (an int, or three ints
    where None keeps that size; PyTorch's bins), optionally with each winner's flat index in
    its (D, H, W) volume."""

    _function = "adaptive_max_pool3d"


# ----------------------------------------------------------------- LP, unpool, fractional


class _LPPoolNd(Module):
    """Power-average pooling ``(sum of x**p over each window) ** (1/p)`` (``F.lp_pool*d``):
    the settings are stored as given, as PyTorch's, and checked once here."""

    _dims = 1

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        _lp_settings(type(self).__name__, self._dims, kernel_size, stride)
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, *spatial)`` -> pooled, no padding."""
        return getattr(F, f"lp_pool{self._dims}d")(x, self.norm_type, self.kernel_size,
                                                    self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        """PyTorch's wording."""
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """``(sum of x**p over each window of K) ** (1/p)`` of every channel: ``(N, C, L)`` ->
    ``(N, C, OL)``. ``p = 1`` is sum pooling, ``p = 2`` the window's L2 norm, ``p = inf``
    max pooling of ``|x|``; ``stride`` defaults to the kernel size."""


class LPPool2d(_LPPoolNd):
    """``(sum of x**p over each (KH, KW) window) ** (1/p)`` of every channel: ``(N, C, H,
    W)`` -> ``(N, C, OH, OW)``; ``stride`` defaults to the kernel size."""

    _dims = 2


class LPPool3d(_LPPoolNd):
    """``(sum of x**p over each (KD, KH, KW) window) ** (1/p)`` of every channel: ``(N, C,
    D, H, W)`` -> ``(N, C, OD, OH, OW)``; ``stride`` defaults to the kernel size."""

    _dims = 3


class _MaxUnpoolNd(Module):
    """The partial inverse of a max pool (``F.max_unpool*d``): the settings as tuples, as
    PyTorch's ``_single/_pair/_triple`` keep them; ``output_size`` is the call's."""

    _dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name, n = type(self).__name__, self._dims
        self.kernel_size = _unpool_ints(name, kernel_size, n, "kernel_size")
        self.stride = _unpool_ints(name, kernel_size if stride is None else stride, n, "stride")
        self.padding = _unpool_ints(name, padding, n, "padding")

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """The pooled maps back at their indices, zeros elsewhere."""
        return getattr(F, f"max_unpool{self._dims}d")(input, indices, self.kernel_size,
                                                       self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        """PyTorch's wording."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Puts each value of ``MaxPool1d(..., return_indices=True)``'s output back at its
    index, zeros elsewhere: ``(N, C, L)`` -> ``(N, C, (L - 1) * stride + kernel_size - 2 *
    padding)``, or the call's ``output_size``."""


class MaxUnpool2d(_MaxUnpoolNd):
    """Puts each value of ``MaxPool2d(..., return_indices=True)``'s output back at its flat
    (H, W) index, zeros elsewhere (SegNet's decoder). Pass ``output_size=x.shape`` where the
    pool floored an odd size."""

    _dims = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Puts each value of ``MaxPool3d(..., return_indices=True)``'s output back at its flat
    (D, H, W) index, zeros elsewhere."""

    _dims = 3


class FractionalMaxPool2d(Module):
    """Graham's fractional max pooling (``F.fractional_max_pool2d``): (KH, KW) windows at
    pseudo-random starts, to ``output_size`` or the input size times ``output_ratio`` (in
    (0, 1)); new windows every call unless ``_random_samples`` (a buffer) fixes them."""

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _unpool_ints(name, kernel_size, 2, "kernel_size")
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else _pair(output_size)
        self.output_ratio = None if output_ratio is None else _pair(output_ratio)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name}: requires specifying either an output size, or a "
                             "pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError(f"{name}: only one of output_size and output_ratio may be "
                             "specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"{name}: output_ratio must be between 0 and 1 (got "
                             f"{output_ratio})")

    def forward(self, x: Tensor) -> Any:
        """Pooled maps (and indices with ``return_indices``)."""
        return F.fractional_max_pool2d(x, self.kernel_size, self.output_size, self.output_ratio,
                                       self.return_indices,
                                       _random_samples=self._random_samples)


def _pair(value: Any) -> tuple:
    """PyTorch's ``_pair``: a sequence as a tuple, anything else twice."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)
