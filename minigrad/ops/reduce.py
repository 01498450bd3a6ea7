"""Reductions: sum, mean, var, max/min, argmax/argmin, logsumexp; and softmax beside them.

``dim`` may be an int, a tuple or None (all dims), negative dims count from the end, and
``keepdim`` keeps the reduced dims as size 1: PyTorch's names and meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import MaxResult, Tensor
from .shape import BroadcastTo, normalize_dim, normalize_dims


def _kept_shape(shape: tuple[int, ...], dims: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``dims`` has with keepdim=True."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _spread_back(g: Tensor, ctx: Context) -> Tensor:
    """Broadcast a reduced gradient back over the input's shape."""
    return BroadcastTo.apply(g.reshape(ctx.kept), shape=ctx.in_shape)


class Sum(Function):
    """Sum over ``dim`` (None: everything); the gradient is ``g`` broadcast back."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Any = None, keepdim: bool = False) -> np.ndarray:
        dims = normalize_dims(dim, a.ndim, "sum")
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, dims)
        return np.sum(a.data, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        return _spread_back(g, ctx)


def _count(a: Tensor, dim: Any, op: str) -> int:
    dims = normalize_dims(dim, a.ndim, op)
    return a.numel() if dims is None else int(np.prod([a.shape[d] for d in dims]))


def mean(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim``: the sum divided by the number of elements reduced."""
    return a.sum(dim, keepdim) / _count(a, dim, "mean")


def var(a: Tensor, dim: Any = None, keepdim: bool = False, correction: int = 1) -> Tensor:
    """Variance with Bessel's ``correction`` (1 = unbiased, PyTorch's default)."""
    n = _count(a, dim, "var")
    centred = a - a.mean(dim, keepdim=True)
    return (centred * centred).sum(dim, keepdim) / max(n - correction, 0)


class Amax(Function):
    """Largest (or smallest) value over ``dim``; ties share the gradient evenly."""

    @staticmethod
    def forward(
        ctx: Context, a: Tensor, dim: Any = None, keepdim: bool = False, largest: bool = True
    ) -> np.ndarray:
        op = "max" if largest else "min"
        if a.numel() == 0:
            raise ValueError(f"{op}: the input is empty (shape {a.shape})")
        dims = normalize_dims(dim, a.ndim, op)
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, dims)
        out = (np.max if largest else np.min)(a.data, axis=dims, keepdims=True)
        winners = a.data == out
        ctx.share = winners / winners.sum(axis=dims, keepdims=True, dtype=a.dtype)
        return out if keepdim else np.squeeze(out, axis=dims)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return _spread_back(g, ctx) * ctx.share, None, None, None


def extreme(a: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor | MaxResult:
    """``max``/``min``: a value over everything, or ``(values, indices)`` along an int dim."""
    if dim is None:
        return Amax.apply(a, largest=largest)
    if isinstance(dim, (tuple, list)):
        return Amax.apply(a, dim=tuple(dim), keepdim=keepdim, largest=largest)
    values = Amax.apply(a, dim=dim, keepdim=keepdim, largest=largest)
    indices = arg_extreme(np.argmax if largest else np.argmin, a, dim, keepdim)
    return MaxResult(values, indices)


def arg_extreme(op: Callable, a: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    """``argmax``/``argmin`` (``op``) over everything or along ``dim``, as int64; no gradient."""
    name = op.__name__
    if a.numel() == 0:
        raise ValueError(f"{name}: the input is empty (shape {a.shape})")
    if dim is None:
        out = np.asarray(op(a.data))
        if keepdim:
            out = out.reshape((1,) * a.ndim)
    else:
        d = normalize_dim(dim, a.ndim, name)
        out = op(a.data, axis=d, keepdims=keepdim)
    return Tensor._make(out.astype(np.int64), False, None, 0)


class LogSumExp(Function):
    """log(sum(exp(x))) shifted by the max, so logits of 1e4 do not overflow."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Any, keepdim: bool = False) -> np.ndarray:
        dims = normalize_dims(dim, a.ndim, "logsumexp")
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, dims)
        m = np.max(a.data, axis=dims, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(a.data - m), axis=dims, keepdims=True)) + m
        out = out if keepdim else np.squeeze(out, axis=dims)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, out = ctx.saved_tensors
        # d/dx logsumexp(x) = exp(x - logsumexp(x)) = softmax(x), in Tensor ops
        softmax = (a - out.reshape(ctx.kept)).exp()
        return _spread_back(g, ctx) * softmax, None, None


def _softmax_array(x: np.ndarray, dim: int) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


class Softmax(Function):
    """exp(a - max) / sum along ``dim``; backward ``s * (g - sum(g * s))`` from the output ``s``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int) -> np.ndarray:
        ctx.dim = normalize_dim(dim, a.ndim, "softmax")
        out = _softmax_array(a.data, ctx.dim)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """a - logsumexp(a) along ``dim``; backward ``g - softmax * sum(g)``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int) -> np.ndarray:
        ctx.dim = normalize_dim(dim, a.ndim, "log_softmax")
        x = a.data
        shifted = x - np.max(x, axis=ctx.dim, keepdims=True)
        out = shifted - np.log(np.sum(np.exp(shifted), axis=ctx.dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (out,) = ctx.saved_tensors
        return g - out.exp() * g.sum(ctx.dim, keepdim=True), None
