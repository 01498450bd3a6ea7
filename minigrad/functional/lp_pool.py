"""``F.lp_pool1d/2d/3d``: power-average pooling, PyTorch's composition of the average pools.

PyTorch computes ``(sum over the window of x**p) ** (1/p)`` as the average pool of
``x**p`` (padding 0), passed through ``sign(avg) * relu(|avg|)``, times the kernel size,
to the power ``1/p``; ``p = inf`` is the max pool of ``|x|`` and ``p = -inf`` minus the max
pool of ``-|x|``. The same composition here, so values, NaN (a negative sum under a
fractional root), ``ceil_mode``'s partial windows (their average times the full kernel
size, as in PyTorch) and the gradients are PyTorch's: the ``relu`` is a ``where``, so a
window whose sum is 0 gets a gradient of 0 (not ``0 * inf``), as PyTorch's docs say.

Settings are checked first, with the 1-D/3-D pools' checks (``pool_nd``), so a bad one
raises PyTorch's exception type (mostly RuntimeError; TypeError, ValueError or
ZeroDivisionError where PyTorch's Python code raises those) naming ``lp_pool*d``, not the
average pool inside.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..tensor import Tensor
from .pool import avg_pool2d, max_pool2d
from .pool_nd import (
    _check_kernel_fits,
    _input_checked,
    _out_sizes,
    _window_settings,
    avg_pool1d,
    avg_pool3d,
    max_pool1d,
    max_pool3d,
)

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]

_MAX = {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}
_AVG = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}


def _lp_settings(op: str, n: int, kernel_size: Any, stride: Any) -> tuple[tuple[int, ...], ...]:
    """(kernel, stride), ``n`` ints each, with PyTorch's exception types: a kernel of the
    wrong length is a ValueError in 2-D and 3-D (PyTorch unpacks it), a tuple kernel a
    TypeError in 1-D (PyTorch multiplies by it); the rest as the pools check them. The
    layers call it too."""
    wrong_length = isinstance(kernel_size, (tuple, list)) and len(kernel_size) != n
    if n > 1 and wrong_length:
        raise ValueError(f"{op}: kernel_size must be an int or a tuple of {n} ints, got "
                         f"{kernel_size!r}")
    k, s, _, _ = _window_settings(op, n, kernel_size, stride, 0)
    if n == 1 and isinstance(kernel_size, (tuple, list)):
        raise TypeError(f"{op}: kernel_size must be an int, got {kernel_size!r}")
    return k, s


def _lp_pool(op: str, n: int, x: Tensor, norm_type: float, kernel_size: Any, stride: Any,
             ceil_mode: bool) -> Tensor:
    """PyTorch's lp_pool composition over ``n`` spatial dims (module docstring)."""
    k, s = _lp_settings(op, n, kernel_size, stride)
    _out_sizes(op, x, k, s, (0,) * n, (1,) * n, ceil_mode)
    extra = {"exact": False} if n == 2 else {}
    if norm_type == math.inf:
        return _MAX[n](x.abs(), k, s, 0, 1, bool(ceil_mode), **extra)
    if norm_type == -math.inf:
        return -_MAX[n](-x.abs(), k, s, 0, 1, bool(ceil_mode), **extra)
    if norm_type == 0:
        raise ZeroDivisionError(f"{op}: norm_type must not be 0 (the root is 1/norm_type)")
    if n == 3:  # the average pool's check, under this op's name
        _check_kernel_fits(op, x, k)
    out = _AVG[n](x.pow(norm_type), k, s, 0, bool(ceil_mode), **extra)
    size = out.abs()
    out = out.sign() * where(~(size._data <= 0), size, 0.0)  # relu, NaN passing, as PyTorch
    return (out * int(np.prod(k))).pow(1.0 / norm_type)


def _norm(op: str, norm_type: Any) -> float:
    """A number (PyTorch's ``pow`` refuses anything else with a TypeError)."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float, np.number)):
        raise TypeError(f"{op}: norm_type must be a number, got {norm_type!r}")
    return norm_type


@_input_checked(1)
def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """``(sum of x**p over each window of K) ** (1/p)`` of every channel: (N, C, L) -> (N,
    C, OL) (PyTorch's composition, module docstring); ``stride`` defaults to the kernel
    size, there is no padding. ``p = 1`` is sum pooling, ``p = 2`` the window's L2 norm,
    ``p = inf`` the max of ``|x|``. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.lp_pool1d(mg.tensor([[[3.0, 4.0, 1.0, 1.0]]]), 2, 2)
        tensor([[[5.0000, 1.4142]]])
    """
    op = "lp_pool1d"
    return _lp_pool(op, 1, input, _norm(op, norm_type), kernel_size, stride, ceil_mode)


@_input_checked(2)
def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """``(sum of x**p over each (KH, KW) window) ** (1/p)`` of every channel: (N, C, H, W)
    -> (N, C, OH, OW) (PyTorch's composition, module docstring); ``stride`` defaults to
    the kernel size, there is no padding. Example, the L2 norm of each 2x2 window::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.lp_pool2d(mg.full((1, 1, 4, 4), 3.0), 2, 2)
        tensor([[[[6., 6.],
                  [6., 6.]]]])
    """
    op = "lp_pool2d"
    return _lp_pool(op, 2, input, _norm(op, norm_type), kernel_size, stride, ceil_mode)


@_input_checked(3)
def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """``(sum of x**p over each (KD, KH, KW) window) ** (1/p)`` of every channel: (N, C,
    D, H, W) -> (N, C, OD, OH, OW) (PyTorch's composition, module docstring); ``stride``
    defaults to the kernel size, there is no padding. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.lp_pool3d(mg.ones(1, 2, 4, 4, 4), 1, 2).shape
        (1, 2, 2, 2, 2)
    """
    op = "lp_pool3d"
    return _lp_pool(op, 3, input, _norm(op, norm_type), kernel_size, stride, ceil_mode)
