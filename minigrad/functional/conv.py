"""``F.conv2d``, ``F.conv_transpose2d``, ``F.unfold``'s im2col and col2im: PyTorch's signatures.

Each checks its operands, works out the window geometry once (``im2col.geometry``) and
calls the reference Functions in ``minigrad.ops.conv`` (im2col, then one matrix product).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..dtypes import check_same_dtype
from ..im2col import channels, check_float, geometry, ntuple, pair, window_args
from ..ops.conv import Col2Im, Conv2d, ConvTranspose2d, Im2Col
from ..ops.shape import pad
from ..tensor import Tensor, as_tensor, require_tensor
from .window import batch_of_one, note_dropped


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


_SPATIAL_DIMS = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _check_operands(op: str, x: Any, weight: Any, bias: Any, groups: Any,
                    in_axis: int, out_axis: int,
                    spatial: int = 2) -> tuple[Tensor, Tensor, Tensor | None, int]:
    """Types, ranks, dtypes and channel counts of a convolution's operands, checked once.

    ``in_axis``/``out_axis`` say which weight axis meets the input channels and which
    gives the output channels (conv2d: 1 and 0; conv_transpose2d: 0 and 1); ``spatial``
    is the number of spatial dims (conv1d 1, conv2d 2, conv3d 3).
    """
    x = _tensor(x, "input", op)
    weight = _tensor(weight, "weight", op)
    groups = channels(groups, "groups", op, minimum=1)
    dims = _SPATIAL_DIMS[spatial]
    kernel = ", ".join("F" + d for d in dims)
    layout = f"(FN, C/groups, {kernel})" if in_axis == 1 else f"(C, FN/groups, {kernel})"
    if x.ndim != spatial + 2:
        raise ValueError(f"{op}: expected a {spatial + 2}-D input (N, C, {', '.join(dims)}) "
                         f"or an unbatched {spatial + 1}-D one (C, {', '.join(dims)}), got "
                         f"shape {x.shape}")
    if weight.ndim != spatial + 2:
        raise ValueError(f"{op}: expected a {spatial + 2}-D weight {layout}, got shape "
                         f"{weight.shape}")
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
        dims = ", ".join(_SPATIAL_DIMS[x.ndim - 2])
        raise ValueError(
            f"{op}: expected input of shape (N, {expect}, {dims}), got {x.shape}: weight "
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


def _same_padding(op: str, x: Tensor, kernel: tuple[int, ...], stride: Any,
                  dilation: Any) -> tuple[Tensor, tuple[int, ...]]:
    """PyTorch's ``padding='same'``: total ``D*(K-1)`` per axis, the odd one on the right
    and bottom (an explicit pad for that one; the symmetric part stays in the geometry).
    Any number of spatial axes (conv1d and conv3d use it too)."""
    n = len(kernel)
    if ntuple(stride, n, "stride", op) != (1,) * n:
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                         f"(stride={stride!r}); use an explicit padding")
    dilation = ntuple(dilation, n, "dilation", op)
    totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
    if any(t % 2 for t in totals):  # the one uneven row/column; widths from the last dim
        x = pad(x, tuple(w for t in reversed(totals) for w in (0, t % 2)))
    return x, tuple(t // 2 for t in totals)


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
