"""``F.fractional_max_pool2d``: Graham's fractional max pooling, PyTorch's signature.

Each (N, C) plane gets two random samples u in [0, 1) (``_random_samples`` (N, C, 2), or
drawn from minigrad's generator): the windows of K along a dim of size I start at PyTorch's
pseudo-random sequence ``int((i + u) * alpha) - int(u * alpha)``, ``alpha = (I - K) / (O -
1)`` (in the input's dtype, as PyTorch's kernel), the last at ``I - K``; sample 0 is for the
width, sample 1 for the height. The windows' flat indices are worked out once in numpy,
the winner of each (the first maximum; a NaN wins, the last one) found there, and the
output is a ``gather`` of the winners, so its gradients of every order are Gather's.
With the same samples the values, indices and gradients are PyTorch's; without them the
draws are minigrad's, not PyTorch's (two generators).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..creation import rand
from ..im2col import _is_int
from ..tensor import Tensor, require_tensor
from .pool import _take_flat

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices"]


def _pair(op: str, value: Any, name: str) -> tuple[int, int]:
    """An int or two ints: PyTorch's TypeError for a float, RuntimeError for another count."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if not all(map(_is_int, values)):
        raise TypeError(f"{op}: {name} must be an int or a tuple of two ints, got {value!r}")
    if len(values) != 2:
        raise RuntimeError(f"{op}: {name} must either be a single int or a tuple of two ints, "
                           f"got {value!r}")
    return int(values[0]), int(values[1])


def _out_size(op: str, x: Tensor, k: tuple[int, int], output_size: Any,
              output_ratio: Any) -> tuple[int, int]:
    """``output_size``, or the input size times ``output_ratio`` (floored); each window must
    fit: ``O + K - 1 <= I`` (PyTorch's RuntimeError)."""
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op}: requires specifying either an output_size or an output_ratio")
    if output_size is not None:
        size = _pair(op, output_size, "output_size")
    else:
        ratio = (tuple(output_ratio) if isinstance(output_ratio, (tuple, list))
                 else (output_ratio, output_ratio))
        if len(ratio) != 2:
            raise ValueError(f"{op}: output_ratio must be a number or a tuple of two, got "
                             f"{output_ratio!r}")
        size = (int(x.shape[2] * ratio[0]), int(x.shape[3] * ratio[1]))
    for o, ki, i, dim in zip(size, k, x.shape[2:], ("height", "width")):
        if o < 0:
            raise RuntimeError(f"{op}: output_size must be >= 0, got {size}")
        if o + ki - 1 > i:
            raise RuntimeError(f"{op}: pool {dim} {ki} too large relative to input {dim} {i} "
                               f"for an output {dim} of {o}")
    return size


def _samples(op: str, x: Tensor, samples: Any) -> np.ndarray:
    """(N, C, 2) samples in the input's dtype: given (PyTorch's checks) or drawn."""
    n, c = x.shape[:2]
    if samples is None:
        return rand(n, c, 2, dtype=x.dtype)._data
    samples = require_tensor(samples, op, "_random_samples")
    if samples.ndim != 3 or samples.shape[0] < n or samples.shape[1] != c or \
            samples.shape[2] != 2:
        raise RuntimeError(f"{op}: expected _random_samples of shape (N, C, 2) = ({n}, {c}, 2) "
                           f"(a larger N is allowed), got {samples.shape}")
    if samples.dtype != x.dtype:
        raise RuntimeError(f"{op}: expected _random_samples to have the input's dtype "
                           f"{x.dtype}, got {samples.dtype}")
    return samples._data[:n]


def _starts(u: np.ndarray, n_in: int, n_out: int, k: int) -> np.ndarray:
    """PyTorch's ``generate_intervals``: (N, C) samples -> (N, C, n_out) window starts."""
    seq = np.full((*u.shape, n_out), n_in - k, np.int64)
    if n_out > 1:
        t = u.dtype.type
        alpha = t(n_in - k) / t(n_out - 1)
        i = np.arange(n_out - 1).astype(u.dtype)
        seq[..., :-1] = (((i + u[..., None]) * alpha).astype(np.int64)
                         - (u * alpha).astype(np.int64)[..., None])
    return seq


