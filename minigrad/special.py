"""``minigrad.special``, PyTorch's ``torch.special``: the special functions minigrad has,
under that module's names (``expit`` is ``sigmoid``, ``logit`` its inverse...).

Only the ones minigrad computes exactly as PyTorch are here; the gamma, Bessel and error
function families beyond ``erf`` are not.

    >>> import minigrad as torch
    >>> torch.special.expit(torch.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

from typing import Any

from .functional.elementwise import _as_float, logit, xlogy
from .functional.numeric import log1p, round  # noqa: A004
from .tensor import Tensor, require_tensor

__all__ = ["erf", "expit", "expm1", "log1p", "log_softmax", "logit", "logsumexp", "round",
           "softmax", "xlogy"]


def expit(input: Tensor) -> Tensor:  # noqa: A002
    """The logistic sigmoid ``1 / (1 + exp(-x))`` (``torch.special.expit``); integers give
    the default float dtype."""
    (x,) = _as_float(require_tensor(input, "expit", "input"))
    return x.sigmoid()


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function, elementwise."""
    return require_tensor(input, "erf", "input").erf()


def expm1(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(x) - 1``, exact for tiny ``x``."""
    return require_tensor(input, "expm1", "input").expm1()


def logsumexp(input: Tensor, dim: int | tuple[int, ...],  # noqa: A002
              keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed stably."""
    return require_tensor(input, "logsumexp", "input").logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``exp(x) / sum(exp(x))`` along ``dim``, after casting to ``dtype`` if given."""
    return _cast(input, dtype, "softmax").softmax(dim)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``log(softmax(x))`` along ``dim``, computed stably, after casting to ``dtype``."""
    return _cast(input, dtype, "log_softmax").log_softmax(dim)


def _cast(input: Any, dtype: Any, op: str) -> Tensor:  # noqa: A002
    x = require_tensor(input, op, "input")
    return x if dtype is None else x.to(dtype)
