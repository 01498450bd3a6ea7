"""``NegativeBinomial(total_count, probs=... | logits=...)``: successes before
``total_count`` failures; drawn as a gamma-Poisson mixture, as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.functional import logsigmoid
from ..rng import get_rng
from ..tensor import Size, Tensor
from . import constraints
from .bernoulli import _one_of
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["NegativeBinomial"]


class NegativeBinomial(Distribution):
    """The number of successes (each with ``probs``) before ``total_count`` failures."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Tensor | float, probs: Tensor | float | None = None,
                 logits: Tensor | float | None = None,
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits, "NegativeBinomial")
        name, param = ("probs", probs) if probs is not None else ("logits", logits)
        count, value = broadcast_all(total_count, param)
        setattr(self, name, value)
        self.total_count = count.type_as(value)
        self._param = value
        super().__init__(value.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> NegativeBinomial:
        """The distribution with its parameters expanded to ``batch_shape``."""
        new = self._get_checked_instance(NegativeBinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape))
                new._param = getattr(new, name)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``total_count * exp(logits)``."""
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        """``floor((total_count - 1) exp(logits))``, at least 0."""
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        """``mean / sigmoid(-logits)``."""
        return self.mean / (-self.logits).sigmoid()

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds, from ``probs``."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """``sigmoid(logits)``."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given."""
        return self._param.size()

    @lazy_property
    def _gamma(self) -> Gamma:
        return Gamma(concentration=self.total_count, rate=(-self.logits).exp(),
                     validate_args=False)

    def sample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """Poisson draws at gamma-distributed rates (in the parameter's dtype)."""
        rate = self._gamma.sample(sample_shape).numpy()
        return Tensor(get_rng().poisson(rate.astype(np.float64)).astype(rate.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        """``n logsigmoid(-logits) + k logsigmoid(logits) + lgamma(n+k) - lgamma(k+1) -
        lgamma(n)`` (0 normaliser where ``n + k = 0``)."""
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        log_unnormalized = n * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        log_norm = -(n + value).lgamma() + (1.0 + value).lgamma() + n.lgamma()
        log_norm = log_norm.masked_fill(n + value == 0.0, 0.0)
        return log_unnormalized - log_norm
