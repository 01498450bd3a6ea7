"""Winograd F(2x2, 3x3): 3x3 stride-1 convolutions with 2.25x fewer multiplications.

Lavin & Gray's minimal filtering. Each 2x2 block of outputs is computed from a 4x4 input
tile ``d`` (tiles overlap by two, stride 2) and the 3x3 filter ``g``:

    U = G g G^T,  V = B^T d B,  M = U (.) V (summed over channels),  Y = A^T M A

For every one of the 16 positions ``xi`` of the 4x4 transformed tile, the channel sum is
one matrix product ``M[xi] = U[xi] @ V[xi]`` of (FN, C) by (C, N*tiles): 16 GEMMs of 16
multiplications per 4 outputs instead of 36. The transforms only add and subtract strided
views (rows ``k::2``, then columns ``k::2``), done on a few images at a time so they stay in
cache, on ``parallel.for_blocks`` threads (numpy's ufuncs release the GIL).

The backward passes are the adjoints of the same maps, so the three passes share the
transforms: input gradient ``dx = overlap-add(B (U^T @ A dY A^T) B^T)``, weight gradient
``dw = G^T ((A dY A^T) @ V^T) G`` with the forward's ``V`` saved (16 numbers per 4 pixels
and channel: 4/9 of the im2col column buffer's 9 per pixel).

Layouts: weights (16, FN, C); tiles (16, C, N, TH, TW); transformed gradients
(16, FN, N, TH, TW). Channel-major tiles make all three passes 16 plain GEMMs (the weight
gradient contracts over N*TH*TW in one product) and let the forward output come out
feature-major (FN, N, OH, OW) like the im2col path's.

Which algorithm runs: ``applies(g, fn)``, under the thread-local choice set by
``algorithm("auto" | "im2col" | "winograd")``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np

from .im2col import Geometry, workspace
from .parallel import for_blocks

__all__ = [
    "algorithm",
    "applies",
    "forward",
    "get_algorithm",
    "grad_tiles",
    "input_grad",
    "possible",
    "tile_shape",
    "weight_grad",
]

_CHOICES = ("auto", "im2col", "winograd")


class _Choice(threading.local):
    name = "auto"


_choice = _Choice()


def get_algorithm() -> str:
    """The convolution algorithm choice in force on this thread."""
    return _choice.name


@contextlib.contextmanager
def algorithm(name: str) -> Iterator[None]:
    """Choose how 3x3 stride-1 convolutions run inside the block, on this thread.

    ``"auto"`` (the default) uses Winograd where ``applies`` measured it faster,
    ``"winograd"`` wherever the geometry allows it, ``"im2col"`` never. The choice is read
    when each pass runs; a gradient reuses the forward's saved tiles whatever the choice::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> with mg.winograd.algorithm("winograd"):
        ...     y = F.conv2d(mg.ones(1, 2, 5, 5), mg.ones(3, 2, 3, 3), padding=1)
        >>> float(y[0, 0, 2, 2])
        18.0
    """
    if name not in _CHOICES:
        raise ValueError(f"winograd.algorithm: expected one of {_CHOICES}, got {name!r}")
    before = _choice.name
    _choice.name = name
    try:
        yield
    finally:
        _choice.name = before


def possible(g: Geometry) -> bool:
    """A geometry Winograd F(2x2, 3x3) computes: 3x3 kernel, stride 1, no dilation, one
    group, any padding."""
    return (g.kh == g.kw == 3 and g.sh == g.sw == 1 and g.dh == g.dw == 1 and g.groups == 1
            and g.n > 0 and g.c > 0 and g.oh > 0 and g.ow > 0)


def applies(g: Geometry, fn: int) -> bool:
    """Run this convolution (FN filters, geometry ``g``) with Winograd?

    "winograd" forces it wherever ``possible``; "im2col" never. "auto" does not pick it
    yet, because ``benchmarks/winograd.py`` measured it slower than im2col for every
    shape and pass tried (2 cores, OpenBLAS SkylakeX kernel, float32, batch 32, 3x3
    padding 1; quiet machine): training step 1.22x the im2col time on the conv workload
    (64->128, 32x32), 1.14x (64, 32x32), 1.06x (128, 16x16), 1.37x (256, 8x8), 2.5x
    (512, 4x4), 1.3-1.5x at 16-32 channels; forward 1.25-1.5x, input gradient 1.1-1.4x,
    weight gradient 1.2-1.3x. The 16 GEMMs contract over only C channels, so unlike
    im2col's single K = 9C product they are memory-bound, and the numpy transforms cost
    as much as the multiplications they save. Where it would pay (transforms fused with
    the GEMMs per block of images), this function is the one place to say so.
    """
    name = _choice.name
    return name == "winograd" and possible(g) and fn > 0


def tile_shape(g: Geometry) -> tuple[int, int]:
    """(TH, TW): 2x2 output tiles per column and row (the last one partial for odd sizes)."""
    return -(-g.oh // 2), -(-g.ow // 2)


# --------------------------------------------------------------------------- weights

_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


def _weight_tiles(w: np.ndarray) -> np.ndarray:
    """(FN, C, 3, 3) -> U = G w G^T as (16, FN, C), contiguous."""
    gm = _G.astype(w.dtype)
    u = gm @ w @ gm.T  # (FN, C, 4, 4)
    return np.ascontiguousarray(u.transpose(2, 3, 0, 1)).reshape(16, w.shape[0], w.shape[1])


def _weight_tiles_adjoint(du: np.ndarray, fn: int, c: int) -> np.ndarray:
    """(16, FN, C) -> dw = G^T dU G as (FN, C, 3, 3): the adjoint of ``_weight_tiles``."""
    gm = _G.astype(du.dtype)
    return np.ascontiguousarray(gm.T @ du.reshape(4, 4, fn, c).transpose(2, 3, 0, 1) @ gm)


# --------------------------------------------------------------------------- transforms


def _block_items(g: Geometry, channels: int) -> int:
    """Array elements one image costs a transform: ~its 16 tile planes per channel."""
    th, tw = tile_shape(g)
    return max(1, 16 * channels * th * tw + channels * g.h * g.w)


def _input_tiles(x: np.ndarray, g: Geometry, out: np.ndarray) -> None:
    """Fill ``out`` (16, C, N, TH, TW) with V = B^T d B of every 4x4 tile of the padded
    ``x`` (any strides). B^T's rows: (d0 - d2, d1 + d2, d2 - d1, d1 - d3)."""
    th, tw = tile_shape(g)
    hp, wp = 2 * th + 2, 2 * tw + 2

    def block(n0: int, n1: int) -> None:
        d = np.zeros((g.c, n1 - n0, hp, wp), x.dtype)  # channel-major, like ``out``
        d[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w] = x[n0:n1].transpose(1, 0, 2, 3)
        r = [d[:, :, k:k + 2 * th:2] for k in range(4)]
        rows = (r[0] - r[2], r[1] + r[2], r[2] - r[1], r[1] - r[3])
        for a, s in enumerate(rows):
            c = [s[..., k:k + 2 * tw:2] for k in range(4)]
            o = out[4 * a:4 * a + 4, :, n0:n1]
            np.subtract(c[0], c[2], out=o[0])
            np.add(c[1], c[2], out=o[1])
            np.subtract(c[2], c[1], out=o[2])
            np.subtract(c[1], c[3], out=o[3])

    for_blocks(block, g.n, _block_items(g, g.c))


