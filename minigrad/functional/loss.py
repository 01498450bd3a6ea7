"""Losses with PyTorch's signatures: cross entropy, NLL, MSE, L1, smooth L1, binary cross
entropy, the Gaussian and Poisson NLL, and the margin and embedding losses (CTC is in
``ctc.py``).

Most are compositions of Tensor ops; the fused softmax cross entropy and binary cross
entropy are Functions in ``minigrad.ops.loss``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..dtypes import get_default_dtype, result_type
from ..ops.elementwise import where
from ..ops.loss import BinaryCrossEntropy, CrossEntropy, XLogY, _class_targets, _one_hot
from ..ops.shape import normalize_dim
from ..tensor import Tensor, require_tensor
from ..tensor import as_tensor as _as_tensor  # the one public coercion

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _batched(logits: Tensor, target: Tensor, op: str) -> tuple[Tensor, Tensor, bool]:
    """Accept an unbatched ``(C,)`` input as PyTorch does, by adding a batch dim."""
    if logits.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a scalar")
    if logits.ndim == 1:
        return logits.unsqueeze(0), target.unsqueeze(0), True
    return logits, target, False


def cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None,
                  size_average: None = None, ignore_index: int = -100, reduce: None = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax + log loss in one stable step. ``input``: logits ``(N, C)`` or ``(N, C, *)``;
    ``target``: int64 class indices ``(N, *)``, or float probabilities / one-hot rows shaped
    like ``input``. ``weight`` (one per class) gives PyTorch's weighted mean: the sum of
    ``weight[target_i] * loss_i`` over the sum of ``weight[target_i]``. PyTorch's argument
    order; ``size_average``/``reduce`` are its deprecated arguments and must stay None."""
    _legacy(size_average, reduce, "cross_entropy")
    if isinstance(weight, str):
        raise TypeError(f"cross_entropy: weight must be a Tensor of class weights, got "
                        f"{weight!r}; pass reduction= by keyword (PyTorch's argument order)")
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
    if weight is not None:
        out = _weighted_cross_entropy(logits, tgt, _class_weight(weight, logits, "cross_entropy"),
                                      reduction, float(label_smoothing), ignore_index)
    else:
        out = CrossEntropy.apply(logits, tgt, reduction, float(label_smoothing), ignore_index)
    return out.squeeze(0) if unbatched and reduction == "none" else out


def _legacy(size_average: Any, reduce: Any, op: str) -> None:
    if size_average is not None or reduce is not None:
        raise TypeError(f"{op}: size_average and reduce are deprecated in PyTorch and not "
                        "supported; use reduction='mean' | 'sum' | 'none'")


def _class_weight(weight: Any, logits: Tensor, op: str) -> Tensor:
    w = _as_tensor(weight)
    c = logits.shape[1]
    if w.shape != (c,):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {c} classes "
                           f"or no classes but got weight tensor of shape: {w.shape}")
    return w.to(logits.dtype) if w.dtype != logits.dtype else w


def _safe_mean(total: Tensor, denom: Tensor | float) -> Tensor:
    """``total / denom``, NaN (with a zero gradient, as PyTorch) when nothing was counted."""
    d = float(denom._data) if isinstance(denom, Tensor) else float(denom)
    if d == 0.0:
        return total * 0.0 + float("nan")
    return total / denom


