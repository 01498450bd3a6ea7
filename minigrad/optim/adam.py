"""Adam and AdamW, as ``torch.optim.Adam`` / ``AdamW`` (bias-corrected moments; AdamW
decays the weights directly instead of adding ``wd * p`` to the gradient)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernels import optim as kernels
from ..tensor import Tensor
from .optimizer import Optimizer, check_numbers


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
        check_numbers(type(self).__name__, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        name = type(self).__name__
        if not 0.0 <= betas[0] < 1.0 or not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"{name}: invalid betas {betas} (each must be in [0, 1))")
        if eps < 0.0 or weight_decay < 0.0:
            raise ValueError(f"{name}: invalid eps {eps} or weight_decay {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        # Python floats, as PyTorch takes them: each scalar rounds to the parameter's dtype
        lr, wd, eps = float(group["lr"]), float(group["weight_decay"]), float(group["eps"])
        beta1, beta2 = map(float, group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._data)
            state["exp_avg_sq"] = np.zeros_like(p._data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p._data)
        state["step"] += 1
        step = state["step"]
        if wd:
            if self._decoupled:
                p._data *= 1 - lr * wd
            else:
                grad = grad + wd * p._data
        m, v = state["exp_avg"], state["exp_avg_sq"]
        step_size = lr / (1 - beta1**step)
        bc2_sqrt = math.sqrt(1 - beta2**step)
        if not group["amsgrad"] and kernels.adam(p._data, grad, m, v, beta1, beta2, bc2_sqrt,
                                                 eps, step_size):
            return  # the same arithmetic in one compiled pass (the fast extra)
        # PyTorch's arithmetic, operation for operation, in one scratch array (no temporaries)
        tmp = np.empty_like(m)  # with out=, so a 0-d parameter gets an array, not a scalar
        np.subtract(grad, m, out=tmp, dtype=m.dtype)
        tmp *= 1 - beta1
        m += tmp  # m.lerp_(g, 1 - beta1)
        v *= beta2
        np.multiply(grad, 1 - beta2, out=tmp)
        tmp *= grad
        v += tmp
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
