"""Normalisations that are one Function each: local response normalisation (AlexNet) and
batch normalisation in training. (Layer, group and instance norm, and batch norm on running
statistics, are compositions of core Tensor ops in ``minigrad.functional.norm``, so their
backward comes from the ops'.)
"""

from __future__ import annotations

import numpy as np

from ..autograd import Context, Function, is_grad_enabled
from ..kernels import norm as kernels
from ..tensor import Tensor
from .shape import pad


def _window_sum(x: Tensor, before: int, after: int) -> Tensor:
    """Sum over channels ``c - before .. c + after`` (zero beyond the edges), in Tensor ops."""
    n, c = x.shape[:2]
    padded = pad(x.reshape(n, c, -1), (0, 0, before, after))
    out = padded[:, 0:c]
    for i in range(1, before + after + 1):  # a handful of channel shifts, not a pixel loop
        out = out + padded[:, i:i + c]
    return out.reshape(x.shape)


def _window_sum_array(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """The same on a numpy array (the forward and the plain backward)."""
    c = x.shape[1]
    padded = np.pad(x, [(0, 0), (before, after)] + [(0, 0)] * (x.ndim - 2))
    out = padded[:, 0:c].copy()
    for i in range(1, before + after + 1):
        out += padded[:, i:i + c]
    return out


class LocalResponseNorm(Function):
    """``b = a * d**-beta`` with ``d = k + alpha/size * S(a**2)``, S the channel window sum.

    One node in the graph (AlexNet's picture stays readable). Backward:
    ``g * d**-beta - 2*alpha*beta/size * a * S^T(g * a * d**(-beta-1))``, where ``S^T`` is
    the window mirrored, in Tensor ops, so LRN is twice differentiable.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, size: int, alpha: float, beta: float,
                k: float) -> np.ndarray:
        a = x._data
        ctx.window = (size // 2, (size - 1) // 2)
        ctx.scale, ctx.beta, ctx.k = alpha / size, beta, k
        d = _window_sum_array(a * a, *ctx.window) * a.dtype.type(ctx.scale) + a.dtype.type(k)
        ctx.d = d
        ctx.save_for_backward(x)
        return a * d ** a.dtype.type(-beta)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        before, after = ctx.window
        beta, scale = ctx.beta, ctx.scale
        # d depends on x: recomputed in Tensor ops when a graph of the gradient is wanted
        d = _window_sum(x * x, before, after) * scale + ctx.k if is_grad_enabled() else (
            Tensor(ctx.d))
        t = g * x * d ** (-beta - 1)
        grad = g * d ** (-beta) - (2 * scale * beta) * x * _window_sum(t, after, before)
        return grad, None, None, None, None


class _BatchStats:
    """Where ``BatchNormTrain`` leaves the batch mean and biased variance (per channel), so
    ``batch_norm`` can update the running statistics without computing them again."""

    mean: np.ndarray
    var: np.ndarray


def _data(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else t._data


def _per_channel(a: np.ndarray) -> np.ndarray:
    """The sum of an (N, C, L) array over N and L: one value per channel."""
    return kernels.per_channel_sum(a) if kernels.fast() else a.sum(axis=(0, 2))


class BatchNormTrain(Function):
    """Training-mode batch norm in one node: ``y = xhat * w + b`` with
    ``xhat = (x - mean) / sqrt(var + eps)``, mean and biased var over (N, *spatial).

    As a composition of core ops it costs some twenty full passes over the activations
    forward and back; fused it is five forward and five back, the standard backward
    ``dx = w/sigma * (g - mean(g) - xhat * mean(g * xhat))``, in Tensor ops so that batch
    norm is twice differentiable; a plain backward takes the numpy kernel that reuses the
    forward's ``xhat`` (``minigrad.kernels.norm``). With ``minigrad[fast]`` both directions
    run compiled loops instead (``kernels.norm.choose_compiled``), which keep no ``xhat``.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, weight: Tensor | None, bias: Tensor | None,
                eps: float, stats: _BatchStats) -> np.ndarray:
        a = x._data
        n, c = a.shape[:2]
        a3 = a.reshape(n, c, -1)
        ctx.eps, ctx.fast = eps, kernels.choose_compiled(a3)
        ctx.save_for_backward(x, weight)
        if ctx.fast is not None:  # minigrad[fast]: compiled passes, xhat not kept
            out, stats.mean, stats.var, ctx.moments = ctx.fast.forward(
                a3, _data(weight), _data(bias), eps)
            return out.reshape(a.shape)
        count = a3.shape[0] * a3.shape[2]
        mean = _per_channel(a3) / count
        xhat = a3 - mean[:, None]
        var = _per_channel(xhat * xhat) / count
        inv = (1.0 / np.sqrt(var + eps)).astype(a.dtype)
        xhat *= inv[:, None]
        stats.mean, stats.var = mean, var
        ctx.xhat, ctx.inv = xhat, inv
        if weight is None and bias is None:
            return xhat.reshape(a.shape).copy()
        out = xhat * weight._data[:, None] if weight is not None else xhat.copy()
        if bias is not None:
            out += bias._data[:, None]
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if not kernels.plain_backward():
            return _batch_norm_grads(x, weight, g, ctx.eps, need_x, need_w, need_b)
        n, c = g.shape[:2]
        g3 = g._data.reshape(n, c, -1)
        if ctx.fast is not None:
            dx, dw, db = ctx.fast.backward(g3, x._data.reshape(n, c, -1), ctx.moments,
                                           _data(weight), need_x)
        else:
            dx, dw, db = kernels.batch_norm_grads(g3, ctx.xhat, ctx.inv, _data(weight), need_x)
        return (None if dx is None else dx.reshape(g.shape), dw if need_w else None,
                db if need_b else None, None, None)


def _batch_norm_grads(x: Tensor, weight: Tensor | None, g: Tensor, eps: float,
                      need_x: bool, need_w: bool, need_b: bool) -> tuple:
    """``BatchNormTrain``'s gradients in Tensor ops (a graph of the gradient is wanted)."""
    dims = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    inv = ((centred * centred).mean(dims, keepdim=True) + eps) ** -0.5
    xhat = centred * inv
    db = g.sum(dims)
    dw = (g * xhat).sum(dims)
    dx = None
    if need_x:
        count = x.numel() // max(x.shape[1], 1)
        scale = inv if weight is None else inv * weight.reshape(shape)
        dx = scale * (g - db.reshape(shape) / count - xhat * (dw.reshape(shape) / count))
    return (dx, dw if need_w else None, db if need_b else None, None, None)
