"""Running and finite-difference functions along one dim, as PyTorch's: ``logcumsumexp``
(stable, with PyTorch's gradient), ``cumulative_trapezoid`` and ``gradient`` (numpy's
central differences, edge order 1 or 2). The last two are compositions of slices, sums
and products, so their gradients are autograd's.

    >>> import minigrad as mg
    >>> mg.logcumsumexp(mg.tensor([0.0, 0.0, 0.0]), 0)
    tensor([0.0000, 0.6931, 1.0986])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..dtypes import get_default_dtype
from ..ops.elementwise import where
from ..ops.shape import normalize_dim
from ..tensor import Tensor, require_tensor
from .shape import cat


class LogCumSumExp(Function):
    """``log(cumsum(exp(a)))`` along ``dim`` without overflow (``logaddexp`` accumulated);
    the gradient is PyTorch's: the positive and negative parts of ``g`` each through a
    reversed logcumsumexp, so it is differentiable again."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int) -> np.ndarray:
        ctx.dim = dim
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return np.logaddexp.accumulate(a._data, axis=dim)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (a,) = ctx.saved_tensors
        d = ctx.dim
        lowest = float(np.finfo(g.dtype).min)
        out = LogCumSumExp.apply(a, d)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_abs = g.abs().log()
            parts = [where(side, log_abs, lowest) for side in (g._data > 0, g._data < 0)]
            pos, neg = (
                (LogCumSumExp.apply((p - out).flip(d), d).flip(d) + a).exp() for p in parts)
            return pos - neg, None


def logcumsumexp(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``log(cumsum(exp(input), dim))``, computed stably (floating dtypes only)."""
    a = require_tensor(input, "logcumsumexp", "input")
    d = normalize_dim(dim, a.ndim, "logcumsumexp")
    if a.dtype.kind != "f":
        raise NotImplementedError(f"logcumsumexp: not implemented for dtype {a.dtype}")
    if a.ndim == 0:
        return LogCumSumExp.apply(a.reshape(1), 0).reshape(())
    return LogCumSumExp.apply(a, d)


def _as_float(t: Tensor) -> Tensor:
    return t if t.dtype.kind == "f" else t.to(get_default_dtype())


def _slice(t: Tensor, d: int, start: int | None, stop: int | None) -> Tensor:
    return t[(slice(None),) * d + (slice(start, stop),)]


def _check_samples(y: Tensor, x: Any, dx: Any) -> None:
    """cumulative_trapezoid's refusals: both ``x`` and ``dx``, a 0-d ``y``, bools."""
    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid: received both 'x' and 'dx'; give at most one")
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"cumulative_trapezoid: argument 'x' must be Tensor, not "
                        f"{type(x).__name__}")
    if y.ndim == 0:
        raise IndexError("cumulative_trapezoid: expected y with at least one dim, got a 0-d "
                         "tensor")
    if y.dtype == np.bool_ or (x is not None and x.dtype == np.bool_):
        raise RuntimeError("cumulative_trapezoid: received a bool input for `x` or `y`, but "
                           "bool is not supported")


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Tensor:
    """The running integral of ``y`` along ``dim`` by the trapezoidal rule (one element
    fewer than ``y`` along it), at sample points ``x`` or ``dx`` apart (default 1)."""
    from .numeric import _spacing

    y = require_tensor(y, "cumulative_trapezoid", "y")
    _check_samples(y, x, dx)
    d = normalize_dim(dim, y.ndim, "cumulative_trapezoid")
    pairs = _slice(y, d, None, -1) + _slice(y, d, 1, None)
    if x is None:
        return _as_float((pairs * ((1 if dx is None else dx) / 2.0)).cumsum(d))
    return _as_float((pairs * _spacing(y, x, d)).cumsum(d) / 2)


def _spacings(a: Tensor, spacing: Any, dims: list[int]) -> list[Any]:
    """One spacing per dim: a number, or a 1-D Tensor of coordinates."""
    if isinstance(spacing, Tensor):
        raise TypeError("gradient: argument 'spacing' must be a number or a list of numbers or "
                        "of 1-D Tensors, not a Tensor")
    if not isinstance(spacing, Sequence):
        return [spacing] * len(dims)
    if len(spacing) != len(dims):
        raise RuntimeError(f"gradient: expected spacing to be unspecified, a scalar, or a list "
                           f"of length {len(dims)} (one per dim), but got a list of length "
                           f"{len(spacing)}")
    for s, d in zip(spacing, dims):
        if isinstance(s, Tensor) and (s.ndim != 1 or s.shape[0] != a.shape[d]):
            raise RuntimeError(f"gradient: expected each tensor in spacing to be 1-D with "
                               f"{a.shape[d]} coordinates (dim {d}), got shape "
                               f"{tuple(s.shape)}")
    return list(spacing)


