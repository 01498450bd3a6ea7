"""Padding modes and resizing: ``F.pad(mode='reflect' | 'replicate')`` and ``F.interpolate``.

Both are index maps: each output position reads one (nearest, reflect, replicate) or two
(bilinear, per axis) input positions. They are written as fancy indexing plus constant
weights on Tensors, one axis at a time, so there is no loop over pixels and the backward
(a scatter-add of the same map) comes from indexing's own, differentiable twice.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops.shape import pad as _constant_pad
from ..tensor import Tensor, require_tensor


def _take(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """``x`` indexed along ``axis`` by an int array (differentiable)."""
    key = (slice(None),) * axis + (index,)
    return x[key]


def _pad_index(size: int, before: int, after: int, mode: str) -> np.ndarray:
    i = np.arange(-before, size + after)
    if mode == "replicate":
        return np.clip(i, 0, size - 1)
    if mode == "circular":  # wrap around: the last columns come before the first
        return i % size
    period = 2 * (size - 1)  # reflect: mirror at the edge samples, which are not repeated
    i = np.abs(i) % period
    return np.where(i >= size, period - i, i)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad``: ``pad = (left, right, top, bottom, ...)`` from the last dim back;
    ``mode`` is ``'constant'`` (with ``value``), ``'reflect'``, ``'replicate'`` or
    ``'circular'``."""
    require_tensor(input, "pad", "input")
    widths = _pad_widths(input, pad)
    if mode == "constant":
        return _constant_pad(input, widths, 0.0 if value is None else value)
    _check_index_mode(input, widths, mode, value)
    out = input
    for i in range(len(widths) // 2):
        axis = input.ndim - 1 - i
        before, after = widths[2 * i], widths[2 * i + 1]
        _check_axis(input, axis, before, after, mode, widths)
        if before or after:
            out = _take(out, axis, _pad_index(input.shape[axis], before, after, mode))
    return out


def _pad_widths(input: Tensor, pad: Any) -> tuple[int, ...]:
    """``pad`` as a tuple of ints, (before, after) pairs for at most ``input.ndim`` dims."""
    if isinstance(pad, (str, bytes)) or not isinstance(pad, Sequence):
        raise TypeError(f"pad: argument 'pad' must be a tuple of ints, got {pad!r}")
    try:
        widths = tuple(operator.index(p) for p in pad)
    except TypeError:
        raise TypeError(f"pad: argument 'pad' must be a tuple of ints, got {tuple(pad)} "
                        "(fractional sizes are not truncated)") from None
    if len(widths) % 2 or len(widths) // 2 > input.ndim:
        raise ValueError(f"pad: padding {widths} must hold (before, after) pairs for at "
                         f"most {input.ndim} dims of the input of shape {input.shape}")
    return widths


def _check_index_mode(input: Tensor, widths: tuple[int, ...], mode: str,
                      value: float | None) -> None:
    """The reflect, replicate and circular modes: no value, and PyTorch's input ranks."""
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; use 'constant', "
                                  "'reflect', 'replicate' or 'circular'")
    if value not in (None, 0, 0.0):
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    k = len(widths) // 2
    if input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad: padding size {len(widths)} is not supported for {input.ndim}D input in "
            f"mode {mode!r}: as in PyTorch, padding size 2k pads the last k dims of a "
            f"(k+1)-D or (k+2)-D input")


def _check_axis(input: Tensor, axis: int, before: int, after: int, mode: str,
                widths: tuple[int, ...]) -> None:
    """The widths one axis can take in an index mode (PyTorch's limits and messages)."""
    size = input.shape[axis]
    if min(before, after) < 0:
        raise ValueError(f"pad: negative padding {widths} is not supported in mode "
                         f"{mode!r}")
    if mode == "circular" and max(before, after) > size:
        raise RuntimeError(f"pad: padding ({before}, {after}) at dimension {axis} of "
                           f"input {input.shape} causes wrapping around more than once "
                           f"(at most {size} in circular mode)")
    if mode == "reflect" and max(before, after) >= size:
        raise RuntimeError(f"pad: padding size should be less than the corresponding "
                           f"input dimension, but got: padding ({before}, {after}) at "
                           f"dimension {axis} of input {input.shape}")
    if size == 0:
        raise RuntimeError(f"pad: mode {mode!r} needs a non-empty dimension {axis}, "
                           f"got input of shape {input.shape}")