def _weighted_cross_entropy(logits: Tensor, target: Tensor, w: Tensor, reduction: str,
                            ls: float, ignore_index: int) -> Tensor:
    """Cross entropy with class weights, in Tensor ops (so twice differentiable)."""
    n_classes = logits.shape[1]
    wb = w.reshape((1, n_classes) + (1,) * (logits.ndim - 2))
    logp = logits.log_softmax(1)
    if target.dtype.kind in "iu":
        valid = _class_targets(logits, target, ignore_index, "cross_entropy")
        onehot = Tensor(_one_hot(target._data, valid, n_classes, logits.dtype))
        w_target = (onehot * wb).sum(1)
        loss = -(logp * onehot * wb).sum(1) * (1 - ls)
        if ls:
            smooth = -(logp * wb).sum(1) * Tensor(valid.astype(logits.dtype))
            loss = loss + smooth * (ls / n_classes)
        if reduction == "none":
            return loss
        return loss.sum() if reduction == "sum" else _safe_mean(loss.sum(), w_target.sum())
    if target.shape != logits.shape:
        raise ValueError(f"cross_entropy: a probability target must have the input's shape "
                         f"{logits.shape}, got {target.shape} (or pass int64 class indices)")
    q = target * (1 - ls) + ls / n_classes
    loss = -(q * logp * wb).sum(1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / max(loss.numel(), 1)


def nll_loss(input: Tensor, target: Any, weight: Tensor | None = None,
             size_average: None = None, ignore_index: int = -100, reduce: None = None,
             reduction: str = "mean") -> Tensor:
    """``-weight[t] * input[n, t]`` with ``t = target[n]``, averaged by the summed weights:
    the loss on log-probabilities (after ``log_softmax``)."""
    _legacy(size_average, reduce, "nll_loss")
    _check_reduction(reduction, "nll_loss")
    logp, tgt, unbatched = _nll_operands(input, _as_tensor(target))
    valid = _class_targets(logp, tgt, ignore_index, "nll_loss")
    mask = Tensor(_one_hot(tgt._data, valid, logp.shape[1], logp.dtype))
    if weight is not None:
        w = _class_weight(weight, logp, "nll_loss")
        mask = mask * w.reshape((1, logp.shape[1]) + (1,) * (logp.ndim - 2))
    loss = -(logp * mask).sum(1)
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    total = loss.sum()
    if reduction == "sum":
        return total
    return _safe_mean(total, mask.sum() if weight is not None else int(valid.sum()))


def _check_cosine_shapes(x1: Tensor, x2: Tensor, y: Tensor) -> None:
    """``cosine_embedding_loss``'s shapes: (N, D) inputs with (N,) targets, or (D,) with a
    0-d target (PyTorch's messages)."""
    if y.ndim > 1:
        raise RuntimeError(f"cosine_embedding_loss: expected 1D or 0D target tensor, got "
                           f"{y.ndim}D instead")
    if x1.ndim != y.ndim + 1 or x2.ndim != y.ndim + 1:
        raise RuntimeError(f"cosine_embedding_loss: {y.ndim}D target tensor expects "
                           f"{y.ndim + 1}D input tensors, but found inputs with sizes "
                           f"{list(x1.shape)} and {list(x2.shape)}")
    if x1.shape != x2.shape or (y.ndim == 1 and y.shape[0] != x1.shape[0]):
        raise RuntimeError(f"cosine_embedding_loss: the sizes of input1 {list(x1.shape)}, "
                           f"input2 {list(x2.shape)} and target {list(y.shape)} do not match")


def _nll_operands(input: Any, target: Tensor) -> tuple[Tensor, Tensor, bool]:
    """``nll_loss``'s log-probabilities and class indices with a batch dim, checked; and
    whether the call was unbatched."""
    require_tensor(input, "nll_loss", "input")
    if target.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must be int64 class indices, got {target.dtype}")
    logp, tgt, unbatched = _batched(input, target, "nll_loss")
    if logp.shape[0] != tgt.shape[0] if tgt.ndim else True:
        raise ValueError(f"nll_loss: expected input batch_size ({logp.shape[0]}) to match "
                         f"target batch_size ({tgt.shape[0] if tgt.ndim else 0})")
    return logp, tgt, unbatched


def _pointwise(input: Any, target: Any, reduction: str, op: str) -> tuple[Tensor, Tensor]:
    """Check a loss's input/target pair the way PyTorch does: same shape, or a warning and
    broadcasting when the shapes differ but broadcast, else an error naming both."""
    _check_reduction(reduction, op)
    require_tensor(input, op, "input")
    target = _as_tensor(target)
    if target.shape != input.shape:
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise RuntimeError(f"{op}: input shape {input.shape} and target shape "
                               f"{target.shape} differ and do not broadcast") from None
        warnings.warn(f"{op}: using a target size {target.shape} that is different to the "
                      f"input size {input.shape}; this will likely lead to incorrect results "
                      "due to broadcasting. Please ensure they have the same size.",
                      UserWarning, stacklevel=3)
    if target.dtype != input.dtype and input.dtype.kind == "f":
        target = target.to(input.dtype)
    return input, target


def _reduced(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def mse_loss(input: Tensor, target: Any, size_average: None = None, reduce: None = None,
             reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)**2``."""
    _legacy(size_average, reduce, "mse_loss")
    input, target = _pointwise(input, target, reduction, "mse_loss")
    d = input - target
    return _reduced(d * d, reduction)


def l1_loss(input: Tensor, target: Any, size_average: None = None, reduce: None = None,
            reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|input - target|``."""
    _legacy(size_average, reduce, "l1_loss")
    input, target = _pointwise(input, target, reduction, "l1_loss")
    return _reduced((input - target).abs(), reduction)


def smooth_l1_loss(input: Tensor, target: Any, size_average: None = None, reduce: None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Huber-like: ``0.5 d**2 / beta`` where ``|d| < beta``, ``|d| - 0.5 beta`` elsewhere
    (``beta=0`` is the L1 loss)."""
    _legacy(size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    input, target = _pointwise(input, target, reduction, "smooth_l1_loss")
    d = input - target
    if beta == 0:
        return _reduced(d.abs(), reduction)
    small = np.abs(d._data) < beta
    loss = where(small, d * d * (0.5 / beta), d.abs() - 0.5 * beta)
    return _reduced(loss, reduction)


def binary_cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None,
                         size_average: None = None, reduce: None = None,
                         reduction: str = "mean") -> Tensor:
    """``-(t log p + (1-t) log(1-p))`` on probabilities ``p``; each log is clamped at -100
    as in PyTorch, so ``p = 0`` or ``1`` gives a finite loss."""
    _legacy(size_average, reduce, "binary_cross_entropy")
    t = _as_tensor(target)
    if isinstance(input, Tensor) and t.shape != input.shape:
        raise ValueError(f"binary_cross_entropy: using a target size ({t.shape}) that is "
                         f"different to the input size ({input.shape}) is not supported; "
                         "please ensure they have the same size")
    input, t = _pointwise(input, t, reduction, "binary_cross_entropy")
    p = input._data
    if np.any((p < 0) | (p > 1)):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 "
                           "and 1 (pass logits to binary_cross_entropy_with_logits)")
    loss = BinaryCrossEntropy.apply(input, t)
    if weight is not None:
        loss = loss * _as_tensor(weight).to(input.dtype)
    return _reduced(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Tensor | None = None,
                                     size_average: None = None, reduce: None = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross entropy in one stable step:
    ``(1-t) x + (1 + (pos_weight-1) t) softplus(-x)``, finite for any logit."""
    from .activation import softplus

    _legacy(size_average, reduce, "binary_cross_entropy_with_logits")
    t = _as_tensor(target)
    if isinstance(input, Tensor) and t.shape != input.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target size ({t.shape}) must "
                         f"be the same as input size ({input.shape})")
    input, t = _pointwise(input, t, reduction, "binary_cross_entropy_with_logits")
    log_weight = 1.0 if pos_weight is None else (
        (_as_tensor(pos_weight).to(input.dtype) - 1.0) * t + 1.0)
    loss = (1 - t) * input + softplus(-input, 1.0, float("inf")) * log_weight
    if weight is not None:
        loss = loss * _as_tensor(weight).to(input.dtype)
    return _reduced(loss, reduction)


def _check_reduction_kl(reduction: str) -> None:
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', "
                         f"got {reduction!r}")


def _float_tensor(value: Any, op: str, arg: str) -> Tensor:
    t = require_tensor(value, op, arg)
    if t.dtype.kind != "f":
        raise RuntimeError(f"{op}: argument '{arg}' must be a floating point tensor, got "
                           f"dtype {t.dtype}")
    return t


def _like(value: Any, like: Tensor, op: str, arg: str) -> Tensor:
    """``value`` as a Tensor of ``like``'s dtype; shapes must broadcast (RuntimeError)."""
    t = _as_tensor(value)
    if t.dtype != like.dtype:
        t = t.to(like.dtype)
    try:
        np.broadcast_shapes(like.shape, t.shape)
    except ValueError:
        raise RuntimeError(f"{op}: the size of {arg} {t.shape} does not broadcast with the "
                           f"input's {like.shape}") from None
    return t


def xlogy(x: Tensor, y: Tensor) -> Tensor:
    """``x * log(y)`` elementwise, with ``0 * log(0) = 0`` (``torch.xlogy``)."""
    return XLogY.apply(x, y)


def kl_div(input: Tensor, target: Any, size_average: None = None, reduce: None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence pointwise, ``target * (log(target) - input)`` with
    ``input`` log-probabilities (``target`` too when ``log_target``); ``'batchmean'``
    divides the sum by the batch size (the mathematical KL), ``'mean'`` by every element."""
    _legacy(size_average, reduce, "kl_div")
    _check_reduction_kl(reduction)
    input = _float_tensor(input, "kl_div", "input")
    target = _like(target, input, "kl_div", "target")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduced(loss, reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta``, ``delta * (|d| - 0.5 delta)`` elsewhere, with
    ``d = input - target``; ``weight`` (input's shape) scales each element's loss."""
    if delta <= 0:
        raise RuntimeError(f"huber_loss: huber_loss does not support non-positive values for "
                           f"delta (got delta={delta})")
    input, target = _pointwise(input, target, reduction, "huber_loss")
    d = input - target
    with np.errstate(invalid="ignore"):
        small = ~(np.abs(d._data) >= delta)  # NaN takes the quadratic branch, as in PyTorch
    safe = where(small, d, 0.0)
    loss = where(small, safe * safe * 0.5, (d.abs() - 0.5 * delta) * delta)
    if weight is not None:
        w = _as_tensor(weight)
        if w.shape != input.shape:
            raise ValueError(f"huber_loss: weights and input must have the same size, got "
                             f"weight {w.shape} and input {input.shape}")
        loss = loss * w.to(input.dtype)
    return _reduced(loss, reduction)


def _same_ndim(op: str, **tensors: Tensor) -> None:
    if len({t.ndim for t in tensors.values()}) > 1:
        sizes = ", ".join(f"{k}: {tuple(t.shape)}" for k, t in tensors.items())
        raise RuntimeError(f"{op}: all input tensors should have same dimension but got "
                           f"sizes: {sizes}")


def _broadcast_check(op: str, **tensors: Tensor) -> None:
    try:
        np.broadcast_shapes(*(t.shape for t in tensors.values()))
    except ValueError:
        sizes = ", ".join(f"{k} {tuple(t.shape)}" for k, t in tensors.items())
        raise RuntimeError(f"{op}: the sizes of {sizes} do not broadcast") from None


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0,
                        size_average: None = None, reduce: None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target = 1`` says ``input1``
    should rank higher, ``-1`` lower."""
    _legacy(size_average, reduce, "margin_ranking_loss")
    _check_reduction(reduction, "margin_ranking_loss")
    x1 = _float_tensor(input1, "margin_ranking_loss", "input1")
    x2 = _float_tensor(input2, "margin_ranking_loss", "input2")
    y = _as_tensor(target)
    _same_ndim("margin_ranking_loss", input1=x1, input2=x2, target=y)
    _broadcast_check("margin_ranking_loss", input1=x1, input2=x2, target=y)
    y = y.to(x1.dtype) if y.dtype != x1.dtype else y
    return _reduced((-y * (x1 - x2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Any, margin: float = 1.0,
                         size_average: None = None, reduce: None = None,
                         reduction: str = "mean") -> Tensor:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``
    (``input`` is usually a distance)."""
    _legacy(size_average, reduce, "hinge_embedding_loss")
    _check_reduction(reduction, "hinge_embedding_loss")
    x = _float_tensor(input, "hinge_embedding_loss", "input")
    y = _as_tensor(target)
    _broadcast_check("hinge_embedding_loss", input=x, target=y)
    t = y._data
    margin_part = where(t != 1, (margin - x).clamp(min=0), 0.0)
    return _reduced(margin_part + where(t != -1, x, 0.0), reduction)


def soft_margin_loss(input: Tensor, target: Any, size_average: None = None,
                     reduce: None = None, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``, the two-class logistic loss for ``target`` in
    {1, -1}. Computed as ``-logsigmoid(target * input)``, so it stays finite (and its
    gradient exact) where PyTorch's ``log1p(exp(...))`` overflows to inf
    (``-target * input`` above ~710)."""
    from .activation import logsigmoid

    _legacy(size_average, reduce, "soft_margin_loss")
    input, target = _pointwise(input, target, reduction, "soft_margin_loss")
    return _reduced(-logsigmoid(target * input), reduction)


def _class_index_target(target: Any, n: int, c: int, op: str) -> np.ndarray:
    """Class indices of a (N,) batch (or one sample), checked: int dtype, size, range."""
    t = _as_tensor(target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: target must be int64 class indices, got dtype {t.dtype}")
    if t.numel() != n or t.ndim > 1:
        raise RuntimeError(f"{op}: target tensor should be 1-D with size equal to the number "
                           f"of input samples (batch size). Expected target size [{n}], but "
                           f"got {list(t.shape)}")
    idx = t._data.reshape(n)
    if ((idx < 0) | (idx >= c)).any():
        bad = int(idx[(idx < 0) | (idx >= c)][0])
        raise RuntimeError(f"{op}: target out of range: {bad} is not in [0, {c - 1}]")
    return idx.astype(np.int64)


def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: None = None,
                      reduce: None = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: per sample, ``sum_{i != y} max(0, margin - x[y] + x[i])**p``
    over the ``C`` classes, divided by ``C`` and scaled by ``weight[y]``; ``p`` is 1 or 2."""
    _legacy(size_average, reduce, "multi_margin_loss")
    _check_reduction(reduction, "multi_margin_loss")
    if p != 1 and p != 2:
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got p={p}")
    x = _float_tensor(input, "multi_margin_loss", "input")
    _check_scores(x, "multi_margin_loss")
    target_shape = _as_tensor(target).shape
    x2 = x.reshape(1, -1) if x.ndim < 2 else x
    n, c = x2.shape
    idx = _class_index_target(target, n, c, "multi_margin_loss")
    at_target = np.arange(c)[None, :] == idx[:, None]
    picked = x2.gather(1, Tensor(idx[:, None]))
    z = x2 - picked + margin
    keep = (z._data > 0) & ~at_target
    h = where(keep, z, 0.0)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * _margin_weight(weight, c, x.dtype)[idx].unsqueeze(1)
    loss = h.sum(1) / c
    if x.ndim < 2:
        loss = loss.reshape(target_shape) if len(target_shape) else loss.reshape(())
    return _reduced(loss, reduction)


def _check_scores(x: Tensor, op: str) -> None:
    """A margin loss's scores: a non-empty vector (C,) or a matrix (N, C) with C > 0."""
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] == 0) or (x.ndim < 2 and x.numel() == 0):
        raise RuntimeError(f"{op}: expected a non-empty vector or matrix "
                           f"(N, C) with C > 0 as input, got shape {x.shape}")


def _margin_weight(weight: Any, c: int, dtype: np.dtype) -> Tensor:
    """``multi_margin_loss``'s class weights: one per class, in the scores' dtype."""
    w = _as_tensor(weight)
    if w.ndim != 1:
        raise ValueError(f"multi_margin_loss: weight must be one-dimensional, got shape "
                         f"{w.shape}")
    if w.shape[0] != c:
        raise RuntimeError(f"multi_margin_loss: inconsistent weight size, expected {c} "
                           f"but got {list(w.shape)}")
    return w.to(dtype)


def multilabel_margin_loss(input: Tensor, target: Any, size_average: None = None,
                           reduce: None = None, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: ``target`` lists each sample's classes, padded with -1
    after the last; the loss is ``sum_{j in labels} sum_{i not in labels}
    max(0, 1 - (x[j] - x[i])) / C``."""
    _legacy(size_average, reduce, "multilabel_margin_loss")
    _check_reduction(reduction, "multilabel_margin_loss")
    x = _float_tensor(input, "multilabel_margin_loss", "input")
    t = _as_tensor(target)
    if x.ndim > 2:
        raise RuntimeError(f"multilabel_margin_loss: expected a vector or matrix (N, C) as "
                           f"input, got shape {x.shape}")
    if t.shape != x.shape:
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: "
                           f"{list(t.shape)} for input of size: {list(x.shape)}")
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"multilabel_margin_loss: target must be int64 class indices "
                           f"padded with -1, got dtype {t.dtype}")
    x2 = x.reshape(1, -1) if x.ndim < 2 else x
    n, c = x2.shape
    labels = t._data.reshape(n, c).astype(np.int64)
    if ((labels < -1) | (labels >= c)).any():
        raise RuntimeError(f"multilabel_margin_loss: argument #2 'target' is out of range: "
                           f"labels must be in [0, {c - 1}] or -1 (the end marker)")
    valid = np.cumprod(labels != -1, axis=1).astype(bool)  # labels before the first -1
    safe = np.where(valid, labels, 0)
    is_label = np.zeros((n, c), bool)
    rows = np.repeat(np.arange(n), c)[valid.ravel()]
    is_label[rows, safe[valid]] = True
    picked = x2.gather(1, Tensor(safe))                  # (N, K): x[y_j]
    z = x2.unsqueeze(1) - picked.unsqueeze(2) + 1.0      # (N, K, C): 1 - x[y_j] + x[i]
    keep = (z._data > 0) & valid[:, :, None] & ~is_label[:, None, :]
    loss = where(keep, z, 0.0).sum((1, 2)) / c
    if x.ndim < 2:
        loss = loss.reshape(())
    return _reduced(loss, reduction)


def _norm_last(d: Tensor, p: float) -> Tensor:
    """The p-norm along the last dim, with PyTorch's zero gradient where the norm is 0."""
    if p == float("inf"):
        return d.abs().amax(-1)
    if p == 1:
        return d.abs().sum(-1)
    s = (d * d).sum(-1) if p == 2 else (d.abs() ** p).sum(-1)
    nonzero = s._data > 0
    return where(nonzero, where(nonzero, s, 1.0) ** (1.0 / p), 0.0)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim (``F.pairwise_distance``)."""
    x1 = _float_tensor(x1, "pairwise_distance", "x1")
    x2 = _float_tensor(x2, "pairwise_distance", "x2")
    _broadcast_check("pairwise_distance", x1=x1, x2=x2)
    d = x1 - x2 + eps
    if d.ndim == 0:
        d = d.reshape(1)
    out = _norm_last(d, p)
    return out.unsqueeze(-1) if keepdim else out


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` of their broadcast
    shape (``F.cosine_similarity``). As PyTorch computes it: each divided by its 2-norm,
    clamped at ``eps``, then the sum of the products (the result stays in [-1, 1]); the
    clamp passes the norm's gradient through unchanged, as PyTorch's in-place clamp does."""
    x1 = require_tensor(x1, "cosine_similarity", "x1")
    x2 = require_tensor(x2, "cosine_similarity", "x2")
    dtype = result_type(x1, x2)
    if dtype.kind != "f":
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, "
                           f"yet common dtype is {dtype}")
    _broadcast_check("cosine_similarity", x1=x1, x2=x2)
    shape = np.broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = (x.to(dtype).expand(*shape) for x in (x1, x2))
    d = normalize_dim(dim, max(len(shape), 1), "cosine_similarity")
    norms = [x.norm(dim=d, keepdim=True).clone() for x in (x1, x2)]
    with no_grad():  # the value clamped, the gradient the norm's: as PyTorch
        for n in norms:
            n.clamp_(min=eps)
    return ((x1 / norms[0]) * (x2 / norms[1])).sum(d)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: None = None, reduce: None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the pairwise p-distance along the
    last dim; ``swap`` uses ``min(d(a, n), d(p, n))`` for the negative distance."""
    _legacy(size_average, reduce, "triplet_margin_loss")
    _check_reduction(reduction, "triplet_margin_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    a = _float_tensor(anchor, "triplet_margin_loss", "anchor")
    pos = _float_tensor(positive, "triplet_margin_loss", "positive")
    neg = _float_tensor(negative, "triplet_margin_loss", "negative")
    _check_triplet_ndims("triplet_margin_loss", a, pos, neg)
    return _triplet_hinge(lambda x, y: pairwise_distance(x, y, p, eps), a, pos, neg, margin,
                          swap, reduction)


def _triplet_hinge(distance: Callable[[Tensor, Tensor], Tensor], anchor: Tensor,
                   positive: Tensor, negative: Tensor, margin: float, swap: bool,
                   reduction: str) -> Tensor:
    """What the two triplet losses share: ``max(margin + d(a, p) - d(a, n), 0)``, with
    ``min(d(a, n), d(p, n))`` for ``d(a, n)`` when ``swap`` (PyTorch's order of terms)."""
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance(positive, negative))
    return _reduced((d_pos + margin - d_neg).clamp(min=0), reduction)


def _check_triplet_ndims(op: str, a: Any, p: Any, n: Any) -> None:
    if not a.ndim == p.ndim == n.ndim:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor {a.ndim}D, "
                           f"positive {p.ndim}D, and negative {n.ndim}D inputs")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0,
                          size_average: None = None, reduce: None = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1``; the cosine is along dim 1 of (N, D) inputs (dim 0 of (D,) ones)."""
    _legacy(size_average, reduce, "cosine_embedding_loss")
    _check_reduction(reduction, "cosine_embedding_loss")
    x1 = _float_tensor(input1, "cosine_embedding_loss", "input1")
    x2 = _float_tensor(input2, "cosine_embedding_loss", "input2")
    y = _as_tensor(target)
    _check_cosine_shapes(x1, x2, y)
    dim = x1.ndim - 1
    eps = 1e-12  # PyTorch's EPSILON
    prod = (x1 * x2).sum(dim)
    mag1 = (x1 * x1).sum(dim) + eps
    mag2 = (x2 * x2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    t = y._data
    loss = where(t == 1, 1.0 - cos, 0.0) + where(t == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduced(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Any, var: Tensor | float,  # noqa: A002
                      full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """The negative log likelihood of ``target`` under Gaussians of mean ``input`` and
    variance ``var``: ``0.5 * (log(var) + (input - target)**2 / var)``, plus
    ``0.5 * log(2 pi)`` when ``full``. ``var`` has the input's shape, or one of its dims is 1
    (or missing at the end): one variance shared along it; a float is one for all. The
    variance is clamped at ``eps`` for stability, as PyTorch does it: the value clamped, the
    gradient passed through the clamp unchanged."""
    x = require_tensor(input, "gaussian_nll_loss", "input")
    v = _gaussian_variance(var, x)
    _check_reduction(reduction, "gaussian_nll_loss")
    t = _as_tensor(target)
    _broadcast_check("gaussian_nll_loss", input=x, target=t, var=v)
    v = v.clone()
    with no_grad():  # the value clamped, the gradient var's: as PyTorch
        v.clamp_(min=eps)
    d = x - t
    loss = (v.log() + d * d / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduced(loss, reduction)


def _gaussian_variance(var: Any, x: Tensor) -> Tensor:
    """``gaussian_nll_loss``'s variance as a Tensor that broadcasts against the input the
    way PyTorch allows: the input's shape, that shape less its last dim (a variance per
    row), or one mismatched dim of size 1. Negative entries are refused."""
    op = "gaussian_nll_loss"
    if isinstance(var, float):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries, got var={var}")
        dtype = x.dtype if x.dtype.kind == "f" else get_default_dtype()
        return Tensor(np.full(x.shape, var, dtype))
    if not isinstance(var, Tensor):
        raise TypeError(f"{op}: var must be a Tensor or a float, got {type(var).__name__}")
    if (var._data < 0).any():
        raise ValueError(f"{op}: var has negative entry/entries")
    if var.dtype.kind != "f":
        raise RuntimeError(f"{op}: var must be a floating point tensor, got dtype {var.dtype}")
    return _variance_shape(var, x)


def _variance_shape(var: Tensor, x: Tensor) -> Tensor:
    """``var`` as it broadcasts against the input ``x``: the same shape (one variance per
    element), one dim short at the end (one per row: a trailing 1 added), or the same
    rank with the one differing dim of size 1 (PyTorch's test: those sizes sum to 1)."""
    if var.shape == x.shape:
        return var
    if x.shape[:-1] == var.shape:
        return var.unsqueeze(-1)
    if var.ndim == x.ndim and sum(v for i, v in zip(x.shape, var.shape) if i != v) == 1:
        return var
    raise ValueError(f"gaussian_nll_loss: var is of incorrect size: var {var.shape} for input "
                     f"{x.shape} (it takes the input's shape, that shape without its last "
                     "dim, or one dim of size 1 where the input's differs)")


def poisson_nll_loss(input: Tensor, target: Any, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average: None = None, eps: float = 1e-8,
                     reduce: None = None, reduction: str = "mean") -> Tensor:
    """The negative log likelihood of counts ``target`` under Poisson distributions of rate
    ``exp(input)`` (``log_input``) or ``input``: ``exp(input) - target * input``, or
    ``input - target * log(input + eps)``. ``full`` adds Stirling's approximation of
    ``log(target!)``, ``target * log(target) - target + 0.5 * log(2 pi target)``, where
    ``target > 1`` (0 elsewhere), as PyTorch does."""
    _legacy(size_average, reduce, "poisson_nll_loss")
    _check_reduction(reduction, "poisson_nll_loss")
    x = require_tensor(input, "poisson_nll_loss", "input")
    t = _as_tensor(target)
    _broadcast_check("poisson_nll_loss", input=x, target=t)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # inf and NaN go on
        loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
        if full:  # computed everywhere, kept where target > 1
            stirling = t * t.log() - t + (t * (2 * math.pi)).log() * 0.5
            loss = loss + where(t._data <= 1, 0.0, stirling)
    return _reduced(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Any,  # noqa: A002
                                weight: Tensor | None = None, size_average: None = None,
                                reduce: None = None, reduction: str = "mean") -> Tensor:
    """Binary cross entropy on the logits ``input`` of each of ``C`` labels (the last dim),
    against 0/1 (or soft) ``target``s, averaged over the labels:
    ``-(t * logsigmoid(x) + (1 - t) * logsigmoid(-x)).sum(-1) / C``; ``weight`` scales each
    label's term (it broadcasts against the input)."""
    from .activation import logsigmoid

    _legacy(size_average, reduce, "multilabel_soft_margin_loss")
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    x = require_tensor(input, "multilabel_soft_margin_loss", "input")
    if x.ndim == 0:
        raise IndexError("multilabel_soft_margin_loss: input must have a label dimension, "
                         "got a 0-d tensor")
    t = _as_tensor(target)
    _broadcast_check("multilabel_soft_margin_loss", input=x, target=t)
    with np.errstate(invalid="ignore"):  # 0 * -inf is NaN, as PyTorch's
        loss = -(t * logsigmoid(x) + (1 - t) * logsigmoid(-x))
    if weight is not None:
        w = _as_tensor(weight)
        _broadcast_check("multilabel_soft_margin_loss", input=x, weight=w)
        loss = loss * w
    with np.errstate(invalid="ignore"):  # no labels: 0 / 0 is NaN, as PyTorch's
        loss = loss.sum(x.ndim - 1) / x.shape[-1]
    return _reduced(loss, reduction)


def triplet_margin_with_distance_loss(
        anchor: Tensor, positive: Tensor, negative: Tensor, *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``triplet_margin_loss`` with a distance of one's own: ``max(margin + d(a, p) -
    d(a, n), 0)`` with ``d = distance_function`` (``pairwise_distance`` when None), which
    takes two tensors and returns their distances (e.g. ``1 - cosine_similarity``)."""
    _check_reduction(reduction, "triplet_margin_with_distance_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be greater than 0, "
                         f"got {margin}")
    a = require_tensor(anchor, "triplet_margin_with_distance_loss", "anchor")
    pos = require_tensor(positive, "triplet_margin_with_distance_loss", "positive")
    neg = require_tensor(negative, "triplet_margin_with_distance_loss", "negative")
    _check_triplet_ndims("triplet_margin_with_distance_loss", a, pos, neg)
    distance = pairwise_distance if distance_function is None else distance_function
    return _triplet_hinge(distance, a, pos, neg, margin, swap, reduction)
