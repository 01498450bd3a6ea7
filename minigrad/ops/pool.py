"""Max and average pooling over 2-D windows, each channel pooled on its own.

Both work per kernel offset: for offset (i, j) the element at that place in every window
is one strided slice of the image, so a pool is ``KH*KW`` elementwise passes (running max,
or running sum) instead of a gather. When the windows tile the image exactly (stride ==
kernel, no padding, nothing left over) those slices are the views of a plain reshape
(N, C, OH, KH, OW, KW), no copy: the max is then a chain of ``np.maximum``, the winners
are worked out only in backward, and the backward writes every input element exactly
once instead of zero-filling and accumulating.

Backward ops are Functions too, so second derivatives work:

* max: ``MaxPool2dScatter`` (send g to each window's winner) and ``MaxPool2dGather`` (read
  the winner of each window) are each other's backward. The winner is the FIRST maximum in
  the window in row-major order, PyTorch's rule; a NaN wins, as in PyTorch.
* avg: ``AvgPool2d`` and ``AvgPool2dBackward`` (spread g evenly) are each other's adjoint.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..im2col import Geometry, check_float, geometry
from ..tensor import Tensor

__all__ = [
    "AvgPool2d",
    "AvgPool2dBackward",
    "MaxPool2d",
    "MaxPool2dGather",
    "MaxPool2dScatter",
    "Winners",
    "avg_pool2d",
    "max_pool2d",
]


def _winner_dtype(g: Geometry) -> np.dtype:
    return np.dtype(np.uint8 if g.kh * g.kw <= 256 else np.int32)


def _first_valid_offset(g: Geometry) -> np.ndarray:
    """(OH, OW): index of each window's first element inside the image (not padding)."""
    i0 = np.maximum(0, g.ph - np.arange(g.oh) * g.sh)
    j0 = np.maximum(0, g.pw - np.arange(g.ow) * g.sw)
    return (i0[:, None] * g.kw + j0[None, :]).astype(_winner_dtype(g))


