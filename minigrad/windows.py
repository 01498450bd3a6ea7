"""PyTorch's window functions: ``torch.hann_window``, ``hamming_window``, ``blackman_window``,
``bartlett_window`` and ``kaiser_window`` (the weights a short-time Fourier transform or a
FIR filter design multiplies a signal by).

Each follows PyTorch's kernel step by step, in the window's precision (float32 arithmetic
for a float32 window, float64 for float64), so the values agree to the last bits: a
``periodic`` window is the symmetric window one longer, without its last value; length 0
gives an empty window and length 1 ``[1.]``. ``minigrad.signal.windows`` (scipy-style
``sym=``) builds on the helpers here.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .device import check_device
from .dtypes import get_default_dtype
from .memory_format import strided
from .tensor import Tensor, _dtype_of

__all__ = ["bartlett_window", "blackman_window", "hamming_window", "hann_window",
           "kaiser_window"]


def window_dtype(fn: str, dtype: Any) -> np.dtype:
    """``dtype`` (default: the default float dtype) as a numpy dtype."""
    return np.dtype(get_default_dtype()) if dtype is None else _dtype_of(dtype, fn)


def compute_type(dtype: np.dtype) -> type:
    """What PyTorch's CPU kernels compute a window of ``dtype`` in (its ``opmath``)."""
    return np.float64 if dtype == np.float64 else np.float32


def make(values: np.ndarray, dtype: np.dtype, requires_grad: bool) -> Tensor:
    return Tensor(np.ascontiguousarray(values, dtype=dtype), requires_grad=requires_grad)


def _checks(fn: str, window_length: Any, dtype: Any, layout: Any, device: Any) -> tuple[int,
                                                                                       np.dtype]:
    """PyTorch's checks of a ``*_window`` call: an int length >= 0, a floating dtype."""
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)):
        raise TypeError(f"{fn}: argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{fn}: {fn} requires non-negative window_length, got "
                           f"window_length={window_length}")
    d = window_dtype(fn, dtype)
    if d.kind != "f":
        raise RuntimeError(f"{fn}: {fn} expects floating point dtypes, got: {d}")
    if layout not in (None, strided):
        raise RuntimeError(f"{fn}: {fn} is implemented for strided tensors only, got: "
                           f"{layout}")
    check_device(device, fn)
    return operator.index(window_length), d


def _window(fn: str, window_length: Any, periodic: bool, dtype: Any, layout: Any,
            device: Any, requires_grad: bool, body: Any) -> Tensor:
    """The frame every ``*_window`` shares: checks, lengths 0 and 1, ``periodic``;
    ``body(n, ct)`` gives the symmetric window of length ``n`` >= 2 computed in ``ct``."""
    n, d = _checks(fn, window_length, dtype, layout, device)
    if n <= 1:
        return make(np.ones(n), d, requires_grad)
    full = body(n + 1 if periodic else n, compute_type(d))
    return make(full[:n], d, requires_grad)


def _hamming(alpha: float, beta: float) -> Any:
    def body(n: int, ct: type) -> np.ndarray:
        w = np.arange(n, dtype=ct) * ct(math.pi * 2.0 / (n - 1))
        return np.cos(w) * ct(-beta) + ct(alpha)

    return body


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``0.5 - 0.5 cos(2 pi n / (N - 1))``: the raised cosine most STFTs use."""
    return _window("hann_window", window_length, periodic, dtype, layout, device,
                   requires_grad, _hamming(0.5, 0.5))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, layout: Any = None,
                   device: Any = None, requires_grad: bool = False) -> Tensor:
    """``alpha - beta cos(2 pi n / (N - 1))``: Hann's with lower side lobes."""
    return _window("hamming_window", window_length, periodic, dtype, layout, device,
                   requires_grad, _hamming(alpha, beta))


def _blackman(n: int, ct: type) -> np.ndarray:
    w = np.arange(n, dtype=ct) * ct(math.pi / (n - 1))
    return np.cos(w * ct(4)) * ct(0.08) - np.cos(w * ct(2)) * ct(0.5) + ct(0.42)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    layout: Any = None, device: Any = None,
                    requires_grad: bool = False) -> Tensor:
    """``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    return _window("blackman_window", window_length, periodic, dtype, layout, device,
                   requires_grad, _blackman)


def _bartlett(n: int, ct: type) -> np.ndarray:
    w = np.arange(n, dtype=ct) * ct(2.0 / (n - 1))
    first_half = ((n - 1) >> 1) + 1
    w[first_half:] = w[first_half:] * ct(-1) + ct(2)
    return w


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    layout: Any = None, device: Any = None,
                    requires_grad: bool = False) -> Tensor:
    """The triangle ``1 - |2n / (N - 1) - 1|``."""
    return _window("bartlett_window", window_length, periodic, dtype, layout, device,
                   requires_grad, _bartlett)


def _kaiser(beta: float) -> Any:
    def body(n: int, ct: type) -> np.ndarray:
        alpha = ct((n - 1) / 2.0)
        ratio = (np.arange(n, dtype=ct) - alpha) / alpha
        arg = ct(beta) * np.sqrt(np.abs(ct(1) - ratio * ratio))
        return (np.i0(arg) / np.i0(ct(beta))).astype(ct)

    return body


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """``I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)``: ``beta`` trades the main
    lobe's width for the side lobes' height."""
    return _window("kaiser_window", window_length, periodic, dtype, layout, device,
                   requires_grad, _kaiser(beta))
