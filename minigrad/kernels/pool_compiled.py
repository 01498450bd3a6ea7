"""Compiled max pooling (the ``fast`` extra): one pass per image plane for the maxima and
their winners, one for the gradient's scatter and one for its gather.

The numpy kernels in ``pool.py`` make ``KH*KW`` whole-array passes and work out the winners
again in backward; these loops visit each window once, keep the first maximum (a NaN wins,
the last NaN of the window; padding never wins: PyTorch's rules, as the reference) and
remember its offset ``i*KW + j``. The backward adds each gradient to its window's winner;
double backward reads the value at the winner.

Inputs are taken as planes ``(P, H, W)``, P = N*C, in the order they lie in memory: conv2d's
outputs are (N, C, H, W) views of (C, N, H, W) memory, and the outputs keep that layout, so
no copy is made on the way in or out.

The loops are serial and release the GIL; blocks of planes run on minigrad's own threads
(``compiled.run_blocks``), as the numpy passes do, not on numba's OpenMP workers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..im2col import Geometry
from .compiled import DTYPES, compile_for, in_memory_order, run_blocks
from .compiled import numba as _numba
from .pool import FastMaxPool, Winners

numba = _numba()

__all__ = ["CompiledMaxPool", "CompiledWinners", "signatures"]


class CompiledMaxPool(FastMaxPool):
    """Max pooling as compiled loops for float32/float64 (other dtypes: the numpy kernel)."""

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Winners]:
        """Each window's max (N, C, OH, OW) and the offset of its winner."""
        if x.dtype not in DTYPES or x.size == 0:
            return super().forward(x)
        g = self.g
        xm, outer = in_memory_order(x)
        planes = xm.reshape(-1, g.h, g.w)
        best = np.empty((planes.shape[0], g.oh, g.ow), dtype=x.dtype)
        win = np.empty(best.shape, dtype=np.int32)
        compile_for(x.dtype)
        if g.tiles and g.kh == g.kw == 2:
            _on_blocks(_max_forward_2x2, g, planes, best, win)
        elif g.tiles:
            _on_blocks(_max_forward_tiles, g, planes, g.kh, g.kw, best, win)
        else:
            _on_blocks(_max_forward, g, planes, *_window(g), best, win)
        return _unplanes(best, g, outer), CompiledWinners(g, win=_unplanes(win, g, outer))


class CompiledWinners(Winners):
    """The winners' offsets (made for a float32 or float64 input), with compiled scatter
    and gather."""

    def _planes(self) -> tuple[np.ndarray, bool]:
        """The winners as planes (P, OH, OW) in their memory order, and whether that order
        is channels-outermost (the gradients are read in the same order)."""
        win, outer = in_memory_order(self.win)
        return win.reshape(-1, self.g.oh, self.g.ow), outer

    def scatter(self, grad: np.ndarray) -> np.ndarray:
        """(N, C, OH, OW) -> (N, C, H, W): each value added to its window's winner."""
        if grad.dtype not in DTYPES:  # another float: moved as float64, cast back
            return self.scatter(grad.astype(np.float64)).astype(grad.dtype)
        g, (win, outer) = self.g, self._planes()
        dx = np.empty((g.n * g.c, g.h, g.w), dtype=grad.dtype)
        planes = _planes(grad, outer)
        compile_for(grad.dtype)
        if g.tiles and g.kh == g.kw == 2:
            _on_blocks(_max_scatter_2x2, g, planes, win, dx)
        elif g.tiles:
            _on_blocks(_max_scatter_tiles, g, planes, win, g.kh, g.kw, dx)
        else:
            _on_blocks(_max_scatter, g, planes, win, *_window(g), dx)
        return _unplanes(dx, g, outer, output=False)

    def gather(self, a: np.ndarray) -> np.ndarray:
        """(N, C, H, W) -> (N, C, OH, OW): the value at each window's winner."""
        if a.dtype not in DTYPES:
            return self.gather(a.astype(np.float64)).astype(a.dtype)
        g, (win, outer) = self.g, self._planes()
        out = np.empty((g.n * g.c, g.oh, g.ow), dtype=a.dtype)
        compile_for(a.dtype)
        _on_blocks(_max_gather, g, _planes(a, outer), win, *_window(g), out)
        return _unplanes(out, g, outer)


