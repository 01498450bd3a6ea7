"""``nn.utils.fusion``: fold an eval-mode batch norm into the convolution or linear layer
before it (one layer at inference, the same outputs), as ``torch.nn.utils.fusion``."""

from __future__ import annotations

import copy

import numpy as np

from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` whose weight and bias include ``bn``'s normalisation (both in eval
    mode); ``transpose`` for a transposed convolution (its output channels on dim 1)."""
    assert not (conv.training or bn.training), "Fusion only for eval!"
    fused = copy.deepcopy(conv)
    assert bn.running_mean is not None and bn.running_var is not None
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def _array(t: Tensor | None, like: np.ndarray, fill: float) -> np.ndarray:
    return np.full_like(like, fill) if t is None else t._data


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                         bn_eps: float, bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)``: ``w * gamma / sqrt(var + eps)`` per output channel and
    ``(b - mean) * gamma / sqrt(var + eps) + beta``."""
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    rm = bn_rm._data
    b = _array(conv_b, rm, 0.0)
    gamma, beta = _array(bn_w, rm, 1.0), _array(bn_b, rm, 0.0)
    var_rsqrt = 1.0 / np.sqrt(bn_rv._data + bn_eps)
    shape = [1, -1] if transpose else [-1, 1]
    shape += [1] * (conv_w.ndim - 2)
    fused_w = (conv_w._data * (gamma * var_rsqrt).reshape(shape)).astype(w_dtype)
    fused_b = ((b - rm) * var_rsqrt * gamma + beta).astype(b_dtype)
    b_grad = conv_b.requires_grad if conv_b is not None else False
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, b_grad)


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` whose weight and bias include ``bn``'s normalisation (both in
    eval mode); ``bn`` has ``linear.out_features`` features, or one."""
    assert not (linear.training or bn.training), "Fusion only for eval!"
    fused = copy.deepcopy(linear)
    assert linear.out_features == bn.num_features or bn.num_features == 1, (
        "To fuse, linear.out_features == bn.num_features or bn.num_features == 1")
    assert bn.running_mean is not None and bn.running_var is not None
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor,
                           bn_rv: Tensor, bn_eps: float, bn_w: Tensor,
                           bn_b: Tensor) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` of a Linear layer followed by a batch norm."""
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    rm = bn_rm._data
    b = _array(linear_b, rm, 0.0)
    scale = bn_w._data / np.sqrt(bn_rv._data + bn_eps)
    fused_w = (linear_w._data * scale[..., None].astype(w_dtype)).astype(w_dtype)
    fused_b = ((b - rm) * scale + bn_b._data).astype(b_dtype)
    b_grad = linear_b.requires_grad if linear_b is not None else False
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, b_grad)
