"""Window geometry and the array-level im2col/col2im that convolution and pooling share.

Everything here works on plain numpy arrays; the differentiable wrappers live in
``minigrad.ops.conv`` and ``minigrad.ops.pool``.

The column buffer is laid out as ``(C, KH, KW, N, OH, OW)``: viewed as a ``(C*KH*KW,
N*OH*OW)`` matrix it is the *transpose* of the book's ``(N*OH*OW, C*KH*KW)`` im2col
matrix, so the book's matrix is a free ``.T`` view of it. This layout is chosen for speed:
it is filled by one copy from a ``sliding_window_view`` whose innermost runs are rows of
the image, it is accumulated back (col2im) by ``KH*KW`` strided slice-adds over contiguous
rows, and the convolution is then one ``(FN, C*KH*KW) @ (C*KH*KW, N*OH*OW)`` GEMM. col2im
never materialises the padding: for each kernel offset only the part of the output grid
that lands inside the image is touched (``Geometry.offsets``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "Geometry",
    "check_float",
    "col2im_array",
    "channels",
    "geometry",
    "im2col_array",
    "is_strict",
    "ntuple",
    "offset_range",
    "output_size",
    "pair",
    "strict_shapes",
    "window_args",
]

_DIM_SYMBOLS = {"height": ("H", "OH", "row"), "width": ("W", "OW", "column")}


class _Strictness(threading.local):
    on = False


_strictness = _Strictness()


class strict_shapes(contextlib.ContextDecorator):
    """Inside this block (or a function decorated with it) every convolution and pooling
    whose output size is not whole raises instead of flooring, as ``exact=True`` does.

    PyTorch floors silently, and so does minigrad by default; the book's rule is that a
    silently dropped border is a bug more often than a choice, so its models build their
    layers strict. An explicit ``exact=False`` on an op still floors.
    """

    def __enter__(self) -> strict_shapes:
        self._prev = _strictness.on
        _strictness.on = True
        return self

    def __exit__(self, *exc: object) -> None:
        _strictness.on = self._prev


def is_strict(exact: bool | None = None) -> bool:
    """Whether an op called with ``exact`` must refuse a fractional output size."""
    return _strictness.on if exact is None else bool(exact)


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


_N_INTS = {1: "a tuple of one int", 2: "a pair of ints", 3: "a triple of ints"}


def ntuple(value: Any, n: int, name: str, op: str) -> tuple[int, ...]:
    """``3`` -> ``(3,) * n``; a tuple or list of ``n`` ints stays (as a tuple). Anything else
    (a float, a bool, a wrong length) is a TypeError naming the op: one setting per spatial
    dim, as conv1d (n=1), conv2d and the pools (n=2) and conv3d (n=3) take them."""
    if _is_int(value):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(map(_is_int, value)):
        return tuple(int(v) for v in value)
    raise TypeError(f"{op}: {name} must be an int or {_N_INTS.get(n, f'{n} ints')}, got "
                    f"{value!r}")


def pair(value: Any, name: str, op: str) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(3, 2)`` stays. Anything else is a TypeError naming the op."""
    return ntuple(value, 2, name, op)  # type: ignore[return-value]


def channels(value: Any, name: str, op: str, minimum: int = 0) -> int:
    """A channel count (or groups): an int ``>= minimum``, never a float truncated."""
    if not _is_int(value):
        raise TypeError(f"{op}: {name} must be an int, got {value!r} "
                        f"({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value}")
    return int(value)


def window_args(op: str, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                dilation: Any = 1, n: int = 2) -> tuple[tuple[int, ...], ...]:
    """The window settings as pairs (``n`` ints each for ``n`` spatial dims), checked once:
    kernel, stride, dilation positive and padding non-negative. Layers call it in
    ``__init__`` (so a bad setting fails where it is written), ops in ``geometry``."""
    k = ntuple(kernel_size, n, "kernel_size", op)
    s = ntuple(stride, n, "stride", op)
    p = ntuple(padding, n, "padding", op)
    d = ntuple(dilation, n, "dilation", op)
    for name, v, low in (("kernel size", k, 1), ("stride", s, 1), ("dilation", d, 1)):
        if min(v) < low:
            raise ValueError(f"{op}: {name} must be positive, got {v}")
    if min(p) < 0:
        raise ValueError(f"{op}: padding must be >= 0, got {p}")
    return k, s, p, d