def _planes(a: np.ndarray, outer: bool) -> np.ndarray:
    """(N, C, H, W) as contiguous planes (P, H, W) in the order ``outer`` says (a view when
    ``a`` already lies so, else one copy)."""
    v = a.transpose(1, 0, 2, 3) if outer else a
    return np.ascontiguousarray(v).reshape(-1, *a.shape[2:])


def _unplanes(p: np.ndarray, g: Geometry, outer: bool, output: bool = True) -> np.ndarray:
    """Planes back to an (N, C, ...) view: of (C, N, ...) memory when ``outer``."""
    rest = (g.oh, g.ow) if output else (g.h, g.w)
    if outer:
        return p.reshape(g.c, g.n, *rest).transpose(1, 0, 2, 3)
    return p.reshape(g.n, g.c, *rest)


def _window(g: Geometry) -> tuple[int, ...]:
    return g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw


def _on_blocks(kernel: Any, g: Geometry, *args: Any) -> None:
    """``kernel(lo, hi, *args)`` over blocks of the N*C planes, on minigrad's threads."""
    run_blocks(kernel, g.n * g.c, g.h * g.w, *args)


def _jit(fn: Any) -> Any:
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)


@_jit
def _max_forward(lo, hi, x, kh, kw, sh, sw, ph, pw, dh, dw, best, win):  # noqa: ANN001, ANN202
    _, h, w = x.shape
    for p in range(lo, hi):
        for oy in range(best.shape[1]):
            y0 = oy * sh - ph
            i0, i1 = _inside(y0, dh, kh, h)
            for ox in range(best.shape[2]):
                x0 = ox * sw - pw
                j0, j1 = _inside(x0, dw, kw, w)
                cur = x[p, y0 + i0 * dh, x0 + j0 * dw]
                k = i0 * kw + j0
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        v = x[p, y0 + i * dh, x0 + j * dw]
                        take = (v > cur) | (v != v)  # first max; a NaN wins (no branch)
                        cur = v if take else cur
                        k = i * kw + j if take else k
                best[p, oy, ox] = cur
                win[p, oy, ox] = k


@_jit
def _max_forward_tiles(lo, hi, x, kh, kw, best, win):  # noqa: ANN001, ANN202
    """Windows that tile the plane: no bounds to check."""
    for p in range(lo, hi):
        for oy in range(best.shape[1]):
            for ox in range(best.shape[2]):
                cur = x[p, oy * kh, ox * kw]
                k = 0
                for i in range(kh):
                    for j in range(kw):
                        v = x[p, oy * kh + i, ox * kw + j]
                        take = (v > cur) | (v != v)
                        cur = v if take else cur
                        k = i * kw + j if take else k
                best[p, oy, ox] = cur
                win[p, oy, ox] = k


# The 2x2 windows of most CNNs get their own loops: with the window size known when
# compiling, the four comparisons are unrolled (2.7x faster than the loops above, measured).
# The forward takes each row of windows in two steps: first as if it held no NaN, with
# selects LLVM turns into vector code (the winner found as the first value equal to the
# maximum, picked among float constants: integer selects beside float compares kept the
# loop scalar), then, only for a row that does hold a NaN, again one window at a time
# under the full rule (a NaN wins, the last NaN), written out in place (as a call it kept
# LLVM from vectorising the first loop). SimpleConvNet's pool (3,000 planes of 24x24, one
# thread) 0.38 against 0.94-0.98 ms; both agree bit for bit.


@_jit
def _max_forward_2x2(lo, hi, x, best, win):  # noqa: ANN001, ANN202
    """``_max_forward_tiles`` for 2x2 windows: a, b in the upper row, c, d in the lower."""
    for p in range(lo, hi):
        for oy in range(best.shape[1]):
            top, bottom, bo, wo = x[p, 2 * oy], x[p, 2 * oy + 1], best[p, oy], win[p, oy]
            zero, one, two, three = x.dtype.type(0), x.dtype.type(1), x.dtype.type(2), \
                x.dtype.type(3)
            nan = False
            for ox in range(best.shape[2]):
                a, b = top[2 * ox], top[2 * ox + 1]
                c, d = bottom[2 * ox], bottom[2 * ox + 1]
                m = b if b > a else a  # the first maximum, were there no NaN
                m = c if c > m else m
                m = d if d > m else m
                k = three
                k = two if c == m else k
                k = one if b == m else k
                k = zero if a == m else k
                nan |= (a != a) | (b != b) | (c != c) | (d != d)
                bo[ox] = m
                wo[ox] = np.int32(k)
            if nan:  # this row again, one window at a time, under the full rule
                for ox in range(best.shape[2]):
                    cur, k = top[2 * ox], 0
                    b, c, d = top[2 * ox + 1], bottom[2 * ox], bottom[2 * ox + 1]
                    take = (b > cur) | (b != b)  # first max; a NaN wins (no branch)
                    cur, k = (b, 1) if take else (cur, k)
                    take = (c > cur) | (c != c)
                    cur, k = (c, 2) if take else (cur, k)
                    take = (d > cur) | (d != d)
                    cur, k = (d, 3) if take else (cur, k)
                    bo[ox], wo[ox] = cur, k


