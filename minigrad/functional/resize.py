"""Padding modes and resizing: ``F.pad(mode='reflect' | 'replicate')`` and ``F.interpolate``.

Both are index maps: each output position reads one (nearest, reflect, replicate), two
(linear, per axis) or four (bicubic) input positions. They are written as fancy indexing
plus constant weights on Tensors, one axis at a time, so there is no loop over pixels and
the backward (a scatter-add of the same map) comes from indexing's own, differentiable
twice. Here: the padding, and interpolate's arguments as PyTorch reads them; the sampling
positions of each mode are in ``resize_modes.py``, 'area' is the adaptive average pool.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops.shape import pad as _constant_pad
from ..tensor import Tensor, require_tensor
from .resize_modes import resample


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


_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_RANKS = {"linear": (3, "(N, C, W)"), "bilinear": (4, "(N, C, H, W)"),
          "bicubic": (4, "(N, C, H, W)"), "trilinear": (5, "(N, C, D, H, W)")}


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of ``(N, C, ...)`` with PyTorch's sampling positions:
    'nearest', 'nearest-exact' and 'area' (any of 1 to 3 spatial dims), 'linear' (3-D),
    'bilinear' and 'bicubic' (4-D, ``antialias=True`` too), 'trilinear' (5-D)."""
    _check_interpolate(input, mode, align_corners, antialias)
    sizes, factors = _sizes(input, size, scale_factor, recompute_scale_factor)
    if mode == "area":  # PyTorch's too: the adaptive average pool of the output size
        return _area(input, sizes)
    return resample(input, sizes, [None] * len(sizes) if factors is None else factors, mode,
                    bool(align_corners), antialias)


def _area(input: Tensor, sizes: list[int]) -> Tensor:
    """'area': the adaptive average pool of the output size, as PyTorch's."""
    from .pool import adaptive_avg_pool2d
    from .pool_nd import adaptive_avg_pool1d, adaptive_avg_pool3d

    pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[len(sizes) - 1]
    if input.dtype == np.float16:  # the pools take float32 and float64: PyTorch's opmath
        return pool(input.float(), sizes).to(np.float16)
    return pool(input, sizes)


def _sizes(x: Tensor, size: Any, scale_factor: Any,
           recompute: bool | None) -> tuple[list[int], list[float] | None]:
    """Output sizes, and the scale factors the kernels use (None: input size / output size),
    as PyTorch's ``interpolate`` works them out; every size checked positive."""
    if (size is None) == (scale_factor is None):
        which = "only one of" if size is not None else "either"
        raise ValueError(f"interpolate: exactly one of size or scale_factor must be defined "
                         f"({which} size or scale_factor should be defined)")
    if size is not None:
        if recompute:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                             "explicit size.")
        sizes, factors = _given_sizes(x, size), None
    else:
        factors = _given_factors(x, scale_factor)
        sizes = [_floor_size(n, f) for n, f in zip(x.shape[2:], factors)]
    _check_sizes(x, sizes)
    return sizes, (None if recompute else factors)


def _spatial_list(x: Tensor, value: Any, what: str) -> list[Any]:
    """``size`` or ``scale_factor``: one for every spatial dim (PyTorch's ValueError)."""
    spatial = x.ndim - 2
    if not isinstance(value, (list, tuple)):
        return [value] * spatial
    if len(value) != spatial:
        kind = "ints" if what == "size" else "numbers"
        raise ValueError(f"interpolate: {what} must be {spatial} {kind} for input of shape "
                         f"{x.shape}, got {value!r} (input and {what} must have the same "
                         "number of spatial dimensions)")
    return list(value)


def _given_sizes(x: Tensor, size: Any) -> list[int]:
    """``size`` (an int or one per spatial dim) as a list of ints."""
    sizes = _spatial_list(x, size, "size")
    try:
        return [operator.index(s) for s in sizes]
    except TypeError:
        raise TypeError(f"interpolate: expected size to be one of int or Tuple[int] or "
                        f"Tuple[int, int] or Tuple[int, int, int], but got size {size!r}"
                        ) from None


def _given_factors(x: Tensor, scale_factor: Any) -> list[float]:
    factors = _spatial_list(x, scale_factor, "scale_factor")
    try:
        return [float(f) for f in factors]
    except (TypeError, ValueError):
        raise TypeError(f"interpolate: scale_factor must be a float or a tuple of floats, "
                        f"got {scale_factor!r}") from None


def _floor_size(n: int, factor: float) -> int:
    """``floor(n * factor)``; PyTorch's RuntimeError for an inf or NaN factor."""
    if not math.isfinite(factor):
        raise RuntimeError(f"interpolate: value cannot be converted to type int64_t without "
                           f"overflow (scale_factor {factor})")
    return math.floor(float(n) * factor)


def _check_sizes(x: Tensor, sizes: list[int]) -> None:
    if min(sizes) < 1 or min(x.shape[2:]) < 1:
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, "
                           f"but got input {x.shape} and output size {tuple(sizes)}")
    if 0 in x.shape[1:]:
        raise RuntimeError(f"interpolate: non-empty {x.ndim}D data tensor expected but got a "
                           f"tensor with sizes {x.shape}")


def _check_interpolate(input: Tensor, mode: str, align_corners: bool | None,
                       antialias: bool) -> None:
    """The input, mode and options ``interpolate`` can take, with PyTorch's messages."""
    require_tensor(input, "interpolate", "input")
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    _check_rank(input, mode)
    if antialias and not (mode in ("bilinear", "bicubic") and input.ndim == 4):
        raise ValueError("interpolate: Anti-alias option is restricted to bilinear, bicubic, "
                         "and lanczos modes and requires a 4-D tensor as input")
    if input.dtype.kind != "f":
        raise NotImplementedError(f"interpolate: needs a floating point input, got dtype "
                                  f"{input.dtype} (shape {input.shape})")


def _check_rank(input: Tensor, mode: str) -> None:
    """PyTorch's NotImplementedErrors: a rank outside 3 to 5, a mode for another rank."""
    if not 3 <= input.ndim <= 5:
        raise NotImplementedError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, ...), "
                                  f"got shape {input.shape}")
    if mode not in _MODES:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not supported; use one of "
            "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact")
    rank, layout = _RANKS.get(mode, (input.ndim, ""))
    if input.ndim != rank:
        raise NotImplementedError(f"interpolate: mode {mode!r} expects a {rank}-D input "
                                  f"{layout}, got shape {input.shape}")
