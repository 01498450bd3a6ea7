"""Activations that need their own Function: log-sigmoid (stable at both ends), erf and
tanhshrink. The rest are compositions of core ops in ``minigrad.functional.activation``."""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): finite for every x, no 0 taken log of.

    The gradient is ``sigmoid(-x)``, from the stable sigmoid: 1 at -200, not NaN.
    """

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        x = a._data
        ctx.save_for_backward(a)
        return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return g * (-a).sigmoid()


def _erf_array(x: np.ndarray) -> np.ndarray:
    """The error function in float64 to ~1e-15, vectorised: a Taylor series below |x| = 2,
    the continued fraction of erfc above (numpy has no erf; minigrad needs no scipy)."""
    a = np.abs(x.astype(np.float64))
    out = np.empty_like(a)
    small = a < 2.0
    z = a[small]
    z2, term, s = z * z, z.copy(), z.copy()
    for n in range(1, 35):
        term *= -z2 / n
        s += term / (2 * n + 1)
    out[small] = s * (2.0 / np.sqrt(np.pi))
    z = a[~small]
    f = z.copy()
    for k in range(80, 0, -1):
        f = z + (k / 2.0) / f
    out[~small] = 1.0 - np.exp(-z * z) / np.sqrt(np.pi) / f
    return (np.sign(x) * out).astype(x.dtype if x.dtype.kind == "f" else np.float64)


class Erf(Function):
    """The error function; ``d/dx erf(x) = 2/sqrt(pi) * exp(-x**2)``."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return _erf_array(x._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * (-(x * x)).exp() * (2.0 / math.sqrt(math.pi))


class Tanhshrink(Function):
    """``x - tanh(x)``; the gradient ``tanh(x)**2`` (not ``1 - (1 - tanh**2)``, which is 0
    for small ``x``)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        a = x._data
        return (a - np.tanh(a)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        t = x.tanh()
        return g * t * t
