"""Adadelta, as ``torch.optim.Adadelta``: step sizes from the ratio of two running RMS
values, so the default ``lr=1.0`` needs no tuning."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_numbers


class Adadelta(Optimizer):
    """``v = rho*v + (1-rho)*g^2``; ``d = sqrt(u + eps) / sqrt(v + eps) * g``;
    ``u = rho*u + (1-rho)*d^2``; ``p -= lr * d``. State: ``step``, ``square_avg``,
    ``acc_delta`` (PyTorch's names)."""

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, maximize: bool = False) -> None:
        check_numbers(type(self).__name__, lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho value {rho} (must be in [0, 1])")
        for name, v in (("eps", eps), ("weight_decay", weight_decay)):
            if v < 0.0:
                raise ValueError(f"Adadelta: invalid {name} value {v}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._data)
            state["acc_delta"] = np.zeros_like(p._data)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._data
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * grad * grad
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        u *= rho
        u += (1 - rho) * delta * delta
        p._data -= group["lr"] * delta
