"""The fast pooling kernels behind ``choose_max`` and ``choose_avg``, the choosers
``minigrad.ops.pool`` calls.

The reference ops take an argmax (or a mean) over the im2col windows. These kernels work
per kernel offset instead: for offset (i, j) the element at that place in every window is
one strided slice of the image, so a pool is ``KH*KW`` elementwise passes (running max,
or running sum) with no column buffer. When the windows tile the image exactly (stride ==
kernel, no padding, nothing left over) those slices are the views of a plain reshape
(N, C, OH, KH, OW, KW), no copy: the max is then a chain of ``np.maximum``, the winners
are worked out only in backward (``Winners``), and the backward writes every input
element exactly once instead of zero-filling and accumulating. The passes run on blocks
of images on minigrad's threads (``parallel.for_blocks``).

Winners follow PyTorch: the FIRST maximum of a window in row-major order, and a NaN wins
(the last NaN of the window).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..im2col import Geometry
from . import compiled, fast
from .parallel import for_blocks

__all__ = ["FastAvgPool", "FastMaxPool", "Winners", "choose_avg", "choose_max"]


def choose_max(g: Geometry) -> FastMaxPool | None:
    """The kernel for a max pool of geometry ``g``, or None: use the reference. With the
    ``fast`` extra, the compiled loops (``pool_compiled.py``: forward and backward together
    0.45-0.5x of the numpy passes here, which they replace for float32 and float64)."""
    if not fast():
        return None
    if compiled.available():
        from .pool_compiled import CompiledMaxPool

        return CompiledMaxPool(g)
    return FastMaxPool(g)


def choose_avg(g: Geometry) -> FastAvgPool | None:
    """The kernel for an average pool of geometry ``g``, or None: use the reference."""
    return FastAvgPool(g) if fast() else None


class FastMaxPool:
    """Window maxima by running maxima over kernel offsets (see the module)."""

    def __init__(self, g: Geometry) -> None:
        self.g = g

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Winners]:
        """Each window's max (N, C, OH, OW) and its winners, for the backward passes."""
        g = self.g
        if g.tiles:
            best = _tile_max(x, g)
            return best, Winners(g, x=x, best=best)
        # overlapping or padded windows: the running max records winners as it goes
        best, win = _max_windows(x, g)
        return best, Winners(g, win=win)


class FastAvgPool:
    """Window sums by one strided add per kernel offset, and their adjoint."""

    def __init__(self, g: Geometry) -> None:
        self.g = g

    def forward(self, x: np.ndarray, scale: Any) -> np.ndarray:
        """``scale`` times each window's sum (N, C, OH, OW)."""
        g = self.g
        out = np.zeros((g.n, g.c, g.oh, g.ow), dtype=x.dtype)
        for _, _, (orow, ocol), (irow, icol) in _offsets(g):
            out[:, :, orow, ocol] += x[:, :, irow, icol]
        out *= scale
        return out

    def backward(self, grad: np.ndarray, scale: Any) -> np.ndarray:
        """Each value of ``grad * scale`` spread over its window (N, C, H, W)."""
        g = self.g
        share = grad * scale
        if g.tiles:  # each value copied KH x KW times; np.repeat beats a broadcast copy 4x
            return share.repeat(g.kw, axis=3).repeat(g.kh, axis=2)
        dx = np.zeros(g.input_shape, dtype=grad.dtype)
        for _, _, (orow, ocol), (irow, icol) in g.offsets():
            dx[:, :, irow, icol] += share[:, :, orow, ocol]
        return dx


def _winner_dtype(g: Geometry) -> np.dtype:
    return np.dtype(np.uint8 if g.kh * g.kw <= 256 else np.int32)


