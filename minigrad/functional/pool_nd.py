"""The 1-D and 3-D pools with PyTorch's signatures, built on the 2-D pools.

minigrad has one pooling implementation, the 2-D one (``F.max_pool2d``, ``F.avg_pool2d``
and the adaptive pools: im2col windows, fast kernels, backward ops that are
differentiable again). The other ranks are compositions of it, so their gradients and
double gradients come from its and there is no second pooling to keep right (as
``conv_nd`` does for the convolutions):

- the 1-D pools are the 2-D ones over a height of 1: input (N, C, 1, L), kernel (1, K),
  stride (1, S), padding (0, P), output size (1, O); the flat (1, L) indices of a 2-D max
  are the 1-D ones.
- max_pool3d and avg_pool3d gather, as conv3d does, the depth slices each output depth
  reads (kernel depth ``kd`` of output depth ``od`` reads ``kd*dilation + od*stride`` of
  the depth-padded input, one differentiable index), fold them into the channels, run the
  2-D pool over H and W, then reduce over the kernel depth: max takes the first maximum
  over ``kd`` (a NaN wins, the last one) and gathers it, which is PyTorch's winner, the
  first maximum in (d, h, w) order; avg sums the 2-D window sums (``divisor_override=1``)
  and divides by PyTorch's divisor of each 3-D window. The depth is padded with -inf for
  max (padding never wins: ties go to the input) and with zeros for avg.
- adaptive_avg_pool3d averages each of PyTorch's depth bins (start ``floor(i*D/OD)``, end
  ``ceil((i+1)*D/OD)``) of the 2-D adaptive average of every depth slice: all slices of a
  bin share the (H, W) bin, so the mean of means is the mean of the 3-D bin.
- adaptive_max_pool3d takes the 2-D adaptive max of every depth slice (with its winner),
  then the first maximum over each depth bin (a NaN wins, the last one), as max_pool3d
  does over the kernel depth: PyTorch's winner, the first maximum in (d, h, w) order.

Bad input raises PyTorch's exception types (RuntimeError for a bad shape or setting,
TypeError for a wrong type) with a message naming the op and the shapes. Output sizes
floor as in PyTorch (``strict_shapes()`` and ``exact`` are the 2-D pools' only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..im2col import _is_int, check_float, ntuple, output_size, window_args
from ..ops.elementwise import where
from ..ops.shape import pad
from ..tensor import Tensor, require_tensor
from .conv_nd import _DIM_NAMES, _pytorch_errors
from .index import gather
from .pool import _bins, adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool3d",
    "max_pool1d",
    "max_pool3d",
]

_LAYOUTS = {1: ("(N, C, L)", "(C, L)"), 2: ("(N, C, H, W)", "(C, H, W)"),
            3: ("(N, C, D, H, W)", "(C, D, H, W)")}
_COUNTS = {1: "one int", 2: "two ints", 3: "three ints"}
_DIMS = {**_DIM_NAMES, 2: ("height", "width")}  # the 2-D checks here serve lp_pool2d


# ----------------------------------------------------------------------------- checks


def _check_input(op: str, x: Tensor, spatial: int, empty_channels: bool) -> None:
    """A float Tensor of rank ``spatial + 2`` (or unbatched, ``spatial + 1``) whose channel
    and spatial sizes are not 0 (an empty batch is fine), as PyTorch requires."""
    batched, unbatched = _LAYOUTS[spatial]
    if x.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}: expected a {spatial + 2}-D input {batched} or an unbatched "
                           f"{spatial + 1}-D one {unbatched}, got shape {x.shape}")
    check_float(x._data, "input", op)
    first = x.ndim - spatial - (0 if empty_channels else 1)
    if 0 in x.shape[first:]:
        raise RuntimeError(f"{op}: expected every non-batch size of the input to be > 0, got "
                           f"shape {x.shape}")


def _input_checked(spatial: int, empty_channels: bool = False) -> Callable[..., Any]:
    """Check the op's input (``_check_input``) and let it take an unbatched one, run as a
    batch of one; the batch dim of every output is dropped again, as in PyTorch."""

    def wrap(op: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(op)
        def checked(input: Any, *args: Any, **kwargs: Any) -> Any:
            x = require_tensor(input, op.__name__, "input")
            _check_input(op.__name__, x, spatial, empty_channels)
            if x.ndim == spatial + 2:
                return op(x, *args, **kwargs)
            out = op(x.unsqueeze(0), *args, **kwargs)
            return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)

        return checked

    return wrap


def _ints(op: str, value: Any, n: int, name: str) -> tuple[int, ...]:
    """``value`` as ``n`` ints: PyTorch's TypeError for a float or bool, its RuntimeError
    for a tuple or list of another length."""
    if isinstance(value, (tuple, list)) and len(value) != n:
        raise RuntimeError(f"{op}: {name} must be an int or a tuple of {_COUNTS[n]}, got "
                           f"{value!r} ({len(value)} values)")
    return ntuple(value, n, name, op)


def _window_settings(op: str, n: int, kernel_size: Any, stride: Any, padding: Any,
                     dilation: Any = 1) -> tuple[tuple[int, ...], ...]:
    """(kernel, stride, padding, dilation), ``n`` ints each, checked as PyTorch checks a
    pool's: stride None or empty means the kernel size; kernel, stride and dilation
    positive, padding non-negative and at most half the kernel. The layers call it too."""
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        stride = kernel_size
    k, s, p, d = (_ints(op, v, n, name) for v, name in (
        (kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding"),
        (dilation, "dilation")))
    with _pytorch_errors():
        window_args(op, k, s, p, d, n=n)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise RuntimeError(f"{op}: padding {p} must be at most half the kernel size {k}, i.e. "
                           f"at most {tuple(ki // 2 for ki in k)}")
    return k, s, p, d


def _out_sizes(op: str, x: Tensor, k: tuple[int, ...], s: tuple[int, ...],
               p: tuple[int, ...], d: tuple[int, ...], ceil_mode: bool) -> tuple[int, ...]:
    """The output size along each spatial dim, floored (or ceiled) as in PyTorch; a kernel
    larger than the padded input is PyTorch's RuntimeError, naming the dim."""
    with _pytorch_errors():
        return tuple(output_size(size, ki, si, pi, exact=False, op=op, dim=dim, dilation=di,
                                 ceil_mode=bool(ceil_mode))
                     for size, ki, si, pi, di, dim in zip(x.shape[2:], k, s, p, d,
                                                           _DIMS[x.ndim - 2]))


