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

import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "Geometry",
    "check_float",
    "clear_workspace",
    "col2im_array",
    "geometry",
    "im2col_array",
    "offset_range",
    "output_size",
    "pair",
    "workspace",
    "workspace_bytes",
]

_DIM_SYMBOLS = {"height": ("H", "OH", "row"), "width": ("W", "OW", "column")}


def pair(value: Any, name: str, op: str) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(3, 2)`` stays. Anything else is a TypeError naming the op."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return int(value[0]), int(value[1])
    raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")


def output_size(
    size: int,
    kernel: int,
    stride: int,
    padding: int,
    *,
    exact: bool,
    op: str,
    dim: str = "height",
    kernel_symbol: str = "K",
    max_padding: int | None = None,
) -> int:
    """Output length along one axis: ``(size + 2*padding - kernel) / stride + 1``.

    With ``exact=True`` a fraction is an error that shows the formula with the numbers and
    suggests a padding or stride that fits (the book's advice: a silently dropped border is
    a bug more often than a choice). ``exact=False`` floors, like PyTorch.
    """
    s_in, s_out, what = _DIM_SYMBOLS[dim]
    k_sym = kernel_symbol + s_in
    if stride <= 0:
        raise ValueError(f"{op}: stride must be positive, got {stride} along the {dim}")
    if padding < 0:
        raise ValueError(f"{op}: padding must be >= 0, got {padding} along the {dim}")
    if kernel <= 0:
        raise ValueError(f"{op}: kernel size must be positive, got {kernel} along the {dim}")
    span = size + 2 * padding - kernel
    if span < 0:
        raise ValueError(
            f"{op}: the kernel {dim} {kernel} is larger than the padded input {dim} "
            f"{size + 2 * padding} (input {dim} {size} + 2*padding {padding})"
        )
    whole, rest = divmod(span, stride)
    if rest and exact:
        formula = (
            f"{s_out} = ({s_in} + 2*P - {k_sym}) / S + 1 = ({size} + 2*{padding} - {kernel}) "
            f"/ {stride} + 1 = {span / stride + 1:g}"
        )
        fits = []
        limit = padding + stride if max_padding is None else min(padding + stride, max_padding)
        good_p = [p for p in range(0, limit + 1) if (size + 2 * p - kernel) % stride == 0
                  and size + 2 * p >= kernel]
        if good_p:
            p = min(good_p, key=lambda q: (abs(q - padding), -q))
            fits.append(f"padding={p} ({s_out} = {(size + 2 * p - kernel) // stride + 1})")
        s = max(d for d in range(1, stride) if span % d == 0) if stride > 1 else 1
        fits.append(f"stride={s} ({s_out} = {span // s + 1})")
        raise ValueError(
            f"{op}: the output {dim} is not a whole number: {formula}. Use "
            + " or ".join(fits)
            + f" along the {dim}, or pass exact=False to floor like PyTorch ({s_out} = "
            f"{whole + 1}; the last {rest} input {what}(s) are then never used)"
        )
    return whole + 1


@dataclass(frozen=True)
class Geometry:
    """Everything about a 2-D windowed op's shapes: input (N, C, H, W), kernel, stride,
    padding and output (OH, OW). Passed between forward and backward Functions."""

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
        """Windows tile the image exactly: no padding, stride == kernel, nothing left over,
        so a window view is a plain reshape (N, C, OH, KH, OW, KW)."""
        return (
            self.ph == 0 and self.pw == 0 and self.sh == self.kh and self.sw == self.kw
            and self.oh * self.kh == self.h and self.ow * self.kw == self.w
        )

    def offsets(self) -> Iterator[tuple[int, int, tuple[slice, slice], tuple[slice, slice]]]:
        """For each kernel offset (kh, kw): the output-grid slices whose window element at
        that offset is inside the image, and the matching (strided) input slices. Offsets
        that only ever see padding are skipped."""
        for i in range(self.kh):
            rows = offset_range(i, self.ph, self.sh, self.oh, self.h)
            if rows is None:
                continue
            for j in range(self.kw):
                cols = offset_range(j, self.pw, self.sw, self.ow, self.w)
                if cols is None:
                    continue
                yield i, j, (rows[0], cols[0]), (rows[1], cols[1])


