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
import dataclasses
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..dtypes import check_same_dtype
from ..im2col import (
    Geometry,
    channels,
    check_float,
    col2im_array,
    geometry,
    im2col_array,
    pair,
    window_args,
)
from ..kernels import conv as kernels
from ..tensor import Tensor, as_tensor, require_tensor
from .shape import pad
from .window import batch_of_one, note_dropped

__all__ = [
    "BiasGrad",
    "Col2Im",
    "Conv2d",
    "Conv2dWeightGrad",
    "ConvTranspose2d",
    "Im2Col",
    "col2im",
    "conv2d",
    "conv_transpose2d",
    "im2col",
]


# --------------------------------------------------------------------------- im2col


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


def _tensor(x: Any, what: str, op: str) -> Tensor:
    return as_tensor(x) if isinstance(x, np.ndarray) else require_tensor(x, op, what)


def im2col(x: Tensor, kernel_size: Any, stride: Any = 1, padding: Any = 0,
           exact: bool | None = True, dilation: Any = 1) -> Tensor:
    """Unfold every (KH, KW) window of ``x`` (N, C, H, W) into a row: returns
    (N*OH*OW, C*KH*KW), columns ordered channel, then kernel row, then kernel column.

    Two 3-channel 5x5 images, 3x3 windows, padding 1: 2*5*5 windows of 3*3*3 numbers::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.im2col(mg.ones(2, 3, 5, 5), 3, padding=1).shape
        (50, 27)
    """
    x = _tensor(x, "input", "im2col")
    check_float(x._data, "input", "im2col")
    g = geometry(x.shape, kernel_size, stride, padding, dilation, exact=exact, op="im2col")
    return Im2Col.apply(x, g)


def col2im(cols: Tensor, input_shape: tuple[int, ...], kernel_size: Any, stride: Any = 1,
           padding: Any = 0, exact: bool | None = True, dilation: Any = 1) -> Tensor:
    """Fold rows of windows back onto an image of ``input_shape``, adding where windows
    overlap. It is the adjoint of ``im2col`` (``<im2col(x), y> == <x, col2im(y)>``), not its
    inverse: a pixel covered by k windows comes back k times."""
    cols = _tensor(cols, "cols", "col2im")
    check_float(cols._data, "cols", "col2im")
    g = geometry(tuple(input_shape), kernel_size, stride, padding, dilation, exact=exact,
                 op="col2im")
    expected = (g.n * g.oh * g.ow, g.c * g.kh * g.kw)
    if cols.shape != expected:
        raise ValueError(
            f"col2im: cols has shape {cols.shape} but input_shape {tuple(input_shape)} with "
            f"kernel ({g.kh}, {g.kw}), stride ({g.sh}, {g.sw}), padding ({g.ph}, {g.pw}) "
            f"needs (N*OH*OW, C*KH*KW) = {expected}"
        )
    return Col2Im.apply(cols, g)


# --------------------------------------------------------------------------- conv2d


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
        ctx.geom, fast = g, kernels.choose(g, w.shape[0])
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


def _check_operands(op: str, x: Any, weight: Any, bias: Any, groups: Any,
                    in_axis: int, out_axis: int) -> tuple[Tensor, Tensor, Tensor | None, int]:
    """Types, ranks, dtypes and channel counts of a convolution's operands, checked once.

    ``in_axis``/``out_axis`` say which weight axis meets the input channels and which
    gives the output channels (conv2d: 1 and 0; conv_transpose2d: 0 and 1).
    """
    x = _tensor(x, "input", op)
    weight = _tensor(weight, "weight", op)
    groups = channels(groups, "groups", op, minimum=1)
    layout = "(FN, C/groups, FH, FW)" if in_axis == 1 else "(C, FN/groups, FH, FW)"
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or an unbatched 3-D one "
                         f"(C, H, W), got shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight {layout}, got shape {weight.shape}")
    check_float(x._data, "input", op)
    check_float(weight._data, "weight", op)
    check_same_dtype(op, "input", x, "weight", weight)
    _check_channels(op, x, weight, groups, in_axis, layout)
    if bias is not None:
        bias = _checked_bias(op, x, weight, bias, groups, out_axis)
    return x, weight, bias, groups


def _check_channels(op: str, x: Tensor, weight: Tensor, groups: int, in_axis: int,
                    layout: str) -> None:
    """The input's channels meet the weight's (times groups), and the groups divide both."""
    c = x.shape[1]
    expect = weight.shape[in_axis] * (groups if in_axis == 1 else 1)
    if c != expect or c % groups:
        raise ValueError(
            f"{op}: expected input of shape (N, {expect}, H, W), got {x.shape}: weight "
            f"{weight.shape} is {layout} with groups={groups}"
            + (f" and the {c} input channels must be a multiple of groups" if c % groups else "")
        )
    if in_axis == 1 and weight.shape[0] % groups:
        raise ValueError(f"{op}: weight {weight.shape} has {weight.shape[0]} filters, not "
                         f"divisible by groups={groups}")


