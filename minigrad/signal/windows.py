"""``minigrad.signal.windows``: ``torch.signal.windows``, scipy-style window functions
(``sym=True`` a symmetric window for filter design, ``sym=False`` a periodic one for
spectral analysis), each written as PyTorch's: a ``linspace`` of the window's positions, in
the window's precision, then the function of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..device import check_device
from ..memory_format import strided
from ..tensor import Tensor
from ..windows import compute_type, make, window_dtype

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]


def _checks(fn: str, M: Any, dtype: Any, layout: Any, device: Any) -> np.dtype:  # noqa: N803
    """PyTorch's ``_window_function_checks``: M >= 0, strided, float32 or float64."""
    if isinstance(M, bool) or not isinstance(M, (int, np.integer)):
        raise TypeError(f"{fn}: window length M must be an int, got {type(M).__name__}")
    if M < 0:
        raise ValueError(f"{fn}: {fn} requires non-negative window length, got M={M}")
    if layout is not strided:
        raise ValueError(f"{fn}: {fn} is implemented for strided tensors only, got: {layout}")
    d = window_dtype(fn, dtype)
    if d not in (np.float32, np.float64):
        raise ValueError(f"{fn}: {fn} expects float32 or float64 dtypes, got: {d}")
    check_device(device, fn)
    return d


def _linspace(start: float, end: float, steps: int, ct: type) -> np.ndarray:
    """PyTorch's CPU ``linspace``: from ``start`` up to half-way, from ``end`` down after."""
    if steps == 1:
        return np.array([start], ct)
    lo, hi = ct(start), ct(end)
    step = (hi - lo) / ct(steps - 1)
    i = np.arange(steps)
    half = steps // 2
    return np.concatenate([lo + step * i[:half].astype(ct),
                           hi - step * (steps - i[half:] - 1).astype(ct)])


def _short(M: int, d: np.dtype, requires_grad: bool, one: bool = True) -> Tensor | None:  # noqa: N803
    """The empty window, and ``[1.]`` for M = 1 (where the function defines it so)."""
    if M == 0 or (one and M == 1):
        return make(np.ones(M), d, requires_grad)
    return None


