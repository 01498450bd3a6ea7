"""Winograd F(2x2, 3x3): the small tile, for 3x3 convolutions on small maps (4x4 to 7x7).

The same method as ``winograd.py``, whose class this one reuses: each 2x2 block of outputs
comes from the 4x4 input patch under it, ``y_tile = A^T [(G w G^T) * (B^T d B)] A``, and
the sums over channels are 16 GEMMs. It does 2.25x fewer multiplications than the direct
sum, as F(4x4, 3x3) does on big maps, but on a 4x4 map F(4x4)'s single tile leaves each of
its 36 GEMMs only one column per image, and transforming 512 x 512 weights to 36 points
cost more than it saved (measured, docs/performance.md). Here the weights go to 16 points
and each image gives four tiles, so ResNet-18's last stage (512 channels at 4x4) gains.
Errors against float64 are smaller than F(4x4)'s: its points are 0, 1, -1 and infinity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .compiled import numba as _numba
from .winograd import Transforms, WinogradConv

numba = _numba()
prange = numba.prange

__all__ = ["WinogradSmallConv", "signatures"]

# Lavin & Gray's F(2x2, 3x3) with points 0, 1, -1 and infinity: the loops below are these
# products written out (tests/test_kernels_compiled.py holds them to it)
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.float64)
G = np.array([[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]],
             np.float64)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float64)


class WinogradSmallConv(WinogradConv):
    """conv2d's three passes by Winograd F(2x2, 3x3) (``WinogradConv`` with 2x2 tiles)."""

    TILE = 2
    BIAS_POINT = 5  # grid point (1, 1): A's column 1 is all ones

    @staticmethod
    def transforms() -> Transforms:
        """This tiling's compiled loops, below."""
        return Transforms(_input_transform, _input_adjoint, _output_transform,
                          _output_adjoint)

    def weight_transform(self, w: np.ndarray) -> np.ndarray:
        """``U = G w G^T`` (16, FN, C) by a compiled loop: as the big tile's one GEMM with
        ``kron(G, G)`` (K = 9) it took 2.8x as long (512 x 512 weights). For F(4x4)'s 36
        points it is the other way round: such a loop took 8x the GEMM's time."""
        u = np.empty((16, *w.shape[:2]), dtype=w.dtype)
        _weight_transform(np.ascontiguousarray(w), u)
        return u

    def weight_adjoint(self, du: np.ndarray) -> np.ndarray:
        """``dW = G^T dU G`` (FN, C, 3, 3), the same compiled way."""
        dw = np.empty((*du.shape[1:], 3, 3), dtype=du.dtype)
        _weight_adjoint(du, dw)
        return dw


# --------------------------------------------------------------------------- compiled
#
# A small map's plane is a few dozen values, too short for the big tile's loops along image
# rows (their per-plane work took most of the time). So these loops take one channel (or
# filter) at a time with the batch as the innermost axis: the plane is first laid out as
# (rows, columns, images), every multiply-add then runs over the images, and the tiles are
# numbered tile-major, ``(ty * tw + tx) * N + n``, so V's and M's rows are written along
# memory too. The GEMMs do not care how tiles are numbered, as long as V and M agree. The
# matrices hold only 0 and +-1, so ``k`` (the big tile's constants) goes unused.


def _jit(fn: Any) -> Any:
    return numba.njit(parallel=True, cache=True, nogil=True,
                      fastmath={"contract", "nsz", "arcp"})(fn)


@numba.njit(inline="always")
def _g_times(a0, a1, a2, half):  # noqa: ANN001, ANN202
    """G times a column (a0, a1, a2): its four points."""
    return a0, half * (a0 + a1 + a2), half * (a0 - a1 + a2), a2


@numba.njit(inline="always")
def _gt_times(e0, e1, e2, e3, half):  # noqa: ANN001, ANN202
    """G^T times a column (e0, e1, e2, e3): back to three taps."""
    return e0 + half * (e1 + e2), half * (e1 - e2), half * (e1 + e2) + e3


@_jit
def _weight_transform(w, u):  # noqa: ANN001, ANN202
    """``U[:, f, c] = G w[f, c] G^T``, in registers (a scratch array made per weight
    cost 8x the time)."""
    nf, nc = w.shape[0], w.shape[1]
    half = u.dtype.type(0.5)
    for f in prange(nf):
        for c in range(nc):
            r00, r10, r20, r30 = _g_times(w[f, c, 0, 0], w[f, c, 1, 0], w[f, c, 2, 0], half)
            r01, r11, r21, r31 = _g_times(w[f, c, 0, 1], w[f, c, 1, 1], w[f, c, 2, 1], half)
            r02, r12, r22, r32 = _g_times(w[f, c, 0, 2], w[f, c, 1, 2], w[f, c, 2, 2], half)
            u[0, f, c], u[1, f, c], u[2, f, c], u[3, f, c] = _g_times(r00, r01, r02, half)
            u[4, f, c], u[5, f, c], u[6, f, c], u[7, f, c] = _g_times(r10, r11, r12, half)
            u[8, f, c], u[9, f, c], u[10, f, c], u[11, f, c] = _g_times(r20, r21, r22, half)
            u[12, f, c], u[13, f, c], u[14, f, c], u[15, f, c] = _g_times(r30, r31, r32,
                                                                          half)


