"""2-D convolution the book's way: im2col, then one matrix product.

Functions, each the derivative of the others, so gradients of gradients work:

* ``Im2Col`` / ``Col2Im``: the window unfolding and its adjoint (each is the other's
  backward).
* ``Conv2d``: ``y = W @ im2col(x) + b``, one GEMM. Its backward calls the two below (and
  ``BiasGrad`` when only the bias needs a gradient).
* ``ConvTranspose2d``: the input gradient ``dx = col2im(W^T @ g)``, a Function of (g, W).
* ``Conv2dWeightGrad``: the weight gradient ``dW = g @ im2col(x)^T`` (and, if asked, the
  bias gradient ``sum(g)``), a Function of (x, g).

Inputs are (N, C, H, W), weights (FN, C/G, FH, FW). With ``groups=G`` the channels and
filters split into G independent convolutions: the same products, as a batch of G
matrices (a reshape, ``_by_group``). The gradient ``g`` enters the products
"feature-major", as the (FN, N*OH*OW) matrix the forward GEMM produced.

Each Function first asks ``minigrad.kernels.conv.choose`` for a fast kernel (1x1,
per-image, blocked, flipped-kernel, shifted-adds paths) computing the same numbers; under
``minigrad.set_kernels("reference")`` it gets None and only the code here runs.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..im2col import Geometry, col2im_array, im2col_array
from ..kernels import conv as kernels
from ..tensor import Tensor


class Im2Col(Function):
    """(N, C, H, W) -> (N*OH*OW, C*KH*KW), one window per row, the book's layout."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, g: Geometry) -> np.ndarray:
        ctx.geom = g
        cols = im2col_array(x._data, g)
        # a free transpose to the book's (N*OH*OW, C*KH*KW) order
        return cols.reshape(g.c * g.kh * g.kw, g.n * g.oh * g.ow).T

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Col2Im.apply(grad, ctx.geom), None


class Col2Im(Function):
    """(N*OH*OW, C*KH*KW) -> (N, C, H, W), summing overlapping windows: im2col's adjoint."""

    @staticmethod
    def forward(ctx: Context, cols: Tensor, g: Geometry) -> np.ndarray:
        ctx.geom = g
        buf = cols._data.T.reshape(g.c, g.kh, g.kw, g.n, g.oh, g.ow)
        return col2im_array(buf, g)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Im2Col.apply(grad, ctx.geom), None


