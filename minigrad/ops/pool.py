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
from ..parallel import for_blocks
from ..tensor import Tensor
from .elementwise import where

__all__ = [
    "AvgPool2d",
    "PutFlat",
    "TakeFlat",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
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


def _flat_indices(win: np.ndarray, g: Geometry) -> np.ndarray:
    """PyTorch's return_indices: each winner as a flat index into its (H, W) plane."""
    i, j = np.divmod(win.astype(np.int64), g.kw)
    rows = np.arange(g.oh)[:, None] * g.sh + i * g.dh - g.ph
    cols = np.arange(g.ow)[None, :] * g.sw + j * g.dw - g.pw
    return rows * g.w + cols


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


def _spread(a: np.ndarray, k: int) -> np.ndarray:
    """(..., OW) -> (..., OW*k): each value repeated k times along the last axis, by k
    strided writes (np.repeat's one-element copies are 3x slower)."""
    out = np.empty((*a.shape, k), dtype=a.dtype)
    for j in range(k):
        out[..., j] = a
    return out.reshape(*a.shape[:-1], a.shape[-1] * k)


class MaxPool2d(Function):
    """Window maxima (N, C, OH, OW); records each window's first winner for backward."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, g: Geometry, return_indices: bool = False) -> Any:
        xd = x._data
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
        gd = grad._data
        if g.tiles:  # every input element is in exactly one window: write, don't add
            dx = np.empty(g.input_shape, dtype=gd.dtype)

            def block(a: int, b: int) -> None:
                rows = winners.row_masks(a, b)
                if rows is not None:  # whole image rows at a time
                    spread = _spread(gd[a:b], g.kw)
                    dx_rows = dx[a:b].reshape(b - a, g.c, g.oh, g.kh, g.w)
                    for i, m in enumerate(rows):
                        np.multiply(m, spread, out=dx_rows[:, :, :, i])
                    return
                for _, (irow, icol), m in winners.masks(a, b):
                    np.multiply(m, gd[a:b], out=dx[a:b, :, irow, icol])
        else:
            dx = np.zeros(g.input_shape, dtype=gd.dtype)

            def block(a: int, b: int) -> None:
                tmp = np.empty((b - a, *gd.shape[1:]), dtype=gd.dtype)
                for (orow, ocol), (irow, icol), m in winners.masks(a, b):
                    t = tmp[:, :, orow, ocol]
                    np.multiply(m, gd[a:b, :, orow, ocol], out=t)
                    dx[a:b, :, irow, icol] += t

        for_blocks(block, g.n, g.c * g.h * g.w)
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
        ad = a._data

        def block(lo: int, hi: int) -> None:
            for (orow, ocol), (irow, icol), m in winners.masks(lo, hi):
                np.copyto(out[lo:hi, :, orow, ocol], ad[lo:hi, :, irow, icol], where=m)

        for_blocks(block, g.n, g.c * g.h * g.w)
        return out

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        (winners,) = ctx.saved_tensors
        return MaxPool2dScatter.apply(gg, winners, ctx.geom), None, None


class AvgPool2d(Function):
    """Sum over each window divided by ``div`` (a number, or an (OH, OW) array where the
    windows that overhang the border count fewer elements; see ``_avg_divisor``)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, g: Geometry, div: Any) -> np.ndarray:
        ctx.geom, ctx.div = g, div
        xd = x._data
        out = np.zeros((g.n, g.c, g.oh, g.ow), dtype=xd.dtype)
        for _, _, (orow, ocol), (irow, icol) in _offsets(g):
            out[:, :, orow, ocol] += xd[:, :, irow, icol]
        out *= _reciprocal(div, out.dtype)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return AvgPool2dBackward.apply(grad, ctx.geom, ctx.div), None, None


def _reciprocal(div: Any, dtype: np.dtype) -> Any:
    return (1.0 / np.asarray(div, dtype=np.float64)).astype(dtype)