def _winners(x: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """Each window's winner (flat index into its plane): the first maximum; the last NaN."""
    n, c = x.shape[:2]  # sizes spelled out: a -1 cannot be inferred for an empty batch
    vals = np.take_along_axis(x.reshape(n, c, x.shape[2] * x.shape[3]),
                              flat.reshape(n, c, int(np.prod(flat.shape[2:]))), axis=2)
    vals = vals.reshape(flat.shape)
    win = np.argmax(vals, axis=-1)
    nan = np.isnan(vals)
    if nan.any():
        last_nan = vals.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        win = np.where(nan.any(axis=-1), last_nan, win)
    return np.take_along_axis(flat, win[..., None], axis=-1)[..., 0]


def _check_input(op: str, x: Tensor) -> None:
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected a 4-D input (N, C, H, W) or an unbatched 3-D one "
                           f"(C, H, W), got shape {x.shape}")
    if 0 in x.shape[-3:]:
        raise RuntimeError(f"{op}: expected every non-batch size of the input to be > 0, got "
                           f"shape {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"{op}: input has dtype {x.dtype}; only float32 and float64 "
                                  "are supported")


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None
                                       ) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool2d`` that always returns (output, indices), as PyTorch's
    ``F.fractional_max_pool2d_with_indices``. Example, samples of 0 (windows from the top
    left, the last one at the edge)::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> x = mg.arange(25.0).reshape(1, 1, 5, 5)
        >>> F.fractional_max_pool2d_with_indices(x, 2, 3, _random_samples=mg.zeros(1, 1, 2))[1]
        tensor([[[[ 6,  7,  9],
                  [11, 12, 14],
                  [21, 22, 24]]]])
    """
    op = "fractional_max_pool2d"
    x = require_tensor(input, op, "input")
    _check_input(op, x)
    if x.ndim == 3:
        out, idx = fractional_max_pool2d_with_indices(x.unsqueeze(0), kernel_size, output_size,
                                                      output_ratio, True, _random_samples)
        return out.squeeze(0), idx.squeeze(0)
    k = _pair(op, kernel_size, "kernel_size")
    if min(k) <= 0:
        raise RuntimeError(f"{op}: kernel_size must be positive, got {k}")
    (oh, ow), (h, w) = _out_size(op, x, k, output_size, output_ratio), x.shape[2:]
    u = _samples(op, x, _random_samples)
    rows = _starts(u[:, :, 1], h, oh, k[0])[..., :, None, None, None] + np.arange(k[0])[:, None]
    cols = _starts(u[:, :, 0], w, ow, k[1])[..., None, :, None, None] + np.arange(k[1])
    flat = (rows * w + cols).reshape(*x.shape[:2], oh, ow, k[0] * k[1])
    idx = _winners(x._data, flat)
    return _take_flat(x, idx), Tensor(idx)


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Tensor | None = None) -> Any:
    """Max over (KH, KW) windows at pseudo-random starts (Graham's fractional max pooling;
    module docstring) so (N, C, H, W) becomes (N, C, *output_size), or the input size
    times ``output_ratio`` (floored). With ``return_indices`` also each winner's flat (H,
    W) index. ``_random_samples`` (N, C, 2) in [0, 1) fixes the windows (PyTorch's, given
    the same samples). Example::

        >>> import minigrad as mg, minigrad.nn.functional as F
        >>> F.fractional_max_pool2d(mg.randn(2, 3, 10, 10), 3, output_ratio=0.5).shape
        (2, 3, 5, 5)
    """
    out, idx = fractional_max_pool2d_with_indices(input, kernel_size, output_size,
                                                  output_ratio, True, _random_samples)
    return (out, idx) if return_indices else out
