"""Winograd F(4x4, 3x3): stride-1 3x3 convolutions in 2.25x fewer multiplications.

Each 4x4 block of outputs ("tile") is computed from the 6x6 input patch under it, of which
neighbouring patches share two rows and columns. With the fixed matrices ``B``, ``G``,
``A`` below, per tile and channel pair::

    y_tile = A^T [ (G w G^T) * (B^T d B) ] A        (* elementwise over the 6x6 grid)

summed over input channels. The sum over channels at each of the 36 grid points is a
matrix product: ``M[k] = U[k] @ V[k]`` with ``U = G w G^T`` as (36, FN, C) and
``V = B^T d B`` as (36, C, tiles), so the work is 36 GEMMs (numpy, OpenBLAS) between two
cheap transforms (compiled with numba, ``compiled.py``). The map is padded to whole tiles
(zeros in, outputs past the edge dropped), so any padding and map size works.

The backward passes are the exact adjoints of that forward (transposed transforms,
transposed GEMMs): the input gradient ``B (U^T dM) B^T`` with ``dM = A dy A^T``, the weight
gradient ``G^T (dM V^T) G``. Errors against float64 (``tests/test_kernels_compiled.py``):
about 1e-6-1e-5 of the output scale in float32, 1e-14 in float64.

Outputs and input gradients are (N, C, H, W) views of (C, N, H, W) memory, like the other
conv kernels' (batch norm and the next layer's gradients read them channel by channel).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..im2col import Geometry
from .compiled import in_memory_order
from .compiled import numba as _numba
from .conv import FastConv, compiled_pass
from .gemm import matmul
from .workspace import workspace

numba = _numba()
prange = numba.prange

__all__ = ["WinogradConv", "applies", "signatures"]

# Lavin & Gray's F(4x4, 3x3) with points 0, 1, -1, 2, -2 and infinity
BT = np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
               [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], np.float64)
G = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
              [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], np.float64)
AT = np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
               [0, 1, -1, 8, -8, 1]], np.float64)
GG = np.kron(G, G)  # (36, 9): U[6a+b] = sum over (i, j) of G[a, i] G[b, j] w[3i+j]


class Transforms(NamedTuple):
    """A tiling's four compiled loops (``_input_transform`` and the rest below)."""

    input: Any
    input_adjoint: Any
    output: Any
    output_adjoint: Any


def applies(g: Geometry) -> bool:
    """A 3x3, stride-1, undilated, ungrouped convolution with nothing dropped."""
    return (g.kh == g.kw == 3 and g.sh == g.sw == 1 and g.dh == g.dw == 1 and g.groups == 1
            and g.oh == g.h + 2 * g.ph - 2 and g.ow == g.w + 2 * g.pw - 2
            and g.oh > 0 and g.ow > 0)


