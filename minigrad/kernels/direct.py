"""A compiled direct convolution for layers with few channels (LeNet's two, 5x5 layers with
up to 2,048 (filter, channel) pairs).

With one input channel and a handful of filters an im2col GEMM is skinny (K = KH*KW = 25,
six rows) and most of its time goes to unfolding windows in runs of 28 floats. Here the
(padded) input plane is read flat, with the padded row width WP: kernel offset (i, j) is
then a shift by ``i*WP + j``, and each (filter, channel, offset) is one long contiguous
multiply-add, ``y[n, f] += w[f, c, i, j] * shift(x[n, c])``, with no column buffer. The
input gradient is the same loop transposed, the weight gradient one dot product of flat
planes per weight (summed per block of images on each thread, then added up). Stride 1,
no dilation, one group.

Kernels five wide (the book's, LeNet's) take a faster form of all three passes: one pass
adds a whole kernel row, five shifts, into four filters' (or four input channels') planes
at once, so each value loaded feeds twenty multiply-adds instead of one; the weight
gradient keeps the twenty sums of four filters' rows against one input row in registers
over the whole plane. Where two filters (or channels) are left, a last pass takes two
(LeNet's six: padding them to eight cost those passes a quarter). Other widths with more
than ``LOOP_WEIGHTS`` (filter, channel) pairs take numpy's GEMM on the columns
(``FastConv``) for their weight gradient: one dot product per weight measured slower.

Outputs are (N, FN, OH, OW) memory, as a flatten and the next layer's loops read them in
place (measured 1-2% faster on LeNet's step than the other conv kernels' (FN, N, OH, OW),
10% on a 3-channel 32x32 first layer's); input gradients are (N, C, H, W) views of
(C, N, H, W) memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..im2col import Geometry
from .compiled import in_memory_order
from .compiled import numba as _numba
from .conv import LOOP_WEIGHTS, FastConv, compiled_pass, with_bias_grad
from .parallel import get_num_threads

numba = _numba()
prange = numba.prange

__all__ = ["DirectConv", "applies", "signatures"]

PAIR = 2  # five-wide passes take four filters (channels: the input gradient) or, last, two


def applies(g: Geometry, fn: int) -> bool:
    """Stride 1, undilated, ungrouped, nothing dropped (the chooser adds which channel
    counts gain: docs/performance.md)."""
    return (g.sh == g.sw == 1 and g.dh == g.dw == 1 and g.groups == 1
            and g.oh == g.h + 2 * g.ph - g.kh + 1
            and g.ow == g.w + 2 * g.pw - g.kw + 1 and g.oh > 0 and g.ow > 0)


class DirectConv(FastConv):
    """conv2d's three passes as compiled direct loops for float32/float64 (other dtypes:
    ``FastConv``'s numpy paths)."""

    @compiled_pass
    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                keep_cols: bool) -> np.ndarray:
        """``y = conv2d(x, w) + b``, (N, FN, OH, OW) C-contiguous."""
        g, fn = self.g, self.fn
        y = np.empty((g.n, fn, g.oh, g.ow), dtype=x.dtype)
        bias = np.zeros(_blocks_of(fn) if g.kw == 5 else fn, x.dtype)
        if b is not None:
            bias[:fn] = b
        if g.kw == 5:
            _forward_rows(_flat_padded(x, g), _blocked_weights(w), bias, g.w + 2 * g.pw, y)
        else:
            _forward(_flat_padded(x, g), np.ascontiguousarray(w), bias, g.w + 2 * g.pw, y)
        return y

    @compiled_pass
    def input_grad(self, grad: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``dx``: every gradient row added back under its window, as (N, C, H, W)."""
        g = self.g
        dx = np.empty((g.c, g.n, g.h, g.w), dtype=grad.dtype)
        if g.kw == 5:
            _input_grad_rows(self._flat_grad(grad), _blocked_weights(w), g.ph, g.pw, dx)
        else:
            _input_grad(self._flat_grad(grad), np.ascontiguousarray(w), g.ph, g.pw, g.oh, dx)
        return dx.transpose(1, 0, 2, 3)

    def weight_grad(self, x: np.ndarray, grad: np.ndarray, with_bias: bool) -> Any:
        """By the loops for five-wide kernels and for up to ``LOOP_WEIGHTS`` (filter,
        channel) pairs, else by numpy's GEMM on the columns (``FastConv``, under
        ``gemm.policy`` where it applies)."""
        if self.g.kw != 5 and self.g.c * self.fn > LOOP_WEIGHTS:
            return FastConv.weight_grad(self, x, grad, with_bias)
        return self._looped_weight_grad(x, grad, with_bias)

    def _looped_weight_grad(self, x: np.ndarray, grad: np.ndarray, with_bias: bool) -> Any:
        """``dW[f, c, i, j] = sum(grad[:, f] * window(x)[:, c, i, j])`` (and ``sum(grad)``),
        summed per block of images on each thread, then added up."""
        g, wp = self.g, self.g.w + 2 * self.g.pw
        blocks = max(1, min(g.n, get_num_threads()))
        if g.kw != 5:
            part = np.empty((blocks, self.fn, g.c, g.kh, g.kw), dtype=x.dtype)
            _weight_grad(_flat_padded(x, g), self._flat_grad(grad), wp, part)
            return with_bias_grad(part.sum(axis=0), grad, with_bias)
        part = np.empty((blocks, _blocks_of(self.fn), g.c, g.kh, g.kw), dtype=x.dtype)
        bias_part = np.empty((blocks, _blocks_of(self.fn)), dtype=x.dtype)
        gm, cmajor = in_memory_order(grad)
        _weight_grad_rows(_flat_padded(x, g), gm, cmajor, wp, part, bias_part)
        dw = part.sum(axis=0)[: self.fn]
        return (dw, bias_part.sum(axis=0)[: self.fn]) if with_bias else dw

    _looped_weight_grad = compiled_pass(_looped_weight_grad, FastConv.weight_grad,
                                        checks_result=True)

    def _flat_grad(self, grad: np.ndarray) -> np.ndarray:
        """The gradient on the padded input's row width, (FN, N, KW-1 + OH*WP): KW-1 zeros
        first (the five-wide loops read up to four places before a row), zeros past OW in
        each row; made once for both gradients."""
        return self.gradient_layout("flat", grad, self._flatten_grad)

    def _flatten_grad(self, grad: np.ndarray) -> np.ndarray:
        g = self.g
        wp, lead = g.w + 2 * g.pw, g.kw - 1
        out = np.zeros((self.fn, g.n, lead + g.oh * wp), dtype=grad.dtype)
        rows = out[:, :, lead:].reshape(self.fn, g.n, g.oh, wp)
        rows[..., : g.ow] = grad.transpose(1, 0, 2, 3)
        return out


def _blocks_of(k: int) -> int:
    """``k`` rounded up to whole pairs: passes of four, then one of two if two are left."""
    return -(-k // PAIR) * PAIR


def _blocked_weights(w: np.ndarray) -> np.ndarray:
    """``w`` with zero filters and channels appended up to whole blocks, for the five-wide
    loops: the planes they make are dropped, never added to a kept one."""
    fn, c, kh, kw = w.shape
    out = np.zeros((_blocks_of(fn), _blocks_of(c), kh, kw), dtype=w.dtype)
    out[:fn, :c] = w
    return out


def _flat_padded(x: np.ndarray, g: Geometry) -> np.ndarray:
    """``x`` with its zero border as C-contiguous (N, C, HP*WP): on that flat plane kernel
    offset (i, j) is one shift by ``i*WP + j`` (a copy only if needed)."""
    hp, wp = g.h + 2 * g.ph, g.w + 2 * g.pw
    if g.ph or g.pw:
        xp = np.zeros((g.n, g.c, hp, wp), dtype=x.dtype)
        xp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w] = x
        return xp.reshape(g.n, g.c, hp * wp)
    return np.ascontiguousarray(x).reshape(g.n, g.c, hp * wp)


# --------------------------------------------------------------------------- compiled
#
# Every loop below runs over a flat plane of the padded row width WP: output (r, q) sits
# at r*WP + q and reads input r*WP + q + i*WP + j, so each kernel offset is one long
# contiguous multiply-add (the columns q >= OW in between are computed and dropped, or
# carry zeros in the gradient).


def _jit(fn: Any) -> Any:
    return numba.njit(parallel=True, cache=True, nogil=True,
                      fastmath={"reassoc", "contract", "nsz"})(fn)


@_jit
def _forward(x, w, bias, wp, y):  # noqa: ANN001, ANN202
    """``y[n, f] = bias[f] + sum over c, i, j of w[f, c, i, j] * shift(x[n, c], i*WP+j)``."""
    nn, nf, oh, ow = y.shape
    nc, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    span = (oh - 1) * wp + ow
    for n in prange(nn):
        acc = np.empty(span, dtype=y.dtype)
        for f in range(nf):
            acc[:] = bias[f]
            for c in range(nc):
                for i in range(kh):
                    for j in range(kw):
                        wv, off = w[f, c, i, j], i * wp + j
                        xs = x[n, c, off : off + span]
                        for q in range(span):
                            acc[q] += wv * xs[q]
            for r in range(oh):
                y[n, f, r, :] = acc[r * wp : r * wp + ow]


@_jit
def _input_grad(g, w, ph, pw, oh, dx):  # noqa: ANN001, ANN202
    """``dx[c, n]``: each filter's flat gradient times ``w[f, c, i, j]`` added at shift
    i*WP+j of the padded plane, which is then cropped into ``dx`` (C, N, H, W)."""
    nc, nn, h, wd = dx.shape
    nf, kh, kw = w.shape[0], w.shape[2], w.shape[3]
    wp = wd + 2 * pw
    lead = kw - 1  # the flat gradient's leading zeros (``_flat_grad``)
    span = g.shape[2] - lead - kw + 1  # to the last output: past it a shift leaves the plane
    for n in prange(nn):
        buf = np.empty(((h + 2 * ph) * wp), dtype=dx.dtype)
        for c in range(nc):
            buf[:] = 0
            for f in range(nf):
                for i in range(kh):
                    for j in range(kw):
                        wv, off = w[f, c, i, j], i * wp + j
                        bs, gs = buf[off : off + span], g[f, n, lead:]
                        for q in range(span):
                            bs[q] += wv * gs[q]
            for r in range(h):
                dx[c, n, r, :] = buf[(r + ph) * wp + pw : (r + ph) * wp + pw + wd]


@_jit
def _weight_grad(x, g, wp, part):  # noqa: ANN001, ANN202
    """``part[b]``: the weight gradient summed over the b-th block of images, one dot
    product of flat planes per weight."""
    blocks = part.shape[0]
    nf, nn = g.shape[0], g.shape[1]
    nc, kh, kw = x.shape[1], part.shape[3], part.shape[4]
    lead = kw - 1  # the flat gradient's leading zeros (``_flat_grad``)
    span = g.shape[2] - lead - kw + 1  # to the last output: past it a shift leaves the plane
    for blk in prange(blocks):
        acc = part[blk]
        acc[...] = 0
        for n in range(blk * nn // blocks, (blk + 1) * nn // blocks):
            for f in range(nf):
                for c in range(nc):
                    for i in range(kh):
                        for j in range(kw):
                            off, s = i * wp + j, acc[f, c, i, j]
                            xs, gs = x[n, c, off : off + span], g[f, n, lead:]
                            for q in range(span):
                                s += gs[q] * xs[q]
                            acc[f, c, i, j] = s


# The five-wide loops: output q of a row pass is ``dot5(kernel row, x[q : q+5])``, a block
# of four filters' rows against the same five loaded values (the input gradient reads the
# gradient backwards, ``g[q+4], ..., g[q]``: the same sum transposed).


@numba.njit(cache=True, nogil=True)
def _row(w, f, c, i):  # noqa: ANN001, ANN202
    """Kernel row ``w[f, c, i]`` as five scalars (the loops keep them in registers)."""
    return w[f, c, i, 0], w[f, c, i, 1], w[f, c, i, 2], w[f, c, i, 3], w[f, c, i, 4]


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz"})
def _dot5(u, v):  # noqa: ANN001, ANN202
    return u[0] * v[0] + u[1] * v[1] + u[2] * v[2] + u[3] * v[3] + u[4] * v[4]


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz"})
def _add_rows(a0, a1, a2, a3, q, u0, u1, u2, u3, v):  # noqa: ANN001, ANN202
    """Place q of four planes takes its kernel row (``u0``..``u3``) against ``v``."""
    a0[q] += _dot5(u0, v)
    a1[q] += _dot5(u1, v)
    a2[q] += _dot5(u2, v)
    a3[q] += _dot5(u3, v)


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz"})
def _add_pair(a0, a1, q, u0, u1, v):  # noqa: ANN001, ANN202
    """``_add_rows`` for the last pass's two planes."""
    a0[q] += _dot5(u0, v)
    a1[q] += _dot5(u1, v)