def offset_range(k: int, pad: int, stride: int, n_out: int, n_in: int) -> (
    tuple[slice, slice] | None
):
    """Output positions ``o`` with ``0 <= o*stride + k - pad < n_in``, as (output slice,
    input slice), or None when there are none."""
    lo = max(0, -((k - pad) // stride))
    hi = min(n_out, (n_in - 1 - k + pad) // stride + 1)
    if hi <= lo:
        return None
    start = lo * stride + k - pad
    return slice(lo, hi), slice(start, start + (hi - lo - 1) * stride + 1, stride)


def geometry(
    shape: tuple[int, ...],
    kernel_size: Any,
    stride: Any,
    padding: Any,
    *,
    exact: bool,
    op: str,
    kernel_symbol: str = "K",
    max_padding_half_kernel: bool = False,
) -> Geometry:
    """Validate a 4-D input shape and window settings and work out the output size."""
    if len(shape) != 4:
        raise ValueError(
            f"{op}: expected a 4-D input (N, C, H, W), got shape {tuple(shape)}"
        )
    n, c, h, w = shape
    kh, kw = pair(kernel_size, "kernel_size", op)
    sh, sw = pair(stride, "stride", op)
    ph, pw = pair(padding, "padding", op)
    if kh <= 0 or kw <= 0:
        raise ValueError(f"{op}: kernel size must be positive, got ({kh}, {kw})")
    if sh <= 0 or sw <= 0:
        raise ValueError(f"{op}: stride must be positive, got ({sh}, {sw})")
    if ph < 0 or pw < 0:
        raise ValueError(f"{op}: padding must be >= 0, got ({ph}, {pw})")
    if max_padding_half_kernel and (ph > kh // 2 or pw > kw // 2):
        raise ValueError(
            f"{op}: padding ({ph}, {pw}) must be at most half the kernel size ({kh}, {kw}), "
            f"i.e. at most ({kh // 2}, {kw // 2}); more would make windows of padding only"
        )
    limit_h = kh // 2 if max_padding_half_kernel else None
    limit_w = kw // 2 if max_padding_half_kernel else None
    oh = output_size(h, kh, sh, ph, exact=exact, op=op, dim="height",
                     kernel_symbol=kernel_symbol, max_padding=limit_h)
    ow = output_size(w, kw, sw, pw, exact=exact, op=op, dim="width",
                     kernel_symbol=kernel_symbol, max_padding=limit_w)
    return Geometry(n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow)


def check_float(a: np.ndarray, what: str, op: str) -> None:
    """float32/float64 only: float16 has no fast GEMM in numpy and would overflow in the
    accumulations; integers cannot carry gradients."""
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{op}: {what} has dtype {a.dtype} (shape {a.shape}); only float32 and float64 "
            "are supported (convert with .float() or .double())"
        )


# --------------------------------------------------------------------------- scratch memory

_CACHE: list[np.ndarray] = []
_CACHE_LOCK = threading.Lock()
_CACHE_BLOCKS = 8  # enough for a few conv layers; each block is reused only when free
_CACHE_MIN_BYTES = 1 << 20


def workspace(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised scratch array, reusing a cached block that nothing references.

    A fresh multi-megabyte array costs a page fault per page on first touch (the kernel
    zeroes it): for the 72 MiB column buffer of a mid-sized conv that is ~10 ms, more than
    filling it. So the few big internal buffers (columns, transposed gradients) come from a
    small cache of blocks, like PyTorch's caching allocator. A block is handed out again
    only when its reference count shows that no array (or view of it) is alive any more.
    Never used for arrays returned to the user.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes < _CACHE_MIN_BYTES:
        return np.empty(shape, dtype)
    with _CACHE_LOCK:
        for i in range(len(_CACHE)):
            block = _CACHE[i]
            # referenced by the cache, ``block`` and getrefcount's argument only: free
            if block.nbytes == nbytes and sys.getrefcount(block) == 3:
                _CACHE.append(_CACHE.pop(i))  # most recently used last
                return block.view(dtype).reshape(shape)
            del block
        block = np.empty(nbytes, np.uint8)
        _CACHE.append(block)
        if len(_CACHE) > _CACHE_BLOCKS:
            _CACHE.pop(0)  # forgotten by the cache; freed when its last user lets go
        return block.view(dtype).reshape(shape)


def clear_workspace() -> int:
    """Drop the cached scratch blocks (freed once nothing uses them); returns the bytes
    the cache held. For memory measurements and tight-memory programs."""
    with _CACHE_LOCK:
        held = sum(b.nbytes for b in _CACHE)
        _CACHE.clear()
    return held


def workspace_bytes() -> int:
    """Bytes currently held by the scratch cache."""
    with _CACHE_LOCK:
        return sum(b.nbytes for b in _CACHE)


def im2col_array(x: np.ndarray, g: Geometry, out: np.ndarray | None = None) -> np.ndarray:
    """The column buffer ``(C, KH, KW, N, OH, OW)`` of ``x`` (N, C, H, W), zeros where a
    window hangs over the padding. ``x`` is only read; ``out`` is filled when given.

    One copy from a strided window view (``sliding_window_view``, no data moved until the
    copy) of the zero-padded image; the padded image is scratch memory.
    """
    shape = (g.c, g.kh, g.kw, g.n, g.oh, g.ow)
    cols = np.empty(shape, dtype=x.dtype) if out is None else out.reshape(shape)
    if cols.size == 0:
        return cols
    windows = sliding_window_view(_padded(x, g), (g.kh, g.kw), axis=(2, 3))
    windows = windows[:, :, : (g.oh - 1) * g.sh + 1 : g.sh, : (g.ow - 1) * g.sw + 1 : g.sw]
    np.copyto(cols, windows.transpose(1, 4, 5, 0, 2, 3))  # (N,C,OH,OW,KH,KW) -> buffer order
    return cols


def _padded(x: np.ndarray, g: Geometry) -> np.ndarray:
    """``x`` with (ph, pw) zeros around each image, in scratch memory (``x`` if no padding)."""
    if not (g.ph or g.pw):
        return x
    hp, wp = g.h + 2 * g.ph, g.w + 2 * g.pw
    xp = workspace((g.n, g.c, hp, wp), x.dtype)
    xp[:, :, : g.ph] = 0
    xp[:, :, g.ph + g.h :] = 0
    xp[:, :, g.ph : g.ph + g.h, : g.pw] = 0
    xp[:, :, g.ph : g.ph + g.h, g.pw + g.w :] = 0
    xp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w] = x
    return xp


def col2im_array(cols: np.ndarray, g: Geometry) -> np.ndarray:
    """Sum a column buffer ``(C, KH, KW, N, OH, OW)`` (any strides) back onto the image
    ``(N, C, H, W)``: every window adds its values where it came from. The adjoint of
    ``im2col_array``, one strided slice-add per kernel offset."""
    dx = np.zeros(g.input_shape, dtype=cols.dtype)
    dxt = dx.transpose(1, 0, 2, 3)
    for i, j, (orow, ocol), (irow, icol) in g.offsets():
        dxt[:, :, irow, icol] += cols[:, i, j, :, orow, ocol]
    return dx