class WinogradConv(FastConv):
    """conv2d's three passes by Winograd F(4x4, 3x3) for float32/float64 (other dtypes:
    ``FastConv``'s numpy paths).

    The tile's size and its transforms are the class's, so
    ``winograd_small.WinogradSmallConv`` (F(2x2, 3x3), for small maps) is this class with
    its own."""

    TILE = 4  # outputs per tile side; the grid is TILE + 2 points a side
    BIAS_POINT = 7  # the grid point whose dM sums a tile's gradient (A's all-ones column)

    def __init__(self, g: Geometry, fn: int) -> None:
        super().__init__(g, fn)
        self.th, self.tw = -(-g.oh // self.TILE), -(-g.ow // self.TILE)
        self.points = (self.TILE + 2) ** 2
        self.v: np.ndarray | None = None  # the forward's transformed input, for dW

    @staticmethod
    def transforms() -> Transforms:
        """The compiled transforms of the input and the output, and their adjoints."""
        return Transforms(_input_transform, _input_adjoint, _output_transform,
                          _output_adjoint)

    def weight_transform(self, w: np.ndarray) -> np.ndarray:
        """``U = G w G^T`` as (points, FN, C)."""
        return _weight_transform(w)

    def weight_adjoint(self, du: np.ndarray) -> np.ndarray:
        """``dW = G^T dU G`` (FN, C, 3, 3) from ``dU`` (points, FN, C)."""
        return _weight_adjoint(du)

    @compiled_pass
    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                keep_cols: bool) -> np.ndarray:
        """``y = conv2d(x, w) + b`` as a (N, FN, OH, OW) view of (FN, N, OH, OW) memory."""
        g, fn = self.g, self.fn
        v = self._transform_input(x, np.empty if keep_cols else workspace)
        u = self.weight_transform(w)
        m = workspace((self.points, fn, v.shape[2]), x.dtype)
        matmul(u, v, m)
        y = np.empty((fn, g.n, g.oh, g.ow), dtype=x.dtype)
        has_bias = b is not None
        bias = np.ascontiguousarray(b) if has_bias else np.zeros(fn, x.dtype)
        self.transforms().output(m, bias, has_bias, y, self.th, self.tw, _constants(y.dtype))
        self.v = v if keep_cols else None
        return y.transpose(1, 0, 2, 3)

    @compiled_pass
    def input_grad(self, grad: np.ndarray, w: np.ndarray) -> np.ndarray:
        """The adjoint of the forward in x: ``B (U^T dM) B^T`` folded back onto the map."""
        g = self.g
        dm = self.gradient_layout("winograd", grad, self._grad_transform)
        u = self.weight_transform(w)
        dv = workspace((self.points, g.c, dm.shape[2]), grad.dtype)
        matmul(u.transpose(0, 2, 1), dm, dv)
        dx = np.empty((g.c, g.n, g.h, g.w), dtype=grad.dtype)
        self.transforms().input_adjoint(dv, dx, g.ph, g.pw, self.th, self.tw, _constants(dx.dtype))
        return dx.transpose(1, 0, 2, 3)

    @compiled_pass
    def weight_grad(self, x: np.ndarray, grad: np.ndarray, with_bias: bool) -> Any:
        """The adjoint of the forward in w: ``G^T (dM V^T) G`` (and ``sum(grad)``)."""
        v = self.v if self.v is not None else self._transform_input(x, workspace)
        dm = self.gradient_layout("winograd", grad, self._grad_transform)
        du = np.empty((self.points, self.fn, self.g.c), dtype=x.dtype)
        matmul(dm, v.transpose(0, 2, 1), du)
        self.v = None  # used once: free it for the next layer's use
        dw = self.weight_adjoint(du)
        # a tile's gradient sums to its dM at the bias point (A's column of ones; zero
        # past the edge): the bias gradient without another pass over the gradient
        return (dw, dm[self.BIAS_POINT].sum(axis=1)) if with_bias else dw

    def _transform_input(self, x: np.ndarray, alloc: Any) -> np.ndarray:
        g = self.g
        v = alloc((self.points, g.c, g.n * self.th * self.tw), x.dtype)
        xc, cmajor = in_memory_order(x)
        self.transforms().input(xc, cmajor, g.ph, g.pw, self.th, self.tw, v,
                                _constants(x.dtype))
        return v

    def _grad_transform(self, grad: np.ndarray) -> np.ndarray:
        """``dM = A dy A^T`` per tile (points, FN, tiles), made once per backward for both
        gradients (``gradient_layout``)."""
        g = self.g
        gc, cmajor = in_memory_order(grad)
        dm = workspace((self.points, self.fn, g.n * self.th * self.tw), grad.dtype)
        self.transforms().output_adjoint(gc, cmajor, dm, self.th, self.tw, _constants(grad.dtype))
        return dm


def _weight_transform(w: np.ndarray) -> np.ndarray:
    """``U = G w G^T`` as (36, FN, C): one GEMM, ``kron(G, G)`` (36, 9) times the weights
    as (9, FN*C) (a transposed view, no copy)."""
    fn, c = w.shape[:2]
    return matmul(GG.astype(w.dtype), w.reshape(fn * c, 9).T).reshape(36, fn, c)