def _adaptive_sizes(op: str, x: Tensor, output_size: Any, n: int) -> tuple[int, ...]:
    """``output_size`` as ``n`` ints (an int for all; in 3-D a None keeps that size):
    PyTorch's TypeError for a float, its RuntimeError for a wrong count or a negative."""
    if _is_int(output_size):
        output_size = (output_size,) * n
    if not isinstance(output_size, (tuple, list)):
        raise TypeError(f"{op}: output_size must be an int or a tuple of {_COUNTS[n]}, got "
                        f"{output_size!r}")
    if len(output_size) != n:
        raise RuntimeError(f"{op}: output_size must hold {_COUNTS[n]}, got {output_size!r}")
    sizes = [size if v is None and n > 1 else v for v, size in zip(output_size, x.shape[2:])]
    _check_sizes(op, sizes, output_size, n)
    return tuple(int(v) for v in sizes)


def _check_sizes(op: str, sizes: list, output_size: Any, n: int) -> None:
    """Every adaptive output size an int >= 0 (None was replaced where it keeps a size)."""
    if not all(map(_is_int, sizes)):
        raise TypeError(f"{op}: output_size must hold ints{' or None' if n > 1 else ''}, "
                        f"got {output_size!r}")
    if min(sizes) < 0:
        raise RuntimeError(f"{op}: output_size must be >= 0, got {output_size!r}")


def _divisor_override(op: str, value: Any) -> int | None:
    """PyTorch's divisor_override: None or a non-zero int (negative is allowed)."""
    if value is None:
        return None
    if not _is_int(value):
        raise TypeError(f"{op}: divisor_override must be an int or None, got {value!r}")
    if value == 0:
        raise RuntimeError(f"{op}: divisor_override must not be zero")
    return int(value)


def _squeeze_height(out: Any) -> Any:
    """A 2-D pool's output (and indices) over a height of 1, as 1-D ones."""
    return tuple(o.squeeze(2) for o in out) if isinstance(out, tuple) else out.squeeze(2)


# ----------------------------------------------------------------------------- 1-D


