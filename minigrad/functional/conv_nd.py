"""``F.conv1d``, ``F.conv3d`` and their transposes: PyTorch's signatures, built on conv2d.

minigrad has one convolution, the book's conv2d (im2col and one GEMM, a backward that is
differentiable again). The other ranks are compositions of it, so their gradients and
double gradients come from conv2d's and there is no second convolution to keep right:

- conv1d is conv2d over a height of 1: input (N, C, 1, L), kernel (1, K), stride (1, s);
  conv_transpose1d is conv_transpose2d over a height of 1 the same way.
- conv3d folds depth into conv2d: for every output depth ``od`` and kernel depth ``kd``
  the input slice ``kd*dilation + od*stride`` (one gather of all of them), ``od`` moved
  into the batch and ``kd`` into the channels, so one conv2d with the weight
  ``(F, C/groups * KD, KH, KW)`` sums over ``kd`` as it sums over the channels (the
  channel order ``c*KD + kd`` keeps each group's channels together), then the output
  depths are moved back out of the batch.
- conv_transpose3d is that composition transposed, step by step in reverse: the input
  depths into the batch, one conv_transpose2d (the kernel depths come out as channels),
  then the adjoint of the gather, a scatter-add of each (input depth, kernel depth) onto
  the output depth it reaches, and the depth padding cropped.

The operands are checked by conv2d's one check (``_check_operands``, any number of
spatial dims), the settings and output sizes by ``im2col``'s (``window_args``,
``output_size``), each error naming conv1d or conv3d. Where conv2d raises ValueError for
a bad shape or setting, these raise PyTorch's RuntimeError with the same message. Output
sizes floor as in PyTorch (``strict_shapes()`` and ``exact`` are conv2d's only).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..im2col import ntuple, output_size, window_args
from ..ops.index import ScatterAdd
from ..ops.shape import pad
from ..tensor import Tensor
from .conv import _check_operands, _same_padding, conv2d, conv_transpose2d

__all__ = ["conv1d", "conv3d", "conv_transpose1d", "conv_transpose3d"]

_DIM_NAMES = {1: ("length",), 3: ("depth", "height", "width")}


@contextlib.contextmanager
def _pytorch_errors() -> Iterator[None]:
    """A bad shape or setting is a ValueError in conv2d's checks (minigrad's choice for
    conv2d) and a RuntimeError in PyTorch's conv1d/conv3d: re-raise it as PyTorch's."""
    try:
        yield
    except ValueError as e:
        raise RuntimeError(str(e)) from None


def _batch_of_one(spatial: int) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Let the op take an unbatched ``(C, *spatial)`` input, as PyTorch's convs do."""

    def wrap(op: Callable[..., Tensor]) -> Callable[..., Tensor]:
        @functools.wraps(op)
        def unbatched(input: Any, *args: Any, **kwargs: Any) -> Tensor:
            if isinstance(input, Tensor) and input.ndim == spatial + 1:
                return op(input.unsqueeze(0), *args, **kwargs).squeeze(0)
            return op(input, *args, **kwargs)

        return unbatched

    return wrap


def _resolve_padding(op: str, x: Tensor, kernel: tuple[int, ...], stride: tuple[int, ...],
                     padding: Any, dilation: tuple[int, ...]) -> tuple[Tensor, Any]:
    """``padding`` as given, zeros for ``'valid'``, and for ``'same'`` conv2d's rule
    (``_same_padding``: the odd one padded on the right here, the symmetric part
    returned)."""
    if not isinstance(padding, str):
        return x, padding
    if padding == "valid":
        return x, 0
    if padding != "same":
        raise ValueError(f"{op}: padding must be an int, a tuple of {len(kernel)}, 'same' "
                         f"or 'valid', got {padding!r}")
    return _same_padding(op, x, kernel, stride, dilation)


def _window(op: str, x: Tensor, weight: Tensor, stride: Any, padding: Any,
            dilation: Any) -> tuple[Tensor, tuple[tuple[int, ...], ...]]:
    """The settings checked and as ``n`` ints each, and the output sizes (floored, as in
    PyTorch): ``x`` (right-padded for an odd 'same'), (stride, padding, dilation, sizes)."""
    n = x.ndim - 2
    kernel = tuple(weight.shape[2:])
    _, stride, _, dilation = window_args(op, kernel, stride, 0, dilation, n=n)
    x, padding = _resolve_padding(op, x, kernel, stride, padding, dilation)
    _, _, padding, _ = window_args(op, kernel, stride, padding, dilation, n=n)
    sizes = tuple(output_size(size, k, s, p, exact=False, op=op, dim=dim, dilation=d)
                  for size, k, s, p, d, dim in zip(x.shape[2:], kernel, stride, padding,
                                                    dilation, _DIM_NAMES[n]))
    return x, (stride, padding, dilation, sizes)


