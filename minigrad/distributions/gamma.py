"""``Gamma(concentration, rate)``, and the reparameterised standard-gamma draw the Gamma
family shares: ``x`` from numpy's sampler, its gradient by implicit differentiation of the
cdf, ``dx/da = -(dP/da)(a, x) / p(a, x)``, as PyTorch's ``_standard_gamma_grad``.

``dP/da`` (the incomplete gamma function's derivative in its shape) has no closed form; it
is a central difference of ``minigrad.special``'s float64 ``P`` (or ``Q = 1 - P`` where ``P``
is near 1), good to about 1e-9. As in PyTorch, that gradient has no derivative of its own:
a second backward through it raises.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np

from .. import special_math as _sm
from ..autograd import Context, Function
from ..functional.elementwise import xlogy
from ..rng import get_rng
from ..special import gammainc
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Gamma"]


def _standard_gamma_grad(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/da`` of a standard gamma draw ``x`` with shape ``a``: -(dP/da) / density."""
    a64, x64 = np.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    h = 1e-5 * np.maximum(a64, 1.0)
    h = np.minimum(h, 0.5 * a64)  # keep a - h positive
    upper = x64 > a64  # there P is near 1: difference Q instead (dP/da = -dQ/da)
    fn = np.where(upper, -1.0, 1.0)
    dp = np.where(upper, _sm.igammac(a64 + h, x64) - _sm.igammac(a64 - h, x64),
                  _sm.igamma(a64 + h, x64) - _sm.igamma(a64 - h, x64)) * fn / (2 * h)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_density = (a64 - 1) * np.log(x64) - x64 - _sm.lgamma(a64)
        out = -dp / np.exp(log_density)
    return np.where(np.isfinite(out), out, 0.0).astype(a.dtype, copy=False)


class _StandardGammaGrad(Function):
    """The gradient factor ``dx/da``; PyTorch has no derivative for it either."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, x: Tensor) -> np.ndarray:
        return _standard_gamma_grad(a._data, x._data)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        raise NotImplementedError("_standard_gamma_grad: the derivative of a gamma draw's "
                                  "gradient is not implemented (nor in PyTorch)")


class StandardGamma(Function):
    """Draws from Gamma(a, 1), one per element of ``a``; gradient ``g * dx/da``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        # numpy returns a Python float for a 0-d shape: back to an array
        draws = np.asarray(get_rng().standard_gamma(a._data.astype(np.float64)))
        tiny = np.finfo(a.dtype).tiny
        x = np.maximum(draws.astype(a.dtype, copy=False), tiny)  # as PyTorch: never 0
        ctx.save_for_backward(a)
        ctx.x = x
        return x

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return g * _StandardGammaGrad.apply(a, Tensor(ctx.x))


def standard_gamma(concentration: Tensor) -> Tensor:
    """``torch._standard_gamma``: reparameterised Gamma(concentration, 1) draws."""
    return StandardGamma.apply(concentration)


class Gamma(Distribution):
    """The gamma distribution with shape ``concentration`` and inverse scale ``rate``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Tensor | float, rate: Tensor | float,
                 validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, Number) and isinstance(rate, Number)
        batch_shape = Size() if scalar else self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        """The distribution with its parameters expanded to ``batch_shape``."""
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``concentration / rate``."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """``(concentration - 1) / rate``, at least 0."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """``concentration / rate^2``."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """``standard_gamma(concentration) / rate``: differentiable in both."""
        shape = self._extended_shape(sample_shape)
        return standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """``c log r + (c - 1) log x - r x - lgamma(c)``."""
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return xlogy(c, r) + xlogy(c - 1, value) - r * value - c.lgamma()

    def cdf(self, value: Tensor) -> Tensor:
        """``P(concentration, rate * value)`` (differentiable in ``value`` and ``rate``)."""
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """``c - log r + lgamma(c) + (1 - c) digamma(c)``."""
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()