def _output_tiles(m: np.ndarray, g: Geometry, y: np.ndarray, bias: np.ndarray | None) -> None:
    """Y = A^T M A (+ bias) from ``m`` (16, FN, N, TH, TW) into ``y`` (FN, N, OH, OW),
    cropping the odd last tile. A^T's rows: (m0 + m1 + m2, m1 - m2 - m3)."""
    fn = m.shape[1]
    th, tw = tile_shape(g)
    keep = [((g.oh + 1) // 2, (g.ow + 1) // 2), (g.oh // 2, g.ow // 2)]  # rows/cols, parity

    def block(n0: int, n1: int) -> None:
        mb = m[:, :, n0:n1].reshape(4, 4, fn, n1 - n0, th, tw)
        t = (mb[0] + mb[1] + mb[2], mb[1] - mb[2] - mb[3])
        for a in range(2):
            ta = t[a][..., :keep[a][0], :]
            s = ta[1] + ta[2]
            np.add(s[..., :keep[0][1]], ta[0][..., :keep[0][1]], out=y[:, n0:n1, a::2, 0::2])
            np.subtract(ta[1][..., :keep[1][1]], ta[2][..., :keep[1][1]],
                        out=y[:, n0:n1, a::2, 1::2])
            y[:, n0:n1, a::2, 1::2] -= ta[3][..., :keep[1][1]]
        if bias is not None:
            y[:, n0:n1] += bias[:, None, None, None]

    for_blocks(block, g.n, _block_items(g, fn))


def _grad_tiles(dy: np.ndarray, g: Geometry, out: np.ndarray) -> None:
    """Fill ``out`` (16, FN, N, TH, TW) with dM = A dY A^T for ``dy`` (N, FN, OH, OW), any
    strides, zero past the odd edge: the adjoint of ``_output_tiles``. A's rows:
    (y0, y0 + y1, y0 - y1, -y1)."""
    fn = dy.shape[1]
    th, tw = tile_shape(g)
    even = g.oh == 2 * th and g.ow == 2 * tw

    def block(n0: int, n1: int) -> None:
        e = dy[n0:n1].transpose(1, 0, 2, 3)  # (FN, nb, OH, OW)
        if not even:
            p = np.zeros((fn, n1 - n0, 2 * th, 2 * tw), dy.dtype)
            p[:, :, :g.oh, :g.ow] = e
            e = p
        r0, r1 = e[:, :, 0::2], e[:, :, 1::2]
        for a, s in enumerate((r0, r0 + r1, r0 - r1, np.negative(r1))):
            c0, c1 = s[..., 0::2], s[..., 1::2]
            o = out[4 * a:4 * a + 4, :, n0:n1]
            np.copyto(o[0], c0)
            np.add(c0, c1, out=o[1])
            np.subtract(c0, c1, out=o[2])
            np.negative(c1, out=o[3])

    for_blocks(block, g.n, _block_items(g, fn))


def _overlap_add(e: tuple[np.ndarray, ...], out: np.ndarray, t: int) -> None:
    """Write into ``out`` (last axis 2*t + 2 long) the tile rows ``e[k]`` (k = 0..3, last
    axis: tile index m < t) at positions 2m + k: tiles overlap by two, so position 2m + k
    (k < 2) sums ``e[k][m]`` and ``e[k + 2][m - 1]``."""
    for k in range(2):
        dst = out[..., k::2]  # t + 1 positions
        np.copyto(dst[..., 0], e[k][..., 0])
        np.add(e[k][..., 1:], e[k + 2][..., :-1], out=dst[..., 1:t])
        np.copyto(dst[..., t], e[k + 2][..., t - 1])


def _input_tiles_adjoint(dv: np.ndarray, g: Geometry, dx: np.ndarray) -> None:
    """The input gradient: overlap-add of B dV B^T over the tiles, cropped to the image;
    the adjoint of ``_input_tiles``. ``dv`` is (16, C, N, TH, TW), ``dx`` (C, N, H, W). B's rows:
    (v0, v1 - v2 + v3, v1 + v2 - v0, -v3)."""
    th, tw = tile_shape(g)
    hp, wp = 2 * th + 2, 2 * tw + 2

    def block(n0: int, n1: int) -> None:
        nb = n1 - n0
        v = dv[:, :, n0:n1].reshape(4, 4, g.c, nb, th, tw)
        s = v[1] + v[2]
        e = (v[0], v[1] - v[2] + v[3], s - v[0], np.negative(v[3]))
        rows = np.empty((4, g.c, nb, tw, hp), dv.dtype)  # [j, c, n, tile col, padded row]
        _overlap_add(tuple(a.swapaxes(3, 4) for a in e), rows, th)
        rows = rows.swapaxes(3, 4)
        s = rows[1] + rows[2]
        e = (rows[0], rows[1] - rows[2] + rows[3], s - rows[0], np.negative(rows[3]))
        full = np.empty((g.c, nb, hp, wp), dv.dtype)
        _overlap_add(e, full, tw)
        dx[:, n0:n1] = full[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w]

    for_blocks(block, g.n, _block_items(g, g.c))


# --------------------------------------------------------------------------- the passes


def input_tiles(x: np.ndarray, g: Geometry, keep: bool) -> np.ndarray:
    """V of ``x`` as (16, C, N*TH*TW): a real array when ``keep`` (the forward saves it for
    the weight gradient), else scratch memory."""
    th, tw = tile_shape(g)
    shape = (16, g.c, g.n, th, tw)
    v = np.empty(shape, x.dtype) if keep else workspace(shape, x.dtype)
    _input_tiles(x, g, v)
    return v.reshape(16, g.c, g.n * th * tw)


def grad_tiles(dy: np.ndarray, g: Geometry) -> np.ndarray:
    """The gradient tiles dM = A dY A^T as (16, FN, N*TH*TW), in scratch memory."""
    th, tw = tile_shape(g)
    dm = workspace((16, dy.shape[1], g.n, th, tw), dy.dtype)
    _grad_tiles(dy, g, dm)
    return dm.reshape(16, dy.shape[1], g.n * th * tw)


def forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: Geometry,
            keep_tiles: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """conv2d of ``x`` (N, C, H, W) with ``w`` (FN, C, 3, 3) plus ``b``: returns the output
    (N, FN, OH, OW) (a view of feature-major memory, like the im2col path's) and, with
    ``keep_tiles``, the input tiles V for ``weight_grad``."""
    fn = w.shape[0]
    th, tw = tile_shape(g)
    v = input_tiles(x, g, keep_tiles)
    m = workspace((16, fn, g.n * th * tw), x.dtype)
    np.matmul(_weight_tiles(w), v, out=m)
    y = np.empty((fn, g.n, g.oh, g.ow), x.dtype)
    _output_tiles(m.reshape(16, fn, g.n, th, tw), g, y, b)
    return y.transpose(1, 0, 2, 3), (v if keep_tiles else None)


def input_grad(dy: np.ndarray, w: np.ndarray, g: Geometry,
               dm: np.ndarray | None = None) -> np.ndarray:
    """conv2d's input gradient (= conv_transpose2d) of ``dy`` (N, FN, OH, OW), any strides:
    (N, C, H, W), a view of (C, N, H, W) memory like the im2col path's. ``dm`` is
    ``grad_tiles(dy, g)`` when the caller has it (a backward computes it once for both
    gradients)."""
    th, tw = tile_shape(g)
    if dm is None:
        dm = grad_tiles(dy, g)
    ut = np.ascontiguousarray(_weight_tiles(w).transpose(0, 2, 1))  # (16, C, FN)
    dv = workspace((16, g.c, g.n * th * tw), dy.dtype)
    np.matmul(ut, dm, out=dv)
    dx = np.empty((g.c, g.n, g.h, g.w), dy.dtype)
    _input_tiles_adjoint(dv.reshape(16, g.c, g.n, th, tw), g, dx)
    return dx.transpose(1, 0, 2, 3)


def weight_grad(x: np.ndarray, dy: np.ndarray, g: Geometry, tiles: np.ndarray | None = None,
                dm: np.ndarray | None = None) -> np.ndarray:
    """conv2d's weight gradient (FN, C, 3, 3) from ``x`` and ``dy`` (any strides); ``tiles``
    is the forward's V when it kept it (else ``x`` is transformed again), ``dm`` as in
    ``input_grad``."""
    fn = dy.shape[1]
    v = input_tiles(x, g, keep=False) if tiles is None else tiles
    if dm is None:
        dm = grad_tiles(dy, g)
    du = np.matmul(dm, v.transpose(0, 2, 1))  # (16, FN, C), contraction over N*TH*TW
    return _weight_tiles_adjoint(du, fn, g.c)