def _max_windows(x: np.ndarray, g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Each window's max and the offset (i*KW + j) of its first maximum.

    A running max over the kernel offsets. Offsets only ever increase, so "the last offset
    where the running max strictly grew" is ``win = maximum(win, k * (v > best))``: three
    cheap full-array ufuncs per offset, no masked copies. Padding (-inf) is never
    compared: each window starts at its first element inside the image.
    """
    shape = (g.n, g.c, g.oh, g.ow)
    padded = bool(g.ph or g.pw)
    best = np.full(shape, -np.inf, dtype=x.dtype) if padded else None
    win = np.zeros(shape, dtype=_winner_dtype(g))
    if padded:
        win[...] = _first_valid_offset(g)
    grew = np.empty(shape, dtype=bool)
    step = np.empty(shape, dtype=win.dtype)
    for i, j, (orow, ocol), (irow, icol) in _offsets(g):
        v = x[:, :, irow, icol]
        if best is None:  # first offset of an unpadded pool: every window starts here
            best = v.copy()
            continue
        b, m, t = best[:, :, orow, ocol], grew[:, :, orow, ocol], step[:, :, orow, ocol]
        np.greater(v, b, out=m)
        np.maximum(b, v, out=b)
        np.multiply(m.view(np.uint8), win.dtype.type(i * g.kw + j), out=t)
        np.maximum(win[:, :, orow, ocol], t, out=win[:, :, orow, ocol])
    if np.isnan(best).any():  # rare: redo with PyTorch's NaN rule (a NaN always wins)
        return _max_windows_nan(x, g)
    return best, win


def _max_windows_nan(x: np.ndarray, g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Slow path of ``_max_windows`` for inputs holding NaN: ``v > best or isnan(v)``."""
    shape = (g.n, g.c, g.oh, g.ow)
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


def _flat_indices(win: np.ndarray, g: Geometry) -> np.ndarray:
    """PyTorch's return_indices: each winner as a flat index into its (H, W) plane."""
    i, j = np.divmod(win.astype(np.int64), g.kw)
    rows = np.arange(g.oh)[:, None] * g.sh + i - g.ph
    cols = np.arange(g.ow)[None, :] * g.sw + j - g.pw
    return rows * g.w + cols


def _tile_max(x: np.ndarray, g: Geometry) -> np.ndarray:
    """Max of windows that tile the image: a chain of ``np.maximum`` over the KH*KW
    strided views, nothing else (which window element won is worked out in backward)."""
    views = [x[:, :, irow, icol] for _, _, _, (irow, icol) in _offsets(g)]
    if len(views) == 1:
        return views[0].copy()
    best = np.maximum(views[0], views[1])
    for v in views[2:]:
        np.maximum(best, v, out=best)
    return best


class Winners:
    """Which element of each window is its (first) maximum, for the backward passes.

    Either an offset index per window (general windows, found during the forward running
    max), or, for tiling windows, worked out lazily from the input and the maxima: a
    window's winner is the first offset whose value equals the max. Without ties that is
    one comparison per offset; ties (counted, not assumed away) fall back to a running
    "already taken" mask so only the first equal element wins.
    """

    def __init__(self, g: Geometry, win: np.ndarray | None = None,
                 x: np.ndarray | None = None, best: np.ndarray | None = None) -> None:
        self.g, self.win, self.x, self.best = g, win, x, best
        self._masks: list | None = None

    def masks(self) -> list[tuple[tuple[slice, slice], tuple[slice, slice], np.ndarray]]:
        """Per kernel offset: (output slices, input slices, bool mask of the windows whose
        winner sits at that offset)."""
        if self._masks is not None:
            return self._masks
        g = self.g
        if self.win is not None:  # computed on the fly, not kept
            return [(o, s, self.win[:, :, o[0], o[1]] == i * g.kw + j)
                    for i, j, o, s in _offsets(g)]
        offs = list(_offsets(g))
        eqs = [np.equal(self.x[:, :, s[0], s[1]], self.best) for _, _, _, s in offs]
        if sum(np.count_nonzero(e) for e in eqs) != self.best.size:  # ties, or NaN
            if np.isnan(self.best).any():  # NaN == NaN is False: use the running max
                self.win = _max_windows(self.x, g)[1]
                return self.masks()
            taken = np.zeros(self.best.shape, dtype=bool)
            for e in eqs:
                np.logical_and(e, ~taken, out=e)
                taken |= e
        self._masks = [(o, s, e) for (_, _, o, s), e in zip(offs, eqs)]
        return self._masks

    def index(self) -> np.ndarray:
        """Offset ``i*KW + j`` of each window's winner."""
        if self.win is None:
            g = self.g
            win = np.zeros(self.best.shape, dtype=_winner_dtype(g))
            for (i, j, _, _), (_, _, m) in zip(_offsets(g), self.masks()):
                np.copyto(win, i * g.kw + j, where=m)
            self.win = win
        return self.win


class MaxPool2d(Function):
    """Window maxima (N, C, OH, OW); records each window's first winner for backward."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, g: Geometry, return_indices: bool = False) -> Any:
        xd = x.data
        if g.tiles:
            best = _tile_max(xd, g)
            winners = Winners(g, x=xd, best=best)
        else:  # overlapping or padded windows: the running max records winners as it goes
            best, win = _max_windows(xd, g)
            winners = Winners(g, win=win)
        ctx.geom = g
        ctx.save_for_backward(winners)
        if return_indices:
            return best, _flat_indices(winners.index(), g)
        return best

    @staticmethod
    def backward(ctx: Context, grad: Tensor, *_: Any) -> tuple:
        (winners,) = ctx.saved_tensors
        return MaxPool2dScatter.apply(grad, winners, ctx.geom), None, None


class MaxPool2dScatter(Function):
    """(N, C, OH, OW) -> (N, C, H, W): each value goes to its window's winner (summed where
    overlapping windows share a winner); zero elsewhere."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor, winners: Winners, g: Geometry) -> np.ndarray:
        ctx.geom = g
        ctx.save_for_backward(winners)
        gd = grad.data
        if g.tiles:  # every input element is in exactly one window: write, don't add
            dx = np.empty(g.input_shape, dtype=gd.dtype)
            for _, (irow, icol), m in winners.masks():
                np.multiply(m, gd, out=dx[:, :, irow, icol])
            return dx
        dx = np.zeros(g.input_shape, dtype=gd.dtype)
        tmp = np.empty(gd.shape, dtype=gd.dtype)
        for (orow, ocol), (irow, icol), m in winners.masks():
            t = tmp[:, :, orow, ocol]
            np.multiply(m, gd[:, :, orow, ocol], out=t)
            dx[:, :, irow, icol] += t
        return dx

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        (winners,) = ctx.saved_tensors
        return MaxPool2dGather.apply(gg, winners, ctx.geom), None, None


