"""``HalfCauchy(scale)``: ``|X|`` for ``X ~ Cauchy(0, scale)`` (``AbsTransform`` of the
base, as PyTorch builds it)."""

from __future__ import annotations

import math
from typing import Any

from ..creation import full
from ..tensor import Tensor
from .cauchy import Cauchy
from .half_normal import _Folded
from .transforms import AbsTransform

__all__ = ["HalfCauchy"]


class HalfCauchy(_Folded):
    """``|X|`` for ``X ~ Cauchy(0, scale)``."""

    def __init__(self, scale: Tensor | float, validate_args: bool | None = None) -> None:
        super().__init__(Cauchy(0, scale, validate_args=False), AbsTransform(),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfCauchy:
        """The distribution with ``scale`` expanded to ``batch_shape``."""
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        """Infinite."""
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self) -> Tensor:
        """Infinite (the base's)."""
        return self.base_dist.variance