def _weights(w: np.ndarray, g: Geometry) -> np.ndarray:
    """(FN, C/G, KH, KW) -> G stacked (FN/G, C/G*KH*KW): each group's filters as rows."""
    return w.reshape(g.groups, w.shape[0] // g.groups, w.shape[1] * g.kh * g.kw)


def _columns(x: np.ndarray, g: Geometry) -> np.ndarray:
    """im2col as G stacked (C/G*KH*KW, N*OH*OW) matrices: one column per window."""
    k = g.c // g.groups * g.kh * g.kw
    return im2col_array(x, g).reshape(g.groups, k, g.n * g.oh * g.ow)


def _rows(grad: np.ndarray, g: Geometry) -> np.ndarray:
    """The gradient (N, FN, OH, OW) as G stacked (FN/G, N*OH*OW), as the forward made it."""
    fn = grad.shape[1]
    return grad.transpose(1, 0, 2, 3).reshape(g.groups, fn // g.groups, g.n * g.oh * g.ow)


class Conv2d(Function):
    """``y = W @ im2col(x) + b``: (FN, C*KH*KW) @ (C*KH*KW, N*OH*OW), returned as a
    (N, FN, OH, OW) view of the (FN, N, OH, OW) product."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, w: Tensor, b: Tensor | None, g: Geometry) -> np.ndarray:
        ctx.geom, fast = g, kernels.choose(g, w.shape[0], backward=any(ctx.needs_input_grad))
        ctx.save_for_backward(x, w, fast)  # a fast kernel keeps its columns for backward
        bias = None if b is None else b._data
        if fast is not None:
            return fast.forward(x._data, w._data, bias, keep_cols=ctx.needs_input_grad[1])
        y = _weights(w._data, g) @ _columns(x._data, g)  # (G, FN/G, N*OH*OW)
        y = y.reshape(w.shape[0], g.n, g.oh, g.ow)
        if bias is not None:
            y += bias[:, None, None, None]
        return y.transpose(1, 0, 2, 3)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, w, fast = ctx.saved_tensors
        g = ctx.geom
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        with fast.sharing_gradient() if fast is not None else contextlib.nullcontext():
            gx = ConvTranspose2d.apply(grad, w, g, fast) if need_x else None
            gw = gb = None
            if need_w and need_b:
                gw, gb = Conv2dWeightGrad.apply(x, grad, g, True, fast)
            elif need_w:
                gw = Conv2dWeightGrad.apply(x, grad, g, False, fast)
            elif need_b:
                gb = BiasGrad.apply(grad)
        return gx, gw, gb, None


class BiasGrad(Function):
    """Sum of the gradient over batch and positions: (N, FN, OH, OW) -> (FN,)."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor) -> np.ndarray:
        ctx.shape = grad.shape
        return grad._data.sum(axis=(0, 2, 3))

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return (gg.reshape(1, -1, 1, 1).expand(*ctx.shape),)


class ConvTranspose2d(Function):
    """The input gradient of conv2d, ``dx = col2im(W^T @ g)``, as a Function of (g, W):
    every window's share of the gradient added back where the window came from."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor, w: Tensor, g: Geometry,
                fast: kernels.FastConv | None = None) -> np.ndarray:
        ctx.geom = g
        ctx.save_for_backward(grad, w)
        fast = fast or kernels.choose(g, w.shape[0])
        if fast is not None:
            return fast.input_grad(grad._data, w._data)
        cols = _weights(w._data, g).transpose(0, 2, 1) @ _rows(grad._data, g)  # W^T @ g
        return col2im_array(cols.reshape(g.c, g.kh, g.kw, g.n, g.oh, g.ow), g)

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        grad, w = ctx.saved_tensors
        d_grad = d_w = None
        if ctx.needs_input_grad[0]:  # the map g -> convT(g, W) is adjoint to x -> conv(x, W)
            d_grad = Conv2d.apply(gg, w, None, ctx.geom)
        if ctx.needs_input_grad[1]:
            d_w = Conv2dWeightGrad.apply(gg, grad, ctx.geom)
        return d_grad, d_w, None, None


class Conv2dWeightGrad(Function):
    """The weight gradient of conv2d, ``dW = g @ im2col(x)^T``, as a Function of (x, g);
    with ``with_bias`` also the bias gradient ``sum(g)``, as a second output."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, grad: Tensor, g: Geometry, with_bias: bool = False,
                fast: kernels.FastConv | None = None) -> Any:
        ctx.geom, ctx.with_bias = g, with_bias
        ctx.save_for_backward(x, grad)
        fast = fast or kernels.choose(g, grad.shape[1])
        if fast is not None:
            return fast.weight_grad(x._data, grad._data, with_bias)
        dw = _rows(grad._data, g) @ _columns(x._data, g).transpose(0, 2, 1)  # g @ cols^T
        dw = dw.reshape(grad.shape[1], g.c // g.groups, g.kh, g.kw)
        return (dw, grad._data.sum(axis=(0, 2, 3))) if with_bias else dw

    @staticmethod
    def backward(ctx: Context, gg: Tensor, gg_bias: Tensor | None = None) -> tuple:
        x, grad = ctx.saved_tensors
        d_x = d_grad = None
        if ctx.needs_input_grad[0]:
            d_x = ConvTranspose2d.apply(grad, gg, ctx.geom)
        if ctx.needs_input_grad[1]:
            d_grad = Conv2d.apply(x, gg, gg_bias if ctx.with_bias else None, ctx.geom)
        return d_x, d_grad, None, None, None
