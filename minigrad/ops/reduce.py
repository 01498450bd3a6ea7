"""Reductions: sum, mean, var, max/min, argmax/argmin, logsumexp; and softmax beside them.

``dim`` may be an int, a tuple or None (all dims), negative dims count from the end, and
``keepdim`` keeps the reduced dims as size 1: PyTorch's names and meaning.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor
from .elementwise import where
from .shape import BroadcastTo, normalize_dim
from .shape import normalize_dims as _normalize_dims


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """Reduction dims; a 0-d tensor accepts dim 0 / -1 and reduces nothing, as in PyTorch."""
    dims = _normalize_dims(dim, ndim, op)
    return () if dims is not None and ndim == 0 else dims


def _check_nonempty(a: Tensor, dims: tuple[int, ...] | None, op: str) -> None:
    """max/min/argmax over an empty dim has no answer: PyTorch's errors, its words."""
    if a._data.size and dims is None:
        return
    if dims is None:
        kind = RuntimeError if op in ("max", "min") else IndexError
        raise kind(
            f"{op}: Expected reduction dim to be specified for input.numel() == 0 (input of "
            f"shape {a.shape}). Specify the reduction dim with the 'dim' argument."
        )
    for d in dims:
        if a.shape[d] == 0:
            raise IndexError(
                f"{op}: Expected reduction dim {d} to have non-zero size (input of shape "
                f"{a.shape})."
            )


def _kept_shape(shape: tuple[int, ...], dims: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``dims`` has with keepdim=True."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _spread_back(g: Tensor, ctx: Context) -> Tensor:
    """Broadcast a reduced gradient back over the input's shape (nothing to broadcast where
    no dim had more than one element)."""
    g = g.reshape(ctx.kept)
    return g if g.shape == ctx.in_shape else BroadcastTo.apply(g, shape=ctx.in_shape)


class Sum(Function):
    """Sum over ``dim`` (None: everything); the gradient is ``g`` broadcast back."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Any = None, keepdim: bool = False) -> np.ndarray:
        dims = normalize_dims(dim, a.ndim, "sum")
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, dims)
        with np.errstate(invalid="ignore"):  # inf + -inf is NaN, silently, as in PyTorch
            return np.asarray(a._data.sum(axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        return _spread_back(g, ctx)


def _count(a: Tensor, dim: Any, op: str) -> int:
    dims = normalize_dims(dim, a.ndim, op)
    return a.numel() if dims is None else int(np.prod([a.shape[d] for d in dims]))


class Var(Function):
    """Variance with Bessel's ``correction``; with ``std=True`` its square root.

    Written as one op so the edge cases follow PyTorch: a zero spread gives std a zero
    gradient (not 0/0), and ``correction >= n`` gives inf/NaN values and gradients in
    PyTorch's own pattern.
    """

    @staticmethod
    def forward(
        ctx: Context, a: Tensor, dim: Any, keepdim: bool, correction: float, std: bool
    ) -> np.ndarray:
        op = "std" if std else "var"
        dims = normalize_dims(dim, a.ndim, op)
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, dims)
        n = _count(a, dim, op)
        ctx.dims, ctx.dof, ctx.full, ctx.std = dims, n - correction, dim is None, std
        with np.errstate(all="ignore"):
            centred = a._data - np.mean(a._data, axis=dims, keepdims=True)
            out = np.sum(centred * centred, axis=dims, keepdims=keepdim) / max(ctx.dof, 0)
            out = np.sqrt(out) if std else out
        out = np.asarray(out, dtype=a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, out = ctx.saved_tensors
        if out.ndim != len(ctx.kept):
            out = out.reshape(ctx.kept)
        g = _spread_back(g, ctx)
        if ctx.std:  # d std = d var / (2 std), and 0 where std is 0
            g = where(np.broadcast_to(out._data == 0, g.shape), 0.0, g / (2 * out))
        centred = a - a.mean(ctx.dims, keepdim=True)
        if ctx.dof > 0 or not ctx.full:
            with np.errstate(divide="ignore"):
                scale = np.float64(2) / np.float64(ctx.dof)
            return g * centred * float(scale), None, None, None, None
        return g * centred.abs() * float("inf"), None, None, None, None  # PyTorch's pattern


class Amax(Function):
    """Largest (or smallest) value over ``dim``; ties share the gradient evenly."""

    @staticmethod
    def forward(
        ctx: Context, a: Tensor, dim: Any = None, keepdim: bool = False, largest: bool = True
    ) -> np.ndarray:
        op = ("max" if largest else "min") if dim is None else ("amax" if largest else "amin")
        dims = normalize_dims(dim, a.ndim, op)
        _check_nonempty(a, dims, op)
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, dims)
        out = (np.max if largest else np.min)(a._data, axis=dims, keepdims=True)
        winners = a._data == out
        if dim is None:  # PyTorch's max(): a NaN result sends the gradient to the NaNs
            winners |= np.isnan(a._data) & np.isnan(out)
        with np.errstate(invalid="ignore"):  # amax: no winner (a NaN) gives NaN, as there
            ctx.share = winners / winners.sum(axis=dims, keepdims=True, dtype=a.dtype)
        return np.asarray(out if keepdim else np.squeeze(out, axis=dims))

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return _spread_back(g, ctx) * ctx.share, None, None, None


class MaxDim(Function):
    """``max(dim)``/``min(dim)``: the values at the returned indices, and the whole gradient
    goes to that index (a tie does not split it), as in PyTorch."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int, keepdim: bool, largest: bool) -> np.ndarray:
        op = "max" if largest else "min"
        d = normalize_dim(dim, a.ndim, op)
        dims = () if a.ndim == 0 else (d,)
        _check_nonempty(a, dims, op)
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, dims)
        if a.ndim == 0:
            ctx.mask, ctx.indices = np.ones((), bool), np.zeros((), np.int64)
            return a._data.copy()
        idx = (np.argmax if largest else np.argmin)(a._data, axis=d, keepdims=True)
        ctx.mask = np.zeros(a.shape, bool)
        np.put_along_axis(ctx.mask, idx, True, axis=d)
        values = np.take_along_axis(a._data, idx, axis=d)
        ctx.indices = idx if keepdim else np.squeeze(idx, axis=d)
        return values if keepdim else np.squeeze(values, axis=d)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return _spread_back(g, ctx) * ctx.mask, None, None, None


