"""``Conv1d``, ``Conv2d``, ``Conv3d`` and ``ConvTranspose1d/2d/3d``: learnable convolutions
(the work is in ``F``; the other ranks are built on conv2d, ``functional/conv_nd.py``).

The settings are checked once, here in ``__init__``, by the same ``window_args`` that the
ops' geometry uses; the input's shapes are checked once, by the op.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..im2col import channels, ntuple, window_args
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolutions share: checked settings, parameters, init, repr, the padding
    modes. ``_spatial`` is the number of spatial dims (Conv1d 1, Conv2d 2, Conv3d 3)."""

    transposed = False
    _spatial = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 dtype: object, exact: bool | None, output_padding: Any = 0) -> None:
        super().__init__()
        op = type(self).__name__
        self.in_channels = channels(in_channels, "in_channels", op)
        self.out_channels = channels(out_channels, "out_channels", op)
        self.groups = channels(groups, "groups", op, minimum=1)
        for name, v in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if v % self.groups:
                raise ValueError(f"{op}: {name} ({v}) must be divisible by groups "
                                 f"({self.groups})")
        string_padding = isinstance(padding, str)
        _check_string_padding(op, padding, self.transposed)
        n = self._spatial
        kernel, stride_, pad, dil = window_args(op, kernel_size, stride,
                                                0 if string_padding else padding, dilation, n)
        if padding == "same" and stride_ != (1,) * n:
            raise ValueError(f"{op}: padding='same' is not supported for strided "
                             f"convolutions (stride={stride!r})")
        _check_padding_mode(op, padding_mode, self.transposed)
        self.kernel_size, self.stride, self.dilation = kernel, stride_, dil
        self.padding = padding if string_padding else pad
        self.padding_mode = padding_mode
        self.output_padding = ntuple(output_padding, n, "output_padding", op)
        self.exact = exact
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *kernel)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *kernel)
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.zeros(shape, dtype))
        self.bias = Parameter(np.zeros((self.out_channels,), dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and bias with PyTorch's default initialisation
        (kaiming_uniform a=sqrt(5); bias U(+-1/sqrt(fan_in))). Zero-size weights (a layer
        with zero channels, which PyTorch allows) are left as they are."""
        if self.weight.numel() == 0:
            return
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in = int(np.prod(self.weight.shape[1:]))
        if self.bias is not None and fan_in > 0:
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's wording)."""
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        # PyTorch prints only what differs from the default, 'same' and the mode unquoted
        zeros, ones = (0,) * self._spatial, (1,) * self._spatial
        for name, default in (("padding", zeros), ("dilation", ones),
                              ("output_padding", zeros), ("groups", 1)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s + (f", exact={self.exact}" if self.exact is not None else "")

    def _padded(self, x: Tensor) -> tuple[Tensor, Any]:
        """``x`` and the padding the convolution itself adds: for a ``padding_mode`` other
        than 'zeros', ``x`` padded by that mode (``F.pad``) and no more padding."""
        if self.padding_mode == "zeros":
            return x, self.padding
        return F.pad(x, self._pad_amounts(), mode=self.padding_mode), 0

    def _pad_amounts(self) -> tuple[int, ...]:
        """``F.pad``'s widths, last dim first: (left, right, top, bottom, front, back),
        with PyTorch's split for 'same' (the odd one right)."""
        if self.padding == "valid":
            return (0, 0) * self._spatial
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            return tuple(w for t in reversed(totals) for w in (t // 2, t - t // 2))
        return tuple(w for p in reversed(self.padding) for w in (p, p))


def _check_string_padding(op: str, padding: Any, transposed: bool) -> None:
    """``padding`` as a word: 'same' or 'valid', and not for a transposed convolution (as
    in PyTorch)."""
    if not isinstance(padding, str):
        return
    if padding not in ("same", "valid"):
        raise ValueError(f"{op}: padding must be an int, a tuple of ints, 'same' or 'valid', "
                         f"got {padding!r}")
    if transposed:
        raise ValueError(f"{op}: padding={padding!r} is only supported by Conv1d, Conv2d "
                         "and Conv3d")


def _check_padding_mode(op: str, padding_mode: str, transposed: bool) -> None:
    """One of ``_PADDING_MODES``; a transposed convolution takes only 'zeros'."""
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {_PADDING_MODES}, got "
                         f"{padding_mode!r}")
    if transposed and padding_mode != "zeros":
        raise ValueError(f"{op}: only padding_mode='zeros' is supported, as in PyTorch")


class Conv2d(_ConvNd):
    """PyTorch's ``nn.Conv2d``: weight ``(out_channels, in_channels/groups, kh, kw)``, bias
    ``(out_channels,)``, same defaults and initialisation.

    An output size that is not whole floors, as in PyTorch; ``exact=True`` (or
    ``minigrad.strict_shapes()``) makes that an error that says which padding or stride
    fits. ``padding_mode`` other than ``'zeros'`` pads with ``F.pad(mode=...)`` first.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: object = None, exact: bool | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype, exact)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, in_channels, H, W)`` -> ``(N, out_channels, OH, OW)``."""
        x, padding = self._padded(x)  # a padding_mode pads first, then a plain conv
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups, exact=self.exact)


class _ConvOtherRanks(_ConvNd):
    """Conv1d and Conv3d: PyTorch's signature (no ``exact``: their ops floor, as
    PyTorch's), the padding mode applied first, then ``F.conv1d`` or ``F.conv3d``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: object = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype, None)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, in_channels, *)`` -> ``(N, out_channels, *)``."""
        x, padding = self._padded(x)
        conv = F.conv1d if self._spatial == 1 else F.conv3d
        return conv(x, self.weight, self.bias, self.stride, padding, self.dilation,
                    self.groups)


class Conv1d(_ConvOtherRanks):
    """PyTorch's ``nn.Conv1d``: weight ``(out_channels, in_channels/groups, k)``, bias
    ``(out_channels,)``, same defaults, initialisation, repr and state dict. Input
    ``(N, C, L)`` or ``(C, L)``; the output length floors as in PyTorch."""

    _spatial = 1


class Conv3d(_ConvOtherRanks):
    """PyTorch's ``nn.Conv3d``: weight ``(out_channels, in_channels/groups, kd, kh, kw)``,
    bias ``(out_channels,)``, same defaults, initialisation, repr and state dict. Input
    ``(N, C, D, H, W)`` or ``(C, D, H, W)`` (video, volumes); sizes floor as in PyTorch."""

    _spatial = 3


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d, 2d and 3d share: ``forward(x, output_size=None)`` picks the
    output_padding from PyTorch's ``output_size``."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                 bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros",
                 device: Any = None, dtype: object = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype, None, output_padding)

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        """``(N, in_channels, *)`` -> ``(N, out_channels, *)``, each size
        ``(n-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1``."""
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(x, output_size)
        fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d,
              3: F.conv_transpose3d}[self._spatial]
        return fn(x, self.weight, self.bias, self.stride, self.padding, output_padding,
                  self.groups, self.dilation)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        if len(output_size) not in (self._spatial, self._spatial + 2):
            raise ValueError(f"{type(self).__name__}: output_size must have {self._spatial} "
                             f"or {self._spatial + 2} elements, got {list(output_size)}")
        want = tuple(output_size)[-self._spatial:]
        out = []
        for i, size in enumerate(want):
            least = ((x.shape[x.ndim - self._spatial + i] - 1) * self.stride[i]
                     - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            if not least <= size < least + self.stride[i]:
                raise ValueError(f"{type(self).__name__}: requested an output size of {want}, "
                                 f"but valid sizes range from {least} to "
                                 f"{least + self.stride[i] - 1} along dimension {i}")
            out.append(size - least)
        return tuple(out)


class ConvTranspose2d(_ConvTransposeNd):
    """PyTorch's ``nn.ConvTranspose2d``: weight ``(in_channels, out_channels/groups, kh,
    kw)``; output size ``(H-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1``.
    ``forward(x, output_size=None)`` accepts PyTorch's ``output_size`` to pick the
    output_padding."""


class ConvTranspose1d(_ConvTransposeNd):
    """PyTorch's ``nn.ConvTranspose1d``: weight ``(in_channels, out_channels/groups, k)``,
    input ``(N, C, L)`` or ``(C, L)``; the upsampling of 1-D decoders (audio, signals)."""

    _spatial = 1


class ConvTranspose3d(_ConvTransposeNd):
    """PyTorch's ``nn.ConvTranspose3d``: weight ``(in_channels, out_channels/groups, kd, kh,
    kw)``, input ``(N, C, D, H, W)`` or ``(C, D, H, W)``; the upsampling of 3-D decoders
    (volumes, video). ``forward(x, output_size=None)`` as ConvTranspose2d's."""

    _spatial = 3