def _dims(a: Tensor, dim: Any) -> list[int]:
    if dim is None:
        return list(range(a.ndim))
    dims = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    out = [normalize_dim(d, a.ndim, "gradient") for d in dims]
    if len(set(out)) != len(out):
        raise RuntimeError(f"gradient: dim {tuple(dims)} appears multiple times in the list "
                           f"of dims")
    return out


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None,  # noqa: A002
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of the sampled function ``input`` along each of ``dim`` (default:
    every dim): central differences inside, one-sided ones of ``edge_order`` (1 or 2) at the
    ends, the samples ``spacing`` apart (a number per dim, or 1-D coordinate Tensors)."""
    a = require_tensor(input, "gradient", "input")
    if edge_order not in (1, 2):
        raise RuntimeError(f"gradient: only supports edge_order=1 and edge_order=2, got "
                           f"{edge_order}")
    dims = _dims(a, dim)
    steps = _spacings(a, spacing, dims)
    if any(a.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError(f"gradient: expected each dimension size to be at least "
                           f"edge_order+1 (edge_order={edge_order}, shape {tuple(a.shape)})")
    a = _as_float(a)
    return tuple(_along_coordinates(a, s, d, edge_order) if isinstance(s, Tensor) else
                 _along_uniform(a, s, d, edge_order) for s, d in zip(steps, dims))


def _along_uniform(a: Tensor, h: float, d: int, edge_order: int) -> Tensor:
    """PyTorch's uniform-spacing formulas along ``d``."""
    def s(start: int | None, stop: int | None) -> Tensor:
        return _slice(a, d, start, stop)

    center = (s(2, None) - s(None, -2)) / h
    if edge_order == 1:
        first, last = (s(1, 2) - s(0, 1)) / h, (s(-1, None) - s(-2, -1)) / h
    else:
        first = (s(0, 1) * -1.5 + s(1, 2) * 2 - s(2, 3) * 0.5) / h
        last = (s(-3, -2) * 0.5 + s(-2, -1) * -2 + s(-1, None) * 1.5) / h
    return cat([first, center / 2, last], d)


def _along_coordinates(a: Tensor, x: Tensor, d: int, edge_order: int) -> Tensor:
    """PyTorch's formulas for samples at coordinates ``x`` (uneven steps) along ``d``."""
    def s(start: int | None, stop: int | None) -> Tensor:
        return _slice(a, d, start, stop)

    shape = [-1 if i == d else 1 for i in range(a.ndim)]
    h = x[1:] - x[:-1]
    h1, h2 = h[:-1], h[1:]
    center = ((-h2 / (h1 * (h1 + h2))).reshape(shape) * s(None, -2)
              + ((h2 - h1) / (h1 * h2)).reshape(shape) * s(1, -1)
              + (h1 / (h2 * (h1 + h2))).reshape(shape) * s(2, None))
    if edge_order == 1:
        first, last = (s(1, 2) - s(0, 1)) / h[0], (s(-1, None) - s(-2, -1)) / h[-1]
    else:
        first = (-(2.0 * h[0] + h[1]) / (h[0] * (h[0] + h[1])) * s(0, 1)
                 + (h[0] + h[1]) / (h[0] * h[1]) * s(1, 2)
                 + (-h[0]) / (h[1] * (h[0] + h[1])) * s(2, 3))
        last = (h[-1] / (h[-2] * (h[-1] + h[-2])) * s(-3, -2)
                - (h[-1] + h[-2]) / (h[-1] * h[-2]) * s(-2, -1)
                + (2 * h[-1] + h[-2]) / (h[-1] * (h[-1] + h[-2])) * s(-1, None))
    return cat([first, center, last], d)


TENSOR_METHODS = {
    "logcumsumexp": logcumsumexp,
}
"""What ``minigrad.tensor_methods`` installs on ``Tensor``."""
