"""RAdam, as ``torch.optim.RAdam``: Adam that takes plain momentum steps while too few
gradients have been seen to trust the variance estimate, then rectified Adam steps, so it
needs no learning-rate warmup; ``decoupled_weight_decay`` makes it RAdamW."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .adam import decayed, hyperparameters, next_step, update_moments
from .optimizer import Optimizer, check_adam_family, refuse_unsupported


class RAdam(Optimizer):
    """RAdam: rectified Adam.

    ``m`` and ``v`` as in Adam; with ``rho_inf = 2/(1-b2) - 1`` and
    ``rho_t = rho_inf - 2t b2^t / (1-b2^t)``, the step is ``p -= lr * m_hat`` while
    ``rho_t <= 5`` and ``p -= lr * m_hat * sqrt(1-b2^t) / (sqrt(v) + eps) * r_t`` after, with
    ``r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))``.
    ``weight_decay`` adds ``wd * p`` to ``g``, or with ``decoupled_weight_decay`` scales ``p``
    by ``1 - lr*wd``. State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.
    ``foreach`` is accepted and ignored; ``capturable`` and ``differentiable`` must be False.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_adam_family("RAdam", lr, betas, eps, weight_decay)
        refuse_unsupported("RAdam", capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, wd, eps, beta1, beta2 = hyperparameters(group)
        step = next_step(state, p, "exp_avg", "exp_avg_sq")
        grad = decayed(p, grad, lr, wd, group["decoupled_weight_decay"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = update_moments(grad, m, v, beta1, beta2)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        update = np.empty_like(m)
        np.divide(m, bias_correction1, out=update)  # the bias-corrected exp_avg
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:  # enough steps for the variance estimate: the rectified Adam step
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            np.sqrt(v, out=tmp)
            tmp += eps
            np.reciprocal(tmp, out=tmp)  # PyTorch's number / tensor is reciprocal() * number
            tmp *= bias_correction2**0.5
            update *= tmp
            update *= rect
        p._data -= update
