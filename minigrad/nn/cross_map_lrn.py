"""``nn.CrossMapLRN2d``: Lua torch's local response normalisation, as old AlexNet ports use.

``y_c = x_c * (k + alpha / size * sum_{j in W(c)} x_j^2) ** -beta`` over a window of
channels. It differs from ``nn.LocalResponseNorm`` (which averages over a zero-padded
window centred on ``c``) in how the window is built: PyTorch keeps Lua torch's running-sum
loop, in which the first channel is never taken out of the sum (every channel from
``pre_pad = (size - 1) // 2 + 1`` on includes ``x_0^2``), and its hand-written backward
sums over another, shifted window of channels. So PyTorch's gradient is not the derivative
of its forward unless the window covers all channels; minigrad reproduces both, so ported
weights give the same numbers and the same training steps. For the exact derivative use
``LocalResponseNorm``.

    >>> import minigrad as mg
    >>> lrn = mg.nn.CrossMapLRN2d(3, alpha=1.0, beta=1.0, k=1.0)
    >>> lrn(mg.ones(1, 2, 1, 1)).flatten()
    tensor([0.6000, 0.6000])
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor, require_tensor
from .module import Module


@lru_cache(maxsize=64)
def _forward_window(size: int, channels: int) -> np.ndarray:
    """``M[c, j] = 1`` where ``x_j^2`` is in channel ``c``'s sum: PyTorch's loop replayed
    on indices (the first channel never subtracted)."""
    pre_pad = int((size - 1) / 2 + 1)
    m = np.zeros((channels, channels))
    m[0, :min(pre_pad, channels)] = 1
    for c in range(1, channels):
        m[c] = m[c - 1]
        if c < channels - pre_pad + 1:
            m[c, c + pre_pad - 1] += 1
        if c > pre_pad:
            m[c, c - pre_pad] -= 1
    return m


@lru_cache(maxsize=64)
def _backward_window(size: int, channels: int) -> np.ndarray:
    """``B[c, j] = 1`` where the ratio of channel ``j`` reaches channel ``c``'s gradient in
    PyTorch's backward: the channels ``c - inverse_pre_pad .. c + size - 1 - inverse_pre_pad``."""
    inverse_pre_pad = int(size - (size - 1) / 2)
    b = np.zeros((channels, channels))
    for c in range(channels):
        lo, hi = c - inverse_pre_pad, c + size - 1 - inverse_pre_pad
        b[c, max(lo, 0):max(min(hi + 1, channels), 0)] = 1
    return b


def _mix(window: np.ndarray, x: Tensor) -> Tensor:
    """``sum_j window[c, j] * x[:, j]``: a channel mix of an (N, C, H, W) tensor."""
    w = Tensor(window.astype(x.dtype))
    return (w @ x.flatten(2)).reshape(x.shape)


def _scale(x: Tensor, size: int, alpha: float, k: float) -> Tensor:
    return _mix(_forward_window(size, x.shape[1]), x * x) * (alpha / size) + k


class CrossMapLRN2dFunction(Function):
    """PyTorch's ``_functions.CrossMapLRN2d``: its forward and its own backward, the backward
    in Tensor ops so it differentiates again."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, size: int, alpha: float, beta: float,
                k: float) -> np.ndarray:
        ctx.args = (size, alpha, beta, k)
        ctx.save_for_backward(x)
        scale = _scale(x.detach(), size, alpha, k)._data
        return (x._data * scale ** -beta).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        size, alpha, beta, k = ctx.args
        channels = x.shape[1]
        if size < 2:  # PyTorch's backward fails there too (its padded buffer is too short)
            raise RuntimeError(f"CrossMapLRN2d: backward: start (1) + length ({channels}) "
                               f"exceeds dimension size ({channels}) (size=1 has no backward "
                               f"in PyTorch either)")
        scale = _scale(x, size, alpha, k)
        ratio = g * x * scale ** (-beta - 1)  # g * output / scale
        accum = _mix(_backward_window(size, x.shape[1]), ratio)
        grad = scale ** -beta * g - x * accum * (2 * alpha * beta / size)
        return grad, None, None, None, None


class CrossMapLRN2d(Module):
    """``nn.CrossMapLRN2d(size, alpha=1e-4, beta=0.75, k=1)`` on (N, C, H, W) input; no
    parameters. See the module's docstring for how it differs from ``LocalResponseNorm``."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002  (PyTorch's name)
        """The normalised (N, C, H, W) input, of its shape and dtype."""
        input = require_tensor(input, "CrossMapLRN2d", "input")
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D "
                             f"instead (shape {input.shape}).")
        if input.dtype.kind != "f":
            raise RuntimeError(f"CrossMapLRN2d: expected a floating point input, got "
                               f"{input.dtype}")
        return CrossMapLRN2dFunction.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """PyTorch's repr: ``CrossMapLRN2d(5, alpha=0.0001, beta=0.75, k=1)``."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