class LogSumExp(Function):
    """log(sum(exp(x))) shifted by the max, so logits of 1e4 do not overflow."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Any, keepdim: bool = False) -> np.ndarray:
        dims = normalize_dims(dim, a.ndim, "logsumexp")
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, dims)
        m = np.max(a._data, axis=dims, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):  # an empty dim sums to 0: log gives -inf
            out = np.log(np.sum(np.exp(a._data - m), axis=dims, keepdims=True)) + m
        out = np.asarray(out if keepdim else np.squeeze(out, axis=dims), dtype=a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        a, out = ctx.saved_tensors
        # d/dx logsumexp(x) = exp(x - logsumexp(x)) = softmax(x), in Tensor ops
        softmax = (a - out.reshape(ctx.kept)).exp()
        return _spread_back(g, ctx) * softmax, None, None


def _softmax_array(x: np.ndarray, dim: int | None) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, silently, as in PyTorch
        e = np.exp(x - np.max(x, axis=dim, keepdims=True, initial=-np.inf))
        return e / np.sum(e, axis=dim, keepdims=True)


def _softmax_dim(dim: int, ndim: int, op: str) -> int | None:
    """The dim softmax works along; None for a 0-d tensor (which is its own whole dim)."""
    d = normalize_dim(dim, ndim, op)
    return d if ndim else None


class Softmax(Function):
    """exp(a - max) / sum along ``dim``; backward ``s * (g - sum(g * s))`` from the output ``s``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: int) -> np.ndarray:
        ctx.dim = _softmax_dim(dim, a.ndim, "softmax")
        out = _softmax_array(a._data, ctx.dim)
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
        ctx.dim = _softmax_dim(dim, a.ndim, "log_softmax")
        x = a._data
        shifted = x - np.max(x, axis=ctx.dim, keepdims=True, initial=-np.inf)
        out = shifted - np.log(np.sum(np.exp(shifted), axis=ctx.dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (out,) = ctx.saved_tensors
        return g - out.exp() * g.sum(ctx.dim, keepdim=True), None
