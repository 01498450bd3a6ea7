"""``Dirichlet(concentration)``: points on the simplex; reparameterised as normalised
standard-gamma draws (each with its implicit gradient, see ``gamma.py``)."""

from __future__ import annotations

from typing import Any

from ..functional.elementwise import xlogy
from ..nn.functional import one_hot
from ..ops import where
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .gamma import standard_gamma

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """The Dirichlet distribution over the simplex of the last dim's size."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            raise ValueError("Dirichlet: `concentration` parameter must be at least "
                             "one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        """The distribution with ``concentration`` expanded to ``batch_shape``."""
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand((*batch_shape, *self.event_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """Gamma(concentration_i, 1) draws over their sum: differentiable in
        ``concentration``."""
        g = standard_gamma(self.concentration.expand(self._extended_shape(sample_shape)))
        return g / g.sum(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """``sum((c - 1) log x) + lgamma(sum c) - sum lgamma(c)``."""
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c - 1.0, value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    @property
    def mean(self) -> Tensor:
        """``c / sum(c)``."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """``(c - 1)^+`` normalised; a vertex where every ``c < 1``."""
        concm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concm1 / concm1.sum(-1, keepdim=True)
        vertex = one_hot(mode.argmax(-1), concm1.shape[-1]).to(mode.dtype)
        return where((self.concentration < 1).all(-1, keepdim=True), vertex, mode)

    @property
    def variance(self) -> Tensor:
        """``c (c0 - c) / (c0^2 (c0 + 1))``, ``c0 = sum(c)``."""
        c = self.concentration
        con0 = c.sum(-1, keepdim=True)
        return c * (con0 - c) / (con0.pow(2) * (con0 + 1))

    def entropy(self) -> Tensor:
        """``sum lgamma(c) - lgamma(c0) - (k - c0) digamma(c0) - sum((c - 1) digamma(c))``."""
        c = self.concentration
        k, a0 = c.shape[-1], c.sum(-1)
        return (c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))
