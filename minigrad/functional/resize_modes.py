"""``F.interpolate``'s sampling along one axis: the input positions each output position
reads, and their weights, for 'nearest', 'nearest-exact', the linear modes and 'bicubic'.

The positions are worked out in numpy with PyTorch's CPU arithmetic (its ``opmath`` type:
float32 for a float32 input, float64 for float64; the nearest index rounded through a
float32 ``floorf``), so an index never lands one pixel off PyTorch's. The resize itself is
one axis at a time: fancy indexing of the Tensor and constant weights, so the gradient (a
scatter-add of the same map) and the gradient of that come from indexing's own backward.
"""

from __future__ import annotations

import numpy as np

from ..ops import where
from ..tensor import Tensor

_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution constant

Taps = list[tuple[np.ndarray, np.ndarray | None]]  # (input index, weight) per tap


def _opmath(dtype: np.dtype) -> type:
    """The type PyTorch's CPU kernels compute positions in."""
    return np.float64 if dtype == np.float64 else np.float32


def _scale(n_in: int, n_out: int, factor: float | None, align_corners: bool,
           op: type) -> np.floating:
    """PyTorch's ``area_pixel_compute_scale``: input pixels per output pixel."""
    if align_corners:
        return op(n_in - 1) / op(n_out - 1) if n_out > 1 else op(0)
    if factor is not None and factor > 0:
        return op(1.0 / factor)
    return op(n_in) / op(n_out)


def _source(scale: np.floating, n_out: int, align_corners: bool, op: type) -> np.ndarray:
    """PyTorch's ``area_pixel_compute_source_index`` (unclamped): output pixel centres in
    input coordinates. In float32 the multiply-add is fused, as the compiled kernel's is."""
    dst = np.arange(n_out, dtype=op)
    if align_corners:
        return scale * dst
    if op is np.float32:
        return (np.float64(scale) * (dst.astype(np.float64) + 0.5) - 0.5).astype(op)
    return scale * (dst + 0.5) - 0.5


def _floorf(real: np.ndarray) -> np.ndarray:
    """``floorf``: the position rounded to float32, then down to an int."""
    return np.floor(real.astype(np.float32)).astype(np.int64)


def nearest_taps(n_in: int, n_out: int, factor: float | None, exact: bool,
                 dtype: np.dtype, spatial: int) -> Taps:
    """'nearest' reads ``floor(i * scale)`` (OpenCV's INTER_NEAREST); 'nearest-exact' the
    pixel whose centre is nearest (Pillow's, scikit-image's). PyTorch's 2-D kernels
    (``upsample_nearest2d``) take a float32 scale, and 'nearest' there copies an axis of
    unchanged size, or reads ``i // 2`` for twice the size, whatever the scale factor; its
    1-D and 3-D kernels compute in the input's precision, with no shortcut."""
    if spatial == 2:
        return [(np.minimum(_nearest_2d(n_in, n_out, factor, exact), n_in - 1), None)]
    op = _opmath(dtype)
    scale = _scale(n_in, n_out, factor, False, op)
    if exact:
        real = np.maximum(_source(scale, n_out, False, op), op(0))
        index = _floorf(real.astype(np.float64) + 0.5)
    else:
        index = _floorf(scale * np.arange(n_out, dtype=op))
    return [(np.minimum(index, n_in - 1), None)]


def _nearest_2d(n_in: int, n_out: int, factor: float | None, exact: bool) -> np.ndarray:
    """PyTorch's ``nearest_idx`` and ``nearest_exact_idx``."""
    dst = np.arange(n_out)
    if not exact and n_out in (n_in, 2 * n_in):
        return dst // (n_out // n_in)
    scale = _scale(n_in, n_out, factor, False, np.float32)
    if exact:
        return _floorf((dst + 0.5) * np.float64(scale))
    return _floorf(dst.astype(np.float32) * scale)


def linear_taps(n_in: int, n_out: int, factor: float | None, align_corners: bool,
                dtype: np.dtype) -> Taps:
    """The two neighbours of each position and their weights; an axis of unchanged size is
    copied (PyTorch skips it too, whatever ``scale_factor`` says)."""
    if n_in == n_out:
        return []
    op = _opmath(dtype)
    real = _source(_scale(n_in, n_out, factor, align_corners, op), n_out, align_corners, op)
    real = real if align_corners else np.maximum(real, op(0))
    lo = np.minimum(_floorf(real), n_in - 1)
    w1 = np.clip(real - lo.astype(op), 0, 1).astype(dtype)
    hi = lo + (lo < n_in - 1)
    return [(lo, (1 - w1).astype(dtype)), (hi, w1)]