def _first_valid_offset(g: Geometry) -> np.ndarray:
    """(OH, OW): index of each window's first element inside the image (not padding)."""
    i0 = -(-np.maximum(0, g.ph - np.arange(g.oh) * g.sh) // g.dh)  # ceil division
    j0 = -(-np.maximum(0, g.pw - np.arange(g.ow) * g.sw) // g.dw)
    return (i0[:, None] * g.kw + j0[None, :]).astype(_winner_dtype(g))


def _max_windows(x: np.ndarray, g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Each window's max and the offset (i*KW + j) of its first maximum, computed on
    blocks of images in parallel (``for_blocks``)."""
    shape = (g.n, g.c, g.oh, g.ow)
    best = np.empty(shape, dtype=x.dtype)
    win = np.empty(shape, dtype=_winner_dtype(g))
    for_blocks(lambda a, b: _running_max(x[a:b], g, best[a:b], win[a:b]), g.n,
               g.c * g.h * g.w)
    if np.isnan(best).any():  # rare: redo with PyTorch's NaN rule (a NaN always wins)
        return _max_windows_nan(x, g)
    return best, win


def _running_max(x: np.ndarray, g: Geometry, best: np.ndarray, win: np.ndarray) -> None:
    """``best``/``win`` of ``_max_windows`` for the images of ``x``, by a running max.

    Offsets only ever increase, so "the last offset where the running max strictly grew"
    is ``win = maximum(win, k * (v > best))``: three cheap full-array ufuncs per offset,
    no masked copies. Padding (-inf) is never compared: each window starts at its first
    element inside the image.
    """
    padded = bool(g.ph or g.pw)
    if padded:
        best[...] = -np.inf
        win[...] = _first_valid_offset(g)
    else:
        win[...] = 0
    grew = np.empty(best.shape, dtype=bool)
    step = np.empty(best.shape, dtype=win.dtype)
    first = not padded  # an unpadded pool: every window starts at offset (0, 0)
    for i, j, (orow, ocol), (irow, icol) in _offsets(g):
        v = x[:, :, irow, icol]
        if first:
            np.copyto(best, v)
            first = False
            continue
        b, m, t = best[:, :, orow, ocol], grew[:, :, orow, ocol], step[:, :, orow, ocol]
        np.greater(v, b, out=m)
        np.maximum(b, v, out=b)
        np.multiply(m.view(np.uint8), win.dtype.type(i * g.kw + j), out=t)
        np.maximum(win[:, :, orow, ocol], t, out=win[:, :, orow, ocol])


def _max_windows_nan(x: np.ndarray, g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Slow path of ``_max_windows`` for inputs holding NaN: ``v > best or isnan(v)``."""
    shape = (x.shape[0], g.c, g.oh, g.ow)
    best = np.full(shape, -np.inf, dtype=x.dtype)
    win = np.zeros(shape, dtype=_winner_dtype(g))
    win[...] = _first_valid_offset(g)
    for i, j, (orow, ocol), (irow, icol) in _offsets(g):
        v = x[:, :, irow, icol]
        b = best[:, :, orow, ocol]
        m = (v > b) | np.isnan(v)
        np.copyto(b, v, where=m)
        np.copyto(win[:, :, orow, ocol], i * g.kw + j, where=m)
    return best, win


def _offsets(g: Geometry) -> Any:
    if g.tiles:  # a reshape view, no bounds to work out
        full = (slice(None), slice(None))
        for i in range(g.kh):
            for j in range(g.kw):
                yield i, j, full, (slice(i, None, g.kh), slice(j, None, g.kw))
    else:
        yield from g.offsets()


def _tile_max(x: np.ndarray, g: Geometry) -> np.ndarray:
    """Max of windows that tile the image, on blocks of images in parallel: first over the
    KH rows of each window (whole image rows, contiguous runs), then over the KW columns
    of what is left. Which element won is worked out only in backward."""
    best = np.empty((g.n, g.c, g.oh, g.ow), dtype=x.dtype)
    x6 = x.reshape(g.n, g.c, g.oh, g.kh, g.ow, g.kw)

    def block(a: int, b: int) -> None:
        rows = x6[a:b, :, :, 0]
        if g.kh > 1:
            rows = np.maximum(rows, x6[a:b, :, :, 1])
            for i in range(2, g.kh):
                np.maximum(rows, x6[a:b, :, :, i], out=rows)
        if g.kw == 1:
            np.copyto(best[a:b], rows[..., 0])
            return
        np.maximum(rows[..., 0], rows[..., 1], out=best[a:b])
        for j in range(2, g.kw):
            np.maximum(best[a:b], rows[..., j], out=best[a:b])

    for_blocks(block, g.n, g.c * g.h * g.w)
    return best


class Winners:
    """Which element of each window is its (first) maximum, for the backward passes.

    Either an offset index per window (general windows, found during the forward running
    max), or, for tiling windows, worked out lazily from the input and the maxima: a
    window's winner is the first offset whose value equals the max. Without ties that is
    one comparison per offset; ties (counted, not assumed away) fall back to a running
    "already taken" mask so only the first equal element wins. Masks are made per block of
    images (``masks(a, b)``), by the backward passes' own blocks, and not kept.
    """

    def __init__(self, g: Geometry, win: np.ndarray | None = None,
                 x: np.ndarray | None = None, best: np.ndarray | None = None) -> None:
        self.g, self.win, self.x, self.best = g, win, x, best

    def masks(self, a: int = 0, b: int | None = None) -> list[
        tuple[tuple[slice, slice], tuple[slice, slice], np.ndarray]
    ]:
        """Per kernel offset, for images ``a:b``: (output slices, input slices, bool mask
        of the windows whose winner sits at that offset)."""
        g = self.g
        if self.win is not None:
            win = self.win[a:b]
            return [(o, s, win[:, :, o[0], o[1]] == i * g.kw + j)
                    for i, j, o, s in _offsets(g)]
        x, best = self.x[a:b], self.best[a:b]
        offs = list(_offsets(g))
        if np.isnan(best).any():  # NaN == NaN is False: use the running max
            win = _max_windows_nan(x, g)[1]
            return [(o, s, win[:, :, o[0], o[1]] == i * g.kw + j) for i, j, o, s in offs]
        eqs = [np.equal(x[:, :, s[0], s[1]], best) for _, _, _, s in offs]
        if sum(np.count_nonzero(e) for e in eqs) != best.size:  # ties
            taken = np.zeros(best.shape, dtype=bool)
            for e in eqs:
                np.logical_and(e, ~taken, out=e)
                taken |= e
        return [(o, s, e) for (_, _, o, s), e in zip(offs, eqs)]

    def row_masks(self, a: int = 0, b: int | None = None) -> list[np.ndarray] | None:
        """For tiling windows and images ``a:b``: per kernel row ``i``, the (N, C, OH, W)
        bool mask of the winners in row ``i`` of their window; None when a window's max
        is NaN or KW is not 1, 2, 4 or 8 (then use ``masks``).

        Full image rows are compared with the maxima spread over their columns, so every
        pass runs over contiguous rows. Ties (common after a ReLU: windows of zeros) are
        resolved without strided passes: the KW bools of a window row, read as one
        little-endian integer, keep only their lowest set bit (the row's first maximum,
        ``v & -v``), and a row keeps it only if no earlier row of its window won."""
        g = self.g
        if g.kw not in (1, 2, 4, 8):
            return None
        x, best = self.x[a:b], self.best[a:b]
        spread = _spread(best, g.kw)
        rows = x.reshape(x.shape[0], g.c, g.oh, g.kh, g.w)
        eqs = [np.equal(rows[:, :, :, i], spread) for i in range(g.kh)]
        if sum(np.count_nonzero(e) for e in eqs) == best.size and not np.isnan(best).any():
            return eqs  # one element equal to each window's max: no ties to resolve
        words = [e.view(f"<u{g.kw}") for e in eqs]  # (N, C, OH, OW): one per window row
        for v in words:
            np.bitwise_and(v, np.negative(v), out=v)
        free = words[0] == 0  # windows whose winner is not in the rows seen so far
        for v in words[1:]:
            np.multiply(v, free, out=v)
            free &= v == 0
        if free.any():  # no element equals a NaN max
            return None
        return eqs

    def index(self) -> np.ndarray:
        """Offset ``i*KW + j`` of each window's winner."""
        if self.win is None:
            g = self.g
            win = np.zeros(self.best.shape, dtype=_winner_dtype(g))
            for (i, j, _, _), (_, _, m) in zip(_offsets(g), self.masks()):
                np.copyto(win, i * g.kw + j, where=m)
            self.win = win
        return self.win

    def scatter(self, grad: np.ndarray) -> np.ndarray:
        """(N, C, OH, OW) -> (N, C, H, W): each value to its window's winner (summed where
        overlapping windows share one), zero elsewhere."""
        if self.g.tiles:
            return self._scatter_tiles(grad)
        g = self.g
        dx = np.zeros(g.input_shape, dtype=grad.dtype)

        def block(a: int, b: int) -> None:
            tmp = np.empty((b - a, *grad.shape[1:]), dtype=grad.dtype)
            for (orow, ocol), (irow, icol), m in self.masks(a, b):
                t = tmp[:, :, orow, ocol]
                np.multiply(m, grad[a:b, :, orow, ocol], out=t)
                dx[a:b, :, irow, icol] += t

        for_blocks(block, g.n, g.c * g.h * g.w)
        return dx

    def _scatter_tiles(self, grad: np.ndarray) -> np.ndarray:
        """``scatter`` for tiling windows: every input element is in exactly one window,
        so it is written once, not zero-filled and added to."""
        g = self.g
        dx = np.empty(g.input_shape, dtype=grad.dtype)

        def block(a: int, b: int) -> None:
            rows = self.row_masks(a, b)
            if rows is not None:  # whole image rows at a time
                spread = _spread(grad[a:b], g.kw)
                dx_rows = dx[a:b].reshape(b - a, g.c, g.oh, g.kh, g.w)
                for i, m in enumerate(rows):
                    np.multiply(m, spread, out=dx_rows[:, :, :, i])
                return
            for _, (irow, icol), m in self.masks(a, b):
                np.multiply(m, grad[a:b], out=dx[a:b, :, irow, icol])

        for_blocks(block, g.n, g.c * g.h * g.w)
        return dx

    def gather(self, a: np.ndarray) -> np.ndarray:
        """(N, C, H, W) -> (N, C, OH, OW): the value at each window's winner."""
        g = self.g
        out = np.zeros((g.n, g.c, g.oh, g.ow), dtype=a.dtype)

        def block(lo: int, hi: int) -> None:
            for (orow, ocol), (irow, icol), m in self.masks(lo, hi):
                np.copyto(out[lo:hi, :, orow, ocol], a[lo:hi, :, irow, icol], where=m)

        for_blocks(block, g.n, g.c * g.h * g.w)
        return out


def _spread(a: np.ndarray, k: int) -> np.ndarray:
    """(..., OW) -> (..., OW*k): each value repeated k times along the last axis, by k
    strided writes (np.repeat's one-element copies are 3x slower)."""
    out = np.empty((*a.shape, k), dtype=a.dtype)
    for j in range(k):
        out[..., j] = a
    return out.reshape(*a.shape[:-1], a.shape[-1] * k)
