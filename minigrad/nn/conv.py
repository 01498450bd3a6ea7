"""``Conv2d``: a learnable 2-D convolution (the im2col work is in ``F.conv2d``)."""

from __future__ import annotations

import math

import numpy as np

from ..tensor import DEFAULT_FLOAT, Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _pair(v: int | tuple[int, int], name: str) -> tuple[int, int]:
    pair = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if len(pair) != 2 or not all(isinstance(p, (int, np.integer)) for p in pair):
        raise TypeError(f"{name} must be an int or a pair of ints, got {v!r}")
    return int(pair[0]), int(pair[1])


def _arg(pair: tuple[int, int]) -> int | tuple[int, int]:
    """Pass an int when both sides agree (the common case), else the pair."""
    return pair[0] if pair[0] == pair[1] else pair


def check_spatial(layer: Module, x: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
                  padding: tuple[int, int]) -> None:
    """Raise a clear error when the (padded) input is smaller than the window."""
    for size, k, p, dim in zip(x.shape[2:], kernel, padding, ("height", "width")):
        if size + 2 * p < k:
            raise ValueError(
                f"{layer!r}: input {dim} {size} (+ 2*{p} padding) is smaller than the "
                f"kernel ({k}); input shape {x.shape}"
            )


class Conv2d(Module):
    """Weight ``(out_channels, in_channels, kh, kw)``, bias ``(out_channels,)``, initialised
    as in PyTorch (kaiming_uniform a=sqrt(5); bias U(+-1/sqrt(fan_in))).

    Like PyTorch, an output size that is not whole is floored; ``exact=True`` makes that an
    error instead (the book's rule, and ``F.conv2d``'s default)."""

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int | tuple[int, int], stride: int | tuple[int, int] = 1,
                 padding: int | tuple[int, int] = 0, bias: bool = True,
                 dtype: object = None, exact: bool = False) -> None:
        super().__init__()
        self.exact = exact
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "Conv2d: kernel_size")
        self.stride = _pair(stride, "Conv2d: stride")
        self.padding = _pair(padding, "Conv2d: padding")
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.padding) < 0:
            raise ValueError(f"Conv2d: kernel_size and stride must be positive and padding "
                             f"non-negative, got {kernel_size}, {stride}, {padding}")
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        dtype = dtype or DEFAULT_FLOAT
        self.weight = Parameter(np.empty(shape, dtype))
        self.bias = Parameter(np.empty((self.out_channels,), dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and bias with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, in_channels, H, W)`` -> ``(N, out_channels, OH, OW)``."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{self!r} expected input of shape (N, {self.in_channels}, H, W), got {x.shape}"
            )
        check_spatial(self, x, self.kernel_size, self.stride, self.padding)
        return F.conv2d(x, self.weight, self.bias, stride=_arg(self.stride),
                        padding=_arg(self.padding), exact=self.exact)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.bias is None:
            s += ", bias=False"
        return s + (", exact=True" if self.exact else "")