@_jit
def _forward_rows(x, w, bias, wp, y):  # noqa: ANN001, ANN202
    """``_forward`` for five-wide kernels, four filters per pass, two in a last pass where
    two are left (``w`` and ``bias`` padded to whole pairs of filters; the padding's
    planes are never written out)."""
    nn, nf, oh, ow = y.shape
    nc, kh = x.shape[1], w.shape[2]
    span = (oh - 1) * wp + ow
    for n in prange(nn):
        acc = np.empty((4, span), dtype=y.dtype)
        a0, a1, a2, a3 = acc[0], acc[1], acc[2], acc[3]
        f = 0
        while f < w.shape[0]:
            width = 4 if w.shape[0] - f >= 4 else 2
            for k in range(width):
                acc[k, :] = bias[f + k]
            for c in range(nc):
                for i in range(kh):
                    xs = x[n, c, i * wp : i * wp + span + 4]
                    u0, u1 = _row(w, f, c, i), _row(w, f + 1, c, i)
                    if width == 4:
                        u2, u3 = _row(w, f + 2, c, i), _row(w, f + 3, c, i)
                        for q in range(span):
                            v = xs[q], xs[q + 1], xs[q + 2], xs[q + 3], xs[q + 4]
                            _add_rows(a0, a1, a2, a3, q, u0, u1, u2, u3, v)
                    else:
                        for q in range(span):
                            v = xs[q], xs[q + 1], xs[q + 2], xs[q + 3], xs[q + 4]
                            _add_pair(a0, a1, q, u0, u1, v)
            for k in range(min(width, nf - f)):
                for r in range(oh):
                    y[n, f + k, r, :] = acc[k, r * wp : r * wp + ow]
            f += width


