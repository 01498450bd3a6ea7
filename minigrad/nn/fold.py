"""``F.unfold`` / ``F.fold`` and the ``Unfold`` / ``Fold`` layers: PyTorch's names and
layout for im2col and col2im.

``unfold`` turns every sliding window of ``(N, C, H, W)`` into a column of
``(N, C*kh*kw, L)`` (L windows); ``fold`` sums such columns back onto an image, adding
where windows overlap (the adjoint of ``unfold``, not its inverse). Both call minigrad's
``im2col`` / ``col2im`` (rows ``(N*L, C*kh*kw)``) and transpose.
"""

from __future__ import annotations

from typing import Any

from ..functional.conv import col2im, im2col
from ..im2col import pair
from ..tensor import Tensor, require_tensor
from .module import Module


def _args(op: str, kernel_size: Any, dilation: Any, padding: Any,
          stride: Any) -> tuple[tuple[int, int], ...]:
    k, d, p, s = (pair(v, n, op) for v, n in ((kernel_size, "kernel_size"),
                                               (dilation, "dilation"), (padding, "padding"),
                                               (stride, "stride")))
    for name, v, low in (("kernel_size", k, 1), ("dilation", d, 1), ("stride", s, 1),
                         ("padding", p, 0)):
        if min(v) < low:
            rule = "greater than zero" if low else "non-negative"
            raise RuntimeError(f"{op}: {name} should be {rule}, but got {name}: {v}")
    return k, d, p, s


def _blocks(op: str, size: tuple[int, int], k: tuple, d: tuple, p: tuple,
            s: tuple) -> tuple[int, int]:
    """The number of windows along each spatial dim (PyTorch's floor), or a RuntimeError."""
    out = []
    for i in range(2):
        span = size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1
        if span < 0:
            raise RuntimeError(
                f"{op}: given input with spatial size {tuple(size)}, kernel_size={k}, "
                f"dilation={d}, padding={p}, calculated shape of the array of sliding blocks "
                f"is non-positive along dim {i}: the dilated kernel is larger than the padded "
                f"input")
        out.append(span // s[i] + 1)
    return out[0], out[1]


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Sliding windows of ``(N, C, H, W)`` (or ``(C, H, W)``) as columns
    ``(N, C*kh*kw, L)`` (or ``(C*kh*kw, L)``), channel-major as PyTorch orders them."""
    x = require_tensor(input, "unfold", "input")
    k, d, p, s = _args("unfold", kernel_size, dilation, padding, stride)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"unfold: expected 3D or 4D (batch mode) tensor for input, but got "
                           f"input of shape {x.shape}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"unfold: expected a floating point input, got dtype {x.dtype}")
    batched = x if x.ndim == 4 else x.unsqueeze(0)
    n, c, h, w = batched.shape
    oh, ow = _blocks("unfold", (h, w), k, d, p, s)
    if n == 0 or c == 0:  # no windows to read: an empty result (still in the graph)
        cols = batched.reshape(n, c * k[0] * k[1], oh * ow)
    else:
        rows = im2col(batched, k, s, p, exact=False, dilation=d)   # (N*L, C*kh*kw)
        cols = rows.reshape(n, oh * ow, c * k[0] * k[1]).transpose(1, 2)
    return cols if x.ndim == 4 else cols.squeeze(0)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """Columns ``(N, C*kh*kw, L)`` (or ``(C*kh*kw, L)``) summed back onto an image
    ``(N, C, *output_size)``: the adjoint of ``unfold``."""
    x = require_tensor(input, "fold", "input")
    size = pair(output_size, "output_size", "fold")
    k, d, p, s = _args("fold", kernel_size, dilation, padding, stride)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected 2D or 3D (batch mode) tensor for input, but got "
                           f"input of shape {x.shape}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"fold: expected a floating point input, got dtype {x.dtype}")
    batched = x if x.ndim == 3 else x.unsqueeze(0)
    n, ckk, length = batched.shape
    kk = k[0] * k[1]
    if ckk % kk:
        raise RuntimeError(f"fold: expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={ckk} and "
                           f"kernel_size={k}")
    oh, ow = _blocks("fold", size, k, d, p, s)
    if length != oh * ow:
        raise RuntimeError(f"fold: given output_size={size}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, stride={s}, expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {oh} * {ow} = "
                           f"{oh * ow}, but got input.size(2)={length}")
    c = ckk // kk
    shape = (n, c, *size)
    if n == 0 or c == 0:  # nothing to add up: an empty image (still in the graph)
        out = batched.reshape(shape)
    else:
        rows = batched.transpose(1, 2).reshape(n * length, ckk)
        out = col2im(rows, shape, k, s, p, exact=False, dilation=d)
    return out if x.ndim == 3 else out.squeeze(0)


def _repr(**settings: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items())


class Unfold(Module):
    """``F.unfold`` as a layer: ``(N, C, H, W)`` -> ``(N, C*kh*kw, L)``."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        _args("Unfold", kernel_size, dilation, padding, stride)
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, x: Tensor) -> Tensor:
        """``F.unfold(x, kernel_size, dilation, padding, stride)``."""
        return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return _repr(kernel_size=self.kernel_size, dilation=self.dilation,
                     padding=self.padding, stride=self.stride)


class Fold(Module):
    """``F.fold`` as a layer: ``(N, C*kh*kw, L)`` -> ``(N, C, *output_size)``."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1,
                 padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        _args("Fold", kernel_size, dilation, padding, stride)
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        """``F.fold(x, output_size, kernel_size, dilation, padding, stride)``."""
        return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return _repr(output_size=self.output_size, kernel_size=self.kernel_size,
                     dilation=self.dilation, padding=self.padding, stride=self.stride)
