"""Normalisations: local response normalisation (AlexNet) and batch normalisation.

LRN is one ``Function``; batch, layer and group norm are written with core Tensor ops (no
loops over batch or pixels), so their backward comes from the ops' and is itself
differentiable.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Context, Function, is_grad_enabled, no_grad
from ..tensor import Tensor
from .shape import pad


def _window_sum(x: Tensor, before: int, after: int) -> Tensor:
    """Sum over channels ``c - before .. c + after`` (zero beyond the edges), in Tensor ops."""
    n, c = x.shape[:2]
    padded = pad(x.reshape(n, c, -1), (0, 0, before, after))
    out = padded[:, 0:c]
    for i in range(1, before + after + 1):  # a handful of channel shifts, not a pixel loop
        out = out + padded[:, i:i + c]
    return out.reshape(x.shape)


def _window_sum_array(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """The same on a numpy array (the forward and the plain backward)."""
    c = x.shape[1]
    padded = np.pad(x, [(0, 0), (before, after)] + [(0, 0)] * (x.ndim - 2))
    out = padded[:, 0:c].copy()
    for i in range(1, before + after + 1):
        out += padded[:, i:i + c]
    return out


class LocalResponseNorm(Function):
    """``b = a * d**-beta`` with ``d = k + alpha/size * S(a**2)``, S the channel window sum.

    One node in the graph (AlexNet's picture stays readable). Backward:
    ``g * d**-beta - 2*alpha*beta/size * a * S^T(g * a * d**(-beta-1))``, where ``S^T`` is
    the window mirrored; it runs on numpy, or in Tensor ops when a graph of the gradient is
    wanted (``create_graph=True``), so LRN is twice differentiable.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, size: int, alpha: float, beta: float,
                k: float) -> np.ndarray:
        a = x.data
        ctx.window = (size // 2, (size - 1) // 2)
        ctx.scale, ctx.beta, ctx.k = alpha / size, beta, k
        d = _window_sum_array(a * a, *ctx.window) * a.dtype.type(ctx.scale) + a.dtype.type(k)
        ctx.d = d
        ctx.save_for_backward(x)
        return a * d ** a.dtype.type(-beta)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        before, after = ctx.window
        beta, scale = ctx.beta, ctx.scale
        if not is_grad_enabled():  # a plain backward: numpy, reusing the forward's d
            a, d, gd = x.data, ctx.d, g.data
            t = gd * a * d ** a.dtype.type(-beta - 1)
            grad = gd * d ** a.dtype.type(-beta) - a.dtype.type(2 * scale * beta) * a * (
                _window_sum_array(t, after, before))
            return grad, None, None, None, None
        d = _window_sum(x * x, before, after) * scale + ctx.k
        t = g * x * d ** (-beta - 1)
        grad = g * d ** (-beta) - (2 * scale * beta) * x * _window_sum(t, after, before)
        return grad, None, None, None, None


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
    dims = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != x.shape[1]:
            raise RuntimeError(f"batch_norm: {name} should contain {x.shape[1]} elements (the "
                               f"channels of input {x.shape}), not {t.numel()}")
    if training:
        count = x.numel() // max(x.shape[1], 1)
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {x.shape}")
        mean = x.mean(dims, keepdim=True)
        centred = x - mean
        var = (centred * centred).mean(dims, keepdim=True)
        if running_mean is not None and running_var is not None:
            with no_grad():
                m = np.asarray(momentum, running_mean.dtype)
                running_mean.data[...] = (1 - m) * running_mean.data + m * mean.data.reshape(-1)
                unbiased = var.data.reshape(-1) * (count / (count - 1))
                running_var.data[...] = (1 - m) * running_var.data + m * unbiased
        out = centred / (var + eps).sqrt()
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not "
                             "training")
        inv = 1.0 / np.sqrt(running_var.data + eps)
        out = (x - Tensor(running_mean.data.astype(x.dtype).reshape(shape))) * Tensor(
            inv.astype(x.dtype).reshape(shape))
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


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
