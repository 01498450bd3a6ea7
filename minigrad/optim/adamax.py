"""Adamax, as ``torch.optim.Adamax``: Adam with the infinity norm in place of the squared
gradients' average, whose step size stays bounded by ``lr`` even for rare large
gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .adam import decayed, hyperparameters, next_step, update_moments
from .optimizer import Optimizer, check_adam_family, refuse_unsupported


class Adamax(Optimizer):
    """Adamax: Adam's variant from the same paper, based on the infinity norm.

    ``m = b1*m + (1-b1)*g``, ``u = max(b2*u, |g| + eps)``,
    ``p -= lr / (1 - b1^t) * m / u``; ``weight_decay`` adds ``wd * p`` to ``g``. State per
    parameter: ``step``, ``exp_avg``, ``exp_inf`` (PyTorch's names). ``foreach`` is accepted
    and ignored; ``capturable`` and ``differentiable`` must be False.
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_adam_family("Adamax", lr, betas, eps, weight_decay)
        refuse_unsupported("Adamax", capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, wd, eps, beta1, beta2 = hyperparameters(group)
        next_step(state, p, "exp_avg", "exp_inf")
        grad = decayed(p, grad, lr, wd, decoupled=False)
        m, u = state["exp_avg"], state["exp_inf"]
        tmp = update_moments(grad, m, None, beta1, beta2)
        u *= beta2
        np.abs(grad, out=tmp)
        tmp += eps
        np.maximum(u, tmp, out=u)  # NaN propagates, as torch.maximum
        clr = lr / (1 - beta1 ** state["step"])
        np.multiply(m, -clr, out=tmp)  # p.addcdiv_(m, u, value=-clr): (value*m)/u
        tmp /= u
        p._data += tmp
