"""2-D convolution as im2col plus one GEMM, with a backward written directly.

Functions, each the derivative of the others, so gradients of gradients work:

* ``Im2Col`` / ``Col2Im``: the window unfolding and its adjoint (each is the other's
  backward).
* ``Conv2d``: ``y = [W | b] @ [im2col(x); 1]``, one matrix product with the bias inside.
  Its backward calls the two below (and ``BiasGrad`` when only the bias needs a gradient).
* ``ConvTranspose2d``: the input gradient ``dx = col2im(W^T @ g)``, one GEMM per kernel
  row and a strided slice-add per kernel offset, so the full ``(C*KH*KW, N*OH*OW)``
  gradient buffer is never allocated.
* ``Conv2dWeightGrad``: the weight (and bias) gradient ``g @ [im2col(x); 1]^T``, one GEMM,
  reusing the column buffer that the forward pass saved.

3x3 stride-1 convolutions may run as Winograd F(2x2, 3x3) inside the same three Functions
(``minigrad.winograd``: same graph, other arithmetic; ``winograd.applies`` decides).

Inputs are (N, C, H, W), weights (FN, C, FH, FW); the gradient ``g`` is used in
"feature-major" layout (FN, N*OH*OW), which is what the GEMMs want.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .. import winograd
from ..autograd import Context, Function
from ..im2col import (
    Geometry,
    channels,
    check_float,
    col2im_array,
    geometry,
    im2col_array,
    offset_range,
    pair,
    window_args,
    workspace,
)
from ..parallel import for_blocks
from ..tensor import Tensor, as_tensor
from .shape import pad

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


def _feature_major(g: np.ndarray) -> np.ndarray:
    """(N, FN, OH, OW) -> contiguous (FN, N*OH*OW), the layout the GEMMs take.

    Free when ``g`` already is feature-major underneath (conv2d's own outputs are, and so
    are the gradients that flow back through elementwise ops on them); else one copy into
    scratch memory.
    """
    t = g.transpose(1, 0, 2, 3)
    if t.flags.c_contiguous:
        return t.reshape(g.shape[1], g.size // max(g.shape[1], 1))
    out = workspace(t.shape, g.dtype)
    np.copyto(out, t)
    return out.reshape(g.shape[1], g.size // max(g.shape[1], 1))


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
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return as_tensor(x)
    raise TypeError(f"{op}: {what} must be a Tensor, got {type(x).__name__}")


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


def _per_image(fn: int, g: Geometry) -> bool:
    """Issue the GEMM as one batched product over images rather than one long GEMM?

    With a small weight matrix (SimpleConvNet's 30x25) the single (FN, K) @ (K, N*OH*OW)
    GEMM is a skinny, memory-bound product that OpenBLAS handles poorly; the same product
    batched over the N images, (FN, K) @ (K, OH*OW) each, runs in cache and writes the
    output straight into (N, FN, OH, OW) order, so neither output nor gradient needs a
    transpose. Big weight matrices keep the single GEMM, where OpenBLAS is at its best.
    """
    return g.groups == 1 and fn * g.c * g.kh * g.kw <= 4096


def _per_image_weight_grad(fn: int, g: Geometry) -> bool:
    """The weight gradient as a sum over images of ``g[n] @ cols[n]^T`` (no copy of the
    gradient) rather than one GEMM on its feature-major copy? Only when each image's
    product is long enough, OH*OW >= 8*C*KH*KW: measured 0.29 vs 2.1 ms (LeNet's conv1) and
    1.7 vs 4.3 ms (SimpleConvNet's), but 2.1 vs 1.1 ms for LeNet's conv2 (100 positions
    against 150 rows) and 3.8 vs 2.7 ms for a 1024-position, 145-row one."""
    return _per_image(fn, g) and g.oh * g.ow >= 8 * g.c * g.kh * g.kw


class Conv2d(Function):
    """``y[n, f] = sum_c W[f, c] * x[n, c] + b[f]``, as im2col + ONE matrix product.

    The bias rides in the product: the column buffer gets one extra row of ones and the
    weight matrix the bias as an extra column, so there is no separate pass over the
    output, and in backward the same trick hands back the bias gradient as the last
    column of the weight-gradient GEMM.

    The single GEMM gives (FN, N*OH*OW); the output is returned as a (N, FN, OH, OW)
    *view* of it (feature-major underneath: a layout, not a shape, like PyTorch's
    channels_last), which saves a full copy here and the matching transpose of the
    gradient in backward. Small weight matrices use one batched product instead (see
    ``_per_image``), whose output is plain (N, FN, OH, OW).
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, w: Tensor, b: Tensor | None, g: Geometry) -> np.ndarray:
        fn, groups = w.shape[0], g.groups
        k, hw = g.c * g.kh * g.kw, g.oh * g.ow
        ctx.geom = g
        if _pointwise(g):  # 1x1: W @ x[n] per image, no im2col at all
            ctx.save_for_backward(x, w, None)
            y = np.matmul(w._data.reshape(fn, g.c), x._data.reshape(g.n, g.c, hw))
            if b is not None:
                y += b._data[:, None]
            return y.reshape(g.n, fn, g.oh, g.ow)
        if winograd.applies(g, fn):  # 3x3 stride 1: its tiles V stand in for the columns
            y, tiles = winograd.forward(x._data, w._data, None if b is None else b._data, g,
                                        keep_tiles=ctx.needs_input_grad[1])
            ctx.save_for_backward(x, w, tiles)
            return y
        fused_bias = b is not None and groups == 1
        if not ctx.needs_input_grad[1] and _blocked(fn, g):
            ctx.save_for_backward(x, w, None)  # nothing keeps the columns: unfold by blocks
            return _per_image_blocks(x._data, _with_bias(w._data, b, fused_bias), g, fused_bias)
        cols = _columns(x._data, g, with_ones=fused_bias)
        ctx.save_for_backward(x, w, cols if ctx.needs_input_grad[1] else None)
        if groups > 1:  # one batched GEMM: (G, FN/G, K/G) @ (G, K/G, N*OH*OW)
            m = g.n * hw
            out = np.matmul(w._data.reshape(groups, fn // groups, k // groups),
                            cols.reshape(groups, k // groups, m)).reshape(fn, m)
            if b is not None:
                out += b._data[:, None]
            return out.reshape(fn, g.n, g.oh, g.ow).transpose(1, 0, 2, 3)
        w2 = _with_bias(w._data, b, fused_bias)
        if _per_image(fn, g):
            per_image = cols.reshape(cols.shape[0], g.n, hw).transpose(1, 0, 2)
            y = np.matmul(w2, per_image)  # (N, FN, OH*OW)
            return y.reshape(g.n, fn, g.oh, g.ow)
        out = np.matmul(w2, cols)  # (FN, N*OH*OW)
        return out.reshape(fn, g.n, g.oh, g.ow).transpose(1, 0, 2, 3)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, w, cols = ctx.saved_tensors
        g = ctx.geom
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        # the feature-major gradient is needed by the input gradient and the single-GEMM
        # weight gradient; the per-image weight gradient reads the gradient as it is
        gfm = None
        winograd_dx = winograd.applies(g, w.shape[0])  # Winograd reads grad as it is
        winograd_dw = _is_tiles(cols) or (cols is None and winograd_dx)
        # the flipped-kernel input gradient unfolds grad itself, in any layout
        col2im_dx = not (winograd_dx or _as_flipped_conv(g, w.shape[0]) or _as_shifted_adds(g))
        if need_x and need_w and winograd_dx and winograd_dw:  # one dM for both passes
            gfm = winograd.grad_tiles(grad._data, g)
        elif not _pointwise(g) and ((need_x and col2im_dx) or (
                need_w and not winograd_dw and not _per_image_weight_grad(w.shape[0], g))):
            gfm = _feature_major(grad._data)
        if need_x:
            gx = ConvTranspose2d.apply(grad, w, g, gfm)
        if need_w and need_b and g.groups == 1:  # cols has the row of ones: db comes along
            gw, gb = Conv2dWeightGrad.apply(x, grad, g, cols, gfm, True)
        else:
            if need_w:
                gw = Conv2dWeightGrad.apply(x, grad, g, cols, gfm)
            if need_b:
                gb = BiasGrad.apply(grad, gfm)
        return gx, gw, gb, None


def _blocked(fn: int, g: Geometry) -> bool:
    """Unfold and multiply block by block (``_per_image_blocks``) rather than through one
    column buffer? For the per-image products whose buffer would be 2M elements or more
    (8 MiB in float32, past what the caches keep): measured 0.52-0.63x of the one-buffer
    time on five such shapes (SimpleConvNet's and LeNet's convs at batch 1000, a 3x3
    32-filter conv at batch 100, two cores); smaller ones gained nothing reliable."""
    return _per_image(fn, g) and (g.c * g.kh * g.kw + 1) * g.n * g.oh * g.ow >= 1 << 21


def _with_bias(w: np.ndarray, b: Tensor | None, fused: bool) -> np.ndarray:
    """The (FN, C*KH*KW [+1]) weight matrix, the bias as its last column when ``fused``."""
    fn, c, kh, kw = w.shape
    w2 = w.reshape(fn, c * kh * kw)  # spelled out: -1 is ambiguous with no filters
    return np.concatenate([w2, b._data.reshape(fn, 1)], axis=1) if fused else w2


def _per_image_blocks(x: np.ndarray, w2: np.ndarray, g: Geometry,
                      with_ones: bool) -> np.ndarray:
    """The per-image product ``W @ im2col(x[n])`` when nothing keeps the column buffer
    (inference, frozen weights): unfolded and multiplied one block of images at a time, so
    each block's columns are used while they are still in cache, and the blocks run on
    minigrad's threads (the GEMMs release the GIL like the copies do). Measured on
    SimpleConvNet's conv at batch 1000: 25 -> 16 ms on two cores."""
    fn, hw = w2.shape[0], g.oh * g.ow
    out = np.empty((g.n, fn, hw), dtype=np.result_type(x, w2))

    def block(a: int, b: int) -> None:
        cols = _columns(x[a:b], dataclasses.replace(g, n=b - a), with_ones)
        np.matmul(w2, cols.reshape(cols.shape[0], b - a, hw).transpose(1, 0, 2), out=out[a:b])

    for_blocks(block, g.n, w2.shape[1] * hw)
    return out.reshape(g.n, fn, g.oh, g.ow)


def _columns(x: np.ndarray, g: Geometry, with_ones: bool) -> np.ndarray:
    """The (C*KH*KW [+1], N*OH*OW) column matrix in scratch memory; the optional last row
    of ones turns "W @ cols + b" into one product."""
    k, m = g.c * g.kh * g.kw, g.n * g.oh * g.ow
    buf = workspace((k + with_ones, m), x.dtype)
    im2col_array(x, g, out=buf[:k])
    if with_ones:
        buf[k] = 1
    return buf


class BiasGrad(Function):
    """Sum of the gradient over batch and positions."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor, gfm: np.ndarray | None = None) -> np.ndarray:
        ctx.shape = grad.shape
        if gfm is not None:  # contiguous rows: the cheapest reduction
            return gfm.sum(axis=1)
        n, fn = grad.shape[:2]
        return grad._data.reshape(n, fn, grad.numel() // max(n * fn, 1)).sum(axis=(0, 2))

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return gg.reshape(1, -1, 1, 1).expand(*ctx.shape), None


class ConvTranspose2d(Function):
    """The input gradient of conv2d, ``col2im(W^T @ g)``, as a Function of (g, W).

    One GEMM per kernel row ``i``: ``W[:, :, i, :]^T @ g`` is (KW, C, N*OH*OW), whose
    KW slabs are added onto the image at their offsets. Same arithmetic as one big GEMM
    plus col2im, holding only 1/KH of the column buffer. The image is accumulated as
    (C, N, H, W), so every slice-add runs over contiguous rows, and returned as a
    (N, C, H, W) view of it. The kernel offset that covers the whole image (the centre one
    of a "same" convolution) is written first instead of zero-filling and adding.
    """

    @staticmethod
    def forward(ctx: Context, grad: Tensor, w: Tensor, g: Geometry,
                gfm: np.ndarray | None = None) -> np.ndarray:
        ctx.geom = g
        ctx.save_for_backward(grad, w)
        if _pointwise(g):  # 1x1: W^T @ g[n] per image
            fn = w.shape[0]
            dx = np.matmul(w._data.reshape(fn, g.c).T, grad._data.reshape(g.n, fn, g.oh * g.ow))
            return dx.reshape(g.input_shape)
        if _is_tiles(gfm) or winograd.applies(g, w.shape[0]):
            return winograd.input_grad(grad._data, w._data, g, gfm if _is_tiles(gfm) else None)
        if _as_flipped_conv(g, w.shape[0]):
            return _flipped_conv(grad._data, w._data, g)
        if _as_shifted_adds(g):
            return _shifted_adds(grad._data, w._data, g)
        if gfm is None:
            gfm = _feature_major(grad._data)
        dtype = np.result_type(gfm, w._data)
        fn, m = gfm.shape
        groups = g.groups
        cg, fg = g.c // groups, fn // groups
        # (G, KH, KW*C/G, FN/G): per group and kernel row, the matrix W[:, :, i, :]^T
        wt = np.ascontiguousarray(
            w._data.reshape(groups, fg, cg, g.kh, g.kw).transpose(0, 3, 4, 2, 1), dtype=dtype
        ).reshape(groups, g.kh, g.kw * cg, fg)
        gg = gfm.reshape(groups, fg, m)
        dxc = np.empty((g.c, g.n, g.h, g.w), dtype=dtype)
        dxg = dxc.reshape(groups, cg, g.n, g.h, g.w)
        buf = workspace((groups, g.kw, cg, m), dtype)
        rows = [(i, r) for i in range(g.kh)
                if (r := offset_range(i * g.dh, g.ph, g.sh, g.oh, g.h))]
        full = _covering_offset(g)
        if full is None:
            dxc[...] = 0
        else:  # its kernel row first, so the covering offset can initialise the image
            rows.sort(key=lambda ir: ir[0] != full[0])
        first = full
        for i, (orow, irow) in rows:
            _gemm(wt[:, i], gg, buf.reshape(groups, g.kw * cg, m))
            order = range(g.kw) if first is None else sorted(range(g.kw),
                                                             key=lambda j: j != first[1])
            for j in order:
                cr = offset_range(j * g.dw, g.pw, g.sw, g.ow, g.w)
                if cr is None:
                    continue
                ocol, icol = cr
                src = buf[:, j].reshape(groups, cg, g.n, g.oh, g.ow)[..., orow, ocol]
                if (i, j) == first:
                    np.copyto(dxg, src)
                    first = None
                else:
                    dxg[..., irow, icol] += src
        return dxc.transpose(1, 0, 2, 3)

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        grad, w = ctx.saved_tensors
        d_grad = d_w = None
        if ctx.needs_input_grad[0]:  # the map g -> convT(g, W) is adjoint to x -> conv(x, W)
            d_grad = Conv2d.apply(gg, w, None, ctx.geom)
        if ctx.needs_input_grad[1]:
            d_w = Conv2dWeightGrad.apply(gg, grad, ctx.geom)
        return d_grad, d_w, None, None


def _as_flipped_conv(g: Geometry, fn: int) -> bool:
    """Compute a stride-1 input gradient as a convolution of the gradient with the flipped,
    transposed kernel (one GEMM with the long K = FN*KH*KW contraction) instead of KH
    GEMMs over only FN plus the col2im adds? Measured on ResNet-18's shapes (2 cores,
    batch 32): 15-22% faster from 64 channels at 32x32 to 512 at 4x4; with few channels
    (LeNet's 6 -> 16) the skinny GEMM loses 4x, so it needs 32 or more of both. Its
    columns hold FN*KH*KW rows of the gradient, the shifted adds' slabs C*KH*KW rows of the
    padded grid; where the columns are the bigger (more filters than channels), the shifted
    adds win: 41 vs 62 ms for the conv workload's 64 -> 128 at 32x32, batch 32."""
    return (g.sh == g.sw == g.dh == g.dw == 1 and g.groups == 1 and min(g.c, fn) >= 32
            and g.ph < g.kh and g.pw < g.kw and g.oh + g.kh - 1 - 2 * g.ph == g.h
            and g.ow + g.kw - 1 - 2 * g.pw == g.w
            and fn * g.h * g.w <= g.c * (g.h + 2 * g.ph) * (g.w + 2 * g.pw))


def _flipped_conv(grad: np.ndarray, w: np.ndarray, g: Geometry) -> np.ndarray:
    """``dx = conv2d(g, flip(W)^T, padding=K-1-P)``: the same sums as ``col2im(W^T @ g)``,
    as im2col of the gradient and one GEMM. Returned as a (N, C, H, W) view of (C, N, H, W)
    memory, like the col2im path's."""
    fn = w.shape[0]
    gf = geometry(grad.shape, (g.kh, g.kw), 1, (g.kh - 1 - g.ph, g.kw - 1 - g.pw),
                  exact=True, op="conv2d input gradient")
    cols = _columns(grad, gf, with_ones=False)
    wf = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3),
                              dtype=np.result_type(grad, w)).reshape(g.c, fn * g.kh * g.kw)
    return (wf @ cols).reshape(g.c, g.n, g.h, g.w).transpose(1, 0, 2, 3)


def _as_shifted_adds(g: Geometry) -> bool:
    """Compute a stride-1 input gradient by ``_shifted_adds`` rather than KH GEMMs plus
    KH*KW slice-adds of short rows? Stride 1, one group, no rows or columns left over
    (the flipped-kernel path, where it applies, comes first)."""
    return (g.sh == g.sw == 1 and g.groups == 1
            and g.oh + g.dh * (g.kh - 1) == g.h + 2 * g.ph
            and g.ow + g.dw * (g.kw - 1) == g.w + 2 * g.pw)


def _shifted_adds(grad: np.ndarray, w: np.ndarray, g: Geometry) -> np.ndarray:
    """``dx = col2im(W^T @ g)`` for stride 1, each kernel offset added as ONE flat shift.

    The gradient is laid out on the padded image's grid (HP, WP), zeros past (OH, OW). On
    that grid kernel offset (i, j) moves every value by ``i*dh*WP + j*dw`` elements and no
    nonzero value crosses a row or an image edge, so the KH*KW slice-adds of short rows
    (LeNet's conv2: runs of 10 floats) become KH*KW contiguous adds. One block of images at
    a time, so the product and the adds stay in cache. Returned as a (N, C, H, W) view of
    (C, N, HP, WP) memory, like the col2im path's (C, N, H, W)."""
    fn, kk = w.shape[0], g.kh * g.kw
    dtype = np.result_type(grad, w)
    hp, wp = g.h + 2 * g.ph, g.w + 2 * g.pw
    plane = hp * wp
    wt = np.ascontiguousarray(w.transpose(1, 2, 3, 0), dtype=dtype).reshape(g.c * kk, fn)
    shifts = [i * g.dh * wp + j * g.dw for i in range(g.kh) for j in range(g.kw)]
    dx = np.empty((g.c, g.n * plane), dtype=dtype)
    step = max(1, (1 << 19) // max(1, (g.c * kk + fn) * plane))  # images per block
    for a in range(0, g.n, step):
        b = min(g.n, a + step)
        m = (b - a) * plane
        grid = np.zeros((fn, b - a, hp, wp), dtype=dtype)
        grid[:, :, : g.oh, : g.ow] = grad[a:b].transpose(1, 0, 2, 3)
        slabs = (wt @ grid.reshape(fn, m)).reshape(g.c, kk, m)
        out = dx[:, a * plane : b * plane]
        np.copyto(out, slabs[:, 0])  # offset (0, 0): shift 0 covers the whole block
        for k in range(1, kk):  # a slab's last `shift` values are zeros shifted out
            out[:, shifts[k]:] += slabs[:, k, : m - shifts[k]]
    dx4 = dx.reshape(g.c, g.n, hp, wp)[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w]
    return dx4.transpose(1, 0, 2, 3)


def _pointwise(g: Geometry) -> bool:
    """A 1x1 convolution, stride 1, no padding, one group: a plain GEMM per image on the
    input as it is, with nothing to unfold."""
    return (g.kh == g.kw == g.sh == g.sw == 1 and g.ph == g.pw == 0 and g.groups == 1
            and g.oh == g.h and g.ow == g.w)


def _is_tiles(saved: np.ndarray | None) -> bool:
    """Is this Winograd tiles (16, C or FN, N*TH*TW) rather than the im2col path's 2-D
    matrices (the column buffer, the feature-major gradient)?"""
    return saved is not None and saved.ndim == 3


def _gemm(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """``out = a @ b`` for stacks of matrices; a stack of one is issued as a plain GEMM."""
    if a.shape[0] == 1:
        np.matmul(a[0], b[0], out=out[0])
    else:
        np.matmul(a, b, out=out)


def _covering_offset(g: Geometry) -> tuple[int, int] | None:
    """A kernel offset whose slice of the output grid lands on every input pixel."""
    if g.sh != 1 or g.sw != 1 or g.oh != g.h or g.ow != g.w:
        return None
    for i in range(g.kh):
        r = offset_range(i * g.dh, g.ph, 1, g.oh, g.h)
        if r and r[1] == slice(0, g.h, 1):
            for j in range(g.kw):
                c = offset_range(j * g.dw, g.pw, 1, g.ow, g.w)
                if c and c[1] == slice(0, g.w, 1):
                    return i, j
    return None


class Conv2dWeightGrad(Function):
    """The weight gradient of conv2d, ``g @ im2col(x)^T``, as a Function of (x, g); with
    ``with_bias`` also the bias gradient (the column of the row of ones), as a second
    output.

    The forward pass's column buffer (or its Winograd tiles) is passed in when there is
    one, so first-order training never unfolds ``x`` twice; saved tiles mean Winograd
    whatever ``winograd.algorithm`` says by now.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, grad: Tensor, g: Geometry,
                cols: np.ndarray | None = None, gfm: np.ndarray | None = None,
                with_bias: bool = False) -> Any:
        ctx.geom, ctx.with_bias = g, with_bias
        ctx.save_for_backward(x, grad)
        fn = grad.shape[1]
        k, hw = g.c * g.kh * g.kw, g.oh * g.ow
        if _pointwise(g):  # 1x1: sum over images of g[n] @ x[n]^T
            g3 = grad._data.reshape(g.n, fn, hw)
            dw = np.matmul(g3, x._data.reshape(g.n, g.c, hw).transpose(0, 2, 1)).sum(axis=0)
            dw = dw.reshape(fn, g.c, 1, 1)
            return (dw, g3.sum(axis=(0, 2))) if with_bias else dw
        if _is_tiles(cols) or (cols is None and winograd.applies(g, fn)):
            dw = winograd.weight_grad(x._data, grad._data, g, cols if _is_tiles(cols) else None,
                                      gfm if _is_tiles(gfm) else None)
            return (dw, grad._data.sum(axis=(0, 2, 3))) if with_bias else dw
        if cols is None or cols.shape[0] < k + with_bias:
            cols = _columns(x._data, g, with_ones=with_bias)
        c2 = cols[: k + with_bias]
        if g.groups > 1:  # (G, FN/G, M) @ (G, M, K/G): one batched GEMM
            gr, m = g.groups, g.n * hw
            if gfm is None:
                gfm = _feature_major(grad._data)
            dw = np.matmul(gfm.reshape(gr, fn // gr, m), c2.reshape(gr, k // gr, m)
                           .transpose(0, 2, 1)).reshape(fn, k // gr)
            return dw.reshape(fn, g.c // gr, g.kh, g.kw)
        if _per_image_weight_grad(fn, g) and gfm is None:  # sum of (FN, HW) @ (HW, K)
            g3 = grad._data.reshape(g.n, fn, hw)
            dw = np.matmul(g3, c2.reshape(c2.shape[0], g.n, hw).transpose(1, 2, 0)).sum(axis=0)
        else:
            if gfm is None:
                gfm = _feature_major(grad._data)
            # OpenBLAS runs a long (N*OH*OW) contraction best with the bigger matrix on the
            # left, then a transposing copy; a short one (ResNet's late 8x8 and 4x4 layers)
            # best as it stands (measured: 26 vs 14 ms at K=4608, FN=512, N*OH*OW=512)
            m = gfm.shape[1]
            dw = (c2 @ gfm.T).T if k >= fn and m >= 4 * k else gfm @ c2.T
        weight_grad = np.ascontiguousarray(dw[:, :k]).reshape(fn, g.c, g.kh, g.kw)
        if with_bias:
            return weight_grad, np.ascontiguousarray(dw[:, k])
        return weight_grad

    @staticmethod
    def backward(ctx: Context, gg: Tensor, gg_bias: Tensor | None = None) -> tuple:
        x, grad = ctx.saved_tensors
        d_x = d_grad = None
        if ctx.needs_input_grad[0]:
            d_x = ConvTranspose2d.apply(grad, gg, ctx.geom)
        if ctx.needs_input_grad[1]:
            d_grad = Conv2d.apply(x, gg, gg_bias if ctx.with_bias else None, ctx.geom)
        return d_x, d_grad, None, None, None, None


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
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight {layout}, got shape {weight.shape}")
    check_float(x._data, "input", op)
    check_float(weight._data, "weight", op)
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{op}: input dtype {x.dtype} and weight dtype {weight.dtype} differ; convert one "
            "so they match (no silent upcasting)"
        )
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
    fn = weight.shape[out_axis] * (groups if out_axis == 1 else 1)
    if bias is not None:
        bias = _tensor(bias, "bias", op)
        if bias.shape != (fn,):
            raise ValueError(
                f"{op}: bias has shape {bias.shape} but weight {weight.shape} with "
                f"groups={groups} gives {fn} output channels, so bias must have shape ({fn},)"
            )
        check_float(bias._data, "bias", op)
        if bias.dtype != x.dtype:
            raise TypeError(f"{op}: bias dtype {bias.dtype} differs from input dtype {x.dtype}")
    return x, weight, bias, groups


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


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1,
           exact: bool | None = None) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of input (N, C, H, W) with weight
    (FN, C/groups, FH, FW) plus bias (FN,): output (N, FN, OH, OW).

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
    _note_dropped(out, g)
    return out


def _note_dropped(out: Tensor, g: Geometry) -> None:
    """Record on the op's node how many input rows/columns a floored size left unread
    (``ctx.dropped``), so the graph drawing can mark it."""
    if out.grad_fn is not None and g.dropped != (0, 0):
        out.grad_fn.dropped = g.dropped


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
