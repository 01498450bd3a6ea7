"""Weight initialisation, in place, with PyTorch's names, fan rules and gains.

Every draw comes from ``minigrad.rng.get_rng()``, so ``minigrad.manual_seed`` fixes it.
The fan of a weight of shape ``(out, in, *kernel)`` is ``in * prod(kernel)`` (fan_in) and
``out * prod(kernel)`` (fan_out), exactly as in ``torch.nn.init``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..rng import get_rng
from ..tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def _fill(tensor: Tensor, values: np.ndarray | float) -> Tensor:
    tensor._data[...] = values  # keeps the tensor's dtype and identity
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance steady through ``nonlinearity``."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions "
            f"(shape {tensor.shape})"
        )
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported, use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _draw_dtype(tensor: Tensor) -> np.dtype:
    """Draw float32 weights directly in float32 (half the memory and time of float64)."""
    return tensor.dtype if tensor.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b)."""
    dtype = _draw_dtype(tensor)
    u = get_rng().random(tensor.shape, dtype=dtype)
    return _fill(tensor, dtype.type(a) + dtype.type(b - a) * u)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std^2)."""
    dtype = _draw_dtype(tensor)
    z = get_rng().standard_normal(tensor.shape, dtype=dtype)
    return _fill(tensor, dtype.type(mean) + dtype.type(std) * z)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val`` in place (no gradient is recorded); returns it."""
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros in place; returns it (the book's bias init)."""
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones in place; returns it."""
    return _fill(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)))


def _is_empty(tensor: Tensor) -> bool:
    """A zero-element weight (a layer with zero channels) has nothing to draw: warn, as PyTorch."""
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He: U(-bound, bound), bound = gain * sqrt(3 / fan). With a=sqrt(5) this is PyTorch's
    default for Linear and Conv2d weights (bound = 1 / sqrt(fan_in))."""
    if _is_empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He: N(0, std^2), std = gain / sqrt(fan)."""
    if _is_empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with N(mean, std^2) truncated to ``[a, b]`` (absolute bounds, as PyTorch's):
    every value out of range is drawn again until all lie inside."""
    if not a < b:
        raise ValueError(f"trunc_normal_: the lower bound a={a} must be below the upper "
                         f"bound b={b}")
    if std < 0:
        raise ValueError(f"trunc_normal_: std must be non-negative, got std={std}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    rng = get_rng(generator)
    values = mean + std * rng.standard_normal(tensor.shape)
    for _ in range(1000):  # each round keeps at least P([a, b]) of the rest
        bad = (values < a) | (values > b)
        if not bad.any():
            break
        values[bad] = mean + std * rng.standard_normal(int(bad.sum()))
    return _fill(tensor, np.clip(values, a, b))


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times ``gain`` (Saxe et al.): the weight viewed
    as ``(rows, everything else)`` has orthonormal rows or columns, whichever are fewer.
    Drawn as PyTorch does: the QR of a Gaussian matrix, signs fixed by R's diagonal."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are "
                         f"supported, got shape {tensor.shape}")
    if tensor.numel() == 0:
        return tensor  # no-op, as PyTorch
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = get_rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """Fill a 2-D weight with N(0, std^2) and zero ``ceil(sparsity * rows)`` randomly
    chosen rows in each column (Martens, 2010), as PyTorch's ``sparse_``."""
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape "
                         f"{tensor.shape}")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    rng = get_rng(generator)
    values = std * rng.standard_normal(tensor.shape)
    for col in range(cols):
        values[rng.permutation(rows)[:num_zeros], col] = 0
    return _fill(tensor, values)


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D conv weight with the Dirac delta: the convolution passes its
    input through (each group's first ``min(out, in)`` channels), as PyTorch's ``dirac_``."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, "
                         f"got shape {tensor.shape}")
    if tensor.shape[0] % groups != 0:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups, got dim 0 of size "
                         f"{tensor.shape[0]} and groups={groups}")
    per_group = tensor.shape[0] // groups
    centre = tuple(n // 2 for n in tensor.shape[2:])
    _fill(tensor, 0)
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            tensor._data[(g * per_group + d, d, *centre)] = 1
    return tensor


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D weight with the identity matrix (ones on the diagonal, rectangular too):
    a Linear layer that passes its input through."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape "
                         f"{tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))
