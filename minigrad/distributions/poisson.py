"""``Poisson(rate)``: counts of events at ``rate`` per interval."""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np

from ..functional.elementwise import xlogy
from ..rng import get_rng
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(Distribution):
    """The Poisson distribution with mean ``rate``."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Tensor | float, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        """The distribution with ``rate`` expanded to ``batch_shape``."""
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``rate``."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """``floor(rate)``."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """``rate``."""
        return self.rate

    def sample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """Counts (in ``rate``'s dtype) from minigrad's generator."""
        shape = tuple(self._extended_shape(sample_shape))
        rate = np.broadcast_to(self.rate.detach().numpy(), shape)
        return Tensor(get_rng().poisson(rate).astype(self.rate.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        """``value log(rate) - rate - lgamma(value + 1)``."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - (value + 1).lgamma()

    def entropy(self) -> Tensor:
        """Not in closed form (PyTorch's exponential-family entropy raises too)."""
        raise NotImplementedError("Poisson: entropy is not implemented (nor in PyTorch)")