@_jit
def _weight_adjoint(du, dw):  # noqa: ANN001, ANN202
    """``dW[f, c] = G^T dU[:, f, c] G``, the adjoint of ``_weight_transform``."""
    nf, nc = dw.shape[0], dw.shape[1]
    half = dw.dtype.type(0.5)
    for f in prange(nf):
        for c in range(nc):
            r00, r01, r02 = _gt_times(du[0, f, c], du[1, f, c], du[2, f, c], du[3, f, c],
                                      half)
            r10, r11, r12 = _gt_times(du[4, f, c], du[5, f, c], du[6, f, c], du[7, f, c],
                                      half)
            r20, r21, r22 = _gt_times(du[8, f, c], du[9, f, c], du[10, f, c], du[11, f, c],
                                      half)
            r30, r31, r32 = _gt_times(du[12, f, c], du[13, f, c], du[14, f, c],
                                      du[15, f, c], half)
            dw[f, c, 0, 0], dw[f, c, 1, 0], dw[f, c, 2, 0] = _gt_times(r00, r10, r20, r30, half)
            dw[f, c, 0, 1], dw[f, c, 1, 1], dw[f, c, 2, 1] = _gt_times(r01, r11, r21, r31, half)
            dw[f, c, 0, 2], dw[f, c, 1, 2], dw[f, c, 2, 2] = _gt_times(r02, r12, r22, r32, half)


@_jit
def _input_transform(x, cmajor, ph, pw, th, tw, v, k):  # noqa: ANN001, ANN202, ARG001
    """``V[:, c, tile] = B^T d B`` for every 4x4 patch ``d`` of each (padded) plane."""
    if cmajor:
        nc, nn, h, w = x.shape
    else:
        nn, nc, h, w = x.shape
    for c in prange(nc):
        p = np.zeros((2 * th + 2, 2 * tw + 2, nn), dtype=v.dtype)  # zero border: padding
        p[ph : ph + h, pw : pw + w] = (x[c] if cmajor else x[:, c]).transpose((1, 2, 0))
        t = np.empty((4, 4, nn), dtype=v.dtype)
        for ty in range(th):
            for tx in range(tw):
                r, base = 2 * ty, (ty * tw + tx) * nn
                for j in range(4):  # t = B^T d down the patch's columns
                    q = 2 * tx + j
                    for n in range(nn):
                        d0, d1, d2, d3 = p[r, q, n], p[r + 1, q, n], p[r + 2, q, n], \
                            p[r + 3, q, n]
                        t[0, j, n] = d0 - d2
                        t[1, j, n] = d1 + d2
                        t[2, j, n] = d2 - d1
                        t[3, j, n] = d1 - d3
                for a in range(4):  # (B^T d) B along its rows
                    for n in range(nn):
                        d0, d1, d2, d3 = t[a, 0, n], t[a, 1, n], t[a, 2, n], t[a, 3, n]
                        v[4 * a, c, base + n] = d0 - d2
                        v[4 * a + 1, c, base + n] = d1 + d2
                        v[4 * a + 2, c, base + n] = d2 - d1
                        v[4 * a + 3, c, base + n] = d1 - d3


@_jit
def _input_adjoint(dv, dx, ph, pw, th, tw, k):  # noqa: ANN001, ANN202, ARG001
    """The adjoint of ``_input_transform``: ``B dV B^T`` per tile, added onto the padded
    plane where the patch came from (patches overlap by 2), then cropped into ``dx``
    (C, N, H, W)."""
    nc, nn, h, w = dx.shape
    for c in prange(nc):
        p = np.zeros((2 * th + 2, 2 * tw + 2, nn), dtype=dx.dtype)
        s = np.empty((4, 4, nn), dtype=dx.dtype)
        for ty in range(th):
            for tx in range(tw):
                r, base = 2 * ty, (ty * tw + tx) * nn
                for a in range(4):  # s = dV B^T along the tile's rows
                    for n in range(nn):
                        e0, e1 = dv[4 * a, c, base + n], dv[4 * a + 1, c, base + n]
                        e2, e3 = dv[4 * a + 2, c, base + n], dv[4 * a + 3, c, base + n]
                        s[a, 0, n] = e0
                        s[a, 1, n] = e1 - e2 + e3
                        s[a, 2, n] = e1 + e2 - e0
                        s[a, 3, n] = -e3
                for j in range(4):  # B (dV B^T) down its columns, added onto the patch
                    q = 2 * tx + j
                    for n in range(nn):
                        e0, e1, e2, e3 = s[0, j, n], s[1, j, n], s[2, j, n], s[3, j, n]
                        p[r, q, n] += e0
                        p[r + 1, q, n] += e1 - e2 + e3
                        p[r + 2, q, n] += e1 + e2 - e0
                        p[r + 3, q, n] -= e3
        dx[c] = p[ph : ph + h, pw : pw + w].transpose((2, 0, 1))


