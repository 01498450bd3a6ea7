"""The functional forms of activations, affine maps and dropout (``F.relu``, ``F.linear``,
``F.dropout``...). They are compositions of core ops, so they are differentiable twice."""

from __future__ import annotations

import numpy as np

from ..autograd import Context, Function
from ..rng import get_rng
from ..tensor import Tensor


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise."""
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise."""
    return x.sigmoid()


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): finite for every x, no 0 taken log of.

    The gradient is ``sigmoid(-x)``, from the stable sigmoid: 1 at -200, not NaN.
    """

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> np.ndarray:
        x = a.data
        ctx.save_for_backward(a)
        return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return g * (-a).sigmoid()


def logsigmoid(x: Tensor) -> Tensor:
    """log(1 / (1 + exp(-x))) elementwise, computed stably (``F.logsigmoid``)."""
    return LogSigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return x.tanh()


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``; for training prefer ``cross_entropy`` on logits."""
    return x.softmax(dim)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    return x.log_softmax(dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` with PyTorch's weight layout ``(out_features, in_features)``."""
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: expected input with {weight.shape[1]} features in its last dimension, "
            f"got shape {x.shape}"
        )
    out = x @ weight.mT
    return out if bias is None else out + bias


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the survivors by
    ``1 / (1 - p)``, so nothing changes at evaluation time. Identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = get_rng().random(x.shape) >= p
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)
