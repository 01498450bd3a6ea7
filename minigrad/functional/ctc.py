"""The connectionist temporal classification loss (``F.ctc_loss``, ``nn.CTCLoss``).

The loss of a target sequence is minus the log of the summed probability of every
alignment of it to the input's time steps (Graves et al., 2006). The forward (alpha)
recursion runs in log space over the extended target (a blank around and between the
labels), as PyTorch's CPU kernel computes it, but made of core ops: vectorised over the
batch and the extended target, a Python loop over the time steps. Autograd then gives the
gradient, and the gradient's gradient.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..ops.elementwise import where
from ..tensor import Tensor, require_tensor
from .loss import _check_reduction
from .rnn import _split_rows
from .shape import cat

_OP = "ctc_loss"


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss of each sequence: ``log_probs`` ``(T, N, C)`` (``(T, C)`` unbatched)
    are log-probabilities over ``C`` classes, ``blank`` among them; ``targets`` are class
    indices, padded ``(N, S)`` or the ``N`` targets concatenated ``(sum(target_lengths),)``;
    the lengths are int Tensors or tuples of ints. ``'mean'`` divides each loss by its target
    length, then averages. A target that no alignment fits (too long for its input) has an
    infinite loss, with a NaN gradient as in PyTorch, unless ``zero_infinity`` makes both 0;
    a log-probability of -inf gets a NaN gradient too, as in PyTorch.

    Two steps, two classes at probability 1/2 each: the target ``[1]`` is read from three
    of the four paths (``1 1``, ``1 -``, ``- 1``), so the loss is ``-log(3/4)``:

    >>> import minigrad as mg
    >>> log_probs = mg.full((2, 1, 2), 0.5).log()
    >>> mg.nn.functional.ctc_loss(log_probs, mg.tensor([[1]]), (2,), (1,), reduction="sum")
    tensor(0.2877)
    """
    _check_reduction(reduction, _OP)
    lp, batched = _log_probs(log_probs)
    n = lp.shape[1]
    in_len, tg_len = _lengths(input_lengths, target_lengths, n)
    labels = _padded_targets(targets, tg_len, n, blank)
    _check_values(lp.shape, labels, in_len, blank)
    nll = _negative_log_likelihood(lp, labels, in_len, tg_len, blank)
    impossible = nll._data == np.inf
    if lp.requires_grad:
        nll = _with_pytorchs_nans(nll, lp, in_len, impossible, zero_infinity)
    if zero_infinity:
        nll = where(impossible, 0.0, nll)
    if reduction == "mean":
        return (nll / Tensor(np.maximum(tg_len, 1).astype(lp.dtype))).mean()
    if reduction == "sum":
        return nll.sum()
    return nll if batched else nll.squeeze(0)


def _log_probs(log_probs: Any) -> tuple[Tensor, bool]:
    """The log-probabilities as ``(T, N, C)``, and whether they came batched."""
    lp = require_tensor(log_probs, _OP, "log_probs")
    if lp.ndim not in (2, 3):
        raise RuntimeError(f"{_OP}: expected log_probs of 3 dims (T, N, C) or 2 (T, C), got "
                           f"shape {lp.shape}")
    if lp.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"{_OP}: not implemented for {lp.dtype} log_probs (float32 "
                                  "or float64)")
    if lp.numel() == 0:
        raise RuntimeError(f"{_OP}: log_probs tensor must not be empty, got shape {lp.shape}")
    return (lp, True) if lp.ndim == 3 else (lp.unsqueeze(1), False)


def _lengths(input_lengths: Any, target_lengths: Any, n: int) -> tuple[np.ndarray, ...]:
    """Both lengths as int64 arrays of the batch size: Tensors of integers both, or
    sequences of ints both (PyTorch's two signatures)."""
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor):
        raise TypeError(f"{_OP}: input_lengths and target_lengths must both be Tensors or both "
                        f"tuples of ints, got {type(input_lengths).__name__} and "
                        f"{type(target_lengths).__name__}")
    out = []
    for value, name in ((input_lengths, "input_lengths"), (target_lengths, "target_lengths")):
        if isinstance(value, Tensor):
            if value.dtype.kind not in "iu":
                raise RuntimeError(f"{_OP}: {name} must be integral, got dtype {value.dtype}")
            arr = value._data.reshape(-1).astype(np.int64)
        elif isinstance(value, (list, tuple)):
            arr = np.array([operator.index(v) for v in value], np.int64)
        else:
            raise TypeError(f"{_OP}: {name} must be a Tensor or a tuple of ints, got "
                            f"{type(value).__name__}")
        if arr.size != n:
            raise RuntimeError(f"{_OP}: {name} must be of size batch_size ({n}), got "
                               f"{arr.size} values")
        if arr.size and arr.min() < 0:
            raise RuntimeError(f"{_OP}: expected {name} to have value at least 0, but got "
                               f"value {arr.min()}")
        out.append(arr)
    return out[0], out[1]