def _axis(size: int, kernel: int, stride: int, padding: int, dilation: int, *,
          exact: bool, ceil_mode: bool, op: str, dim: str, kernel_symbol: str,
          max_padding: int | None) -> tuple[int, int]:
    """(output length, input rows/columns never read) along one axis.

    ``OH = (H + 2*P - D*(K-1) - 1) / S + 1``. A fraction floors (PyTorch's rule; the
    leftover rows are reported) unless ``exact``, where it is an error that shows the
    formula with the numbers and suggests a padding or stride that fits. ``ceil_mode``
    (pooling) rounds up instead, with PyTorch's rule that the last window must start
    inside the input or the left padding.
    """
    extent = dilation * (kernel - 1) + 1
    span = size + 2 * padding - extent
    if span < 0 and not (ceil_mode and span > -stride):  # ceil_mode: one window still fits
        k_txt = f"{kernel}" if dilation == 1 else f"{kernel} (dilated to {extent})"
        raise ValueError(
            f"{op}: the kernel {dim} {k_txt} is larger than the padded input {dim} "
            f"{size + 2 * padding} (input {dim} {size} + 2*padding {padding})"
        )
    whole, rest = divmod(span, stride)
    if ceil_mode and rest:
        out = whole + 2
        if (out - 1) * stride >= size + padding:
            out -= 1
        return out, 0
    if rest and exact:
        raise ValueError(_not_whole_message(size, kernel, stride, padding, dilation, op=op,
                                            dim=dim, kernel_symbol=kernel_symbol,
                                            max_padding=max_padding))
    return whole + 1, max(0, rest - padding)


def _not_whole_message(size: int, kernel: int, stride: int, padding: int, dilation: int, *,
                       op: str, dim: str, kernel_symbol: str, max_padding: int | None) -> str:
    """Why an exact output size is not whole: the formula with the numbers, a padding and a
    stride that fit, and what flooring would drop."""
    s_in, s_out, what = _DIM_SYMBOLS[dim]
    extent = dilation * (kernel - 1) + 1
    span = size + 2 * padding - extent
    whole, rest = divmod(span, stride)
    k_sym = kernel_symbol + s_in
    if dilation != 1:
        k_sym = f"{dilation}*({k_sym}-1) - 1 + 1"
    formula = (
        f"{s_out} = ({s_in} + 2*P - {k_sym}) / S + 1 = ({size} + 2*{padding} - {extent}) "
        f"/ {stride} + 1 = {span / stride + 1:g}"
    )
    fits = []
    limit = padding + stride if max_padding is None else min(padding + stride, max_padding)
    good_p = [p for p in range(0, limit + 1) if (size + 2 * p - extent) % stride == 0
              and size + 2 * p >= extent]
    if good_p:
        p = min(good_p, key=lambda q: (abs(q - padding), -q))
        fits.append(f"padding={p} ({s_out} = {(size + 2 * p - extent) // stride + 1})")
    s = max(d for d in range(1, stride) if span % d == 0) if stride > 1 else 1
    fits.append(f"stride={s} ({s_out} = {span // s + 1})")
    return (
        f"{op}: the output {dim} is not a whole number: {formula}. Use "
        + " or ".join(fits)
        + f" along the {dim}, or pass exact=False to floor like PyTorch ({s_out} = "
        f"{whole + 1}; the last {rest} input {what}(s) are then never used)"
    )


def output_size(size: int, kernel: int, stride: int, padding: int, *, exact: bool | None,
                op: str, dim: str = "height", kernel_symbol: str = "K", dilation: int = 1,
                ceil_mode: bool = False, max_padding: int | None = None) -> int:
    """Output length along one axis (``geometry`` does this for both axes of an op)."""
    window_args(op, kernel, stride, padding, dilation)
    return _axis(size, kernel, stride, padding, dilation, exact=is_strict(exact),
                 ceil_mode=ceil_mode, op=op, dim=dim, kernel_symbol=kernel_symbol,
                 max_padding=max_padding)[0]


@dataclass(frozen=True)
class Geometry:
    """Everything about a 2-D windowed op's shapes: input (N, C, H, W), kernel, stride,
    padding, dilation, groups and output (OH, OW). Passed between forward and backward
    Functions. ``dropped`` is how many input rows and columns a floored output size
    leaves unread (``(0, 0)`` when it divides)."""

    n: int
    c: int
    h: int
    w: int
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    oh: int
    ow: int
    dh: int = 1
    dw: int = 1
    groups: int = 1
    dropped: tuple[int, int] = (0, 0)

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        """``(N, C, H, W)``."""
        return (self.n, self.c, self.h, self.w)

    @property
    def out_hw(self) -> tuple[int, int]:
        """``(OH, OW)``."""
        return (self.oh, self.ow)

    @property
    def tiles(self) -> bool:
        """Windows tile the image exactly: no padding or dilation, stride == kernel,
        nothing left over, so a window view is a plain reshape (N, C, OH, KH, OW, KW)."""
        return (
            self.ph == 0 and self.pw == 0 and self.sh == self.kh and self.sw == self.kw
            and self.dh == 1 and self.dw == 1
            and self.oh * self.kh == self.h and self.ow * self.kw == self.w
        )

    def offsets(self) -> Iterator[tuple[int, int, tuple[slice, slice], tuple[slice, slice]]]:
        """For each kernel offset (kh, kw): the output-grid slices whose window element at
        that offset is inside the image, and the matching (strided) input slices. Offsets
        that only ever see padding are skipped."""
        for i in range(self.kh):
            rows = offset_range(i * self.dh, self.ph, self.sh, self.oh, self.h)
            if rows is None:
                continue
            for j in range(self.kw):
                cols = offset_range(j * self.dw, self.pw, self.sw, self.ow, self.w)
                if cols is None:
                    continue
                yield i, j, (rows[0], cols[0]), (rows[1], cols[1])


