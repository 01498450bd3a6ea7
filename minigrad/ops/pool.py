"""Max and average pooling the book's way: im2col of each channel, then an argmax or a
mean over every window (a column of the im2col matrix).

Backward ops are Functions too, so second derivatives work:

* max: ``MaxPool2dScatter`` (send g to each window's winner: col2im of a matrix holding g
  in the winner's row) and ``MaxPool2dGather`` (read the winner of each window) are each
  other's backward. The winner is the FIRST maximum of the window in row-major order,
  PyTorch's rule; a NaN wins (the last NaN of the window), as in PyTorch; padding
  (-inf) never wins.
* avg: ``AvgPool2d`` and ``AvgPool2dBackward`` (col2im of g spread evenly) are each other's
  adjoint.

Each Function first asks ``minigrad.kernels.pool`` (``choose_max``, ``choose_avg``) for a
fast kernel computing the same numbers without a column buffer; under
``minigrad.set_kernels("reference")`` it gets None and only the code here runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..im2col import Geometry, col2im_array, im2col_array
from ..kernels import pool as kernels
from ..tensor import Tensor


def _window_columns(x: np.ndarray, g: Geometry, fill: float = 0.0) -> np.ndarray:
    """im2col of every channel as an image of its own: (KH*KW, N*C*OH*OW), a column per window."""
    gp = dataclasses.replace(g, n=g.n * g.c, c=1)
    cols = im2col_array(x.reshape(gp.input_shape), gp, fill=fill)
    return cols.reshape(g.kh * g.kw, gp.n * g.oh * g.ow)


def _window_col2im(cols: np.ndarray, g: Geometry) -> np.ndarray:
    """The adjoint of ``_window_columns``: each window's column added back where it was."""
    gp = dataclasses.replace(g, n=g.n * g.c, c=1)
    return col2im_array(cols.reshape(1, g.kh, g.kw, gp.n, g.oh, g.ow), gp).reshape(g.input_shape)


def _argmax_windows(x: np.ndarray, g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Each window's max (N, C, OH, OW) and its winner, as the offset ``i*KW + j``."""
    cols = _window_columns(x, g, fill=-np.inf)
    plane = dataclasses.replace(g, n=1, c=1)
    inside = _window_columns(np.ones(plane.input_shape, x.dtype), plane) > 0  # not padding
    inside = np.tile(inside, (1, g.n * g.c))
    best = cols.max(axis=0)  # a NaN in a window makes its max NaN: NaN wins
    win = np.argmax((cols == best) & inside, axis=0)  # the first maximum not in the padding
    nan = np.isnan(best)
    if nan.any():  # PyTorch keeps the last NaN of the window
        win[nan] = len(cols) - 1 - np.argmax(np.isnan(cols[::-1, nan]), axis=0)
    best = np.take_along_axis(cols, win[None], axis=0)[0]  # the winner's own value: of a
    # tie of -0.0 and 0.0 the first, as PyTorch (numpy's max may return either)
    shape = (g.n, g.c, g.oh, g.ow)
    return best.reshape(shape), win.reshape(shape)


def _flat_indices(win: np.ndarray, g: Geometry) -> np.ndarray:
    """PyTorch's return_indices: each winner as a flat index into its (H, W) plane."""
    i, j = np.divmod(win.astype(np.int64), g.kw)
    rows = np.arange(g.oh)[:, None] * g.sh + i * g.dh - g.ph
    cols = np.arange(g.ow)[None, :] * g.sw + j * g.dw - g.pw
    return rows * g.w + cols


class MaxPool2d(Function):
    """Window maxima (N, C, OH, OW); records each window's winner for backward."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, g: Geometry, return_indices: bool = False) -> Any:
        ctx.geom, fast = g, kernels.choose_max(g)
        # a fast kernel's winners know how to scatter and gather themselves
        best, winners = fast.forward(x._data) if fast else _argmax_windows(x._data, g)
        ctx.save_for_backward(winners)
        if return_indices:
            return best, _flat_indices(winners if fast is None else winners.index(), g)
        return best

    @staticmethod
    def backward(ctx: Context, grad: Tensor, *_: Any) -> tuple:
        (winners,) = ctx.saved_tensors
        return MaxPool2dScatter.apply(grad, winners, ctx.geom), None, None


class MaxPool2dScatter(Function):
    """(N, C, OH, OW) -> (N, C, H, W): each value to its window's winner, zero elsewhere."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor, winners: Any, g: Geometry) -> np.ndarray:
        ctx.geom = g
        ctx.save_for_backward(winners)
        if isinstance(winners, kernels.Winners):
            return winners.scatter(grad._data)
        m = winners.size
        cols = np.zeros((g.kh * g.kw, m), dtype=grad.dtype)
        cols[winners.ravel(), np.arange(m)] = grad._data.ravel()  # g in the winner's row
        return _window_col2im(cols, g)

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        (winners,) = ctx.saved_tensors
        return MaxPool2dGather.apply(gg, winners, ctx.geom), None, None


class MaxPool2dGather(Function):
    """(N, C, H, W) -> (N, C, OH, OW): the value at each window's winner."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, winners: Any, g: Geometry) -> np.ndarray:
        ctx.geom = g
        ctx.save_for_backward(winners)
        if isinstance(winners, kernels.Winners):
            return winners.gather(a._data)
        cols = _window_columns(a._data, g)
        return cols[winners.ravel(), np.arange(winners.size)].reshape(winners.shape)

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        (winners,) = ctx.saved_tensors
        return MaxPool2dScatter.apply(gg, winners, ctx.geom), None, None


def _reciprocal(div: Any, dtype: np.dtype) -> Any:
    """``1 / div`` in ``dtype``: a number, or (OH, OW) per window (see ``_avg_divisor``)."""
    return (1.0 / np.asarray(div, dtype=np.float64)).astype(dtype)


class AvgPool2d(Function):
    """Sum over each window divided by ``div`` (a number, or an (OH, OW) array where the
    windows that overhang the border count fewer elements; see ``_avg_divisor``)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, g: Geometry, div: Any) -> np.ndarray:
        ctx.geom, ctx.div, fast = g, div, kernels.choose_avg(g)
        scale = _reciprocal(div, x.dtype)
        if fast is not None:
            return fast.forward(x._data, scale)
        sums = _window_columns(x._data, g).sum(axis=0)  # padding adds zeros
        return sums.reshape(g.n, g.c, g.oh, g.ow) * scale

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return AvgPool2dBackward.apply(grad, ctx.geom, ctx.div), None, None


class AvgPool2dBackward(Function):
    """(N, C, OH, OW) -> (N, C, H, W): each value divided by its window's divisor, spread
    over the window; average pooling's adjoint."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor, g: Geometry, div: Any) -> np.ndarray:
        ctx.geom, ctx.div, fast = g, div, kernels.choose_avg(g)
        scale = _reciprocal(div, grad.dtype)
        if fast is not None:
            return fast.backward(grad._data, scale)
        share = (grad._data * scale).reshape(1, -1)  # one row: every window's share
        return _window_col2im(np.broadcast_to(share, (g.kh * g.kw, share.size)), g)

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return AvgPool2d.apply(gg, ctx.geom, ctx.div), None, None
