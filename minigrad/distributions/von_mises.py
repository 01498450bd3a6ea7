"""``VonMises(loc, concentration)``: the circular normal on ``[-pi, pi)``; drawn by Best and
Fisher's rejection sampler, as PyTorch's. The log normaliser ``log I0(concentration)`` is
minigrad's exact ``log(i0e(k)) + k`` (PyTorch uses a polynomial fit good to about 1e-7)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..rng import get_rng
from ..special import i0e, i1e
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]


def _rejection_sample(loc: np.ndarray, kappa: np.ndarray, shape: tuple) -> np.ndarray:
    """Best-Fisher draws around 0 (float64), shifted by ``loc`` and wrapped to [-pi, pi)."""
    rng = get_rng()
    loc, kappa = np.broadcast_to(loc, shape), np.broadcast_to(kappa, shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = 1 + np.sqrt(1 + 4 * kappa ** 2)
        rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
        r = np.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))
    x, done = np.zeros(shape), np.zeros(shape, dtype=bool)
    while not done.all():
        u1, u2, u3 = rng.uniform(size=(3, *shape))
        z = np.cos(math.pi * u1)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = (1 + r * z) / (r + z)
            c = kappa * (r - f)
            accept = ~done & (((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0))
            x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(np.clip(f, -1, 1)), x)
        done |= accept
    return np.mod(x + math.pi + loc, 2 * math.pi) - math.pi


class VonMises(Distribution):
    """The von Mises distribution: mean direction ``loc``, concentration ``concentration``
    (``1 / concentration`` plays the variance's part)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Tensor | float, concentration: Tensor | float,
                 validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, Size(), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> VonMises:
        """A new distribution with both parameters expanded to ``batch_shape``."""
        validate_args = self.__dict__.get("_validate_args")
        return type(self)(self.loc.expand(batch_shape), self.concentration.expand(batch_shape),
                          validate_args=validate_args)

    def log_prob(self, value: Tensor) -> Tensor:
        """``k cos(value - loc) - log(2 pi) - log I0(k)``."""
        if self._validate_args:
            self._validate_sample(value)
        k = self.concentration
        return k * (value - self.loc).cos() - math.log(2 * math.pi) - (i0e(k).log() + k)

    def sample(self, sample_shape: Any = Size()) -> Tensor:  # noqa: B008
        """Rejection-sampled angles in [-pi, pi), from minigrad's generator."""
        shape = tuple(self._extended_shape(sample_shape))
        draws = _rejection_sample(self.loc.detach().numpy().astype(np.float64),
                                  self.concentration.detach().numpy().astype(np.float64), shape)
        return Tensor(draws.astype(self.loc.dtype))

    @property
    def mean(self) -> Tensor:
        """``loc`` (the circular mean)."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:  # type: ignore[override]
        """The circular variance ``1 - I1(k) / I0(k)``."""
        k = self.concentration
        return 1 - i1e(k) / i0e(k)
