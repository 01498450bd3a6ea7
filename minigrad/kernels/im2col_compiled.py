"""im2col and col2im as compiled passes (the ``fast`` extra), for the numpy conv kernels.

numpy unfolds a padded image in two passes: a padded copy, then one strided copy of every
window (``im2col.im2col_array``). For ResNet-18's 512 channels at 4x4 (batch 32) that took
3.6 ms for a 9.4 MB column buffer. Here each image plane is copied once into a small
zero-bordered buffer, and every kernel offset's values gathered from it through an index
table, the channels spread over numba's threads (0.63 ms). It only copies, so NaN and inf
come out as numpy's. ``col2im`` is its adjoint: every column added back onto the
zero-bordered plane through the same table, for the input gradients that numpy added
back by kernel rows. Both run where the thread policy holds (``gemm.policy``), as the
conv kernels' GEMMs around them do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..im2col import Geometry
from .compiled import DTYPES, compile_for, in_memory_order
from .compiled import numba as _numba

numba = _numba()
prange = numba.prange

__all__ = ["applies", "col2im", "im2col", "signatures"]


def applies(x: np.ndarray) -> bool:
    """float32 and float64 images (other dtypes take numpy's unfolding)."""
    return x.dtype in DTYPES


def im2col(x: np.ndarray, g: Geometry, out: np.ndarray) -> None:
    """Fill ``out``, (C*KH*KW, N*OH*OW), with the columns of ``x`` (N, C, H, W), zeros
    where a window hangs over the padding: ``im2col_array(x, g, out)``'s numbers."""
    compile_for(x.dtype)
    xm, cmajor = in_memory_order(x)
    _im2col(xm, cmajor, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, out)


def col2im(cols: np.ndarray, g: Geometry) -> np.ndarray:
    """The adjoint: every column value added back where ``im2col`` took it from, as a
    (N, C, H, W) view of (C, N, H, W) memory (``cols`` (C*KH*KW, N*OH*OW), C-contiguous)."""
    compile_for(cols.dtype)
    dx = np.empty((g.c, g.n, g.h, g.w), dtype=cols.dtype)
    _col2im(cols, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, dx)
    return dx.transpose(1, 0, 2, 3)


@numba.njit(parallel=True, cache=True, nogil=True)
def _im2col(x, cmajor, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out):  # noqa: ANN001, ANN202, PLR0913
    """Rows ``(c*KH + i)*KW + j`` of ``out`` for one channel ``c`` per step: each image's
    plane copied once into a zero-bordered buffer, then each kernel offset's OH*OW values
    gathered from it through an index table made once (``_offsets``). ``x`` is
    C-contiguous, (C, N, H, W) if ``cmajor`` else (N, C, H, W)."""
    nc, nn = (x.shape[0], x.shape[1]) if cmajor else (x.shape[1], x.shape[0])
    h, w = x.shape[2], x.shape[3]
    hp, wp, index = _offsets(h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
    p = oh * ow
    for c in prange(nc):
        plane = np.zeros((hp, wp), dtype=x.dtype)
        flat = plane.reshape(hp * wp)
        for n in range(nn):
            image = x[c, n] if cmajor else x[n, c]
            for y in range(h):
                for q in range(w):
                    plane[y + ph, q + pw] = image[y, q]
            for k in range(kh * kw):
                dst = out[c * kh * kw + k, n * p : (n + 1) * p]
                src = index[k]
                for t in range(p):
                    dst[t] = flat[src[t]]


@numba.njit(parallel=True, cache=True, nogil=True)
def _col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx):  # noqa: ANN001, ANN202, PLR0913
    """``_im2col`` backwards, one channel per step: each image's kernel offsets added into
    a zero-bordered plane through the same index table, whose inside is then ``dx[c, n]``
    (C, N, H, W). Each value gets the same terms as numpy's col2im, in another order."""
    nc, nn, h, w = dx.shape
    hp, wp, index = _offsets(h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
    p = oh * ow
    for c in prange(nc):
        plane = np.empty((hp, wp), dtype=dx.dtype)
        flat = plane.reshape(hp * wp)
        for n in range(nn):
            plane[...] = 0
            for k in range(kh * kw):
                src = cols[c * kh * kw + k, n * p : (n + 1) * p]
                dst = index[k]
                for t in range(p):
                    flat[dst[t]] += src[t]
            for y in range(h):
                for q in range(w):
                    dx[c, n, y, q] = plane[y + ph, q + pw]


@numba.njit(cache=True, nogil=True)
def _offsets(h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):  # noqa: ANN001, ANN202, PLR0913
    """The zero-bordered plane's size (HP, WP), padding and any overhang of the last
    window included, and ``index[i*KW + j, r*OW + q]``: where output (r, q) reads kernel
    offset (i, j) in it."""
    hp = max(h + 2 * ph, (oh - 1) * sh + (kh - 1) * dh + 1)
    wp = max(w + 2 * pw, (ow - 1) * sw + (kw - 1) * dw + 1)
    index = np.empty((kh * kw, oh * ow), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            for r in range(oh):
                for q in range(ow):
                    index[i * kw + j, r * ow + q] = (r * sh + i * dh) * wp + q * sw + j * dw
    return hp, wp, index


def signatures(dtype: Any) -> list[tuple[Any, tuple]]:
    """Every compiled function with the argument types it is called with, for ``dtype``."""
    t = numba.from_dtype(np.dtype(dtype))
    i8 = numba.int64
    return [(_im2col, (t[:, :, :, ::1], numba.boolean, i8, i8, i8, i8, i8, i8, i8, i8, i8,
                       i8, t[:, ::1])),
            (_col2im, (t[:, ::1], i8, i8, i8, i8, i8, i8, i8, i8, i8, i8, t[:, :, :, ::1]))]