def _sizes(x: Tensor, size: Any, scale_factor: Any) -> tuple[list[int], list[float | None]]:
    """Output sizes and the scale each axis uses (PyTorch: 1/scale_factor when given)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size or scale_factor must be defined")
    if size is not None:
        return _given_sizes(x, size), [None] * (x.ndim - 2)
    spatial = x.ndim - 2
    factors = ([scale_factor] * spatial if isinstance(scale_factor, (int, float))
               else list(scale_factor))
    if len(factors) != spatial or any(f <= 0 for f in factors):
        raise ValueError(f"interpolate: scale_factor must be {spatial} positive numbers for "
                         f"input of shape {x.shape}, got {scale_factor!r}")
    sizes = [int(math.floor(n * f)) for n, f in zip(x.shape[2:], factors)]
    return sizes, [float(f) for f in factors]


def _given_sizes(x: Tensor, size: Any) -> list[int]:
    """``size`` (an int or one per spatial dim) as a list of positive ints."""
    spatial = x.ndim - 2
    sizes = [size] * spatial if isinstance(size, int) else list(size)
    if len(sizes) != spatial or any(not isinstance(s, (int, np.integer)) for s in sizes):
        raise ValueError(f"interpolate: size must be {spatial} ints for input of shape "
                         f"{x.shape}, got {size!r}")
    return [int(s) for s in sizes]


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None) -> Tensor:
    """Resize the spatial dims of ``(N, C, ...)``: ``mode='nearest'`` (any number of spatial
    dims) or ``'bilinear'`` (``(N, C, H, W)``), with PyTorch's sampling positions."""
    _check_interpolate(input, mode, align_corners)
    sizes, factors = _sizes(input, size, scale_factor)
    if min(sizes) < 1:
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, "
                           f"but got input {input.shape} and output size {tuple(sizes)}")
    if recompute_scale_factor:
        factors = [None] * len(factors)
    out = input
    for i, (n_out, f) in enumerate(zip(sizes, factors)):
        axis, n_in = 2 + i, input.shape[2 + i]
        scale = n_in / n_out if f is None else 1.0 / f
        dst = np.arange(n_out, dtype=np.float64)
        if mode == "nearest":
            src = np.minimum(np.floor(dst * scale).astype(np.int64), n_in - 1)
            out = _take(out, axis, src)
            continue
        if align_corners:
            pos = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
        else:
            pos = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
        lo = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
        hi = np.minimum(lo + 1, n_in - 1)
        w = (pos - lo).astype(input.dtype).reshape((-1,) + (1,) * (input.ndim - 1 - axis))
        out = _take(out, axis, lo) * Tensor(1 - w) + _take(out, axis, hi) * Tensor(w)
    return out


def _check_interpolate(input: Tensor, mode: str, align_corners: bool | None) -> None:
    """The input and mode ``interpolate`` can take, with PyTorch's messages."""
    require_tensor(input, "interpolate", "input")
    if not 3 <= input.ndim <= 5:  # NotImplementedError: PyTorch's type
        raise NotImplementedError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, ...), "
                                  f"got shape {input.shape}")
    if input.dtype.kind != "f":
        raise NotImplementedError(f"interpolate: needs a floating point input, got dtype "
                                  f"{input.dtype} (shape {input.shape})")
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported; use "
                                  "'nearest' or 'bilinear'")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    if mode == "bilinear" and input.ndim != 4:
        raise NotImplementedError(f"interpolate: mode 'bilinear' expects a 4-D input (N, C, H, W), "
                         f"got shape {input.shape}")
