"""``nn.utils``: gradient clipping and flattening parameters into one vector, as
``torch.nn.utils``; ``nn.utils.rnn`` packs and pads variable-length sequences;
``parametrize`` and ``parametrizations`` (weight and spectral norm as parametrizations),
the older hook-based ``weight_norm`` and ``spectral_norm``, ``fusion`` (conv/linear + BN)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ...tensor import Tensor
from . import fusion, parametrizations, parametrize, rnn, stateless
from .fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "fusion", "get_total_norm", "parameters_to_vector",
           "parametrizations", "parametrize", "remove_spectral_norm", "remove_weight_norm",
           "rnn", "spectral_norm", "vector_to_parameters", "weight_norm"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The parameters as a list, read once: ``model.parameters()`` is a generator, which a
    second pass would find empty (each function here calls this exactly once)."""
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` taken together (a 0-d Tensor), as
    ``torch.nn.utils.get_total_norm``; ``0.`` for no tensors."""
    arrays = [t._data for t in _as_list(tensors)]
    return _total_norm(arrays, float(norm_type), error_if_nonfinite, "get_total_norm")[1]


def _total_norm(arrays: list[np.ndarray], norm_type: float, error_if_nonfinite: bool,
                fn: str) -> tuple[float, Tensor]:
    """The norm as a Python float (full precision, for the clipping coefficient) and as a
    0-d Tensor in the arrays' dtype (what PyTorch returns)."""
    if not arrays:
        return 0.0, Tensor(np.array(0.0, np.float32))
    dtype = np.result_type(*arrays)
    if norm_type == math.inf:
        total = max(float(np.abs(g).max()) if g.size else 0.0 for g in arrays)
    else:
        per = [np.sum(np.abs(g.astype(np.float64)) ** norm_type) for g in arrays]
        total = float(np.sum(per)) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"{fn}: the total norm of order {norm_type} of the "
                           "gradients is non-finite, so it cannot be clipped; set "
                           "error_if_nonfinite=False to skip this check")
    return total, Tensor(np.array(total, dtype))


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor | float, foreach: bool | None = None) -> None:
    """Scale every gradient in place by ``min(max_norm / (total_norm + 1e-6), 1)``, as
    ``torch.nn.utils.clip_grads_with_norm_`` (``total_norm`` from ``get_total_norm``)."""
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    coef = min(float(max_norm) / (total + 1e-6), 1.0)
    for p in _as_list(parameters):
        if p.grad is not None:
            p.grad._data[...] = p.grad._data * p.grad._data.dtype.type(coef)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so their joint ``norm_type``-norm is at most
    ``max_norm``; returns the norm before clipping (a 0-d Tensor), as PyTorch.

    ``parameters`` may be a generator (``model.parameters()``): it is read once."""
    params = _as_list(parameters)
    grads = [p.grad._data for p in params if p.grad is not None]
    total, norm = _total_norm(grads, float(norm_type), error_if_nonfinite, "clip_grad_norm_")
    if grads:
        clip_grads_with_norm_(params, max_norm, total)
    return norm


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D Tensor (a copy)."""
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return Tensor(np.concatenate([p._data.reshape(-1) for p in params]))


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got "
                        f"{type(vec).__name__}")
    params = _as_list(parameters)
    need = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != need:
        raise RuntimeError(f"vector_to_parameters: vec must be 1-D with {need} elements (the "
                           f"parameters' total), got shape {vec.shape}")
    start = 0
    for p in params:
        p._data[...] = vec._data[start:start + p.numel()].reshape(p.shape)
        start += p.numel()
