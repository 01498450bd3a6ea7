"""``ContinuousBernoulli(probs | logits)``: a density on [0, 1] proportional to
``p^x (1 - p)^(1 - x)``; its normaliser and moments switch to PyTorch's Taylor expansions
near ``p = 1/2``, where the closed forms lose precision (``lims``)."""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

from ..creation import ones_like, zeros_like
from ..nn.functional import binary_cross_entropy_with_logits
from ..ops import where
from ..tensor import Size, Tensor
from . import constraints
from .bernoulli import _one_of
from .distribution import Distribution
from .utils import (
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
    uniform,
)

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(Distribution):
    """The continuous Bernoulli distribution on [0, 1] with parameter ``probs`` (or
    ``sigmoid(logits)``); reparameterised through its inverse cdf."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs: Tensor | float | None = None, logits: Tensor | float | None = None,
                 lims: tuple[float, float] = (0.499, 0.501),
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits, "ContinuousBernoulli")
        param = probs if probs is not None else logits
        (value,) = broadcast_all(param)
        if probs is not None:
            if validate_args is not None and not bool(
                    self.arg_constraints["probs"].check(value).all()):
                raise ValueError("ContinuousBernoulli: The parameter probs has invalid values")
            self.probs = clamp_probs(value)
        else:
            self.logits = value
        self._param = self.probs if probs is not None else self.logits
        self._lims = lims
        batch_shape = Size() if isinstance(param, Number) else self._param.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ContinuousBernoulli:
        """The distribution with its parameter expanded to ``batch_shape``."""
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = Size(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape))
                new._param = getattr(new, name)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _outside_unstable_region(self) -> Tensor:
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        return where(self._outside_unstable_region(), self.probs,
                     self._lims[0] * ones_like(self.probs))

    def _cont_bern_log_norm(self) -> Tensor:
        """The log normaliser ``log(2 atanh(1 - 2p) / (1 - 2p))``, a Taylor series near 1/2."""
        cut = self._cut_probs()
        below = where(cut <= 0.5, cut, zeros_like(cut))
        above = where(cut >= 0.5, cut, ones_like(cut))
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - where(
            cut <= 0.5, (-2.0 * below).log1p(), (2.0 * above - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        """``p / (2p - 1) + 1 / (log(1 - p) - log p)`` (a Taylor series near 1/2)."""
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self) -> Tensor:
        """``sqrt(variance)``."""
        return self.variance.sqrt()

    @property
    def variance(self) -> Tensor:
        """The closed form, or its Taylor series near 1/2."""
        cut = self._cut_probs()
        var = (cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2)
               + 1.0 / ((-cut).log1p() - cut.log()).pow(2))
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return where(self._outside_unstable_region(), var, taylor)

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds, from ``probs``."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """``sigmoid(logits)``, clamped inside (0, 1)."""
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given."""
        return self._param.size()

    def rsample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """``icdf(u)``, ``u`` uniform: differentiable in the parameter."""
        return self.icdf(uniform(self._extended_shape(sample_shape), self.probs.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        """``-bce_with_logits(logits, value) + log normaliser``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return (-binary_cross_entropy_with_logits(logits, value, reduction="none")
                + self._cont_bern_log_norm())

    def cdf(self, value: Tensor) -> Tensor:
        """``(p^x (1 - p)^(1 - x) + p - 1) / (2p - 1)``; ``x`` itself near ``p = 1/2``."""
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = where(self._outside_unstable_region(), cdfs, value)
        return where(value <= 0.0, zeros_like(value),
                     where(value >= 1.0, ones_like(value), unbounded))

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse cdf (``value`` itself near ``p = 1/2``)."""
        cut = self._cut_probs()
        inner = (((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p())
                 / (cut.log() - (-cut).log1p()))
        return where(self._outside_unstable_region(), inner, value)

    def entropy(self) -> Tensor:
        """``mean (log(1 - p) - log p) - log normaliser - log(1 - p)``."""
        log_probs0, log_probs1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0