def _padded_targets(targets: Any, tg_len: np.ndarray, n: int, blank: int) -> np.ndarray:
    """The targets as an ``(N, max(target_lengths))`` int64 array, ``blank`` after each
    target's end (whatever the padding held: it is not read)."""
    t = require_tensor(targets, _OP, "targets")
    if not isinstance(blank, (int, np.integer)) or isinstance(blank, bool):
        raise TypeError(f"{_OP}: blank must be an int, got {type(blank).__name__}")
    width = int(tg_len.max(initial=0))
    inside = np.arange(width)[None, :] < tg_len[:, None]
    out = np.full((n, width), blank, np.int64)
    values = t._data.astype(np.int64) if t.dtype.kind in "iuf" else t._data
    if t.ndim == 1:  # the targets concatenated
        if t.shape[0] != tg_len.sum():
            raise RuntimeError(f"{_OP}: concatenated targets of shape {t.shape} must hold "
                               f"sum(target_lengths) = {tg_len.sum()} labels")
        out[inside] = values
    elif t.ndim == 2:
        if t.shape[0] != n or t.shape[1] < width:
            raise RuntimeError(f"{_OP}: padded targets must be ({n}, S) with S at least "
                               f"max(target_lengths) = {width}, got shape {t.shape}")
        out[inside] = values[:, :width][inside]
    else:
        raise RuntimeError(f"{_OP}: targets must have 1 dim (concatenated) or 2 (N, S), got "
                           f"shape {t.shape}")
    return out


def _check_values(shape: tuple[int, ...], labels: np.ndarray, in_len: np.ndarray,
                  blank: int) -> None:
    """``blank`` and every label within the classes; input lengths within the input."""
    t_max, _, classes = shape
    if not 0 <= blank < classes:
        raise RuntimeError(f"{_OP}: blank must be in label range [0, {classes}), got {blank}")
    bad = (labels < 0) | (labels >= classes)
    if bad.any():
        raise RuntimeError(f"{_OP}: targets must be class indices in [0, {classes}), got "
                           f"{labels[bad][0]}")
    if in_len.size and in_len.max() > t_max:
        raise RuntimeError(f"{_OP}: expected input_lengths to have value at most {t_max} "
                           f"(log_probs' length), but got value {in_len.max()}")


def _negative_log_likelihood(lp: Tensor, labels: np.ndarray, in_len: np.ndarray,
                             tg_len: np.ndarray, blank: int) -> Tensor:
    """``-log p(target | input)`` per sequence: ``(N,)``.

    ``alpha[n, s]`` is the log-probability of the extended target's first ``s + 1`` states
    after the steps so far; it starts in a state before the first step (log 1 at ``s = 0``),
    so the first step is the recursion's. A sequence whose input has ended keeps its alpha.
    """
    n, s = labels.shape
    ext = np.full((n, 2 * s + 1), blank, np.int64)
    ext[:, 1::2] = labels
    skip = np.zeros(ext.shape, bool)  # from s - 2: past a blank, between different labels
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    neg = Tensor(np.full((n, 2), -np.inf, lp.dtype))
    alpha = Tensor(np.where(np.arange(ext.shape[1]) == 0, 0.0, -np.inf)[None, :]
                   .repeat(n, 0).astype(lp.dtype))
    steps = int(in_len.max(initial=0))
    if steps:
        emitted = lp[:steps].gather(2, Tensor(np.broadcast_to(ext, (steps, *ext.shape))))
        for t, e in enumerate(_split_rows(emitted, [1] * steps)):
            two = where(skip, _shifted(alpha, neg, 2), -np.inf)
            new = _log_add(alpha, _shifted(alpha, neg, 1), two) + e[0]
            alpha = where((t < in_len)[:, None], new, alpha)
    last = Tensor((2 * tg_len)[:, None])
    before = Tensor(np.maximum(2 * tg_len - 1, 0)[:, None])
    end = where((tg_len > 0)[:, None], alpha.gather(1, before), -np.inf)
    return -_log_add(alpha.gather(1, last), end).squeeze(1)


def _shifted(alpha: Tensor, neg: Tensor, by: int) -> Tensor:
    """``alpha`` moved ``by`` states along the extended target, -inf coming in."""
    return cat([neg[:, :by], alpha[:, :alpha.shape[1] - by]], 1)


def _log_add(*terms: Tensor) -> Tensor:
    """``log(sum(exp(terms)))`` as PyTorch's kernel computes it: the largest term taken
    out first (0 if all are -inf). Where every term is -inf the result is -inf with a zero
    gradient, not the NaN that ``log(0)``'s backward would send to the unreachable states."""
    top = functools.reduce(np.maximum, [t._data for t in terms])
    shift = Tensor(np.where(top == -np.inf, 0.0, top).astype(terms[0].dtype))
    total = functools.reduce(operator.add, [(t - shift).exp() for t in terms])
    some = total._data != 0  # NaN included: it goes on
    return where(some, where(some, total, 1.0).log() + shift, -np.inf)


def _with_pytorchs_nans(nll: Tensor, lp: Tensor, in_len: np.ndarray, impossible: np.ndarray,
                       zero_infinity: bool) -> Tensor:
    """``nll`` with the NaN gradients PyTorch's CTC backward gives, where autograd finds the
    finite limit: every log-probability of the steps of a sequence whose loss is inf (unless
    ``zero_infinity``, which zeroes them), and each log-probability of -inf in its steps."""
    steps = (np.arange(lp.shape[0])[:, None] < in_len[None, :])[:, :, None]
    mask = steps & np.where((impossible & zero_infinity)[None, :, None], False,
                            (lp._data == -np.inf) | impossible[None, :, None])
    return _NanGradient.apply(nll, lp, mask) if mask.any() else nll


class _NanGradient(Function):
    """The losses as they are; NaN added to the log-probabilities' gradient at ``mask``."""

    @staticmethod
    def forward(ctx: Context, nll: Tensor, lp: Tensor, mask: np.ndarray) -> np.ndarray:
        ctx.mask = mask
        return nll._data.copy()

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        return g, Tensor(np.where(ctx.mask, np.nan, 0.0).astype(g.dtype)), None