def _weight_adjoint(du: np.ndarray) -> np.ndarray:
    """``dW = G^T dU G`` (FN, C, 3, 3) from ``dU`` (36, FN, C), the transposed GEMM."""
    fn, c = du.shape[1:]
    return matmul(du.reshape(36, fn * c).T, GG.astype(du.dtype)).reshape(fn, c, 3, 3)


# --------------------------------------------------------------------------- compiled
#
# Each transform is split in two 1-D passes so that every inner loop runs along memory:
# the pass along image rows works on whole rows at once (all tiles of a tile row), the
# pass across tiles runs over the tile index, which is the contiguous axis of V and M.
# ``k`` holds the constants 2, 4, 5, 8 in the arrays' dtype, so float32 stays float32.


def _jit(fn: Any) -> Any:
    return numba.njit(parallel=True, cache=True, nogil=True,
                      fastmath={"contract", "nsz", "arcp"})(fn)


@_jit
def _input_transform(x, cmajor, ph, pw, th, tw, v, k):  # noqa: ANN001, ANN202
    """``V[:, c, tile] = B^T d B`` for every 6x6 patch ``d`` of each (padded) plane."""
    if cmajor:
        nc, nn, h, w = x.shape
    else:
        nn, nc, h, w = x.shape
    k2, k4, k5 = k[0], k[1], k[2]
    hp, wp = 4 * th + 2, 4 * tw + 2
    for plane in prange(nc * nn):
        c, n = plane // nn, plane % nn
        buf = np.zeros((hp, wp), dtype=v.dtype)
        src = x[c, n] if cmajor else x[n, c]
        buf[ph : ph + h, pw : pw + w] = src
        t = np.empty((6, wp), dtype=v.dtype)
        for ty in range(th):
            r = 4 * ty
            for q in range(wp):  # t = B^T d along the columns, whole rows at once
                d0, d1, d2 = buf[r, q], buf[r + 1, q], buf[r + 2, q]
                d3, d4, d5 = buf[r + 3, q], buf[r + 4, q], buf[r + 5, q]
                t[0, q] = k4 * d0 - k5 * d2 + d4
                t[1, q] = -k4 * (d1 + d2) + d3 + d4
                t[2, q] = k4 * (d1 - d2) - d3 + d4
                t[3, q] = k2 * (d3 - d1) - d2 + d4
                t[4, q] = k2 * (d1 - d3) - d2 + d4
                t[5, q] = k4 * d1 - k5 * d3 + d5
            base = (n * th + ty) * tw
            for a in range(6):  # (B^T d) B along the rows, tile by tile
                for tx in range(tw):
                    q = 4 * tx
                    d0, d1, d2 = t[a, q], t[a, q + 1], t[a, q + 2]
                    d3, d4, d5 = t[a, q + 3], t[a, q + 4], t[a, q + 5]
                    v[6 * a, c, base + tx] = k4 * d0 - k5 * d2 + d4
                    v[6 * a + 1, c, base + tx] = -k4 * (d1 + d2) + d3 + d4
                    v[6 * a + 2, c, base + tx] = k4 * (d1 - d2) - d3 + d4
                    v[6 * a + 3, c, base + tx] = k2 * (d3 - d1) - d2 + d4
                    v[6 * a + 4, c, base + tx] = k2 * (d1 - d3) - d2 + d4
                    v[6 * a + 5, c, base + tx] = k4 * d1 - k5 * d3 + d5