def cubic_taps(n_in: int, n_out: int, factor: float | None, align_corners: bool,
               dtype: np.dtype) -> Taps:
    """Four neighbours weighted by the cubic convolution kernel (A = -0.75); the taps past
    an edge read the edge pixel (PyTorch's ``upsample_bicubic2d``)."""
    op = _opmath(dtype)
    real = _source(_scale(n_in, n_out, factor, align_corners, op), n_out, align_corners, op)
    base = np.minimum(_floorf(real), n_in - 1)
    t = np.clip(real - base.astype(op), 0, 1)
    weights = cubic_weights(t.astype(op))
    return [(np.clip(base - 1 + j, 0, n_in - 1), w.astype(dtype))
            for j, w in enumerate(weights)]


def cubic_weights(t: np.ndarray) -> list[np.ndarray]:
    """PyTorch's ``get_cubic_upsample_coefficients``: the 4 taps at distance ``t`` in
    [0, 1] past the second one."""
    a = _CUBIC_A

    def near(d: np.ndarray) -> np.ndarray:  # |distance| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d: np.ndarray) -> np.ndarray:  # 1 < |distance| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def resample(x: Tensor, sizes: list[int], factors: list[float | None], mode: str,
             align_corners: bool, antialias: bool = False) -> Tensor:
    """``x`` resized to ``sizes`` along its spatial dims, one axis at a time."""
    out = x
    for i, (n_out, factor) in enumerate(zip(sizes, factors)):
        axis, n_in = 2 + i, x.shape[2 + i]
        masks = None
        if antialias:
            taps, masks = antialias_taps(n_in, n_out, factor, align_corners, x.dtype,
                                         mode == "bicubic")
        elif mode in ("nearest", "nearest-exact"):
            taps = nearest_taps(n_in, n_out, factor, mode == "nearest-exact", x.dtype,
                                len(sizes))
        elif mode == "bicubic":
            taps = cubic_taps(n_in, n_out, factor, align_corners, x.dtype)
        else:
            taps = linear_taps(n_in, n_out, factor, align_corners, x.dtype)
        out = _weighted(out, axis, taps, masks)
    return out


def antialias_taps(n_in: int, n_out: int, factor: float | None, align_corners: bool,
                   dtype: np.dtype, cubic: bool) -> tuple[Taps, list[np.ndarray | None]]:
    """PyTorch's (and Pillow's) antialiased resampling: a triangle (bilinear) or cubic
    (A = -0.5) filter stretched by the scale when downsampling, so every input pixel
    counts; weights normalised to sum 1 over the taps inside the input. The taps past an
    output's last are masked (their weight is 0, and an inf there must not make a NaN)."""
    if n_in == n_out:
        return [], []
    op = _opmath(dtype)
    scale = _scale(n_in, n_out, factor, align_corners, op)
    support = op((4 if cubic else 2) * 0.5) * (scale if scale >= 1 else op(1))
    invscale = op(1) / scale if scale >= 1 else op(1)
    width = int(np.ceil(support)) * 2 + 1
    center = scale * (np.arange(n_out, dtype=op) + op(0.5))
    lo = np.maximum((center - support + op(0.5)).astype(np.int64), 0)
    size = np.clip(np.minimum((center + support + op(0.5)).astype(np.int64), n_in) - lo, 0,
                   width)
    j = np.arange(width)
    valid = j < size[:, None]
    dist = ((j + lo[:, None]).astype(op) - center[:, None] + op(0.5)) * invscale
    w = np.where(valid, _aa_filter(np.abs(dist).astype(op), cubic), op(0))
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w)
    index = np.minimum(lo[:, None] + j, n_in - 1)
    used = [k for k in range(width) if valid[:, k].any()]
    return ([(index[:, k], w[:, k].astype(dtype)) for k in used],
            [None if valid[:, k].all() else valid[:, k] for k in used])


def _aa_filter(d: np.ndarray, cubic: bool) -> np.ndarray:
    """The antialiasing filters at distance ``d`` >= 0: 1 - d, or Keys' cubic with A=-0.5."""
    if not cubic:
        return np.where(d < 1, 1 - d, 0)
    a = -0.5
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d < 1, near, np.where(d < 2, far, 0))


def _weighted(x: Tensor, axis: int, taps: Taps,
              masks: list[np.ndarray | None] | None = None) -> Tensor:
    """``sum_j x[..., index_j, ...] * weight_j`` along ``axis`` (``x`` itself for no taps);
    a tap's ``masks[j]`` keeps it to the outputs it belongs to."""
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    out = x
    for j, (index, weight) in enumerate(taps):
        term = x[(slice(None),) * axis + (index,)]
        if weight is not None:
            term = term * Tensor(weight.reshape(shape))
        if masks is not None and masks[j] is not None:
            term = where(masks[j].reshape(shape), term, Tensor(np.zeros((), x.dtype)))
        out = term if j == 0 else out + term
    return out