def exponential(M: int, *, center: float | None = None, tau: float = 1.0,  # noqa: N803
                sym: bool = True, dtype: Any = None, layout: Any = strided, device: Any = None,
                requires_grad: bool = False) -> Tensor:
    """``exp(-|n - center| / tau)``."""
    d = _checks("exponential", M, dtype, layout, device)
    if tau <= 0:
        raise ValueError(f"exponential: Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("exponential: Center must be None for symmetric windows")
    short = _short(M, d, requires_grad, one=False)
    if short is not None:
        return short
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    constant = 1 / tau
    k = _linspace(-center * constant, (-center + (M - 1)) * constant, M, compute_type(d))
    return make(np.exp(-np.abs(k)), d, requires_grad)


def cosine(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = strided,  # noqa: N803
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """The sine arch ``sin(pi (n + 0.5) / M)``."""
    d = _checks("cosine", M, dtype, layout, device)
    short = _short(M, d, requires_grad, one=False)
    if short is not None:
        return short
    constant = math.pi / (M + 1 if not sym and M > 1 else M)
    k = _linspace(0.5 * constant, (0.5 + (M - 1)) * constant, M, compute_type(d))
    return make(np.sin(k), d, requires_grad)


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype: Any = None,  # noqa: N803
             layout: Any = strided, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``exp(-((n - center) / std)^2 / 2)``."""
    d = _checks("gaussian", M, dtype, layout, device)
    if std <= 0:
        raise ValueError(f"gaussian: Standard deviation must be positive, got: {std} "
                         "instead.")
    short = _short(M, d, requires_grad, one=False)
    if short is not None:
        return short
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    constant = 1 / (std * math.sqrt(2))
    k = _linspace(start * constant, (start + (M - 1)) * constant, M, compute_type(d))
    return make(np.exp(-(k * k)), d, requires_grad)


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype: Any = None,  # noqa: N803
           layout: Any = strided, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``I0(sqrt(beta^2 - k^2)) / I0(beta)`` for k from -beta to beta."""
    d = _checks("kaiser", M, dtype, layout, device)
    if beta < 0:
        raise ValueError(f"kaiser: beta must be non-negative, got: {beta} instead.")
    short = _short(M, d, requires_grad)
    if short is not None:
        return short
    ct = compute_type(d)
    b = ct(beta)
    constant = ct(2.0) * b / ct(M if not sym else M - 1)
    end = min(b, -b + ct(M - 1) * constant)
    k = _linspace(float(-b), float(end), M, ct)
    return make(np.i0(np.sqrt(b * b - k * k)).astype(ct) / ct(np.i0(b)), d, requires_grad)


def bartlett(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = strided,  # noqa: N803
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """The triangle ``1 - |k|`` for k from -1 to 1."""
    d = _checks("bartlett", M, dtype, layout, device)
    short = _short(M, d, requires_grad)
    if short is not None:
        return short
    constant = 2 / (M if not sym else M - 1)
    k = _linspace(-1, -1 + (M - 1) * constant, M, compute_type(d))
    return make(1 - np.abs(k), d, requires_grad)


def hamming(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = strided,  # noqa: N803
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """``general_hamming`` with alpha 0.54."""
    return _cosine_sum("hamming", M, [0.54, 1.0 - 0.54], sym, dtype, layout, device,
                       requires_grad)


def hann(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = strided,  # noqa: N803
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """``general_hamming`` with alpha 0.5: the raised cosine."""
    return _cosine_sum("hann", M, [0.5, 0.5], sym, dtype, layout, device, requires_grad)


def blackman(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = strided,  # noqa: N803
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``general_cosine`` with a = (0.42, 0.5, 0.08)."""
    return _cosine_sum("blackman", M, [0.42, 0.5, 0.08], sym, dtype, layout, device,
                       requires_grad)


def nuttall(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = strided,  # noqa: N803
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """Nuttall's 4-term ``general_cosine``."""
    return _cosine_sum("nuttall", M, [0.3635819, 0.4891775, 0.1365995, 0.0106411], sym,
                       dtype, layout, device, requires_grad)


def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True,  # noqa: N803
                    dtype: Any = None, layout: Any = strided, device: Any = None,
                    requires_grad: bool = False) -> Tensor:
    """``alpha - (1 - alpha) cos(2 pi n / (M - 1))``."""
    return _cosine_sum("general_hamming", M, [alpha, 1.0 - alpha], sym, dtype, layout,
                       device, requires_grad)


def general_cosine(M: int, *, a: Iterable, sym: bool = True, dtype: Any = None,  # noqa: N803
                   layout: Any = strided, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
    """``sum_i (-1)^i a_i cos(2 pi i n / (M - 1))``."""
    return _cosine_sum("general_cosine", M, a, sym, dtype, layout, device, requires_grad)


def _cosine_sum(fn: str, M: int, a: Any, sym: bool, dtype: Any, layout: Any,  # noqa: N803
                device: Any, requires_grad: bool) -> Tensor:
    d = _checks(fn, M, dtype, layout, device)
    short = _short(M, d, requires_grad)
    if short is not None:
        return short
    if not isinstance(a, Iterable):
        raise TypeError(f"{fn}: Coefficients must be a list/tuple")
    if not a:
        raise ValueError(f"{fn}: Coefficients cannot be empty")
    ct = compute_type(d)
    k = _linspace(0, (M - 1) * (2 * math.pi / (M if not sym else M - 1)), M, ct)
    out = None
    for i, w in enumerate(a):
        term = ct((-1) ** i * w) * np.cos(ct(i) * k)
        out = term if out is None else out + term
    return make(out, d, requires_grad)
