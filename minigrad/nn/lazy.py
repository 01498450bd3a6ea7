"""``LazyConv2d``: a ``Conv2d`` that reads ``in_channels`` from its first input (the
convolution itself is helper-owned ``nn.conv``; this file only defers its weight)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .conv import Conv2d


class LazyConv2d(Conv2d):
    """``Conv2d(in_channels=<from the first input>, out_channels, kernel_size, ...)``; build
    the optimizer after one forward, as in PyTorch."""

    def __init__(self, out_channels: int, kernel_size: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(1, out_channels, kernel_size, *args, **kwargs)
        self._lazy = True

    def has_uninitialized_params(self) -> bool:
        """True until the first forward has fixed ``in_channels``."""
        return self.__dict__.get("_lazy", False)

    def forward(self, x: Tensor) -> Tensor:
        """Materialise the weight from ``x.shape[1]`` on the first call, then convolve."""
        if self.has_uninitialized_params() and isinstance(x, Tensor) and x.ndim == 4:
            groups = getattr(self, "groups", 1)
            self.in_channels = x.shape[1]
            shape = (self.out_channels, self.in_channels // groups, *self.weight.shape[2:])
            self.weight._data = np.empty(shape, self.weight.dtype)
            self._lazy = False
            self.reset_parameters()
        return super().forward(x)