def _checked_bias(op: str, x: Tensor, weight: Tensor, bias: Any, groups: int,
                  out_axis: int) -> Tensor:
    """``bias`` as a Tensor of one value per output channel, in the input's dtype."""
    fn = weight.shape[out_axis] * (groups if out_axis == 1 else 1)
    bias = _tensor(bias, "bias", op)
    if bias.shape != (fn,):
        raise ValueError(
            f"{op}: bias has shape {bias.shape} but weight {weight.shape} with "
            f"groups={groups} gives {fn} output channels, so bias must have shape ({fn},)"
        )
    check_float(bias._data, "bias", op)
    check_same_dtype(op, "input", x, "bias", bias)
    return bias


def _same_padding(op: str, x: Tensor, kernel: tuple[int, int], stride: Any,
                  dilation: Any) -> tuple[Tensor, tuple[int, int]]:
    """PyTorch's ``padding='same'``: total ``D*(K-1)`` per axis, the odd one on the right
    and bottom (an explicit pad for that one; the symmetric part stays in the geometry)."""
    if pair(stride, "stride", op) != (1, 1):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                         f"(stride={stride!r}); use an explicit padding")
    dh, dw = pair(dilation, "dilation", op)
    th, tw = dh * (kernel[0] - 1), dw * (kernel[1] - 1)
    if th % 2 or tw % 2:  # the one uneven row/column
        x = pad(x, (0, tw % 2, 0, th % 2))
    return x, (th // 2, tw // 2)


@batch_of_one
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1,
           exact: bool | None = None) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of input (N, C, H, W) with weight
    (FN, C/groups, FH, FW) plus bias (FN,): output (N, FN, OH, OW). A (C, H, W) input is a
    batch of one, as in PyTorch.

    ``OH = (H + 2*P - D*(FH-1) - 1) / S + 1``, floored as in PyTorch; with ``exact=True``
    (or inside ``minigrad.strict_shapes()``) a fraction is an error that says what fits.
    ``padding`` may be ``'same'`` or ``'valid'``; ``groups`` splits the channels into
    independent convolutions (one batched GEMM). Example, 30 filters of 3x5x5, "same"::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.conv2d(mg.ones(2, 3, 28, 28), mg.ones(30, 3, 5, 5), mg.zeros(30), padding=2).shape
        (2, 30, 28, 28)
    """
    op = "conv2d"
    x, weight, bias, groups = _check_operands(op, input, weight, bias, groups, 1, 0)
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding == "same":
            x, padding = _same_padding(op, x, weight.shape[2:], stride, dilation)
        else:
            raise ValueError(f"{op}: padding must be an int, a pair, 'same' or 'valid', "
                             f"got {padding!r}")
    g = geometry(x.shape, weight.shape[2:], stride, padding, dilation, exact=exact, op=op,
                 groups=groups, kernel_symbol="F")
    out = Conv2d.apply(x, weight, bias, g)
    note_dropped(out, g)
    return out


@batch_of_one
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint ("transpose") of conv2d: input (N, C, H, W), weight
    (C, FN/groups, FH, FW), output (N, FN, OH, OW) with
    ``OH = (H-1)*S - 2*P + D*(FH-1) + output_padding + 1`` (PyTorch's signature).

    It is exactly conv2d's input gradient (col2im of ``W^T @ x``), so it shares that code.
    Example, upsampling 2x::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.conv_transpose2d(mg.ones(1, 4, 5, 5), mg.ones(4, 2, 2, 2), stride=2).shape
        (1, 2, 10, 10)
    """
    op = "conv_transpose2d"
    x, weight, bias, groups = _check_operands(op, input, weight, bias, groups, 0, 1)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = window_args(op, weight.shape[2:], stride,
                                                         padding, dilation)
    oph, opw = pair(output_padding, "output_padding", op)
    if not (0 <= oph < max(sh, dh) and 0 <= opw < max(sw, dw)):
        raise ValueError(f"{op}: output_padding {(oph, opw)} must be >= 0 and smaller than "
                         f"either stride {(sh, sw)} or dilation {(dh, dw)}")
    n, _, h, w = x.shape
    oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    ow = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: input {x.shape} with kernel {(kh, kw)}, stride {(sh, sw)}, "
                         f"padding {(ph, pw)} gives an empty output ({oh}, {ow})")
    fn = weight.shape[1] * groups
    g = geometry((n, fn, oh, ow), (kh, kw), (sh, sw), (ph, pw), (dh, dw), exact=False,
                 op=op, groups=groups, kernel_symbol="F")
    # with output_padding >= stride (allowed when dilation is larger) the grid of a conv
    # over the output would be one longer than the input: the input fixes it
    g = dataclasses.replace(g, oh=h, ow=w, dropped=(0, 0))
    out = ConvTranspose2d.apply(x, weight, g)
    if bias is not None:
        out = out + bias.reshape(1, fn, 1, 1)
    return out
