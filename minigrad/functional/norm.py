"""Normalisations with PyTorch's signatures: batch, layer, group, instance and local response
norm. Batch norm in training and LRN call Functions in ``minigrad.ops.norm``; the others are
written with core Tensor ops, so their backward comes from the ops' and is differentiable again.
"""

from __future__ import annotations

import numpy as np

from ..ops.norm import BatchNormTrain, LocalResponseNorm, _BatchStats
from ..tensor import Tensor, require_tensor


def local_response_norm(x: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """PyTorch's formula: ``b_c = a_c / (k + alpha/size * sum_{c'} a_{c'}^2) ** beta``, the sum
    over channels ``c - size//2 .. c + (size-1)//2``, zero-padded at the edges (the padding
    counts in the ``/size``, exactly like PyTorch's avg-pool implementation)."""
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: expected an input of at least 3 dimensions "
                         f"(N, C, ...), got shape {x.shape}")
    if size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size}")
    return LocalResponseNorm.apply(x, int(size), alpha, beta, k)


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by batch statistics when ``training`` (biased variance),
    updating the running stats in place (unbiased variance, as PyTorch), or by the running
    statistics otherwise."""
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dimensions (N, C, ...), "
                         f"got shape {x.shape}")
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    _check_per_channel("batch_norm", x, running_mean=running_mean, running_var=running_var,
                       weight=weight, bias=bias)
    _check_same_dtype("batch_norm", x, running_mean=running_mean, running_var=running_var,
                      weight=weight, bias=bias)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not "
                             "training")
        out = _normalize_by_running_stats(x, running_mean, running_var, eps, shape)
        return _affine(out, weight, bias, shape)
    count = x.numel() // max(x.shape[1], 1)
    if count <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                         f"training, got input of shape {x.shape}")
    stats = _BatchStats()
    out = BatchNormTrain.apply(x, weight, bias, float(eps), stats)
    _update_running(running_mean, running_var, momentum, stats.mean, stats.var, count)
    return out


def _check_same_dtype(op: str, x: Tensor, **params: Tensor | None) -> None:
    """PyTorch refuses a float32 input with float64 parameters and the other way round
    ("mixed dtype"), rather than choose a result dtype."""
    for name, t in params.items():
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(f"{op}: {name} has dtype {t.dtype} but the input has "
                               f"{x.dtype}; expected the parameters and running statistics "
                               f"in the input's dtype (convert the module with .to(dtype))")


def _check_per_channel(op: str, x: Tensor, **params: Tensor | None) -> None:
    """Each given statistic or affine parameter holds one value per channel of ``x``."""
    for name, t in params.items():
        if t is not None and t.numel() != x.shape[1]:
            raise RuntimeError(f"{op}: {name} should contain {x.shape[1]} elements (the "
                               f"channels of input {x.shape}), not {t.numel()}")


def _update_running(running_mean: Tensor | None, running_var: Tensor | None, momentum: float,
                    mean: np.ndarray, var: np.ndarray, count: int) -> None:
    """Move the running statistics (when kept) towards a batch's mean and variance, in
    place: ``(1 - momentum) * running + momentum * batch``, the variance unbiased over the
    ``count`` values it was taken over (PyTorch's rule)."""
    if running_mean is None or running_var is None:
        return
    m = np.asarray(momentum, running_mean.dtype)
    running_mean._data[...] = (1 - m) * running_mean._data + m * mean
    running_var._data[...] = (1 - m) * running_var._data + m * (var * (count / (count - 1)))


def _normalize_by_running_stats(x: Tensor, running_mean: Tensor, running_var: Tensor,
                                eps: float, shape: tuple) -> Tensor:
    """``(x - running_mean) / sqrt(running_var + eps)``, the statistics broadcast by
    ``shape``: evaluation-mode batch norm, and instance norm without input statistics."""
    inv = 1.0 / np.sqrt(running_var._data + eps)
    return (x - Tensor(running_mean._data.astype(x.dtype).reshape(shape))) * Tensor(
        inv.astype(x.dtype).reshape(shape))


def _affine(out: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple) -> Tensor:
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(x: Tensor, normalized_shape: int | tuple[int, ...],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims (biased variance), then scale by
    ``weight`` and shift by ``bias`` (both shaped ``normalized_shape``)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise RuntimeError(f"layer_norm: given normalized_shape={list(shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, shape))}], but got input of "
                           f"size {x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise RuntimeError(f"layer_norm: {name} must have shape {shape}, got {t.shape}")
    dims = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return _affine(centred / (var + eps).sqrt(), weight, bias, shape)


def group_norm(x: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the channels (dim 1) into ``num_groups`` groups and normalise each group of each
    sample over its channels and positions; then a per-channel ``weight`` and ``bias``."""
    if x.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of at least 2 dimensions (N, C, "
                           f"...), got shape {x.shape}")
    n, c = x.shape[:2]
    if num_groups < 1 or c % num_groups:
        raise RuntimeError(f"group_norm: expected the number of channels {c} to be divisible "
                           f"by num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"group_norm: {name} should contain {c} elements, not {t.numel()}")
    grouped = x.reshape(n, num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    centred = grouped - mean
    var = (centred * centred).mean(-1, keepdim=True)
    out = (centred / (var + eps).sqrt()).reshape(x.shape)
    return _affine(out, weight, bias, (1, c) + (1,) * (x.ndim - 2))


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial positions (biased variance),
    then a per-channel ``weight`` and ``bias``. With ``use_input_stats`` and running stats
    given, these move towards the batch average of the per-sample statistics (unbiased
    variance), as in PyTorch; without ``use_input_stats`` the running stats normalise."""
    x = require_tensor(input, "instance_norm", "input")
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected an input (N, C, *spatial) with at least "
                         f"one spatial dim, got shape {x.shape}")
    _check_per_channel("instance_norm", x, running_mean=running_mean,
                       running_var=running_var, weight=weight, bias=bias)
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    dims = tuple(range(2, x.ndim))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var are needed when "
                             "use_input_stats=False")
        out = _normalize_by_running_stats(x, running_mean, running_var, eps, shape)
        return _affine(out, weight, bias, shape)
    count = int(np.prod(x.shape[2:]))
    if count <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when "
                         f"training, got input size {list(x.shape)}")
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    out = centred / (var + eps).sqrt()
    if x.shape[0] > 0:  # the running statistics follow the average over the samples
        _update_running(running_mean, running_var, momentum,
                        mean._data.reshape(x.shape[:2]).mean(axis=0),
                        var._data.reshape(x.shape[:2]).mean(axis=0), count)
    return _affine(out, weight, bias, shape)


def rms_norm(input: Tensor, normalized_shape: list[int] | tuple[int, ...],  # noqa: A002
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Divide by the root mean square over the last ``len(normalized_shape)`` dims (no
    centring, unlike ``layer_norm``), then scale by ``weight``: ``x / sqrt(mean(x**2) +
    eps) * weight``, with ``eps`` the dtype's machine epsilon when None (PyTorch's
    default); float16 is computed in float32, as PyTorch's."""
    x = require_tensor(input, "rms_norm", "input")
    shape = _rms_norm_shape(x, normalized_shape, weight)
    wide = x.to(np.float32) if x.dtype == np.float16 else x
    eps = float(np.finfo(x.dtype).eps) if eps is None else eps
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    out = (wide * ((wide * wide).mean(dims, keepdim=True) + eps).rsqrt()).to(x.dtype)
    return out if weight is None else out * weight.to(x.dtype)


def _rms_norm_shape(x: Tensor, normalized_shape: object,
                    weight: Tensor | None) -> tuple[int, ...]:
    """``normalized_shape`` as a tuple, checked against the input and weight as PyTorch
    checks them."""
    if isinstance(normalized_shape, (int, np.integer)) or not isinstance(
            normalized_shape, (list, tuple)):
        raise TypeError(f"rms_norm: argument 'normalized_shape' must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    shape = tuple(int(s) for s in normalized_shape)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"rms_norm: not implemented for dtype {x.dtype}")
    k = len(shape)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise RuntimeError(f"rms_norm: given normalized_shape={list(shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, shape))}], but got input of "
                           f"size {tuple(x.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"rms_norm: expected weight to be of same shape as "
                           f"normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(shape)}")
    return shape