@_batch_of_one(1)
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of input (N, C, L) with weight
    (FN, C/groups, K) plus bias (FN,): output (N, FN, OL), ``OL = (L + 2*P - D*(K-1) - 1)
    / S + 1`` floored. A (C, L) input is a batch of one; ``padding`` may be an int, a
    tuple of one, ``'same'`` (stride 1) or ``'valid'``. It is conv2d over a height of 1.
    Example, 8 filters of width 3 over 2 signals of 4 channels::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.conv1d(mg.ones(2, 4, 10), mg.ones(8, 4, 3), padding="same").shape
        (2, 8, 10)
    """
    op = "conv1d"
    with _pytorch_errors():
        x, weight, bias, groups = _check_operands(op, input, weight, bias, groups, 1, 0,
                                                  spatial=1)
        x, ((s,), (p,), (d,), _) = _window(op, x, weight, stride, padding, dilation)
    out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, s), (0, p), (1, d), groups,
                 exact=False)
    return out.squeeze(2)


@_batch_of_one(3)
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation) of input (N, C, D, H, W) with weight
    (FN, C/groups, KD, KH, KW) plus bias (FN,): output (N, FN, OD, OH, OW), each size as
    conv2d's, floored. A (C, D, H, W) input is a batch of one; ``padding`` may be an int,
    three ints, ``'same'`` (stride 1) or ``'valid'``. It is one conv2d over the depth
    slices each output depth reads, folded into the batch and channels (module docstring).
    Example, 8 filters of 3x3x3 over a clip of 5 frames::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.conv3d(mg.ones(1, 3, 5, 16, 16), mg.ones(8, 3, 3, 3, 3), padding=1).shape
        (1, 8, 5, 16, 16)
    """
    op = "conv3d"
    with _pytorch_errors():
        x, weight, bias, groups = _check_operands(op, input, weight, bias, groups, 1, 0,
                                                  spatial=3)
        x, (s, p, d, sizes) = _window(op, x, weight, stride, padding, dilation)
    if p[0]:  # conv2d pads H and W; the depth is padded here
        x = pad(x, (0, 0, 0, 0, p[0], p[0]))
    n, c = x.shape[:2]
    fn, cg, kd, kh, kw = weight.shape
    od = sizes[0]
    # (KD, OD) depth indices: kernel depth k of output depth o reads k*dil + o*stride
    depth = np.arange(kd)[:, None] * d[0] + np.arange(od)[None, :] * s[0]
    slices = x[:, :, depth]  # (N, C, KD, OD, H, W)
    slices = slices.permute(0, 3, 1, 2, 4, 5).reshape(n * od, c * kd, *x.shape[3:])
    out = conv2d(slices, weight.reshape(fn, cg * kd, kh, kw), bias, s[1:], p[1:], d[1:],
                 groups, exact=False)  # (N*OD, FN, OH, OW)
    return out.reshape(n, od, fn, *out.shape[2:]).permute(0, 2, 1, 3, 4)