@_jit
def _input_grad_rows(g, w, ph, pw, dx):  # noqa: ANN001, ANN202
    """``_input_grad`` for five-wide kernels, four input channels per pass (two in a last
    pass where two are left): the padded plane's place p takes ``dot5(w[f, c, i],
    g[p - i*WP - 4 : p - i*WP + 1] reversed)`` (``g`` has four leading zeros; ``w`` is
    padded to whole pairs of channels)."""
    nc, nn, h, wd = dx.shape
    nf, kh = g.shape[0], w.shape[2]
    wp = wd + 2 * pw
    plane = (h + 2 * ph) * wp
    for n in prange(nn):
        buf = np.empty((4, plane), dtype=dx.dtype)
        c = 0
        while c < w.shape[1]:
            width = 4 if w.shape[1] - c >= 4 else 2
            buf[:width] = 0
            for f in range(nf):
                gs = g[f, n]
                for i in range(kh):
                    off = i * wp
                    m = min(gs.shape[0] - 4, plane - off)
                    b0, b1 = buf[0, off : off + m], buf[1, off : off + m]
                    u0, u1 = _row(w, f, c, i), _row(w, f, c + 1, i)
                    if width == 4:
                        b2, b3 = buf[2, off : off + m], buf[3, off : off + m]
                        u2, u3 = _row(w, f, c + 2, i), _row(w, f, c + 3, i)
                        for p in range(m):
                            v = gs[p + 4], gs[p + 3], gs[p + 2], gs[p + 1], gs[p]
                            _add_rows(b0, b1, b2, b3, p, u0, u1, u2, u3, v)
                    else:
                        for p in range(m):
                            v = gs[p + 4], gs[p + 3], gs[p + 2], gs[p + 1], gs[p]
                            _add_pair(b0, b1, p, u0, u1, v)
            for k in range(min(width, nc - c)):
                for r in range(h):
                    dx[c + k, n, r, :] = buf[k, (r + ph) * wp + pw : (r + ph) * wp + pw + wd]
            c += width