class AvgPool2dBackward(Function):
    """(N, C, OH, OW) -> (N, C, H, W): each value divided by its window's divisor and
    spread over the window. The adjoint of average pooling, so each is the other's
    backward."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor, g: Geometry, div: Any) -> np.ndarray:
        ctx.geom, ctx.div = g, div
        gd = grad._data
        share = gd * _reciprocal(div, gd.dtype)
        if g.tiles:  # each value copied KH x KW times; np.repeat beats a broadcast copy 4x
            return share.repeat(g.kw, axis=3).repeat(g.kh, axis=2)
        dx = np.zeros(g.input_shape, dtype=gd.dtype)
        for _, _, (orow, ocol), (irow, icol) in g.offsets():
            dx[:, :, irow, icol] += share[:, :, orow, ocol]
        return dx

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return AvgPool2d.apply(gg, ctx.geom, ctx.div), None, None


def _avg_divisor(g: Geometry, count_include_pad: bool, divisor_override: Any) -> Any:
    """PyTorch's divisor per window: the window clipped to the padded image
    (``count_include_pad``) or to the image itself; a single number when all agree."""
    if divisor_override is not None:
        return int(divisor_override)

    def sizes(n_out: int, s: int, p: int, k: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
        start = np.arange(n_out) * s - p
        end = np.minimum(start + k, n_in + p)
        padded = end - start
        return padded, np.minimum(end, n_in) - np.maximum(start, 0)

    rows_p, rows_in = sizes(g.oh, g.sh, g.ph, g.kh, g.h)
    cols_p, cols_in = sizes(g.ow, g.sw, g.pw, g.kw, g.w)
    div = (np.outer(rows_p, cols_p) if count_include_pad else np.outer(rows_in, cols_in))
    if div.size and np.all(div == div.flat[0]):
        return int(div.flat[0])
    return div.astype(np.int64)


def _pool_input(x: Any, op: str) -> Tensor:
    """The input of any pooling op: a float (N, C, H, W) Tensor (an array is wrapped)."""
    if not isinstance(x, Tensor):
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
        x = Tensor(x)
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    check_float(x._data, "input", op)
    return x


def _pool_geometry(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, exact: bool | None, op: str) -> tuple[Tensor, Geometry]:
    x = _pool_input(x, op)
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        stride = kernel_size  # PyTorch: None or [] means "the kernel size"
    g = geometry(x.shape, kernel_size, stride, padding, dilation, exact=exact, op=op,
                 ceil_mode=bool(ceil_mode), max_padding_half_kernel=True)
    return x, g


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False,
               exact: bool | None = None) -> Any:
    """Max over each (KH, KW) window of every channel separately; stride defaults to the
    kernel size (PyTorch's signature and argument order). Padding is -inf (it never wins);
    ``dilation`` spaces the window's elements; ``ceil_mode`` keeps a last partial window
    (PyTorch's rule: it must start inside the input or the left padding). The gradient
    goes to the first maximum of each window in row-major order, as in PyTorch. With
    ``return_indices`` also returns each winner's flat index into its (H, W) plane (int64).
    A size that does not divide floors (``exact=True`` or ``strict_shapes()``: an error).
    Example::

        >>> import numpy as np, minigrad as mg, minigrad.nn.functional as F
        >>> F.max_pool2d(mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]], dtype=float64)
    """
    x, g = _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, exact,
                          "max_pool2d")
    out = MaxPool2d.apply(x, g, bool(return_indices))
    _note_dropped(out[0] if return_indices else out, g)
    return out


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None, exact: bool | None = None) -> Tensor:
    """Mean over each (KH, KW) window of every channel; stride defaults to the kernel size.
    Padding counts as zeros in the mean unless ``count_include_pad=False``;
    ``divisor_override`` replaces the window size as divisor (PyTorch's signature).
    Example::

        >>> import numpy as np, minigrad as mg, minigrad.nn.functional as F
        >>> F.avg_pool2d(mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]], dtype=float64)
    """
    op = "avg_pool2d"
    if divisor_override is not None and (
        not isinstance(divisor_override, (int, np.integer)) or isinstance(divisor_override, bool)
        or divisor_override <= 0
    ):
        raise ValueError(f"{op}: divisor_override must be a positive int or None, got "
                         f"{divisor_override!r}")
    x, g = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode, exact, op)
    out = AvgPool2d.apply(x, g, _avg_divisor(g, bool(count_include_pad), divisor_override))
    _note_dropped(out, g)
    return out


def _note_dropped(out: Tensor, g: Geometry) -> None:
    """Record on the op's node how many input rows/columns a floored size left unread."""
    if out.grad_fn is not None and g.dropped != (0, 0):
        out.grad_fn.dropped = g.dropped


# --------------------------------------------------------------------------- adaptive


def _adaptive_size(x: Tensor, output_size: Any, op: str) -> tuple[int, int]:
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        output_size = (output_size, output_size)
    if not (isinstance(output_size, (tuple, list)) and len(output_size) == 2):
        raise TypeError(f"{op}: output_size must be an int or a pair of ints (None keeps "
                        f"the input size), got {output_size!r}")
    out = []
    for v, size in zip(output_size, x.shape[2:]):
        if v is None:
            v = size
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
            raise ValueError(f"{op}: output_size must hold ints >= 0 or None, got "
                             f"{output_size!r}")
        out.append(int(v))
    return out[0], out[1]


def _adaptive_input(x: Any, op: str) -> Tensor:
    x = _pool_input(x, op)
    if (x.shape[2] == 0 or x.shape[3] == 0):
        raise ValueError(f"{op}: input {x.shape} has an empty plane; expected H, W > 0")
    return x