class MaxPool2dGather(Function):
    """(N, C, H, W) -> (N, C, OH, OW): the value at each window's winner."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, winners: Winners, g: Geometry) -> np.ndarray:
        ctx.geom = g
        ctx.save_for_backward(winners)
        out = np.zeros((g.n, g.c, g.oh, g.ow), dtype=a.dtype)
        for (orow, ocol), (irow, icol), m in winners.masks():
            np.copyto(out[:, :, orow, ocol], a.data[:, :, irow, icol], where=m)
        return out

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        (winners,) = ctx.saved_tensors
        return MaxPool2dScatter.apply(gg, winners, ctx.geom), None, None


class AvgPool2d(Function):
    """Mean over each window, padding counted as zeros (PyTorch's count_include_pad=True)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, g: Geometry) -> np.ndarray:
        ctx.geom = g
        xd = x.data
        out = np.zeros((g.n, g.c, g.oh, g.ow), dtype=xd.dtype)
        for _, _, (orow, ocol), (irow, icol) in _offsets(g):
            out[:, :, orow, ocol] += xd[:, :, irow, icol]
        out *= out.dtype.type(1.0 / (g.kh * g.kw))
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return AvgPool2dBackward.apply(grad, ctx.geom), None


class AvgPool2dBackward(Function):
    """(N, C, OH, OW) -> (N, C, H, W): each value spread evenly over its window. The
    adjoint of average pooling, so each is the other's backward."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor, g: Geometry) -> np.ndarray:
        ctx.geom = g
        gd = grad.data
        share = gd * gd.dtype.type(1.0 / (g.kh * g.kw))
        if g.tiles:  # each value copied KH x KW times; np.repeat beats a broadcast copy 4x
            return share.repeat(g.kw, axis=3).repeat(g.kh, axis=2)
        dx = np.zeros(g.input_shape, dtype=gd.dtype)
        for _, _, (orow, ocol), (irow, icol) in g.offsets():
            dx[:, :, irow, icol] += share[:, :, orow, ocol]
        return dx

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return AvgPool2d.apply(gg, ctx.geom), None


def _pool_geometry(x: Any, kernel_size: Any, stride: Any, padding: Any, exact: bool,
                   op: str) -> tuple[Tensor, Geometry]:
    if not isinstance(x, Tensor):
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
        x = Tensor(x)
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    check_float(x.data, "input", op)
    g = geometry(x.shape, kernel_size, kernel_size if stride is None else stride, padding,
                 exact=exact, op=op, max_padding_half_kernel=True)
    return x, g


def max_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               return_indices: bool = False, exact: bool = True) -> Any:
    """Max over each (KH, KW) window of every channel separately; stride defaults to the
    kernel size. Padding is -inf (it never wins). The gradient goes to the first maximum of
    each window in row-major order, as in PyTorch. With ``return_indices`` also returns
    each winner's flat index into its (H, W) plane (int64). Example::

        >>> import numpy as np, minigrad as mg, minigrad.nn.functional as F
        >>> F.max_pool2d(mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]], dtype=float64)
    """
    x, g = _pool_geometry(x, kernel_size, stride, padding, exact, "max_pool2d")
    return MaxPool2d.apply(x, g, bool(return_indices))


def avg_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               exact: bool = True) -> Tensor:
    """Mean over each (KH, KW) window of every channel; stride defaults to the kernel size.
    Padding counts as zeros in the mean (PyTorch's default count_include_pad=True). Example::

        >>> import numpy as np, minigrad as mg, minigrad.nn.functional as F
        >>> F.avg_pool2d(mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]], dtype=float64)
    """
    x, g = _pool_geometry(x, kernel_size, stride, padding, exact, "avg_pool2d")
    return AvgPool2d.apply(x, g)
