"""Normalisation layers: ``LocalResponseNorm`` (AlexNet), ``BatchNorm1d``/``2d``/``3d``,
``SyncBatchNorm`` (batch norm of any rank, as one process runs it), ``LayerNorm``,
``GroupNorm``, ``InstanceNorm1d``/``2d``/``3d`` and ``RMSNorm``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..functional.norm import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
from ..tensor import Tensor, require_tensor
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


def _register_running_stats(m: Module, n: int, dtype: np.dtype, track: bool) -> None:
    """The running mean/var and batch count buffers (None when not tracked), as PyTorch's
    batch and instance norms have them."""
    for name, value in (("running_mean", np.zeros(n, dtype)), ("running_var", np.ones(n, dtype)),
                        ("num_batches_tracked", np.array(0, np.int64))):
        m.register_buffer(name, Tensor(value) if track else None)


def _default_batch_count(m: Module, state_dict: dict, prefix: str, version: int | None) -> None:
    """PyTorch's batch and instance norms added ``num_batches_tracked`` at version 2: a
    checkpoint from before (or without metadata) that lacks it keeps the layer's own count."""
    key = prefix + "num_batches_tracked"
    if (version is None or version < 2) and m.track_running_stats and key not in state_dict:
        state_dict[key] = m.num_batches_tracked


def _reset_running_stats(m: Module) -> None:
    if m.track_running_stats:
        m.running_mean._data[...] = 0
        m.running_var._data[...] = 1
        m.num_batches_tracked._data[...] = 0


