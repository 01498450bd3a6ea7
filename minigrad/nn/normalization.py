"""Normalisation layers: ``LocalResponseNorm`` (AlexNet), ``BatchNorm1d``/``BatchNorm2d``,
``LayerNorm`` and ``GroupNorm``."""

from __future__ import annotations

import numpy as np

from ..dtypes import get_default_dtype
from ..ops.norm import batch_norm, group_norm, layer_norm, local_response_norm
from ..tensor import Tensor
from ._checks import size_arg
from .module import Module
from .parameter import Parameter


class LocalResponseNorm(Module):
    """Normalise each activation by the energy of ``size`` neighbouring channels, with
    PyTorch's formula (``alpha`` is divided by ``size``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size_arg(size, "size", "LocalResponseNorm", minimum=1)
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, ...)`` normalised across nearby channels; same shape."""
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: per-channel (dim 1) statistics; running mean/var and
    ``num_batches_tracked`` are buffers, so they are saved and loaded like PyTorch's."""

    _dims: tuple[int, ...] = ()
    _expect = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True) -> None:
        super().__init__()
        self.num_features = size_arg(num_features, "num_features", type(self).__name__)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        n = self.num_features
        if affine:
            self.weight = Parameter(np.ones(n, get_default_dtype()))
            self.bias = Parameter(np.zeros(n, get_default_dtype()))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(n, get_default_dtype())))
            self.register_buffer("running_var", Tensor(np.ones(n, get_default_dtype())))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._dims or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) expected input of shape "
                f"{self._expect.format(c=self.num_features)}, got {x.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data[...] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch_stats = self.training or not self.track_running_stats
        track = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over ``(N, C)`` or ``(N, C, L)`` input."""

    _dims = (2, 3)
    _expect = "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over ``(N, C, H, W)`` input: one mean and variance per channel."""

    _dims = (4,)
    _expect = "(N, {c}, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its last dims ``normalized_shape`` (transformers' norm);
    ``elementwise_affine`` adds a learnable ``weight`` (ones) and ``bias`` (zeros)."""

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: object = None,
                 dtype: object = None) -> None:
        super().__init__()
        shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                 else tuple(normalized_shape))
        self.normalized_shape = tuple(size_arg(s, "normalized_shape", "LayerNorm")
                                      for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dt = np.dtype(dtype or get_default_dtype())
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dt))
            self.bias = Parameter(np.zeros(self.normalized_shape, dt)) if bias else None
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        """Same shape as ``x``."""
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise each sample over groups of ``num_channels // num_groups`` channels;
    ``affine`` adds a per-channel ``weight`` and ``bias``."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: object = None, dtype: object = None) -> None:
        super().__init__()
        self.num_groups = size_arg(num_groups, "num_groups", "GroupNorm", minimum=1)
        self.num_channels = size_arg(num_channels, "num_channels", "GroupNorm")
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.eps, self.affine = eps, affine
        dt = np.dtype(dtype or get_default_dtype())
        if affine:
            self.weight = Parameter(np.ones(self.num_channels, dt))
            self.bias = Parameter(np.zeros(self.num_channels, dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, ...)`` -> same shape."""
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
