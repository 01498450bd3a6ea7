"""``F.max_pool2d``, ``F.avg_pool2d`` and the adaptive pools: PyTorch's signatures.

Each checks its arguments, works out the window geometry once and calls the reference
Functions in ``minigrad.ops.pool`` (an argmax or a mean over the im2col windows).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..im2col import Geometry, check_float, geometry
from ..ops.elementwise import where
from ..ops.pool import AvgPool2d, MaxPool2d
from ..tensor import Tensor, require_tensor
from .index import gather
from .window import batch_of_one, note_dropped


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
    """The input of any pooling op: a float (N, C, H, W) Tensor (an array is wrapped; a
    (C, H, W) Tensor has been made a batch of one by ``batch_of_one``)."""
    x = Tensor(x) if isinstance(x, np.ndarray) else require_tensor(x, op, "input")
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or an unbatched 3-D one "
                         f"(C, H, W), got shape {x.shape}")
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


@batch_of_one
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
    note_dropped(out[0] if return_indices else out, g)
    return out


@batch_of_one
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
    note_dropped(out, g)
    return out


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


@batch_of_one
def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over PyTorch's adaptive bins so the output is ``output_size`` (int, pair,
    None = keep). When the bins tile the input it is ``avg_pool2d``; otherwise every bin
    is gathered once (``gather``) and averaged with weights, so gradients of every order
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
    vals = _take_flat(x, np.broadcast_to(flat, (n, c, oh, ow, k)))
    if not real.all():  # the repeated entries padding narrower bins count as 0 (even if inf)
        vals = where(real, vals, 0.0)
    return vals.sum(-1) * Tensor((1.0 / real.sum(axis=-1)).astype(x.dtype))


def _take_flat(x: Tensor, idx: np.ndarray) -> Tensor:
    """``out[n, c, ...] = x[n, c].flat[idx[n, c, ...]]``: a gather along each flattened
    plane, so its gradient (a scatter-add) and every higher one come from ``Gather``."""
    n, c = x.shape[:2]  # sizes spelled out: a -1 cannot be inferred for an empty batch
    index = np.ascontiguousarray(idx, dtype=np.int64).reshape(n, c, int(np.prod(idx.shape[2:])))
    return gather(x.reshape(n, c, x.shape[2] * x.shape[3]), 2, Tensor(index)).reshape(idx.shape)


@batch_of_one
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
    out = _take_flat(x, idx)
    return (out, Tensor(idx)) if return_indices else out
