"""``Linear``: the book's Affine layer, ``y = x W^T + b`` with PyTorch's weight layout."""

from __future__ import annotations

import math

import numpy as np

from ..ops.activation import linear
from ..tensor import DEFAULT_FLOAT, Tensor
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """Weight ``(out_features, in_features)`` and bias ``(out_features,)``, initialised as in
    PyTorch: kaiming_uniform(a=sqrt(5)) and bias U(+-1/sqrt(in_features))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: object = None) -> None:
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = dtype or DEFAULT_FLOAT
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        self.bias = Parameter(np.empty((self.out_features,), dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and bias with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """``(..., in_features)`` -> ``(..., out_features)``: ``x @ weight.T + bias``."""
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r} expected input of shape (..., {self.in_features}), got {x.shape}"
            )
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
