"""``torch.nn.modules.batchnorm``'s names: minigrad's classes under PyTorch's module path."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...dtypes import get_default_dtype
from ..lazy import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d
from ..module import Module
from ..normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    SyncBatchNorm,
    _default_batch_count,
    _InstanceNorm,
    _register_running_stats,
    _reset_norm,
    _reset_running_stats,
)
from ..normalization import _BatchNorm as _MinigradBatchNorm
from ..parameter import Parameter


class _VirtualBase(type):
    """minigrad's batch and instance norms share their code through helpers rather than
    PyTorch's class tree, so ``isinstance(bn, _NormBase)`` (and ``_BatchNorm``) is answered
    here for the classes in ``_virtual``, as PyTorch's tree answers it."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return cls.__subclasscheck__(type(obj))

    def __subclasscheck__(cls, sub: type) -> bool:
        if type.__subclasscheck__(cls, sub):
            return True
        return issubclass(sub, cls.__dict__.get("_virtual", ()))


class _BatchNorm(_MinigradBatchNorm, metaclass=_VirtualBase):
    """PyTorch's ``_BatchNorm`` to subclass: its ``forward`` checks the input with the
    subclass's ``_check_input_dim``, as PyTorch's does (minigrad's own BatchNorm1d/2d/3d,
    instances of this class too, check the ranks in their ``_dims``)."""

    _virtual = (_MinigradBatchNorm,)

    def _check_input_dim(self, input: Any) -> None:  # noqa: A002
        raise NotImplementedError

    def _check_input(self, x: Any) -> None:
        self._check_input_dim(x)


class _NormBase(Module, metaclass=_VirtualBase):
    """PyTorch's common base of the batch and instance norms, for code that subclasses it:
    the affine ``weight``/``bias`` and the running statistics (buffers), their resets,
    the version-2 ``num_batches_tracked`` conversion; ``_check_input_dim`` is the
    subclass's."""

    _version = 2
    _virtual = (_MinigradBatchNorm, _InstanceNorm)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 device: object = None, dtype: object = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dt = np.dtype(dtype or get_default_dtype())
        self.register_parameter("weight", Parameter(np.ones(num_features, dt)) if affine
                                else None)
        self.register_parameter("bias", Parameter(np.zeros(num_features, dt))
                                if affine and bias else None)
        _register_running_stats(self, num_features, dt, track_running_stats)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches counted."""
        _reset_running_stats(self)

    def reset_parameters(self) -> None:
        """The running statistics reset, the affine weight 1 and bias 0."""
        _reset_norm(self)

    def _check_input_dim(self, input: Any) -> None:  # noqa: A002
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        _default_batch_count(self, state_dict, prefix, local_metadata.get("version"))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "SyncBatchNorm",
    "_BatchNorm",
    "_NormBase",
]
