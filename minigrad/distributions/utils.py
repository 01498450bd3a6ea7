"""What the distributions share: parameters broadcast to one shape, probabilities and
logits converted into each other, standard draws from minigrad's generator, and PyTorch's
``lazy_property`` (a parameter computed on first use from the one given)."""

from __future__ import annotations

from collections.abc import Callable
from numbers import Number
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..rng import get_rng
from ..tensor import Size, Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits"]


_SCALAR_OR_TENSOR = (Tensor, Number, np.number)


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Tensors and numbers as Tensors of one broadcast shape; numbers take the first
    tensor's dtype (the default float dtype if none is a tensor), as PyTorch's."""
    if not all(isinstance(v, _SCALAR_OR_TENSOR) for v in values):
        raise ValueError("broadcast_all: input arguments must all be instances of numbers.Number"
                         " or minigrad.Tensor")
    as_tensors = _as_tensors(values)
    shape = np.broadcast_shapes(*(t.shape for t in as_tensors))
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in as_tensors)


def _as_tensors(values: tuple) -> list[Tensor]:
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = tensors[0].dtype if tensors else get_default_dtype()
    return [v if isinstance(v, Tensor) else Tensor(np.array(v, dtype=dtype)) for v in values]


def broadcast_shapes(*shapes: Any) -> Size:
    """``torch.broadcast_shapes``: the shape the given ones broadcast to."""
    return Size(np.broadcast_shapes(*(tuple(s) for s in shapes)))


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` kept a machine epsilon away from 0 and 1, so their logs are finite."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds of binary probabilities, or the log of categorical ones."""
    ps = clamp_probs(probs)
    return ps.log() - (-ps).log1p() if is_binary else ps.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Sigmoid of binary logits, or the softmax of categorical ones (last dim)."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


class lazy_property:  # noqa: N801  (PyTorch's name)
    """Computed on first access and stored on the instance (``Bernoulli.logits`` from
    ``probs``); on the class, the descriptor itself."""

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its rightmost ``dim`` dims."""
    return value if dim == 0 else value.reshape(*value.shape[:-dim], -1).sum(-1)


def standard_normal(shape: tuple, dtype: Any) -> Tensor:
    """N(0, 1) draws of ``shape`` from minigrad's generator."""
    return Tensor(get_rng().standard_normal(tuple(shape)).astype(dtype, copy=False))


def uniform(shape: tuple, dtype: Any, low: float = 0.0, high: float = 1.0) -> Tensor:
    """U[low, high) draws of ``shape`` from minigrad's generator."""
    draws = get_rng().uniform(low, high, tuple(shape)).astype(dtype, copy=False)
    below_high = np.nextafter(np.array(high, dtype=dtype), np.array(low, dtype=dtype))
    return Tensor(np.minimum(draws, below_high))  # a float32 cast may round up to ``high``