@_jit
def _output_transform(m, bias, has_bias, y, th, tw, k):  # noqa: ANN001, ANN202, ARG001
    """``y_tile = A^T M A`` (+ bias) into ``y`` (FN, N, OH, OW), dropping what lies past
    the map's edge."""
    nf, nn, oh, ow = y.shape
    for f in prange(nf):
        b = bias[f] if has_bias else bias[f] * 0
        out = np.empty((2 * th, 2 * tw, nn), dtype=y.dtype)
        s = np.empty((4, 2, nn), dtype=y.dtype)
        for ty in range(th):
            for tx in range(tw):
                base = (ty * tw + tx) * nn
                for a in range(4):  # s = M A along the tile's rows
                    for n in range(nn):
                        m0, m1 = m[4 * a, f, base + n], m[4 * a + 1, f, base + n]
                        m2, m3 = m[4 * a + 2, f, base + n], m[4 * a + 3, f, base + n]
                        s[a, 0, n] = m0 + m1 + m2
                        s[a, 1, n] = m1 - m2 - m3
                for j in range(2):  # A^T (M A) down its columns
                    for n in range(nn):
                        s0, s1, s2, s3 = s[0, j, n], s[1, j, n], s[2, j, n], s[3, j, n]
                        out[2 * ty, 2 * tx + j, n] = s0 + s1 + s2 + b
                        out[2 * ty + 1, 2 * tx + j, n] = s1 - s2 - s3 + b
        y[f] = out[:oh, :ow].transpose((2, 0, 1))


@_jit
def _output_adjoint(g, cmajor, dm, th, tw, k):  # noqa: ANN001, ANN202, ARG001
    """The adjoint of ``_output_transform``: ``dM = A dy A^T`` per tile, from the gradient
    ``g`` (FN, N, OH, OW) if ``cmajor``, else (N, FN, OH, OW); zero past the map's edge."""
    if cmajor:
        nf, nn, oh, ow = g.shape
    else:
        nn, nf, oh, ow = g.shape
    for f in prange(nf):
        d = np.zeros((2 * th, 2 * tw, nn), dtype=dm.dtype)  # zero past the edge
        d[:oh, :ow] = (g[f] if cmajor else g[:, f]).transpose((1, 2, 0))
        t = np.empty((4, 2, nn), dtype=dm.dtype)
        for ty in range(th):
            for tx in range(tw):
                base = (ty * tw + tx) * nn
                for j in range(2):  # t = A dy down the tile's columns
                    for n in range(nn):
                        u0, u1 = d[2 * ty, 2 * tx + j, n], d[2 * ty + 1, 2 * tx + j, n]
                        t[0, j, n] = u0
                        t[1, j, n] = u0 + u1
                        t[2, j, n] = u0 - u1
                        t[3, j, n] = -u1
                for a in range(4):  # (A dy) A^T along its rows
                    for n in range(nn):
                        u0, u1 = t[a, 0, n], t[a, 1, n]
                        dm[4 * a, f, base + n] = u0
                        dm[4 * a + 1, f, base + n] = u0 + u1
                        dm[4 * a + 2, f, base + n] = u0 - u1
                        dm[4 * a + 3, f, base + n] = -u1


def signatures(dtype: Any) -> list[tuple[Any, tuple]]:
    """Every compiled function with the argument types it is called with, for ``dtype``."""
    t = numba.from_dtype(np.dtype(dtype))
    a1, a3, a4 = t[::1], t[:, :, ::1], t[:, :, :, ::1]
    i8, b1 = numba.int64, numba.boolean
    return [(_weight_transform, (a4, a3)), (_weight_adjoint, (a3, a4)),
            (_input_transform, (a4, b1, i8, i8, i8, i8, a3, a1)),
            (_input_adjoint, (a3, a4, i8, i8, i8, i8, a1)),
            (_output_transform, (a3, a1, b1, a4, i8, i8, a1)),
            (_output_adjoint, (a4, b1, a3, i8, i8, a1))]