@_input_checked(1)
def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over each window of K of every channel: (N, C, L) -> (N, C, OL), ``OL = (L +
    2*P - D*(K-1) - 1) / S + 1`` floored (``ceil_mode``: a last partial window is kept).
    ``stride`` defaults to the kernel size; padding is -inf; a tie goes to the first
    maximum, a NaN wins. With ``return_indices`` also each winner's index along L (int64).
    A (C, L) input is a batch of one. It is ``max_pool2d`` over a height of 1. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.max_pool1d(mg.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2, return_indices=True)
        (tensor([[[3., 5.]]]), tensor([[[1, 3]]]))
    """
    op = "max_pool1d"
    k, s, p, d = _window_settings(op, 1, kernel_size, stride, padding, dilation)
    _out_sizes(op, input, k, s, p, d, ceil_mode)
    out = max_pool2d(input.unsqueeze(2), (1, *k), (1, *s), (0, *p), (1, *d), bool(ceil_mode),
                     bool(return_indices), exact=False)
    return _squeeze_height(out)


@_input_checked(1)
def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over each window of K of every channel: (N, C, L) -> (N, C, OL); ``stride``
    defaults to the kernel size. Padding counts as zeros in the mean unless
    ``count_include_pad=False``; a ``ceil_mode`` window counts what it covers of the
    padded input, as in PyTorch. It is ``avg_pool2d`` over a height of 1. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.avg_pool1d(mg.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]]), 3, stride=2)
        tensor([[[2., 4., 6.]]])
    """
    op = "avg_pool1d"
    k, s, p, d = _window_settings(op, 1, kernel_size, stride, padding)
    _out_sizes(op, input, k, s, p, d, ceil_mode)
    return avg_pool2d(input.unsqueeze(2), (1, *k), (1, *s), (0, *p), bool(ceil_mode),
                      bool(count_include_pad), None, exact=False).squeeze(2)