def offset_range(k: int, pad: int, stride: int, n_out: int, n_in: int) -> (
    tuple[slice, slice] | None
):
    """Output positions ``o`` with ``0 <= o*stride + k - pad < n_in``, as (output slice,
    input slice), or None when there are none. ``k`` is the (dilated) kernel offset."""
    lo = max(0, -((k - pad) // stride))
    hi = min(n_out, (n_in - 1 - k + pad) // stride + 1)
    if hi <= lo:
        return None
    start = lo * stride + k - pad
    return slice(lo, hi), slice(start, start + (hi - lo - 1) * stride + 1, stride)


def geometry(
    shape: tuple[int, ...],
    kernel_size: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    op: str,
    exact: bool | None = None,
    ceil_mode: bool = False,
    groups: int = 1,
    kernel_symbol: str = "K",
    max_padding_half_kernel: bool = False,
) -> Geometry:
    """Validate a 4-D input shape and window settings, once, and work out the output size.

    The one place where conv, conv-transpose, pooling, im2col and col2im check their
    geometry. ``exact=None`` follows ``strict_shapes()`` (floor outside it).
    """
    if len(shape) != 4:
        raise ValueError(
            f"{op}: expected a 4-D input (N, C, H, W), got shape {tuple(shape)}"
        )
    n, c, h, w = shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = window_args(op, kernel_size, stride, padding,
                                                         dilation)
    if max_padding_half_kernel and (ph > kh // 2 or pw > kw // 2):
        raise ValueError(
            f"{op}: padding ({ph}, {pw}) must be at most half the kernel size ({kh}, {kw}), "
            f"i.e. at most ({kh // 2}, {kw // 2}); more would make windows of padding only"
        )
    strict = is_strict(exact)
    common = dict(exact=strict, ceil_mode=ceil_mode, op=op, kernel_symbol=kernel_symbol)
    oh, drop_h = _axis(h, kh, sh, ph, dh, dim="height",
                       max_padding=kh // 2 if max_padding_half_kernel else None, **common)
    ow, drop_w = _axis(w, kw, sw, pw, dw, dim="width",
                       max_padding=kw // 2 if max_padding_half_kernel else None, **common)
    return Geometry(n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, dh, dw, groups,
                    (drop_h, drop_w))


def check_float(a: np.ndarray, what: str, op: str) -> None:
    """float32/float64 only: float16 has no fast GEMM in numpy and would overflow in the
    accumulations; integers cannot carry gradients."""
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{op}: {what} has dtype {a.dtype} (shape {a.shape}); only float32 and float64 "
            "are supported (convert with .float() or .double())"
        )


def im2col_array(x: np.ndarray, g: Geometry, out: np.ndarray | None = None,
                 fill: float = 0.0) -> np.ndarray:
    """The column buffer ``(C, KH, KW, N, OH, OW)`` of ``x`` (N, C, H, W), ``fill`` (zero for
    convolution, -inf for max pooling) where a window hangs over the padding. ``x`` is only
    read; ``out`` is filled when given.

    One copy from a strided window view (``sliding_window_view``: no data moved until the
    copy) of the padded image.
    """
    shape = (g.c, g.kh, g.kw, g.n, g.oh, g.ow)
    cols = np.empty(shape, dtype=x.dtype) if out is None else out.reshape(shape)
    if cols.size == 0:
        return cols
    ekh, ekw = g.dh * (g.kh - 1) + 1, g.dw * (g.kw - 1) + 1  # dilated window extent
    # ceil_mode's last window may hang past the padding too: pad up to where it ends
    bottom = max(g.ph, (g.oh - 1) * g.sh + ekh - g.h - g.ph)
    right = max(g.pw, (g.ow - 1) * g.sw + ekw - g.w - g.pw)
    if g.ph or g.pw or bottom or right:
        x = np.pad(x, ((0, 0), (0, 0), (g.ph, bottom), (g.pw, right)), constant_values=fill)
    windows = sliding_window_view(x, (ekh, ekw), axis=(2, 3))
    windows = windows[:, :, : (g.oh - 1) * g.sh + 1 : g.sh, : (g.ow - 1) * g.sw + 1 : g.sw,
                      :: g.dh, :: g.dw]  # dilation: a strided view of the window
    np.copyto(cols, windows.transpose(1, 4, 5, 0, 2, 3))  # (N,C,OH,OW,KH,KW) -> buffer order
    return cols


def col2im_array(cols: np.ndarray, g: Geometry) -> np.ndarray:
    """Sum a column buffer ``(C, KH, KW, N, OH, OW)`` (any strides) back onto the image
    ``(N, C, H, W)``: every window adds its values where it came from. The adjoint of
    ``im2col_array``, one strided slice-add per kernel offset."""
    dx = np.zeros(g.input_shape, dtype=cols.dtype)
    dxt = dx.transpose(1, 0, 2, 3)
    for i, j, (orow, ocol), (irow, icol) in g.offsets():
        dxt[:, :, irow, icol] += cols[:, i, j, :, orow, ocol]
    return dx
