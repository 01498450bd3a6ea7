"""Adam and AdamW, as ``torch.optim.Adam`` / ``AdamW`` (bias-corrected moments; AdamW
decays the weights directly instead of adding ``wd * p`` to the gradient)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import optim as kernels
from ..tensor import Tensor
from .optimizer import Optimizer, check_adam_family


def update_moments(grad: np.ndarray, m: np.ndarray, v: np.ndarray | None, beta1: float,
                   beta2: float) -> np.ndarray:
    """Adam's running moments in place, PyTorch's arithmetic operation for operation:
    ``m.lerp_(g, 1 - beta1)`` and ``v = beta2 * v + (1 - beta2) * g * g`` (``v`` None: the
    first only). Returns a scratch array of ``m``'s shape and dtype for the caller's step
    (made with ``out=``, so a 0-d parameter gets an array, not a scalar)."""
    tmp = np.empty_like(m)
    np.subtract(grad, m, out=tmp, dtype=m.dtype)
    tmp *= 1 - beta1
    m += tmp
    if v is not None:
        v *= beta2
        np.multiply(grad, 1 - beta2, out=tmp)
        tmp *= grad
        v += tmp
    return tmp


def hyperparameters(group: dict) -> tuple[float, float, float, float, float]:
    """``lr, weight_decay, eps, beta1, beta2`` as Python floats, as PyTorch takes them: each
    rounds to the parameter's dtype where it meets an array."""
    beta1, beta2 = map(float, group["betas"])
    return float(group["lr"]), float(group["weight_decay"]), float(group["eps"]), beta1, beta2


def next_step(state: dict, p: Tensor, *buffers: str) -> int:
    """Count this step in ``state``, making its zero ``buffers`` on the first (PyTorch's
    state names and order: ``step`` first)."""
    state.setdefault("step", 0)
    for name in buffers:
        if name not in state:
            state[name] = np.zeros_like(p._data)
    state["step"] += 1
    return state["step"]


def decayed(p: Tensor, grad: np.ndarray, lr: float, wd: float,
            decoupled: bool) -> np.ndarray:
    """The gradient with weight decay: ``grad + wd * p`` (L2), or, ``decoupled``, ``p``
    scaled by ``1 - lr * wd`` in place and the gradient as it was (AdamW's)."""
    if not wd:
        return grad
    if decoupled:
        p._data *= 1 - lr * wd
        return grad
    return np.asarray(grad + wd * p._data)


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and of its square.

    ``m = b1*m + (1-b1)*g``, ``v = b2*v + (1-b2)*g^2``, ``p -= lr * m_hat / (sqrt(v_hat) + eps)``
    with the bias-corrected ``m_hat, v_hat``; ``weight_decay`` adds ``wd * p`` to ``g``. The
    book's choice for SimpleConvNet (``lr=1e-3``). State per parameter: ``step``,
    ``exp_avg``, ``exp_avg_sq`` (PyTorch's names, so states port both ways).
    """

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, maximize: bool = False) -> None:
        check_adam_family(type(self).__name__, lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, wd, eps, beta1, beta2 = hyperparameters(group)
        step = next_step(state, p, "exp_avg", "exp_avg_sq",
                         *(["max_exp_avg_sq"] if group["amsgrad"] else []))
        grad = decayed(p, grad, lr, wd, self._decoupled)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        step_size = lr / (1 - beta1**step)
        bc2_sqrt = math.sqrt(1 - beta2**step)
        if not group["amsgrad"] and kernels.adam(p._data, grad, m, v, beta1, beta2, bc2_sqrt,
                                                 eps, step_size):
            return  # the same arithmetic in one compiled pass (the fast extra)
        # PyTorch's arithmetic, operation for operation, in one scratch array (no temporaries)
        tmp = update_moments(grad, m, v, beta1, beta2)
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        np.sqrt(v, out=tmp)
        tmp /= bc2_sqrt
        tmp += eps  # the denominator
        np.divide(m, tmp, out=tmp)
        tmp *= step_size
        p._data -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr*weight_decay`` before the Adam step."""

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