@_jit
def _input_adjoint(dv, dx, ph, pw, th, tw, k):  # noqa: ANN001, ANN202
    """The adjoint of ``_input_transform``: ``B dV B^T`` per tile, added onto the padded
    plane where the patch came from (patches overlap by 2), then cropped into ``dx``
    (C, N, H, W)."""
    nc, nn, h, w = dx.shape
    k2, k4, k5 = k[0], k[1], k[2]
    hp, wp = 4 * th + 2, 4 * tw + 2
    for plane in prange(nc * nn):
        c, n = plane // nn, plane % nn
        buf = np.zeros((hp, wp), dtype=dx.dtype)
        s = np.empty((6, tw, 6), dtype=dx.dtype)
        t = np.empty((6, wp), dtype=dx.dtype)
        for ty in range(th):
            base = (n * th + ty) * tw
            for a in range(6):  # s = dV B^T along the rows, tile by tile
                for tx in range(tw):
                    e0, e1, e2 = dv[6 * a, c, base + tx], dv[6 * a + 1, c, base + tx], \
                        dv[6 * a + 2, c, base + tx]
                    e3, e4, e5 = dv[6 * a + 3, c, base + tx], dv[6 * a + 4, c, base + tx], \
                        dv[6 * a + 5, c, base + tx]
                    s[a, tx, 0] = k4 * e0
                    s[a, tx, 1] = k4 * (e2 - e1 + e5) + k2 * (e4 - e3)
                    s[a, tx, 2] = -k5 * e0 - k4 * (e1 + e2) - e3 - e4
                    s[a, tx, 3] = e1 - e2 + k2 * (e3 - e4) - k5 * e5
                    s[a, tx, 4] = e0 + e1 + e2 + e3 + e4
                    s[a, tx, 5] = e5
            for a in range(6):  # the tiles' columns side by side, overlaps added
                for tx in range(tw):
                    for j in range(4):
                        t[a, 4 * tx + j] = s[a, tx, j]
                t[a, 4 * tw] = 0
                t[a, 4 * tw + 1] = 0
                for tx in range(tw):
                    t[a, 4 * tx + 4] += s[a, tx, 4]
                    t[a, 4 * tx + 5] += s[a, tx, 5]
            r = 4 * ty
            for q in range(wp):  # B (dV B^T) along the columns, whole rows at once
                e0, e1, e2, e3, e4, e5 = t[0, q], t[1, q], t[2, q], t[3, q], t[4, q], t[5, q]
                buf[r, q] += k4 * e0
                buf[r + 1, q] += k4 * (e2 - e1 + e5) + k2 * (e4 - e3)
                buf[r + 2, q] += -k5 * e0 - k4 * (e1 + e2) - e3 - e4
                buf[r + 3, q] += e1 - e2 + k2 * (e3 - e4) - k5 * e5
                buf[r + 4, q] += e0 + e1 + e2 + e3 + e4
                buf[r + 5, q] += e5
        dx[c, n] = buf[ph : ph + h, pw : pw + w]


@_jit
def _output_transform(m, bias, has_bias, y, th, tw, k):  # noqa: ANN001, ANN202
    """``y_tile = A^T M A`` (+ bias) into ``y`` (FN, N, OH, OW), dropping what lies past
    the map's edge."""
    nf, nn, oh, ow = y.shape
    k2, k4, k8 = k[0], k[1], k[3]
    for plane in prange(nf * nn):
        f, n = plane // nn, plane % nn
        b = bias[f] if has_bias else bias[f] * 0
        s = np.empty((6, 4 * tw), dtype=y.dtype)
        t = np.empty((4, 4 * tw), dtype=y.dtype)
        for ty in range(th):
            base = (n * th + ty) * tw
            for a in range(6):  # s = M A along the rows, tile by tile
                for tx in range(tw):
                    p = base + tx
                    m0, m1, m2 = m[6 * a, f, p], m[6 * a + 1, f, p], m[6 * a + 2, f, p]
                    m3, m4, m5 = m[6 * a + 3, f, p], m[6 * a + 4, f, p], m[6 * a + 5, f, p]
                    s[a, 4 * tx] = m0 + m1 + m2 + m3 + m4
                    s[a, 4 * tx + 1] = m1 - m2 + k2 * (m3 - m4)
                    s[a, 4 * tx + 2] = m1 + m2 + k4 * (m3 + m4)
                    s[a, 4 * tx + 3] = m1 - m2 + k8 * (m3 - m4) + m5
            for q in range(4 * tw):  # A^T (M A) along the columns, whole rows at once
                s0, s1, s2, s3, s4, s5 = s[0, q], s[1, q], s[2, q], s[3, q], s[4, q], s[5, q]
                t[0, q] = s0 + s1 + s2 + s3 + s4 + b
                t[1, q] = s1 - s2 + k2 * (s3 - s4) + b
                t[2, q] = s1 + s2 + k4 * (s3 + s4) + b
                t[3, q] = s1 - s2 + k8 * (s3 - s4) + s5 + b
            rows = min(4, oh - 4 * ty)
            y[f, n, 4 * ty : 4 * ty + rows, :] = t[:rows, :ow]


