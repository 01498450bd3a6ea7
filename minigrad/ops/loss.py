"""The losses that are one Function each: the fused softmax cross entropy, binary cross
entropy, and ``x * log(y)`` with PyTorch's value at 0. (The other losses are compositions of
ops, in ``minigrad.functional.loss``.)

``CrossEntropy``'s forward goes through log-sum-exp (logits of 1e4 give a finite loss), and
its backward is the familiar ``softmax(x) - target`` written with Tensor ops, so the loss can
be differentiated twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor


def _class_targets(logits: Tensor, target: Tensor, ignore_index: int, op: str) -> np.ndarray:
    """Check class-index targets against the logits; returns the mask of counted entries."""
    expected = logits.shape[:1] + logits.shape[2:]
    if target.shape != expected:
        raise ValueError(
            f"{op}: class-index target must have shape {expected} for input of shape "
            f"{logits.shape}, got {target.shape}"
        )
    t = target._data
    valid = t != ignore_index
    n_classes = logits.shape[1]
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(
            f"{op}: target {int(t[bad][0])} is out of bounds for {n_classes} classes "
            f"(targets must be in [0, {n_classes - 1}] or ignore_index={ignore_index})"
        )
    return valid


def _one_hot(target: np.ndarray, valid: np.ndarray, n_classes: int, dtype: Any) -> np.ndarray:
    """(N, *) class indices -> (N, C, *) one-hot rows (all zero where not valid)."""
    safe = np.where(valid, target, 0)
    classes = np.arange(n_classes).reshape((1, n_classes) + (1,) * (target.ndim - 1))
    return ((np.expand_dims(safe, 1) == classes) & np.expand_dims(valid, 1)).astype(dtype)


def _reduce(loss: np.ndarray, reduction: str, count: int | float) -> np.ndarray:
    if reduction == "none":
        return loss
    total = loss.sum(dtype=loss.dtype)
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / loss.dtype.type(count)).astype(loss.dtype)


def _spread(g: Tensor, ctx: Context) -> Tensor:
    """The reduced loss's gradient as an (N, 1, *) tensor, ready to broadcast over classes."""
    if ctx.reduction == "none":
        return g.unsqueeze(1)
    g = g.reshape((1,) * ctx.ndim)
    if ctx.reduction != "mean":
        return g
    return g / ctx.count if ctx.count else g * 0.0  # nothing counted: NaN loss, zero gradient


class CrossEntropy(Function):
    """``-sum_c q_c log softmax(x)_c`` over the class dim 1, with ``q`` the (smoothed) target."""

    @staticmethod
    def forward(ctx: Context, logits: Tensor, target: Tensor, reduction: str,
                label_smoothing: float, ignore_index: int) -> np.ndarray:
        x = logits._data
        n_classes = x.shape[1]
        m = np.max(x, axis=1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        logp = (x - m) - np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
        ls = label_smoothing
        ctx.reduction, ctx.ndim, ctx.ls = reduction, x.ndim, ls
        ctx.class_targets = target.dtype.kind in "iu"
        if ctx.class_targets:
            valid = _class_targets(logits, target, ignore_index, "cross_entropy")
            safe = np.where(valid, target._data, 0)
            picked = np.take_along_axis(logp, np.expand_dims(safe, 1), axis=1)[:, 0]
            loss = -(1 - ls) * picked
            if ls:
                loss = loss - (ls / n_classes) * logp.sum(axis=1)
            loss = np.where(valid, loss, 0).astype(x.dtype)
            ctx.count = int(valid.sum())
            ctx.q = _one_hot(target._data, valid, n_classes, x.dtype)
            if ls:
                ctx.q = ctx.q * x.dtype.type(1 - ls) + (
                    np.expand_dims(valid, 1) * x.dtype.type(ls / n_classes))
            ctx.valid = np.expand_dims(valid, 1).astype(x.dtype)
        else:
            if target.shape != logits.shape:
                raise ValueError(
                    f"cross_entropy: a probability target must have the input's shape "
                    f"{logits.shape}, got {target.shape} (or pass int64 class indices)"
                )
            q = target._data * (1 - ls) + ls / n_classes
            loss = -(q * logp).sum(axis=1).astype(x.dtype)
            ctx.count = loss.size
        ctx.save_for_backward(logits, target)
        return _reduce(loss, reduction, ctx.count)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        logits, target = ctx.saved_tensors
        gl = _spread(g, ctx)
        p = logits.softmax(1)
        if ctx.class_targets:
            grad_x = gl * (p * ctx.valid - ctx.q)
            return grad_x, None, None, None, None
        q = target * (1 - ctx.ls) + ctx.ls / logits.shape[1]
        grad_x = gl * (p * q.sum(1, keepdim=True) - q) if ctx.needs_input_grad[0] else None
        grad_t = None
        if ctx.needs_input_grad[1]:
            grad_t = -gl * logits.log_softmax(1) * (1 - ctx.ls)
        return grad_x, grad_t, None, None, None


class BinaryCrossEntropy(Function):
    """Elementwise ``-(t log p + (1-t) log(1-p))`` with each log clamped at -100, and
    PyTorch's gradients: ``(p - t) / max(p (1-p), 1e-12)`` for ``p`` (finite where the clamp
    bites) and ``log(1-p) - log(p)`` for ``t``."""

    @staticmethod
    def forward(ctx: Context, p: Tensor, t: Tensor) -> np.ndarray:
        ctx.save_for_backward(p, t)
        with np.errstate(divide="ignore"):
            logp = np.maximum(np.log(p._data), -100.0)
            log1mp = np.maximum(np.log1p(-p._data), -100.0)
        return (-(t._data * logp + (1 - t._data) * log1mp)).astype(p.dtype)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        p, t = ctx.saved_tensors
        grad_p = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_p = g * (p - t) / (p * (1 - p)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            grad_t = g * ((1 - p).log() - p.log())
        return grad_p, grad_t


class XLogY(Function):
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is NaN), as ``torch.xlogy``.
    Gradients: ``xlogy(x != 0, y)`` for ``x`` and ``x / y`` for ``y``."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> np.ndarray:
        ctx.save_for_backward(x, y)
        a, b = x._data, y._data
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where((a == 0) & ~np.isnan(b), 0, a * np.log(b))
        return out.astype(np.result_type(a, b), copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = g * XLogY.apply(Tensor((x._data != 0).astype(x.dtype)), y)
        if ctx.needs_input_grad[1]:
            gy = g * x / y
        return gx, gy
