"""``Linear``: the book's Affine layer, ``y = x W^T + b`` with PyTorch's weight layout
(``LazyLinear``, which learns ``in_features`` from its first input, is in ``lazy.py``), and
``Bilinear``, ``y = x1^T A x2 + b``."""

from __future__ import annotations

import math

import numpy as np

from ..dtypes import check_same_dtype, get_default_dtype
from ..functional.activation import bilinear, linear
from ..tensor import Tensor, require_tensor
from . import init
from ._checks import size_arg
from .module import Module
from .parameter import Parameter


def check_input_dtype(layer: Module, x: Tensor, weight: Tensor) -> None:
    """Refuse an input whose dtype differs from the weight's, as PyTorch's matmul does
    (minigrad would otherwise promote and return float64 from a float32 layer)."""
    require_tensor(x, type(layer).__name__, "input")
    check_same_dtype(type(layer).__name__, "input", x, "weight", weight)


class Linear(Module):
    """Weight ``(out_features, in_features)`` and bias ``(out_features,)``, initialised as in
    PyTorch: kaiming_uniform(a=sqrt(5)) and bias U(+-1/sqrt(in_features))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: object = None, dtype: object = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.in_features = size_arg(in_features, "in_features", name)
        self.out_features = size_arg(out_features, "out_features", name)
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        self.bias = Parameter(np.empty((self.out_features,), dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and bias with PyTorch's default initialisation."""
        if self.weight.numel():
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """``(..., in_features)`` -> ``(..., out_features)``: ``x @ weight.T + bias``."""
        check_input_dtype(self, x, self.weight)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r} expected input of shape (..., {self.in_features}), got {x.shape}"
            )
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj`` (there it
    keeps quantization tools away); the same layer here, so the reprs read the same."""


class Bilinear(Module):
    """``y = x1^T A x2 + b`` for each output feature: weight ``(out_features, in1_features,
    in2_features)`` and bias ``(out_features,)``, both drawn from U(+-1/sqrt(in1_features))
    as in PyTorch."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: object = None, dtype: object = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.in1_features = size_arg(in1_features, "in1_features", name)
        self.in2_features = size_arg(in2_features, "in2_features", name)
        self.out_features = size_arg(out_features, "out_features", name)
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.empty((self.out_features, self.in1_features,
                                          self.in2_features), dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and bias from U(+-1/sqrt(in1_features))."""
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features > 0 else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """``(..., in1_features)`` and ``(..., in2_features)`` -> ``(..., out_features)``."""
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