@_jit
def _weight_grad_rows(x, gm, cmajor, wp, part, bias_part):  # noqa: ANN001, ANN202
    """``_weight_grad`` for five-wide kernels: per image, block of four filters (two in a
    last block where two are left), channel and kernel row, the twenty (ten) sums
    ``grad[f+k] . shift(x row i, j)`` (j < 5) over the flat plane, kept in registers
    (``_sums4``, ``_sums2``). ``gm`` is the gradient C-contiguous, (FN, N, OH, OW) if
    ``cmajor`` else (N, FN, OH, OW); each block's filters are first laid on the padded row
    width in ``buf`` (zeros past OW, and for filters past FN), their sums (the bias
    gradient) taken on the way into ``bias_part``."""
    blocks, nf = part.shape[0], part.shape[1]
    fn, nn = (gm.shape[0], gm.shape[1]) if cmajor else (gm.shape[1], gm.shape[0])
    oh, ow = gm.shape[2], gm.shape[3]
    nc, kh = x.shape[1], part.shape[3]
    span = (oh - 1) * wp + ow
    zero = x.dtype.type(0)
    for blk in prange(blocks):
        acc, bias = part[blk], bias_part[blk]
        acc[...] = 0
        bias[:] = 0
        buf = np.zeros((4, span), dtype=x.dtype)
        g0, g1, g2, g3 = buf[0], buf[1], buf[2], buf[3]
        for n in range(blk * nn // blocks, (blk + 1) * nn // blocks):
            f = 0
            while f < nf:
                width = 4 if nf - f >= 4 else 2
                for k in range(width):
                    if f + k >= fn:
                        buf[k, :] = 0
                        continue
                    src, dst, s = (gm[f + k, n] if cmajor else gm[n, f + k]), buf[k], zero
                    for r in range(oh):
                        for q in range(ow):
                            dst[r * wp + q] = src[r, q]
                            s += src[r, q]
                    bias[f + k] += s
                for c in range(nc):
                    for i in range(kh):
                        xs = x[n, c, i * wp : i * wp + span + 4]
                        if width == 4:
                            _sums4(xs, g0, g1, g2, g3, span, acc[f, c, i], acc[f + 1, c, i],
                                   acc[f + 2, c, i], acc[f + 3, c, i])
                        else:
                            _sums2(xs, g0, g1, span, acc[f, c, i], acc[f + 1, c, i])
                f += width


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz"},
            inline="always")  # as a call per row pass: LeNet's conv2 6% slower
