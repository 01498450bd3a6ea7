"""``Geometric(probs=... | logits=...)``: failures before the first success."""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np

from ..creation import zeros_like
from ..nn.functional import binary_cross_entropy_with_logits
from ..ops import where
from ..tensor import Size, Tensor
from . import constraints
from .bernoulli import _one_of
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits, uniform

__all__ = ["Geometric"]


class Geometric(Distribution):
    """The number of failures before the first success of trials that succeed with
    ``probs`` (or ``sigmoid(logits)``)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Tensor | float | None = None, logits: Tensor | float | None = None,
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits, "Geometric")
        name, param = ("probs", probs) if probs is not None else ("logits", logits)
        (value,) = broadcast_all(param)
        setattr(self, name, value)
        batch_shape = Size() if isinstance(param, Number) else value.size()
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not bool((self.probs > 0).all()):
            raise ValueError(f"Geometric: Expected parameter probs ({type(value).__name__} of "
                             f"shape {tuple(value.shape)}) of distribution {self!r} to be "
                             f"positive but found invalid values:\n{value}")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        """The distribution with its parameter expanded to ``batch_shape``."""
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = Size(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape))
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``1 / probs - 1``."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """0."""
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        """``(1 / probs - 1) / probs``."""
        return (1.0 / self.probs - 1.0) / self.probs

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds, from ``probs``."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """``sigmoid(logits)``."""
        return logits_to_probs(self.logits, is_binary=True)

    def sample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """``floor(log u / log(1 - probs))``, ``u`` uniform on [tiny, 1)."""
        probs = self.probs.detach()
        tiny = float(np.finfo(probs.dtype).tiny)
        u = uniform(self._extended_shape(sample_shape), probs.dtype, tiny, 1.0)
        return (u.log() / (-probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        """``value log(1 - probs) + log(probs)`` (0 at ``probs = 1, value = 0``)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """``binary_cross_entropy_with_logits(logits, probs) / probs``."""
        return binary_cross_entropy_with_logits(self.logits, self.probs,
                                                reduction="none") / self.probs
