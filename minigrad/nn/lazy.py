"""Lazy layers: ``LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``,
``LazyBatchNorm1d/2d/3d`` and ``LazyInstanceNorm1d/2d/3d`` read their input size
(``in_features``, ``in_channels``, ``num_features``) from their first input, as PyTorch's.

Until then their weights are ``UninitializedParameter``s (and the norms' running
statistics ``UninitializedBuffer``s), which have no shape. The first call materialises
them, initialises them as the concrete layer does, and turns the module into that layer
(``cls_to_become``: a ``LazyConv2d`` becomes a ``Conv2d``), so build the optimizer after
one forward. Loading a state dict into a lazy module materialises what it loads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._checks import size_arg
from .conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from .linear import Linear
from .normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    _BatchNorm,
    _InstanceNorm,
)
from .parameter import UninitializedBuffer, UninitializedParameter, is_lazy

__all__ = [
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d",
    "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
    "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear",
    "LazyModuleMixin",
]


def _shape_or_none(value: Any) -> tuple[int, ...] | None:
    """The shape a loaded value gives an uninitialized entry; None for a value that is
    uninitialized itself (minigrad's or PyTorch's, or the empty placeholder a saved one
    becomes)."""
    if is_lazy(value):
        return None
    try:
        shape = tuple(value.shape)
    except RuntimeError:  # PyTorch's UninitializedParameter has no shape either
        return None
    return None if shape == (0,) else shape


def _materialize(t: Any, shape: tuple[int, ...]) -> None:
    """Give ``t`` its shape if it has none yet (a failed ``load_state_dict`` may have given
    some entries theirs already)."""
    if is_lazy(t):
        t.materialize(shape)


def _infer_parameters(module: Any, args: tuple, kwargs: dict) -> None:
    """The forward pre-hook every lazy module starts with: shapes from the first input,
    then the concrete class; the hook takes itself out."""
    module.initialize_parameters(*args, **kwargs)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if not module._forward_pre_hooks and not module._forward_hooks:
        del module.__dict__["_forward_pre_hooks"], module.__dict__["_forward_hooks"]
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """PyTorch's ``LazyModuleMixin``: put it first among a layer's bases and write
    ``initialize_parameters(input)``, which materialises the ``Uninitialized*`` entries;
    the first call runs it (a forward pre-hook, so hooks registered later see the real
    shapes) and the module becomes ``cls_to_become``."""

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters,
                                                               with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        """True while a parameter or buffer has no shape yet."""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialise the parameters from the first input (each lazy layer writes it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def _sizes_from_parameters(self) -> None:
        """After a state dict gave every parameter its shape: the sizes they imply."""

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """The uninitialized entries go in as they are (PyTorch's ``<UninitializedParameter>``)."""
        for name, t in self._local_state().items():
            destination[prefix + name] = t if keep_vars or is_lazy(t) else t.detach()

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        """An uninitialized entry that the state dict holds takes its shape first (PyTorch's
        load hook); then the sizes follow, and the values load as usual. One that the state
        dict holds uninitialized too (a lazy module's state dict) stays as it is."""
        both_unset = []
        for name, t in self._local_state().items():
            key = prefix + name
            if key in state_dict and is_lazy(t):
                shape = _shape_or_none(state_dict[key])
                if shape is None:
                    both_unset.append(key)
                else:
                    t.materialize(shape)
        if not self.has_uninitialized_params():
            self._sizes_from_parameters()
        rest = {k: v for k, v in state_dict.items() if k not in both_unset}
        super()._load_from_state_dict(rest, prefix, local_metadata, strict,  # type: ignore[misc]
                                      missing_keys, unexpected_keys, error_msgs)
        for key in both_unset:  # held, and nothing to copy
            if key in missing_keys:
                missing_keys.remove(key)


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear(in_features=<the first input's last dim>, out_features)``."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: object = None,
                 dtype: object = None) -> None:
        super().__init__(0, 0, False, device, dtype)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = size_arg(out_features, "out_features", "LazyLinear")
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        """Linear's initialisation, once the weight has its shape."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """``in_features`` from the last dim of ``input``."""
        if self.has_uninitialized_params():
            if not isinstance(input, Tensor) or input.ndim == 0:
                shape = input.shape if isinstance(input, Tensor) else type(input).__name__
                raise ValueError(f"LazyLinear: expected an input of shape (..., in_features), "
                                 f"got {shape}")
            self.in_features = input.shape[-1]
            _materialize(self.weight, (self.out_features, self.in_features))
            _materialize(self.bias, (self.out_features,))
            self.reset_parameters()

    def _sizes_from_parameters(self) -> None:
        self.in_features = self.weight.shape[1]


class _LazyConvMixin(LazyModuleMixin):
    """What the lazy convolutions share: ``in_channels`` from the first input's dim 1 (dim
    0 unbatched), the weight in the concrete layer's layout and initialisation."""

    def reset_parameters(self) -> None:
        """The convolution's initialisation, once the weight has its shape."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """Materialise weight and bias for ``input``'s channels."""
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._get_in_channels(input)
        if self.in_channels % self.groups:
            raise ValueError(f"{type(self).__name__}: in_channels must be divisible by groups: "
                             f"{self.in_channels} input channels, groups={self.groups}")
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        _materialize(self.weight, shape)
        _materialize(self.bias, (self.out_channels,))
        self.reset_parameters()

    def _get_in_channels(self, input: Tensor) -> int:
        name, dims = type(self).__name__, self._spatial + 1
        if not isinstance(input, Tensor) or input.ndim not in (dims, dims + 1):
            shape = input.shape if isinstance(input, Tensor) else type(input).__name__
            raise RuntimeError(f"{name}: Expected {dims}D (unbatched) or {dims + 1}D (batched) "
                               f"input to {name}, but got input of size: {shape}")
        return input.shape[1] if input.ndim == dims + 1 else input.shape[0]

    def _sizes_from_parameters(self) -> None:
        w = self.weight.shape
        self.in_channels = w[0] if self.transposed else w[1] * self.groups

    def _lazy_init(self, out_channels: int, bias: bool, dtype: object) -> None:
        """Placeholders where the concrete ``__init__`` (run with no channels) put empty
        weights, as PyTorch's lazy convolutions do."""
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_channels = size_arg(out_channels, "out_channels", type(self).__name__)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)