@_batch_of_one(1)
def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint ("transpose") of conv1d: input (N, C, L), weight (C, FN/groups, K), bias
    (FN,): output (N, FN, OL), ``OL = (L-1)*S - 2*P + D*(K-1) + output_padding + 1``. A
    (C, L) input is a batch of one. It is conv_transpose2d over a height of 1::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.conv_transpose1d(mg.ones(2, 4, 10), mg.ones(4, 8, 3), stride=2).shape
        (2, 8, 21)
    """
    op = "conv_transpose1d"
    with _pytorch_errors():
        x, weight, bias, groups = _check_operands(op, input, weight, bias, groups, 0, 1,
                                                  spatial=1)
        (s,), (p,), (o,), (d,) = (ntuple(v, 1, name, op) for v, name in (
            (stride, "stride"), (padding, "padding"), (output_padding, "output_padding"),
            (dilation, "dilation")))
        _check_transposed_length(op, x.shape[2], weight.shape[2], s, p, o, d)
        return conv_transpose2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, s), (0, p),
                                (0, o), groups, (1, d)).squeeze(2)


def _check_transposed_length(op: str, length: int, kernel: int, stride: int, padding: int,
                             output_padding: int, dilation: int) -> None:
    """conv_transpose1d's settings, checked in its own words before conv_transpose2d's
    (whose messages would show its 2-D shapes)."""
    if not 0 <= output_padding < max(stride, dilation):
        raise ValueError(f"{op}: output_padding ({output_padding},) must be >= 0 and smaller "
                         f"than either stride ({stride},) or dilation ({dilation},)")
    out = (length - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"{op}: input length {length} with kernel {kernel}, stride {stride}, "
                         f"padding {padding} gives an empty output ({out})")


@_batch_of_one(3)
def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint ("transpose") of conv3d: input (N, C, D, H, W), weight
    (C, FN/groups, KD, KH, KW), bias (FN,): output (N, FN, OD, OH, OW), each size
    ``(n-1)*S - 2*P + D*(K-1) + output_padding + 1``. A (C, D, H, W) input is a batch of
    one. It is conv3d's composition transposed: one conv_transpose2d of every input depth
    (depths in the batch, kernel depths in the channels), then the scatter-add of input
    depth ``i``, kernel depth ``k`` onto output depth ``i*stride + k*dilation`` (the
    adjoint of conv3d's gather), then the depth padding cropped. Upsampling a volume 2x::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.conv_transpose3d(mg.ones(1, 4, 3, 5, 5), mg.ones(4, 2, 2, 2, 2), stride=2).shape
        (1, 2, 6, 10, 10)
    """
    op = "conv_transpose3d"
    with _pytorch_errors():
        x, weight, bias, groups = _check_operands(op, input, weight, bias, groups, 0, 1,
                                                  spatial=3)
        s, p, o, d, depth_out = _transposed_settings(op, x, weight, stride, padding,
                                                     output_padding, dilation)
    n, _, depth = x.shape[:3]
    cin, cog, kd, kh, kw = weight.shape
    planes = x.permute(0, 2, 1, 3, 4).reshape(n * depth, cin, *x.shape[3:])
    cols = conv_transpose2d(planes, weight.reshape(cin, cog * kd, kh, kw), None, s[1:], p[1:],
                            o[1:], groups, d[1:])  # (N*D, FN*KD, OH, OW), channel f*KD + k
    fn, (oh, ow) = cog * groups, cols.shape[2:]
    cols = cols.reshape(n, depth, fn, kd, oh, ow).permute(0, 2, 1, 3, 4, 5)
    cols = cols.reshape(n, fn, depth * kd, oh, ow)
    full = depth_out + 2 * p[0]  # the depths before the padding is cropped
    target = np.arange(depth)[:, None] * s[0] + np.arange(kd)[None, :] * d[0]
    index = np.broadcast_to(target.reshape(1, 1, -1, 1, 1), cols.shape)
    out = ScatterAdd.apply(cols, 2, index, (n, fn, full, oh, ow))[:, :, p[0]:p[0] + depth_out]
    return out if bias is None else out + bias.reshape(1, fn, 1, 1, 1)


def _transposed_settings(op: str, x: Tensor, weight: Tensor, stride: Any, padding: Any,
                         output_padding: Any, dilation: Any) -> tuple:
    """conv_transpose3d's settings as three ints each, checked in its own words before
    conv_transpose2d sees them (whose messages would show 2-D shapes), and the output
    depth: (stride, padding, output_padding, dilation, depth)."""
    kernel = tuple(weight.shape[2:])
    _, s, p, d = window_args(op, kernel, stride, padding, dilation, n=3)
    o = ntuple(output_padding, 3, "output_padding", op)
    if not all(0 <= oi < max(si, di) for oi, si, di in zip(o, s, d)):
        raise ValueError(f"{op}: output_padding {o} must be >= 0 and smaller than either "
                         f"stride {s} or dilation {d}")
    sizes = tuple((n - 1) * si - 2 * pi + di * (k - 1) + oi + 1
                  for n, k, si, pi, oi, di in zip(x.shape[2:], kernel, s, p, o, d))
    if min(sizes) < 1:
        raise ValueError(f"{op}: input {x.shape} with kernel {kernel}, stride {s}, padding "
                         f"{p}, dilation {d} gives an empty output {sizes}")
    return s, p, o, d, sizes[0]
