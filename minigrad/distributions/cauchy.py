"""``Cauchy(loc, scale)``: the Lorentz distribution (no mean, infinite variance),
reparameterised as ``loc + scale * eps`` with ``eps`` standard Cauchy."""

from __future__ import annotations

import math
from typing import Any

from ..creation import full
from ..rng import get_rng
from ..tensor import Size, Tensor
from .distribution import LocScale

__all__ = ["Cauchy"]


class Cauchy(LocScale):
    """The Cauchy distribution with median ``loc`` and half-width ``scale``."""

    @property
    def mean(self) -> Tensor:
        """NaN: undefined."""
        return full(self._extended_shape(), float("nan"), dtype=self.loc.dtype)

    @property
    def variance(self) -> Tensor:
        """Infinite."""
        return full(self._extended_shape(), float("inf"), dtype=self.loc.dtype)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """``loc + scale * eps``, ``eps`` standard Cauchy."""
        shape = tuple(self._extended_shape(sample_shape))
        eps = Tensor(get_rng().standard_cauchy(shape).astype(self.loc.dtype, copy=False))
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(pi) - log(scale) - log1p(((value - loc) / scale)^2)``."""
        if self._validate_args:
            self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - (((value - self.loc) / self.scale) ** 2).log1p())

    def cdf(self, value: Tensor) -> Tensor:
        """``atan((value - loc) / scale) / pi + 1/2``."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        """``loc + scale * tan(pi (value - 1/2))``."""
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        """``log(4 pi) + log(scale)``."""
        return math.log(4 * math.pi) + self.scale.log()