class _LazyConvNd(_LazyConvMixin):
    """LazyConv1d/2d/3d: PyTorch's signature, without ``in_channels``."""

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: object = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device, dtype)
        self._lazy_init(out_channels, bias, dtype)


class _LazyConvTransposeNd(_LazyConvMixin):
    """LazyConvTranspose1d/2d/3d: PyTorch's signature, without ``in_channels``."""

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: object = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False,
                         dilation, padding_mode, device, dtype)
        self._lazy_init(out_channels, bias, dtype)


class LazyConv1d(_LazyConvNd, Conv1d):
    """``Conv1d(in_channels=<from the first input>, out_channels, kernel_size, ...)``."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    """``Conv2d(in_channels=<from the first input>, out_channels, kernel_size, ...)``."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    """``Conv3d(in_channels=<from the first input>, out_channels, kernel_size, ...)``."""

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    """``ConvTranspose1d(in_channels=<from the first input>, out_channels, ...)``."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    """``ConvTranspose2d(in_channels=<from the first input>, out_channels, ...)``."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    """``ConvTranspose3d(in_channels=<from the first input>, out_channels, ...)``."""

    cls_to_become = ConvTranspose3d


class _LazyNormMixin(LazyModuleMixin):
    """What the lazy batch and instance norms share: ``num_features`` from the first
    input, then weight 1, bias 0 and the running statistics 0 and 1, as the concrete
    layer starts. PyTorch's defaults: ``affine=True`` and ``track_running_stats=True``,
    for the instance norms too."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: object = None,
                 dtype: object = None, *, bias: bool = True) -> None:
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = Tensor(np.array(0, np.int64))

    def reset_parameters(self) -> None:
        """The norm's starting values, once the parameters have their shape."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor) -> None:
        """Materialise the parameters and statistics for ``input``'s channels."""
        if self.has_uninitialized_params():
            self.num_features = self._channels_of(input)
            for name in ("weight", "bias", "running_mean", "running_var"):
                _materialize(getattr(self, name), (self.num_features,))
            self.reset_parameters()

    def _sizes_from_parameters(self) -> None:
        for name in ("weight", "running_mean"):
            if getattr(self, name) is not None:
                self.num_features = getattr(self, name).shape[0]
                return


def _ndim(input: Any) -> str:
    return f"{input.ndim}D" if isinstance(input, Tensor) else type(input).__name__


class _LazyBatchNorm(_LazyNormMixin, _BatchNorm):
    def _channels_of(self, input: Tensor) -> int:
        if not isinstance(input, Tensor) or input.ndim not in self._dims:
            raise ValueError(f"{type(self).__name__}: expected input of shape "
                             f"{self._expect.format(c='C')}, got {_ndim(input)} input")
        return input.shape[1]


class _LazyInstanceNorm(_LazyNormMixin, _InstanceNorm):
    def _channels_of(self, input: Tensor) -> int:
        d = self._spatial + 1
        if not isinstance(input, Tensor) or input.ndim not in (d, d + 1):
            raise ValueError(f"{type(self).__name__}: expected {d}D or {d + 1}D input (got "
                             f"{_ndim(input)} input)")
        return input.shape[1] if input.ndim == d + 1 else input.shape[0]


class LazyBatchNorm1d(_LazyBatchNorm):
    """``BatchNorm1d(num_features=<the first input's dim 1>, ...)``."""

    cls_to_become = BatchNorm1d
    _dims, _expect = BatchNorm1d._dims, BatchNorm1d._expect


class LazyBatchNorm2d(_LazyBatchNorm):
    """``BatchNorm2d(num_features=<the first input's dim 1>, ...)``."""

    cls_to_become = BatchNorm2d
    _dims, _expect = BatchNorm2d._dims, BatchNorm2d._expect


class LazyBatchNorm3d(_LazyBatchNorm):
    """``BatchNorm3d(num_features=<the first input's dim 1>, ...)``."""

    cls_to_become = BatchNorm3d
    _dims, _expect = BatchNorm3d._dims, BatchNorm3d._expect


class LazyInstanceNorm1d(_LazyInstanceNorm):
    """``InstanceNorm1d(num_features=<the first input's channels>, ...)``."""

    cls_to_become = InstanceNorm1d
    _spatial = 1


class LazyInstanceNorm2d(_LazyInstanceNorm):
    """``InstanceNorm2d(num_features=<the first input's channels>, ...)``."""

    cls_to_become = InstanceNorm2d
    _spatial = 2


class LazyInstanceNorm3d(_LazyInstanceNorm):
    """``InstanceNorm3d(num_features=<the first input's channels>, ...)``."""

    cls_to_become = InstanceNorm3d
    _spatial = 3