@_jit
def _max_scatter_2x2(lo, hi, grad, win, dx):  # noqa: ANN001, ANN202
    """``_max_scatter_tiles`` for 2x2 windows (the winner compared as a float: float64
    gradients 3x faster)."""
    zero = grad.dtype.type(0)
    for p in range(lo, hi):
        for oy in range(grad.shape[1]):
            top, bottom, go, wo = dx[p, 2 * oy], dx[p, 2 * oy + 1], grad[p, oy], win[p, oy]
            for ox in range(grad.shape[2]):
                k, gv = grad.dtype.type(wo[ox]), go[ox]
                top[2 * ox] = gv if k == 0 else zero
                top[2 * ox + 1] = gv if k == 1 else zero
                bottom[2 * ox] = gv if k == 2 else zero
                bottom[2 * ox + 1] = gv if k == 3 else zero


@numba.njit(inline="always")
def _inside(start, step, size, limit):  # noqa: ANN001, ANN202
    """The kernel offsets ``[lo, hi)`` whose positions ``start + offset*step`` fall inside
    ``[0, limit)``: padding is never read, so it never wins."""
    lo = 0 if start >= 0 else (-start + step - 1) // step
    hi = min(size, (limit - 1 - start) // step + 1)
    return lo, hi


@_jit
def _max_scatter_tiles(lo, hi, grad, win, kh, kw, dx):  # noqa: ANN001, ANN202
    """Windows that tile the plane: each element written once, the winner's gradient or 0."""
    for p in range(lo, hi):
        for oy in range(grad.shape[1]):
            for i in range(kh):
                for ox in range(grad.shape[2]):
                    k, gv = win[p, oy, ox], grad[p, oy, ox]
                    for j in range(kw):
                        dx[p, oy * kh + i, ox * kw + j] = gv if k == i * kw + j else 0


@_jit
def _max_scatter(lo, hi, grad, win, kh, kw, sh, sw, ph, pw, dh, dw, dx):  # noqa: ANN001, ANN202
    for p in range(lo, hi):
        dx[p] = 0
        for oy in range(grad.shape[1]):
            for ox in range(grad.shape[2]):
                k = win[p, oy, ox]
                i, j = k // kw, k % kw
                dx[p, oy * sh - ph + i * dh, ox * sw - pw + j * dw] += grad[p, oy, ox]


@_jit
def _max_gather(lo, hi, a, win, kh, kw, sh, sw, ph, pw, dh, dw, out):  # noqa: ANN001, ANN202
    for p in range(lo, hi):
        for oy in range(out.shape[1]):
            for ox in range(out.shape[2]):
                k = win[p, oy, ox]
                i, j = k // kw, k % kw
                out[p, oy, ox] = a[p, oy * sh - ph + i * dh, ox * sw - pw + j * dw]


def signatures(dtype: Any) -> list[tuple[Any, tuple]]:
    """Every compiled function with the argument types it is called with, for ``dtype``."""
    t = numba.from_dtype(np.dtype(dtype))
    a3, w3, i8 = t[:, :, ::1], numba.int32[:, :, ::1], numba.int64
    window, span = (i8,) * 8, (i8, i8)
    return [(_max_forward, (*span, a3, *window, a3, w3)),
            (_max_scatter, (*span, a3, w3, *window, a3)),
            (_max_forward_tiles, (*span, a3, i8, i8, a3, w3)),
            (_max_scatter_tiles, (*span, a3, w3, i8, i8, a3)),
            (_max_forward_2x2, (*span, a3, a3, w3)),
            (_max_scatter_2x2, (*span, a3, w3, a3)),
            (_max_gather, (*span, a3, w3, *window, a3))]