def _bins(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive bins: output i pools [floor(i*n/o), ceil((i+1)*n/o))."""
    i = np.arange(n_out)
    return (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)


def _bin_windows(h: int, w: int, oh: int, ow: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Flat (H, W) indices (OH, OW, KH*KW) of every adaptive bin, padded to the widest bin
    by repeating its last element, and a mask of the real (not repeated) entries."""
    rs, re_ = _bins(h, oh)
    cs, ce = _bins(w, ow)
    kh, kw = int((re_ - rs).max(initial=1)), int((ce - cs).max(initial=1))
    rows = rs[:, None] + np.arange(kh)  # (OH, KH)
    cols = cs[:, None] + np.arange(kw)  # (OW, KW)
    real = (rows < re_[:, None])[:, None, :, None] & (cols < ce[:, None])[None, :, None, :]
    rows, cols = np.minimum(rows, re_[:, None] - 1), np.minimum(cols, ce[:, None] - 1)
    flat = rows[:, None, :, None] * w + cols[None, :, None, :]  # (OH, OW, KH, KW)
    return flat.reshape(oh, ow, kh * kw), real.reshape(oh, ow, kh * kw), kh * kw


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over PyTorch's adaptive bins so the output is ``output_size`` (int, pair,
    None = keep). When the bins tile the input it is ``avg_pool2d``; otherwise every bin
    is gathered once (``TakeFlat``) and averaged with weights, so gradients of every order
    come from existing ops. Example, a global average pool::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.adaptive_avg_pool2d(mg.ones(2, 3, 7, 5), 1).shape
        (2, 3, 1, 1)
    """
    op = "adaptive_avg_pool2d"
    x = _adaptive_input(input, op)
    oh, ow = _adaptive_size(x, output_size, op)
    n, c, h, w = x.shape
    if oh and ow and h % oh == 0 and w % ow == 0:
        return avg_pool2d(x, (h // oh, w // ow), exact=True)
    flat, real, k = _bin_windows(h, w, oh, ow)
    vals = TakeFlat.apply(x, np.broadcast_to(flat, (n, c, oh, ow, k)))
    if not real.all():  # the repeated entries padding narrower bins count as 0 (even if inf)
        vals = where(real, vals, 0.0)
    return vals.sum(-1) * Tensor((1.0 / real.sum(axis=-1)).astype(x.dtype))


class TakeFlat(Function):
    """``out[n, c, k] = x[n, c].flat[idx[n, c, k]]``: read chosen elements of each plane."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, idx: np.ndarray) -> np.ndarray:
        ctx.shape, ctx.idx = x.shape, idx
        n, c = x.shape[:2]
        flat = x._data.reshape(n, c, -1)
        return np.take_along_axis(flat, idx.reshape(n, c, -1), axis=2).reshape(idx.shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return PutFlat.apply(grad, ctx.idx, ctx.shape), None


class PutFlat(Function):
    """The adjoint of ``TakeFlat``: add each value at its index (indices may repeat)."""

    @staticmethod
    def forward(ctx: Context, grad: Tensor, idx: np.ndarray, shape: tuple) -> np.ndarray:
        ctx.idx = idx
        n, c = shape[:2]
        plane = int(np.prod(shape[2:]))
        where = (idx.reshape(n * c, -1) + (np.arange(n * c) * plane)[:, None]).ravel()
        out = np.bincount(where, weights=grad._data.ravel(), minlength=n * c * plane)
        return out.astype(grad.dtype, copy=False).reshape(shape)

    @staticmethod
    def backward(ctx: Context, gg: Tensor) -> tuple:
        return TakeFlat.apply(gg, ctx.idx), None, None


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over PyTorch's adaptive bins (see ``adaptive_avg_pool2d``); ties go to the first
    maximum, a NaN wins. With ``return_indices`` also the flat (H, W) index of each
    winner. Bins that tile the input use ``max_pool2d``; others gather the (at most
    ``ceil(H/OH)+1`` wide) bins with fancy indexing, once. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.adaptive_max_pool2d(mg.ones(1, 2, 5, 7), (2, 3)).shape
        (1, 2, 2, 3)
    """
    op = "adaptive_max_pool2d"
    x = _adaptive_input(input, op)
    oh, ow = _adaptive_size(x, output_size, op)
    n, c, h, w = x.shape
    if oh and ow and h % oh == 0 and w % ow == 0:
        return max_pool2d(x, (h // oh, w // ow), return_indices=return_indices, exact=True)
    flat, real, k = _bin_windows(h, w, oh, ow)
    vals = x._data.reshape(n, c, h * w)[:, :, flat]  # (N, C, OH, OW, K)
    win = np.argmax(vals, axis=-1)  # the first maximum (repeats come after the original)
    nan = np.isnan(vals) & real
    if nan.any():  # PyTorch keeps the last NaN of the bin
        last_nan = k - 1 - np.argmax(nan[..., ::-1], axis=-1)
        win = np.where(nan.any(axis=-1), last_nan, win)
    idx = np.take_along_axis(np.broadcast_to(flat, vals.shape), win[..., None], axis=-1)[..., 0]
    out = TakeFlat.apply(x, idx)
    return (out, Tensor(idx)) if return_indices else out
