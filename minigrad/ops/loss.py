"""Losses: the fused softmax cross entropy, negative log likelihood and mean squared error.

``cross_entropy`` is one ``Function``: the forward goes through log-sum-exp (logits of 1e4
give a finite loss), and the backward is the familiar ``softmax(x) - target`` written with
Tensor ops, so the loss can be differentiated twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


from ..tensor import as_tensor as _as_tensor  # noqa: E402  (the one public coercion)
from ..tensor import require_tensor  # noqa: E402


def _class_targets(logits: Tensor, target: Tensor, ignore_index: int, op: str) -> np.ndarray:
    """Check class-index targets against the logits; returns the mask of counted entries."""
    expected = logits.shape[:1] + logits.shape[2:]
    if target.shape != expected:
        raise ValueError(
            f"{op}: class-index target must have shape {expected} for input of shape "
            f"{logits.shape}, got {target.shape}"
        )
    t = target.data
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
    return g / ctx.count if ctx.reduction == "mean" else g


class CrossEntropy(Function):
    """``-sum_c q_c log softmax(x)_c`` over the class dim 1, with ``q`` the (smoothed) target."""

    @staticmethod
    def forward(ctx: Context, logits: Tensor, target: Tensor, reduction: str,
                label_smoothing: float, ignore_index: int) -> np.ndarray:
        x = logits.data
        n_classes = x.shape[1]
        m = np.max(x, axis=1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        logp = (x - m) - np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
        ls = label_smoothing
        ctx.reduction, ctx.ndim, ctx.ls = reduction, x.ndim, ls
        ctx.class_targets = target.dtype.kind in "iu"
        if ctx.class_targets:
            valid = _class_targets(logits, target, ignore_index, "cross_entropy")
            safe = np.where(valid, target.data, 0)
            picked = np.take_along_axis(logp, np.expand_dims(safe, 1), axis=1)[:, 0]
            loss = -(1 - ls) * picked
            if ls:
                loss = loss - (ls / n_classes) * logp.sum(axis=1)
            loss = np.where(valid, loss, 0).astype(x.dtype)
            ctx.count = int(valid.sum())
            ctx.q = _one_hot(target.data, valid, n_classes, x.dtype)
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
            q = target.data * (1 - ls) + ls / n_classes
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


def _batched(logits: Tensor, target: Tensor, op: str) -> tuple[Tensor, Tensor, bool]:
    """Accept an unbatched ``(C,)`` input as PyTorch does, by adding a batch dim."""
    if logits.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a scalar")
    if logits.ndim == 1:
        return logits.unsqueeze(0), target.unsqueeze(0), True
    return logits, target, False


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean",
                  label_smoothing: float = 0.0, ignore_index: int = -100) -> Tensor:
    """Softmax + log loss in one stable step. ``input``: logits ``(N, C)`` or ``(N, C, *)``;
    ``target``: int64 class indices ``(N, *)``, or float probabilities / one-hot rows shaped
    like ``input``."""
    _check_reduction(reduction, "cross_entropy")
    require_tensor(input, "cross_entropy", "input")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    target = _as_tensor(target)
    if input.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input (logits) must be floating point, got "
                        f"{input.dtype}")
    if target.dtype.kind not in "iuf":
        raise TypeError(f"cross_entropy: target must be int64 class indices or float "
                        f"probabilities, got {target.dtype}")
    logits, tgt, unbatched = _batched(input, target, "cross_entropy")
    if tgt.dtype.kind == "f" and tgt.dtype != logits.dtype:
        tgt = tgt.to(logits.dtype)
    out = CrossEntropy.apply(logits, tgt, reduction, float(label_smoothing), ignore_index)
    return out.squeeze(0) if unbatched and reduction == "none" else out


def nll_loss(input: Tensor, target: Any, reduction: str = "mean",
             ignore_index: int = -100) -> Tensor:
    """``-input[n, target[n]]`` averaged: the loss on log-probabilities (after
    ``log_softmax``)."""
    _check_reduction(reduction, "nll_loss")
    target = _as_tensor(target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must be int64 class indices, got {target.dtype}")
    logp, tgt, unbatched = _batched(input, target, "nll_loss")
    valid = _class_targets(logp, tgt, ignore_index, "nll_loss")
    mask = Tensor(_one_hot(tgt.data, valid, logp.shape[1], logp.dtype))
    loss = -(logp * mask).sum(1)
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    total = loss.sum()
    return total if reduction == "sum" else total / int(valid.sum())


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error; the shapes must match (no silent broadcasting)."""
    _check_reduction(reduction, "mse_loss")
    target = _as_tensor(target)
    if target.shape != input.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} and target shape "
                         f"{target.shape} differ")
    if target.dtype != input.dtype and target.dtype.kind == "f":
        target = target.to(input.dtype)
    d = input - target
    sq = d * d
    if reduction == "none":
        return sq
    return sq.sum() if reduction == "sum" else sq.mean()
