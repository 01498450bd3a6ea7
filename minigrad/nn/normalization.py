"""Normalisation layers: ``LocalResponseNorm`` (AlexNet) and ``BatchNorm1d``/``BatchNorm2d``."""

from __future__ import annotations

import numpy as np

from ..ops.norm import batch_norm, local_response_norm
from ..tensor import DEFAULT_FLOAT, Tensor
from .module import Module
from .parameter import Parameter


class LocalResponseNorm(Module):
    """Normalise each activation by the energy of ``size`` neighbouring channels, with
    PyTorch's formula (``alpha`` is divided by ``size``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = int(size), alpha, beta, k

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
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        n = self.num_features
        if affine:
            self.weight = Parameter(np.ones(n, DEFAULT_FLOAT))
            self.bias = Parameter(np.zeros(n, DEFAULT_FLOAT))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(n, DEFAULT_FLOAT)))
            self.register_buffer("running_var", Tensor(np.ones(n, DEFAULT_FLOAT)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._dims or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) expected input of shape "
                f"{self._expect.format(c=self.num_features)}, got {x.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.data)
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