def _sums4(xs, g0, g1, g2, g3, span, r0, r1, r2, r3):  # noqa: ANN001, ANN202
    """``r_k[j] += g_k . xs[j : j + span]`` for four gradient rows and the five shifts j,
    as twenty scalar sums (LLVM keeps them as twenty vector accumulators)."""
    zero = xs.dtype.type(0)
    s00 = s01 = s02 = s03 = s04 = zero
    s10 = s11 = s12 = s13 = s14 = zero
    s20 = s21 = s22 = s23 = s24 = zero
    s30 = s31 = s32 = s33 = s34 = zero
    for q in range(span):
        v0, v1, v2, v3, v4 = xs[q], xs[q + 1], xs[q + 2], xs[q + 3], xs[q + 4]
        a = g0[q]
        s00 += a * v0; s01 += a * v1; s02 += a * v2; s03 += a * v3; s04 += a * v4  # noqa: E702
        a = g1[q]
        s10 += a * v0; s11 += a * v1; s12 += a * v2; s13 += a * v3; s14 += a * v4  # noqa: E702
        a = g2[q]
        s20 += a * v0; s21 += a * v1; s22 += a * v2; s23 += a * v3; s24 += a * v4  # noqa: E702
        a = g3[q]
        s30 += a * v0; s31 += a * v1; s32 += a * v2; s33 += a * v3; s34 += a * v4  # noqa: E702
    _add5(r0, s00, s01, s02, s03, s04)
    _add5(r1, s10, s11, s12, s13, s14)
    _add5(r2, s20, s21, s22, s23, s24)
    _add5(r3, s30, s31, s32, s33, s34)


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz"},
            inline="always")  # as a call per row pass: LeNet's conv2 6% slower
def _sums2(xs, g0, g1, span, r0, r1):  # noqa: ANN001, ANN202
    """``_sums4`` for the last block's two gradient rows."""
    zero = xs.dtype.type(0)
    s00 = s01 = s02 = s03 = s04 = zero
    s10 = s11 = s12 = s13 = s14 = zero
    for q in range(span):
        v0, v1, v2, v3, v4 = xs[q], xs[q + 1], xs[q + 2], xs[q + 3], xs[q + 4]
        a = g0[q]
        s00 += a * v0; s01 += a * v1; s02 += a * v2; s03 += a * v3; s04 += a * v4  # noqa: E702
        a = g1[q]
        s10 += a * v0; s11 += a * v1; s12 += a * v2; s13 += a * v3; s14 += a * v4  # noqa: E702
    _add5(r0, s00, s01, s02, s03, s04)
    _add5(r1, s10, s11, s12, s13, s14)


@numba.njit(cache=True, nogil=True)
def _add5(r, s0, s1, s2, s3, s4):  # noqa: ANN001, ANN202
    r[0] += s0
    r[1] += s1
    r[2] += s2
    r[3] += s3
    r[4] += s4


def signatures(dtype: Any) -> list[tuple[Any, tuple]]:
    """Every compiled function with the argument types it is called with, for ``dtype``."""
    t = numba.from_dtype(np.dtype(dtype))
    a3, a4, a5 = t[:, :, ::1], t[:, :, :, ::1], t[:, :, :, :, ::1]
    i8 = numba.int64
    return [(_forward, (a3, a4, t[::1], i8, a4)),
            (_input_grad, (a3, a4, i8, i8, i8, a4)),
            (_forward_rows, (a3, a4, t[::1], i8, a4)),
            (_input_grad_rows, (a3, a4, i8, i8, a4)),
            (_weight_grad, (a3, a3, i8, a5)),
            (_weight_grad_rows, (a3, a4, numba.boolean, i8, a5, t[:, ::1]))]