@_input_checked(1, empty_channels=True)
def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average over PyTorch's adaptive bins (output i pools ``[floor(i*L/O), ceil((i+1)*L/O))``)
    so (N, C, L) becomes (N, C, O) for any L. It is ``adaptive_avg_pool2d`` over a height
    of 1. Example, a global average pool::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.adaptive_avg_pool1d(mg.ones(2, 8, 50), 1).shape
        (2, 8, 1)
    """
    (size,) = _adaptive_sizes("adaptive_avg_pool1d", input, output_size, 1)
    return adaptive_avg_pool2d(input.unsqueeze(2), (1, size)).squeeze(2)


@_input_checked(1)
def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over PyTorch's adaptive bins (see ``adaptive_avg_pool1d``): (N, C, L) -> (N, C,
    O); a tie goes to the first maximum, a NaN wins. With ``return_indices`` also each
    winner's index along L. It is ``adaptive_max_pool2d`` over a height of 1. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.adaptive_max_pool1d(mg.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)
        tensor([[[3., 5.]]])
    """
    (size,) = _adaptive_sizes("adaptive_max_pool1d", input, output_size, 1)
    return _squeeze_height(adaptive_max_pool2d(input.unsqueeze(2), (1, size),
                                               bool(return_indices)))


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d`` that always returns (output, indices), as PyTorch's
    ``F.adaptive_max_pool1d_with_indices`` and ``torch.adaptive_max_pool1d`` do (the
    latter is ``minigrad.adaptive_max_pool1d``). Example::

        >>> import minigrad as mg
        >>> mg.adaptive_max_pool1d(mg.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)[1]
        tensor([[[1, 3]]])
    """
    return adaptive_max_pool1d(input, output_size, return_indices=True)


# ----------------------------------------------------------------------------- 3-D


def _depth_slices(x: Tensor, k: int, s: int, p: int, d: int, od: int,
                  fill: float) -> tuple[Tensor, np.ndarray]:
    """The depth slices each output depth reads, (N, C*KD*OD, H, W) with channel order
    ``(c, kd, od)``, from the input padded with ``fill`` (``p`` in front, behind as far as
    a ``ceil_mode`` window reaches); and the (KD, OD) depth indices into the padded input."""
    depth = np.arange(k)[:, None] * d + np.arange(od)[None, :] * s
    behind = max(0, int(depth.max()) + 1 - p - x.shape[2])
    if p or behind:
        x = pad(x, (0, 0, 0, 0, p, behind), value=fill)
    n, c = x.shape[:2]
    return x[:, :, depth].reshape(n, c * k * od, *x.shape[3:]), depth


def _depth_winners(vals: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """For (N, C, KD, OD, OH, OW) maxima of each kernel depth's (H, W) window, the kernel
    depth of the whole window's winner, (N, C, 1, OD, OH, OW): the first maximum among the
    depths ``inside`` the input (PyTorch's (d, h, w) order), or the last NaN."""
    inside = inside[:, :, None, None]
    vals = np.where(inside, vals, -np.inf)
    best = vals.max(axis=2, keepdims=True)  # NaN where a NaN is inside
    win = np.argmax((vals == best) & inside, axis=2)
    nan = np.isnan(vals)
    if nan.any():
        last_nan = vals.shape[2] - 1 - np.argmax(nan[:, :, ::-1], axis=2)
        win = np.where(nan.any(axis=2), last_nan, win)
    return win[:, :, None]


def _flat_indices(win: np.ndarray, depth: np.ndarray, hw: Tensor, p: int,
                  shape: tuple[int, ...]) -> Tensor:
    """PyTorch's max_pool3d indices: each winner's flat index into its (D, H, W) volume,
    from its kernel depth ``win``, the depth it reads and its (H, W) index ``hw``."""
    hw_win = np.take_along_axis(hw._data.reshape(win.shape[:2] + depth.shape + hw.shape[2:]),
                                win, axis=2)[:, :, 0]
    od = np.arange(depth.shape[1])[:, None, None]
    d = depth[win[:, :, 0], od] - p
    return Tensor(d * (shape[3] * shape[4]) + hw_win)


@_input_checked(3)
def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over each (KD, KH, KW) window of every channel: (N, C, D, H, W) -> (N, C, OD,
    OH, OW), each size as in ``max_pool1d``. ``stride`` defaults to the kernel size;
    padding is -inf; a tie goes to the first maximum in (d, h, w) order, a NaN wins. With
    ``return_indices`` also each winner's flat index into its (D, H, W) volume (int64). A
    (C, D, H, W) input is a batch of one. It is ``max_pool2d`` over the depth slices each
    output depth reads, then a max over the kernel depth (module docstring). Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.max_pool3d(mg.randn(1, 3, 8, 32, 32), (1, 2, 2)).shape
        (1, 3, 8, 16, 16)
    """
    op = "max_pool3d"
    k, s, p, d = _window_settings(op, 3, kernel_size, stride, padding, dilation)
    sizes = _out_sizes(op, input, k, s, p, d, ceil_mode)
    slices, depth = _depth_slices(input, k[0], s[0], p[0], d[0], sizes[0], -np.inf)
    pooled, hw = max_pool2d(slices, k[1:], s[1:], p[1:], d[1:], bool(ceil_mode), True,
                            exact=False)
    pooled = pooled.reshape(*input.shape[:2], k[0], *sizes)
    inside = (depth >= p[0]) & (depth < p[0] + input.shape[2])
    win = _depth_winners(pooled._data, inside)
    out = gather(pooled, 2, Tensor(win)).squeeze(2)
    if return_indices:
        return out, _flat_indices(win, depth, hw, p[0], input.shape)
    return out


def _window_counts(n_in: int, n_out: int, k: int, s: int, p: int,
                   count_include_pad: bool) -> np.ndarray:
    """How many elements each window along one dim counts, PyTorch's rule: the window
    clipped to the padded input (``count_include_pad``) or to the input itself."""
    start = np.arange(n_out) * s - p
    end = np.minimum(start + k, n_in + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, n_in) - np.maximum(start, 0)


def _check_kernel_fits(op: str, x: Tensor, k: tuple[int, ...]) -> None:
    """PyTorch's avg_pool3d wants the input itself (not padded) at least the kernel's size,
    whatever the padding or ``ceil_mode``: its RuntimeError otherwise."""
    for size, ki, dim in zip(x.shape[2:], k, _DIMS[3]):
        if size < ki:
            raise RuntimeError(f"{op}: kernel {dim} {ki} is larger than the input {dim} {size} "
                               f"(input {x.shape}; padding and ceil_mode aside, the input "
                               "itself must hold the kernel)")


def _divisors(shape: tuple[int, ...], sizes: tuple[int, ...], k: tuple[int, ...],
              s: tuple[int, ...], p: tuple[int, ...], count_include_pad: bool,
              override: int | None) -> np.ndarray:
    """PyTorch's divisor of every 3-D window, (OD, OH, OW) (or ``divisor_override``)."""
    if override is not None:
        return np.asarray(override)
    depth, rows, cols = (_window_counts(*args, bool(count_include_pad))
                         for args in zip(shape[2:], sizes, k, s, p))
    return depth[:, None, None] * rows[None, :, None] * cols[None, None, :]


@_input_checked(3)
def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each (KD, KH, KW) window of every channel: (N, C, D, H, W) -> (N, C, OD,
    OH, OW); ``stride`` defaults to the kernel size. Padding counts as zeros in the mean
    unless ``count_include_pad=False``; ``divisor_override`` replaces the divisor; a
    ``ceil_mode`` window counts what it covers of the padded input (PyTorch's rules). It
    sums ``avg_pool2d``'s window sums over the kernel depth (module docstring). Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.avg_pool3d(mg.ones(1, 1, 4, 4, 4), 2, padding=1, count_include_pad=False)
        tensor([[[[[1., 1., 1.],
                   [1., 1., 1.],
                   [1., 1., 1.]],
        ...
    """
    op = "avg_pool3d"
    override = _divisor_override(op, divisor_override)
    k, s, p, d = _window_settings(op, 3, kernel_size, stride, padding)
    sizes = _out_sizes(op, input, k, s, p, d, ceil_mode)
    _check_kernel_fits(op, input, k)
    slices, _ = _depth_slices(input, k[0], s[0], p[0], 1, sizes[0], 0.0)
    sums = avg_pool2d(slices, k[1:], s[1:], p[1:], bool(ceil_mode), True, 1, exact=False)
    sums = sums.reshape(*input.shape[:2], k[0], *sizes).sum(2)
    div = _divisors(input.shape, sizes, k, s, p, count_include_pad, override)
    return sums / Tensor(div.astype(input.dtype))


def _depth_bin_taps(d: int, od: int) -> tuple[np.ndarray, np.ndarray]:
    """The depths each of PyTorch's adaptive depth bins reads, (OD, width), padded to the
    widest bin by repeating its last depth, and the mask of the real (not repeated) ones."""
    start, end = _bins(d, od)
    width = int((end - start).max(initial=1))
    taps = start[:, None] + np.arange(width)
    return np.minimum(taps, end[:, None] - 1), taps < end[:, None]


def _depth_bin_means(planes: Tensor, od: int) -> Tensor:
    """(N, C, D, OH, OW) -> (N, C, OD, OH, OW): the mean over each of PyTorch's adaptive
    depth bins, gathered once (padded to the widest bin; the repeats count as 0)."""
    taps, real = _depth_bin_taps(planes.shape[2], od)
    vals = planes[:, :, taps]  # (N, C, OD, width, OH, OW)
    if not real.all():
        vals = where(real[:, :, None, None], vals, 0.0)
    return vals.sum(3) * Tensor((1.0 / real.sum(axis=1)).astype(planes.dtype)[:, None, None])


@_input_checked(3)
def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average over PyTorch's adaptive bins so (N, C, D, H, W) becomes (N, C,
    *output_size) (an int, or three ints where None keeps that size): the 2-D adaptive
    average of every depth slice, then the mean over each depth bin. Example, a global
    average pool (the head of a video network)::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.adaptive_avg_pool3d(mg.ones(2, 16, 5, 7, 7), 1).shape
        (2, 16, 1, 1, 1)
    """
    od, oh, ow = _adaptive_sizes("adaptive_avg_pool3d", input, output_size, 3)
    n, c, d, h, w = input.shape
    planes = adaptive_avg_pool2d(input.reshape(n, c * d, h, w), (oh, ow))
    return _depth_bin_means(planes.reshape(n, c, d, oh, ow), od)


@_input_checked(3)
def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over PyTorch's adaptive bins so (N, C, D, H, W) becomes (N, C, *output_size)
    (an int, or three ints where None keeps that size); a tie goes to the first maximum in
    (d, h, w) order, a NaN wins. With ``return_indices`` also each winner's flat index into
    its (D, H, W) volume (int64). It is ``adaptive_max_pool2d`` of every depth slice, then
    the first maximum over each depth bin (module docstring). Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.adaptive_max_pool3d(mg.ones(2, 16, 5, 7, 7), (1, 2, 2)).shape
        (2, 16, 1, 2, 2)
    """
    od, oh, ow = _adaptive_sizes("adaptive_max_pool3d", input, output_size, 3)
    n, c, d, h, w = input.shape
    planes, hw = adaptive_max_pool2d(input.reshape(n, c * d, h, w), (oh, ow), True)
    taps, real = _depth_bin_taps(d, od)
    vals = planes.reshape(n, c, d, oh, ow)[:, :, taps.T]  # (N, C, width, OD, OH, OW)
    win = _depth_winners(vals._data, real.T)
    out = gather(vals, 2, Tensor(win)).squeeze(2)
    if not return_indices:
        return out
    depth = taps[np.arange(od)[:, None, None], win[:, :, 0]]  # (N, C, OD, OH, OW)
    hw_win = np.take_along_axis(hw._data.reshape(n, c, d, oh, ow), depth, axis=2)
    return out, Tensor(depth * (h * w) + hw_win)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d`` that always returns (output, indices), as PyTorch's
    ``F.adaptive_max_pool3d_with_indices``. Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.adaptive_max_pool3d_with_indices(mg.ones(1, 1, 2, 2, 2), 1)[1]
        tensor([[[[[0]]]]])
    """
    return adaptive_max_pool3d(input, output_size, return_indices=True)