def _reset_norm(m: Module) -> None:
    """PyTorch's ``_NormBase.reset_parameters``: the running statistics reset, the affine
    weight 1 and bias 0."""
    _reset_running_stats(m)
    if m.weight is not None:
        m.weight._data[...] = 1
    if m.bias is not None:
        m.bias._data[...] = 0


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d/3d: per-channel (dim 1) statistics; running mean/var and
    ``num_batches_tracked`` are buffers, so they are saved and loaded like PyTorch's.
    PyTorch's signature: ``dtype`` for the parameters and statistics, ``bias=False`` (with
    ``affine``) learns only the scale, ``device`` is accepted and the CPU's."""

    _dims: tuple[int, ...] = ()
    _expect = ""
    _version = 2  # num_batches_tracked added (PyTorch's _NormBase)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 device: object = None, dtype: object = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = size_arg(num_features, "num_features", type(self).__name__)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        n = self.num_features
        dt = np.dtype(dtype or get_default_dtype())
        self.register_parameter("weight", Parameter(np.ones(n, dt)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(n, dt)) if affine and bias
                                else None)
        _register_running_stats(self, n, dt, track_running_stats)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches counted."""
        _reset_running_stats(self)

    def reset_parameters(self) -> None:
        """Reset the running statistics, and the affine weight to 1 and bias to 0."""
        _reset_norm(self)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        """A version-1 checkpoint (or one without metadata) may lack ``num_batches_tracked``."""
        _default_batch_count(self, state_dict, prefix, local_metadata.get("version"))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        use_batch_stats = self.training or not self.track_running_stats
        track = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            self._count_batch(),
            self.eps,
        )

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in self._dims or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) expected input of shape "
                f"{self._expect.format(c=self.num_features)}, got {x.shape}"
            )

    def _count_batch(self) -> float:
        """Count a training batch (when the statistics are tracked) and return the factor
        the running statistics move by: ``momentum``, or ``1/batches`` for the cumulative
        average that ``momentum=None`` asks for."""
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data[...] += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        return factor

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over ``(N, C)`` or ``(N, C, L)`` input."""

    _dims = (2, 3)
    _expect = "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over ``(N, C, H, W)`` input: one mean and variance per channel."""

    _dims = (4,)
    _expect = "(N, {c}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch norm over ``(N, C, D, H, W)`` input (video, volumes): one mean and variance
    per channel."""

    _dims = (5,)
    _expect = "(N, {c}, D, H, W)"


class SyncBatchNorm(_BatchNorm):
    """PyTorch's ``nn.SyncBatchNorm``: batch norm over ``(N, C, *)`` input of any rank whose
    statistics a multi-process run would gather from every process. minigrad trains in one
    process, where PyTorch's computes plain batch norm too, so this is that; the
    ``process_group`` is kept and unused. ``convert_sync_batchnorm`` swaps it in for a
    model's batch norms, as programs written for DistributedDataParallel do."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: Any = None, device: object = None, dtype: object = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)
        self.process_group = process_group

    def _check_input(self, x: Tensor) -> None:
        """At least ``(N, C)``, with channels; a channel count that differs from the
        parameters' is batch_norm's RuntimeError, as in PyTorch."""
        x = require_tensor(x, "SyncBatchNorm", "input")
        if x.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {x.ndim}D input "
                             f"of shape {x.shape})")
        if x.shape[1] == 0:
            raise ValueError(f"SyncBatchNorm: number of input channels should be non-zero, got "
                             f"input of shape {x.shape}")

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every batch norm in it (``BatchNorm1d/2d/3d``, or ``module``
        itself) replaced by a SyncBatchNorm holding the same parameters, running statistics
        and training mode; the other modules are kept, in place."""
        out = module
        if isinstance(module, _BatchNorm):
            out = SyncBatchNorm(module.num_features, module.eps, module.momentum,
                                module.affine, module.track_running_stats, process_group,
                                bias=module.bias is not None)
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                setattr(out, name, getattr(module, name))
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out


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


class _InstanceNorm(Module):
    """Normalise each channel of each sample over its positions (style transfer, GANs).
    ``affine=False`` and ``track_running_stats=False`` by default, as in PyTorch; with
    ``track_running_stats`` the running mean/var are buffers and normalise in eval mode;
    ``bias=False`` (with ``affine``) learns only the scale. The subclasses differ only in
    ``_spatial``, how many position dims the input has (after ``N, C``, or ``C`` unbatched)."""

    _spatial: int
    _version = 2  # PyTorch's _NormBase

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False,
                 device: object = None, dtype: object = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = size_arg(num_features, "num_features", type(self).__name__)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        n = self.num_features
        dt = np.dtype(dtype or get_default_dtype())
        self.register_parameter("weight", Parameter(np.ones(n, dt)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(n, dt)) if affine and bias
                                else None)
        _register_running_stats(self, n, dt, track_running_stats)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches counted."""
        _reset_running_stats(self)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        """As PyTorch's: a checkpoint without metadata (from before 0.4.0, when instance
        norms kept running statistics by default) whose running statistics this layer does
        not track is an error, reported with the keys dropped; then the batch count as in
        BatchNorm."""
        version = local_metadata.get("version")
        stale = [prefix + n for n in ("running_mean", "running_var") if prefix + n in state_dict]
        if version is None and not self.track_running_stats and stale:
            error_msgs.append(_stale_stats_message(type(self).__name__, stale))
            for key in stale:
                state_dict.pop(key)
        _default_batch_count(self, state_dict, prefix, version)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)

    def reset_parameters(self) -> None:
        """Reset the running statistics, and the affine weight to 1 and bias to 0."""
        _reset_norm(self)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, C, *spatial)`` (or ``(C, *spatial)``) normalised per sample and channel."""
        name, d = type(self).__name__, self._spatial + 1
        if not isinstance(x, Tensor) or x.ndim not in (d, d + 1):
            shape = f"{x.ndim}D" if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{name}: expected {d}D or {d + 1}D input (got {shape} input)")
        unbatched = x.ndim == d
        if unbatched:
            x = x.unsqueeze(0)
        if x.shape[1] != self.num_features:
            if self.affine:
                raise ValueError(f"{name}: expected input's size at dim=1 to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{x.shape[1]}.")
            warnings.warn(f"{name}: input's size at dim=1 does not match "
                          f"num_features. You can silence this warning by not passing in "
                          f"num_features, which is not used because affine=False "
                          f"(num_features={self.num_features}, got {x.shape[1]})",
                          stacklevel=2)
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if unbatched else out

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


def _stale_stats_message(klass: str, keys: list[str]) -> str:
    names = " and ".join(f'"{k}"' for k in keys)
    return (f"Unexpected running stats buffer(s) {names} for {klass} with "
            "track_running_stats=False. If state_dict is a checkpoint saved before 0.4.0, this "
            f"may be expected because {klass} does not track running stats by default since "
            "0.4.0. Please remove these keys from state_dict. If the running stats are "
            f"actually needed, instead set track_running_stats=True in {klass} to enable them. "
            f"See the documentation of {klass} for details.")


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over ``(N, C, L)`` or ``(C, L)`` input."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over ``(N, C, H, W)`` or ``(C, H, W)`` input."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input."""

    _spatial = 3


class RMSNorm(Module):
    """Divide each sample by its root mean square over the last dims ``normalized_shape``
    (no centring, unlike ``LayerNorm``; LLaMA's norm); ``elementwise_affine`` adds a
    learnable ``weight`` (ones). ``eps=None`` is the input dtype's machine epsilon."""

    def __init__(self, normalized_shape: int | list[int] | tuple[int, ...],
                 eps: float | None = None, elementwise_affine: bool = True,
                 device: object = None, dtype: object = None) -> None:
        super().__init__()
        shape = ((normalized_shape,) if isinstance(normalized_shape, (int, np.integer))
                 else tuple(normalized_shape))
        self.normalized_shape = tuple(size_arg(s, "normalized_shape", "RMSNorm")
                                      for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            dt = np.dtype(dtype or get_default_dtype())
            self.weight = Parameter(np.ones(self.normalized_shape, dt))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """Set the weight back to ones."""
        if self.weight is not None:
            self.weight._data[...] = 1

    def forward(self, x: Tensor) -> Tensor:
        """Same shape as ``x``."""
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
