"""``Laplace(loc, scale)``: the double exponential, reparameterised through its inverse
cdf."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Size, Tensor
from .distribution import LocScale
from .utils import uniform

__all__ = ["Laplace"]


class Laplace(LocScale):
    """The Laplace distribution with location ``loc`` and scale ``scale``."""

    @property
    def mean(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``2 scale^2``."""
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        """``sqrt(2) scale``."""
        return (2 ** 0.5) * self.scale

    def rsample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """``loc - scale * sign(u) * log(1 - |u|)``, ``u`` uniform on (-1, 1), as PyTorch."""
        eps = float(np.finfo(self.loc.dtype).eps)
        u = uniform(self._extended_shape(sample_shape), self.loc.dtype, eps - 1, 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(2 scale) - |value - loc| / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        """``1/2 - sign(d)/2 * expm1(-|d| / scale)``, ``d = value - loc``."""
        if self._validate_args:
            self._validate_sample(value)
        d = value - self.loc
        return 0.5 - 0.5 * d.sign() * (-d.abs() / self.scale).expm1()

    def icdf(self, value: Tensor) -> Tensor:
        """``loc - scale * sign(t) * log(1 - 2|t|)``, ``t = value - 1/2``."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        """``1 + log(2 scale)``."""
        return 1 + (2 * self.scale).log()
