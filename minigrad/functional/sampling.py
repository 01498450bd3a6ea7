"""Random draws shaped by a tensor of probabilities, with PyTorch's signatures:
``bernoulli`` (and the work of ``Tensor.bernoulli_``) and ``multinomial``.

They draw from minigrad's one generator (``minigrad.manual_seed``), or from the
``generator=`` given, so a seeded program repeats its draws. The numbers differ from
PyTorch's (another generator), the distributions do not. A draw is not a differentiable
function of its probabilities: ``bernoulli`` of a tensor that requires grad gives a zero
gradient, as PyTorch's; ``multinomial`` gives int64 indices outside any graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.elementwise import where
from ..ops.shape import _is_int
from ..rng import get_rng
from ..tensor import Tensor, require_tensor
from .counting import search_rows

__all__ = ["bernoulli", "multinomial"]

_MAX_CATEGORIES = 2**24  # PyTorch's limit on a row of multinomial


def _probability(p: Any, fn: str) -> float:
    """``p`` (a number or a one-element Tensor) as a float in [0, 1], or PyTorch's error."""
    if isinstance(p, Tensor) and p.numel() == 1:
        p = p.item()
    if not isinstance(p, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"{fn}: argument 'p' must be float, not {type(p).__name__}")
    if not 0 <= p <= 1:  # NaN fails too
        raise RuntimeError(f"{fn} expects p to be in [0, 1], but got p={p}")
    return float(p)


def _check_probabilities(probs: np.ndarray, fn: str) -> None:
    outside = ~((probs >= 0) & (probs <= 1))  # NaN fails both
    if outside.any():
        raise RuntimeError(f"{fn}: expected every probability in input to be in [0, 1] "
                           f"(p_in >= 0 && p_in <= 1), but found {probs[outside].flat[0]}")


def bernoulli(input: Tensor, p: float | None = None, *,  # noqa: A002
              generator: Any = None) -> Tensor:
    """Ones and zeros drawn independently: each element of ``input`` is the probability of
    a one (a floating point tensor of values in [0, 1]); with ``p``, every element is one
    with probability ``p`` and ``input`` gives only the shape and dtype. The mask of
    dropout-like noise; the result has ``input``'s dtype and shape.

        >>> import minigrad as mg
        >>> mg.bernoulli(mg.tensor([0.0, 1.0, 1.0]))
        tensor([0., 1., 1.])
    """
    x = require_tensor(input, "bernoulli", "input")
    rng = get_rng(generator)
    if p is None:
        if x.dtype.kind != "f":
            raise NotImplementedError(f"bernoulli: not implemented for {x.dtype} input (the "
                                      "input holds probabilities: use a floating point dtype, "
                                      "or pass p=)")
        _check_probabilities(x._data, "bernoulli")
        probs: Any = x._data
    else:
        probs = _probability(p, "bernoulli_")  # PyTorch's message names bernoulli_ here
    draw = Tensor(np.asarray(rng.random(x.shape) < probs).astype(x.dtype))
    if x.requires_grad:  # PyTorch's result requires grad too, with a zero gradient
        return where(True, draw, x)
    return draw


def bernoulli_draw(self: Tensor, p: float | Tensor, generator: Any) -> np.ndarray:
    """What ``Tensor.bernoulli_(p)`` writes into ``self``: a bool array of ``self``'s shape,
    True with probability ``p`` (a number, or a floating point Tensor that broadcasts to
    ``self``'s shape as ``expand`` would)."""
    if isinstance(p, Tensor):
        if p.dtype.kind != "f":
            raise NotImplementedError(f"bernoulli_: not implemented for a {p.dtype} p (p "
                                      "holds probabilities: use a floating point dtype)")
        lead = len(self.shape) - p.ndim
        if lead < 0 or any(s != 1 and s != t for s, t in zip(p.shape, self.shape[lead:])):
            raise RuntimeError(f"bernoulli_: p of shape {tuple(p.shape)} does not broadcast "
                               f"to the tensor's shape {tuple(self.shape)}")
        probs: Any = p._data
        if probs.size and not ((probs >= 0) & (probs <= 1)).all():
            raise RuntimeError("bernoulli_ expects p to be in [0, 1], but got p=a Tensor "
                               "with values outside [0, 1]")
    else:
        probs = _probability(p, "bernoulli_")
    return get_rng(generator).random(self.shape) < probs


def _check_multinomial(x: Tensor, num_samples: Any, replacement: Any) -> None:
    """The arguments of multinomial, in PyTorch's order and with its exception types."""
    if not _is_int(num_samples):
        raise TypeError(f"multinomial: argument 'num_samples' must be int, not "
                        f"{type(num_samples).__name__}")
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(f"multinomial: argument 'replacement' must be bool, not "
                        f"{type(replacement).__name__}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"multinomial: only supports floating-point dtypes for input, got: "
                           f"{x.dtype}")
    if x.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape "
                           f"{tuple(x.shape)}")
    n, k = int(num_samples), x.shape[-1]
    if n <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples "
                           f"(num_samples={n})")
    if not replacement and n > k:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement (num_samples={n}, {k} categories)")
    if k > _MAX_CATEGORIES:
        raise RuntimeError(f"multinomial: number of categories cannot exceed 2^24, got {k}")


def _check_weights(probs: np.ndarray) -> None:
    """Each row a distribution: some categories, finite non-negative weights, sum > 0."""
    if probs.shape[1] == 0:
        raise RuntimeError("multinomial: cannot sample from a distribution of no categories")
    if not (np.isfinite(probs).all() and (probs >= 0).all()):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if (probs.sum(axis=1) <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Any = None) -> Tensor:
    """``num_samples`` category indices drawn from each row of ``input``, whose values are
    the categories' weights (non-negative, finite, a positive sum; they need not sum to 1).
    Without ``replacement`` each category is drawn at most once per row (categories of
    weight zero come last, once the others are used up). ``input`` is 1-D or 2-D (one
    distribution per row); the result is int64 of shape ``(num_samples,)`` or
    ``(rows, num_samples)``.

        >>> import minigrad as mg
        >>> mg.multinomial(mg.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
        tensor([1, 1])
    """
    x = require_tensor(input, "multinomial", "input")
    _check_multinomial(x, num_samples, replacement)
    n, k = int(num_samples), x.shape[-1]
    rows = 1 if x.ndim == 1 else x.shape[0]
    probs = x._data.astype(np.float64).reshape(rows, k)
    out_shape = (n,) if x.ndim == 1 else (rows, n)
    if rows == 0:
        return Tensor(np.zeros(out_shape, dtype=np.int64))
    _check_weights(probs)
    rng = get_rng(generator)
    if replacement:
        # invert each row's cumulative sum at uniform points; a point that rounding puts at
        # the very end goes to the row's last category of positive weight
        cdf = np.cumsum(probs, axis=1)
        points = rng.random((rows, n)) * cdf[:, -1:]
        last = k - 1 - np.argmax(probs[:, ::-1] > 0, axis=1)
        picks = np.minimum(search_rows(cdf, points, right=True), last[:, None])
    else:
        # a race: category i finishes at time E_i / p_i (E_i exponential), and the order of
        # finishing is a draw without replacement weighted by p; weight 0 never finishes,
        # so those categories come last, in random order
        with np.errstate(divide="ignore"):
            keys = np.where(probs > 0, probs / rng.exponential(size=(rows, k)),
                            -rng.random((rows, k)))
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :n]
    return Tensor(picks.astype(np.int64).reshape(out_shape))