@_jit
def _output_adjoint(g, cmajor, dm, th, tw, k):  # noqa: ANN001, ANN202
    """The adjoint of ``_output_transform``: ``dM = A dy A^T`` per tile, from the gradient
    ``g`` (FN, N, OH, OW) if ``cmajor``, else (N, FN, OH, OW); zero past the map's edge."""
    if cmajor:
        nf, nn, oh, ow = g.shape
    else:
        nn, nf, oh, ow = g.shape
    k2, k4, k8 = k[0], k[1], k[3]
    for plane in prange(nf * nn):
        f, n = plane // nn, plane % nn
        d = np.zeros((4, 4 * tw), dtype=dm.dtype)
        t = np.empty((6, 4 * tw), dtype=dm.dtype)
        src = g[f, n] if cmajor else g[n, f]
        for ty in range(th):
            rows = min(4, oh - 4 * ty)
            d[:rows, :ow] = src[4 * ty : 4 * ty + rows, :]
            if rows < 4:
                d[rows:, :] = 0
            for q in range(4 * tw):  # t = A dy along the columns, whole rows at once
                u0, u1, u2, u3 = d[0, q], d[1, q], d[2, q], d[3, q]
                t[0, q] = u0
                t[1, q] = u0 + u1 + u2 + u3
                t[2, q] = u0 - u1 + u2 - u3
                t[3, q] = u0 + k2 * u1 + k4 * u2 + k8 * u3
                t[4, q] = u0 - k2 * u1 + k4 * u2 - k8 * u3
                t[5, q] = u3
            base = (n * th + ty) * tw
            for a in range(6):  # (A dy) A^T along the rows, tile by tile
                for tx in range(tw):
                    p, q = base + tx, 4 * tx
                    u0, u1, u2, u3 = t[a, q], t[a, q + 1], t[a, q + 2], t[a, q + 3]
                    dm[6 * a, f, p] = u0
                    dm[6 * a + 1, f, p] = u0 + u1 + u2 + u3
                    dm[6 * a + 2, f, p] = u0 - u1 + u2 - u3
                    dm[6 * a + 3, f, p] = u0 + k2 * u1 + k4 * u2 + k8 * u3
                    dm[6 * a + 4, f, p] = u0 - k2 * u1 + k4 * u2 - k8 * u3
                    dm[6 * a + 5, f, p] = u3


def _constants(dtype: Any) -> np.ndarray:
    return np.array([2, 4, 5, 8], dtype=dtype)


def signatures(dtype: Any) -> list[tuple[Any, tuple]]:
    """Every compiled function with the argument types it is called with, for ``dtype``."""
    t = numba.from_dtype(np.dtype(dtype))
    a1, a3, a4 = t[::1], t[:, :, ::1], t[:, :, :, ::1]
    i8, b1 = numba.int64, numba.boolean
    return [(_input_transform, (a4, b1, i8, i8, i8, i8, a3, a1)),
            (_input_adjoint, (a3, a4, i8, i8, i8, i8, a1)),
            (_output_transform, (a3, a1, b1, a4, i8, i8, a1)),
            (_output_adjoint, (a4, b1, a3, i8, i8, a1))]
